"""What a host name means for security: whether it is this machine (standard library only).

Shared by the clients (plain http is harmless to a loopback `base_url`) and the emulator (bound beyond
loopback, it warns).
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Tell whether a host name or address is this machine (where plain http is harmless)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
