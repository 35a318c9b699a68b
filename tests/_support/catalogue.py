"""The gateway's model catalogue, as its documentation excerpt in tests/fixtures lists it: one entry per model."""

from __future__ import annotations

import json
import re

from tests._support.paths import FIXTURES

CATALOGUE_EXCERPT = FIXTURES / "toiotech_model-catalogue_doc-excerpt.json"
_ENTRY = re.compile(r"^(?P<name>[A-Za-z][\w.\-]*[\w.])(?:\((?P<note>[^)]*)\))?$")


def catalogue() -> list[tuple[str, str, str, str]]:
    """`(section, vendor, model, note)` for every catalogue entry that names a model."""
    entries = []
    section = vendor = ""
    for line in json.loads(CATALOGUE_EXCERPT.read_text(encoding="utf-8"))["lines"]:
        depth, title = len(line) - len(line.lstrip()), line.strip().removeprefix("• ")
        if depth == 4:  # the sidebar's indentation levels: section, vendor, page
            section = title
        elif depth == 6:
            vendor = title
        elif depth == 8 and (match := _ENTRY.match(title)) is not None:
            entries.append((section, vendor, match.group("name"), match.group("note") or ""))
    return entries


ENTRIES = catalogue()
