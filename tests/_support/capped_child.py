"""Run client code in a child interpreter capped in address space, and read back its report and peak RSS.

Whatever could exhaust memory runs there, not in the test runner: under `RLIMIT_AS` a runaway reader ends in
`MemoryError` in the child instead of taking the machine down, and the child's peak RSS shows how much it held.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, Final

from tests._support.paths import REPO_ROOT

CAP_BYTES: Final = 3 << 30  # RLIMIT_AS of the child
BASELINE_MIB: Final = 100  # measured: the child holds about 70 MiB (langchain-core, pydantic) before its first call

_PRELUDE: Final = f"""
import resource
resource.setrlimit(resource.RLIMIT_AS, ({CAP_BYTES}, {CAP_BYTES}))
"""

# ru_maxrss survives fork and exec on Linux, so it starts at the test runner's own peak; VmHWM belongs to this
# process's memory alone. Both are peaks; the smaller is this child's.
_REPORT: Final = """
import json as _json
_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
try:
    with open("/proc/self/status") as _status:
        _hwm = next(_line for _line in _status if _line.startswith("VmHWM:"))
    _peak = min(_peak, int(_hwm.split()[1]) / 1024)
except (OSError, StopIteration):
    pass
print(_json.dumps({**report, "peak_rss_mib": _peak}))
"""


def run_capped(script: str, *args: str, timeout: float = 60) -> dict[str, Any]:
    """Run `script` with `args` in a capped child; it leaves what it found in a dict named `report`.

    The child runs in the repository's root, so `script` can import from `tests._support`.

    Returns:
        That dict, with the child's peak RSS in MiB as `peak_rss_mib`.
    """
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _PRELUDE + script + _REPORT, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report
