"""One reasoning knob for every vendor, and what ChatToiotech sends for it.

Live gateway with TOIOTECH_API_KEY, else the offline emulator (which also shows the wire JSON it received).
"""

from __future__ import annotations

import json

from _gateway import gateway

from langchain_toiotech import ChatToiotech

KNOBS = [
    ("doubao-seed-1-8", {"effort": "medium", "enabled": True}),
    ("claude-sonnet-4-5-20250929", {"budget_tokens": 2048}),
    ("gemini-2.5-flash", {"enabled": True, "budget_tokens": 1024}),
    ("qwen3-max", {"enabled": False}),
    ("deepseek-reasoner", {"effort": "high"}),
    ("o3", {"effort": "low"}),
]
CONTROL_FIELDS = ("reasoning_effort", "thinking", "enable_thinking", "thinking_budget", "extra_body")


def main() -> None:
    with gateway() as gw:
        for model_name, knob in KNOBS:
            model = ChatToiotech(model=model_name, reasoning=knob, **gw.kwargs)
            answer = model.invoke("Is 97 prime? Answer in one word.")
            print(f"{model_name:>18} reasoning={json.dumps(knob)}")
            if gw.emulator is not None:  # show the vendor fields the knob became on the wire
                body = gw.emulator.requests[-1].body
                sent = {key: body[key] for key in CONTROL_FIELDS if key in body}
                print(f"{'':>18} sent: {json.dumps(sent)}")
            print(f"{'':>18} reasoning text: {answer.additional_kwargs.get('reasoning_content', '(none)')!r}")
        try:
            ChatToiotech(model="gpt-4o-mini", reasoning={"effort": "high"}, **gw.kwargs)
        except ValueError as error:
            reason = next(line for line in str(error).splitlines() if "reasoning=" in line).strip()
            print(f"gpt-4o-mini with an effort is refused before any request: {reason}")


if __name__ == "__main__":
    main()
