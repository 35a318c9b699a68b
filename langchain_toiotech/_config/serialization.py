"""LangChain serialisation (`dumpd` / `loads`) of the public clients, with every credential kept out of the dump.

`langchain_core.load.dumpd(model)` writes the constructor arguments that differ from their defaults. The API
key becomes a secret reference (`{"lc": 1, "type": "secret", "id": ["TOIOTECH_API_KEY"]}`) and credential
headers in `default_headers` (`Authorization`, `X-Api-Key`, ...) are left out: langchain-core revives secret
references only at the top level of the arguments, so they could not come back as secrets. The same dump is
langchain-core's LLM-cache key, so a cache entry never holds a credential either.

Loading needs the namespace allowed and the key supplied, from a map or from the environment:

```python
import json

from langchain_core.load import dumpd, loads
from langchain_toiotech import ChatToiotech

text = json.dumps(dumpd(ChatToiotech(model="deepseek-chat", api_key="sk-...")))
model = loads(
    text,
    allowed_objects=[ChatToiotech],  # "all" covers only langchain-core's own mapping, not this package
    valid_namespaces=["langchain_toiotech"],
    secrets_map={"TOIOTECH_API_KEY": "sk-..."},  # or secrets_from_env=True
)
```
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final

from langchain_core.load.serializable import Serializable, SerializedConstructor, SerializedNotImplemented

from langchain_toiotech._config.settings import API_KEY_ENV
from langchain_toiotech._http.limits import DEFAULT_REPLY_LIMITS, ReplyLimits

# Header names that carry credentials: the set the emulator and the cassettes redact, and proxies' own.
CREDENTIAL_HEADERS: Final = frozenset({"authorization", "proxy-authorization", "x-api-key", "api-key", "cookie"})


class GatewaySerializable(Serializable):
    """Makes a public client LangChain-serialisable under the `langchain_toiotech` namespace.

    The class id is `["langchain_toiotech", "<ClassName>"]`: the package's public import path, which the
    loader imports (`langchain_toiotech.ChatToiotech`), so a dump stays loadable when modules move inside the
    package.
    """

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Yes: the dump is the constructor arguments, with the key as a secret reference."""
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """`["langchain_toiotech"]`, the public import path of every serialisable class of the package."""
        return ["langchain_toiotech"]

    @property
    def lc_secrets(self) -> dict[str, str]:
        """The key's constructor argument and the environment variable that holds it."""
        return {"api_key": API_KEY_ENV}

    def to_json(self) -> SerializedConstructor | SerializedNotImplemented:
        """The constructor arguments that differ from their defaults; no key, no credential header."""
        serialized = super().to_json()
        if serialized["type"] != "constructor":
            return serialized
        kwargs = serialized["kwargs"]
        _drop_credential_headers(kwargs)
        limits = kwargs.pop("reply_limits", None)
        if isinstance(limits, ReplyLimits) and limits != DEFAULT_REPLY_LIMITS:
            kwargs["reply_limits"] = dataclasses.asdict(limits)  # the field takes the dict back
        return serialized


def _drop_credential_headers(kwargs: dict[str, Any]) -> None:
    headers = kwargs.get("default_headers")
    if isinstance(headers, dict):
        kept = {name: value for name, value in headers.items() if name.lower() not in CREDENTIAL_HEADERS}
        if kept:
            kwargs["default_headers"] = kept  # a new dict: the model's own headers stay as they are
        else:
            kwargs.pop("default_headers")
