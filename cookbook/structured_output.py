"""Structured output three ways: a forced tool call (default), a JSON schema, and JSON mode.

Live gateway with TOIOTECH_API_KEY, else the offline emulator.
"""

from __future__ import annotations

import os

from _gateway import gateway
from pydantic import BaseModel, Field

from langchain_toiotech import ChatToiotech

MODEL = os.environ.get("TOIOTECH_MODEL", "gpt-4o-mini")


class CityFacts(BaseModel):
    """Facts about a city."""

    city: str = Field(description="The city's name")
    country: str = Field(description="The country it is in")
    population_millions: float = Field(description="Population in millions")


def main() -> None:
    with gateway() as gw:
        model = ChatToiotech(model=MODEL, **gw.kwargs)
        question = "Give me facts about Florence as JSON with city, country and population_millions."
        for method in ("function_calling", "json_schema"):
            structured = model.with_structured_output(CityFacts, method=method, include_raw=True)
            result = structured.invoke(question)
            print(f"{method:>16}: {result['parsed']!r} (parsing_error={result['parsing_error']!r})")
        # JSON mode only promises a JSON object: describe the shape in the prompt, parse to a dict.
        as_dict = model.with_structured_output(method="json_mode").invoke(question)
        print(f"{'json_mode':>16}: {type(as_dict).__name__} with keys {sorted(as_dict)}")


if __name__ == "__main__":
    main()
