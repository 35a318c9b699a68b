"""A successful reply reaches the user exactly as the gateway sent it, whatever the key.

Self-hosted gateways run on short keys ("EMPTY", "test", "k"); masking such a key inside a 200 body used to
turn `"message"` into `"mess***ge"` (an empty answer), `<think>` into `<thin***>` and `"data"` into garbage.
Masking belongs to what we raise and log; these tests run each read path on the loopback emulator with keys
of one to four characters, and with a key that the answer itself quotes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from langchain_toiotech import ChatToiotech, ToiotechEmbeddings, ToiotechFiles
from langchain_toiotech._http.redaction import redact_data, redact_text
from langchain_toiotech.testing import GatewayEmulator

SHORT_KEYS = ["a", "k", "1", "test", "EMPTY"]
PROMPT = "run the test with key k and a"
ANSWER = f"Hello from the toiotech emulator. You said: {PROMPT}"
REASONING = f"Thinking about: {PROMPT}"
LONG_KEY = "sk-local-0123456789abcdef"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200))


class Person(BaseModel):
    name: str
    age: int


def chat(gw: GatewayEmulator, key: str) -> ChatToiotech:
    return ChatToiotech(model="deepseek-reasoner", api_key=key, base_url=gw.base_url, max_retries=0)


@pytest.mark.parametrize("key", SHORT_KEYS)
async def test_chat_answer_is_untouched_by_a_short_key(key: str) -> None:
    # think_tags: the reasoning arrives inside `<think>` in the content, which a key "k" used to break.
    with GatewayEmulator(api_key=key, reasoning_style="think_tags") as gw:
        model = chat(gw, key)
        answers = [model.invoke(PROMPT), await model.ainvoke(PROMPT)]
        streamed = "".join(str(chunk.content) for chunk in model.stream(PROMPT))
        astreamed = "".join([str(chunk.content) async for chunk in model.astream(PROMPT)])

    for answer in answers:
        assert answer.content == ANSWER
        assert answer.additional_kwargs["reasoning_content"] == REASONING
        assert answer.usage_metadata is not None
        assert answer.usage_metadata["total_tokens"] > 0  # numbers survive a key "1"
    assert streamed == astreamed == ANSWER


@pytest.mark.parametrize("key", SHORT_KEYS)
async def test_structured_output_is_untouched_by_a_short_key(key: str) -> None:
    with GatewayEmulator(api_key=key, reasoning_style="think_tags") as gw:
        structured = chat(gw, key).with_structured_output(Person)
        by_tool = structured.invoke(PROMPT)
        by_tool_async = await structured.ainvoke(PROMPT)
        by_schema = chat(gw, key).with_structured_output(Person, method="json_schema").invoke(PROMPT)

    for parsed in (by_tool, by_tool_async, by_schema):
        assert isinstance(parsed, Person)
        assert parsed.name  # the emulator fills every schema field


@pytest.mark.parametrize("key", SHORT_KEYS)
async def test_embeddings_are_untouched_by_a_short_key(key: str) -> None:
    with GatewayEmulator(api_key=LONG_KEY) as reference_gw:
        reference = ToiotechEmbeddings(model="text-embedding-3-small", api_key=LONG_KEY, base_url=reference_gw.base_url)
        expected = reference.embed_documents(["test", "a k"])
    with GatewayEmulator(api_key=key) as gw:
        embeddings = ToiotechEmbeddings(model="text-embedding-3-small", api_key=key, base_url=gw.base_url)
        vectors = embeddings.embed_documents(["test", "a k"])
        vectors_async = await embeddings.aembed_documents(["test", "a k"])

    assert vectors == vectors_async == expected


@pytest.mark.parametrize("key", SHORT_KEYS)
async def test_file_objects_are_untouched_by_a_short_key(key: str, tmp_path: Path) -> None:
    path = tmp_path / f"{key}.png"  # the key is in the file name the gateway echoes back
    path.write_bytes(PNG)
    with GatewayEmulator(api_key=key, files_api="openai") as gw:
        files = ToiotechFiles(api_key=key, base_url=gw.base_url, max_retries=0)
        uploaded = files.upload(path)
        uploaded_async = await files.aupload(path)
        listed = files.list()
        retrieved = await files.aretrieve(uploaded.id)
        deleted = files.delete(uploaded.id)

    assert uploaded.filename == uploaded_async.filename == retrieved.filename == f"{key}.png"
    assert {item.id for item in listed} == {uploaded.id, uploaded_async.id}
    assert deleted is True


async def test_an_answer_that_quotes_the_key_is_returned_as_sent() -> None:
    # The user asked for this text; the key in it is theirs to see (it is never in an error or a log).
    prompt = f"my key is {LONG_KEY}"
    with GatewayEmulator(api_key=LONG_KEY, reasoning_style=None) as gw:
        model = chat(gw, LONG_KEY)
        answer = model.invoke(prompt)
        streamed = "".join([str(chunk.content) async for chunk in model.astream(prompt)])

    assert answer.content == streamed == f"Hello from the toiotech emulator. You said: {prompt}"


# --- the masking rule used for what we raise -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "masked"),
    [
        ("invalid api key a", "a", "invalid api key ***"),  # a short key only as a word of its own
        ("Bearer test\n", "test", "Bearer ***\n"),
        ("tests passed", "test", "tests passed"),
        (f"token={LONG_KEY}&x", LONG_KEY, "token=***&x"),
        (f"glued{LONG_KEY}glued", LONG_KEY, "glued***glued"),  # a long key wherever it occurs
    ],
)
def test_masking_rule(text: str, key: str, masked: str) -> None:
    assert redact_text(text, key) == masked


def test_masking_a_decoded_body_keeps_its_numbers_and_structure() -> None:
    body = {"error": {"message": "bad token 1", "code": 1, "param": ["1", 1.0, None]}}

    assert redact_data(body, "1") == {"error": {"message": "bad token ***", "code": 1, "param": ["***", 1.0, None]}}
