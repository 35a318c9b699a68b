"""`ToiotechEmbeddings`: LangChain embeddings over the toiotech gateway's `/embeddings` API."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from langchain_core.embeddings import Embeddings
from pydantic import Field

from langchain_toiotech._config.serialization import GatewaySerializable
from langchain_toiotech._config.settings import RequestFieldClient
from langchain_toiotech._embedding_batches import (
    batched,
    check_text,
    check_texts,
    vectors_in_order,
)
from langchain_toiotech._http.client import (
    JSONObject,
)

__all__ = ["ToiotechEmbeddings"]

logger = logging.getLogger("langchain_toiotech")

_EMBEDDINGS_PATH = "/embeddings"
_T = TypeVar("_T")
_R = TypeVar("_R")


class ToiotechEmbeddings(RequestFieldClient, GatewaySerializable, Embeddings):
    """Text embeddings from the toiotech AI gateway (OpenAI-compatible `/v1/embeddings`).

    Texts are sent in batches of `chunk_size`; the async methods run up to `max_concurrency` batches
    at once. Vectors come back in input order, matched by each reply item's `index`. Retries, timeouts
    and errors are the chat model's: a 400 raises `BadRequestError`, a 401 `AuthenticationError`, and
    408/409/429/5xx are retried `max_retries` times.

    Setup:
        ```bash
        pip install langchain-toiotech
        export TOIOTECH_API_KEY="sk-..."
        ```

    Key init args:
        model: Embedding model, e.g. `"text-embedding-3-small"` (default), `"text-embedding-v4"`.
        dimensions: Shorter vectors, for models that support it (`text-embedding-3-*`, Qwen v3/v4).
        chunk_size: Inputs per request (1000). Lower it for vendors with small batch limits, such as
            Alibaba's `text-embedding-v3`/`v4`, which take at most 10.
        max_concurrency: Batches in flight at once in `aembed_documents` (4).
        encoding_format: `"base64"` (default), `"float"`, or None to leave the field out. base64 is the
            default because float32 vectors in base64 are a quarter of the bytes of JSON numbers and,
            measured on 100 x 1536 vectors, decode about 9x faster (3 ms against 26 ms) with
            `array.array("f")` and no numpy. Replies in either form are read whatever was asked for, since
            some upstream vendors only send floats; set `"float"` if a vendor rejects the field.
        model_kwargs: Other request fields (e.g. `{"user": "u-1"}`).

    Key init args (client params):
        api_key: Defaults to `TOIOTECH_API_KEY`. base_url: defaults to `TOIOTECH_BASE_URL`, then
        `https://api.toiotech.com/v1`. timeout, max_retries (2), default_headers, http_client,
        http_async_client.

    Embed:
        ```python
        from langchain_toiotech import ToiotechEmbeddings

        embeddings = ToiotechEmbeddings(model="text-embedding-3-small", dimensions=256)
        vectors = embeddings.embed_documents(["The cat sat.", "Dogs bark."])
        query = embeddings.embed_query("Which animal sat?")
        print(len(vectors), len(query))  # 2 256
        ```

    Async:
        ```python
        documents = [f"Document number {number}." for number in range(5000)]
        vectors = await embeddings.aembed_documents(documents)  # 5 batches, up to 4 at once
        query = await embeddings.aembed_query("Which animal sat?")
        ```

    Bad input fails before any request: a bare string given to `embed_documents` or a non-string item
    raises `TypeError`, an empty string raises `ValueError` naming its position (the gateway would
    answer 400), and an empty list returns `[]` without calling the gateway.
    """

    model: str = Field(default="text-embedding-3-small", alias="model_name")
    """Embedding model name as the gateway knows it."""
    dimensions: int | None = Field(default=None, ge=1)
    """Length of the returned vectors, for models that can shorten them; left out when None."""
    chunk_size: int = Field(default=1000, ge=1)
    """Most inputs sent in one request."""
    max_concurrency: int = Field(default=4, ge=1)
    """Most requests in flight at once in the async methods."""
    encoding_format: Literal["float", "base64"] | None = "base64"
    """Wire format of the vectors; base64 float32 is smaller and faster to decode (see the class docs)."""

    def __init__(self, **kwargs: Any) -> None:
        """Create the client; see the class docstring for the arguments."""
        # Declared here so type checkers take `model=` and a plain `str` api_key instead of pydantic's
        # synthesized signature (the field aliases and SecretStr would not type-check).
        super().__init__(**kwargs)

    @property
    def model_name(self) -> str:
        """The model's name, under langchain-openai's attribute name (`model` is ours)."""
        return self.model

    def _payload(self, batch: list[str]) -> JSONObject:
        payload: JSONObject = {"model": self.model, **self.model_kwargs, "input": batch}
        if self.encoding_format is not None:
            payload["encoding_format"] = self.encoding_format
        if self.dimensions is not None:
            payload["dimensions"] = self.dimensions
        return payload

    def _read_reply(self, body: JSONObject, batch: list[str]) -> list[list[float]]:
        vectors = vectors_in_order(body, len(batch))
        logger.debug("Embedded %d texts with %s; usage: %s", len(batch), self.model, body.get("usage"))
        return vectors

    def _embed_batch(self, batch: list[str]) -> list[list[float]]:
        read = functools.partial(self._read_reply, batch=batch)
        return self._transport.request("POST", _EMBEDDINGS_PATH, read, json=self._payload(batch))

    async def _aembed_batch(self, batch: list[str]) -> list[list[float]]:
        read = functools.partial(self._read_reply, batch=batch)
        return await self._async_transport.request("POST", _EMBEDDINGS_PATH, read, json=self._payload(batch))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts, `chunk_size` per request, one request after another.

        Args:
            texts: Non-empty strings.

        Returns:
            One vector per text, in the order of `texts`.

        Raises:
            TypeError: `texts` is a single string, or holds something other than strings.
            ValueError: A text is the empty string.
            ToiotechError: The request failed (see `langchain_toiotech.errors`), or the reply could not
                be matched to the inputs (`EmbeddingResponseError`).
        """
        checked = check_texts(texts)
        vectors: list[list[float]] = []
        for batch in batched(checked, self.chunk_size):
            vectors.extend(self._embed_batch(batch))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """Embed one text.

        Args:
            text: A non-empty string.

        Returns:
            Its vector.

        Raises:
            TypeError: `text` is not a string.
            ValueError: `text` is empty.
            ToiotechError: The request failed, or the reply could not be read.
        """
        return self._embed_batch([check_text(text)])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async twin of `embed_documents`, running up to `max_concurrency` batch requests at once.

        The arguments, result and errors are those of `embed_documents`; when one request fails, the other
        batches are cancelled before the error propagates.
        """
        checked = check_texts(texts)
        batches = batched(checked, self.chunk_size)
        results = await _gather_bounded(self._aembed_batch, batches, self.max_concurrency)
        return [vector for batch_vectors in results for vector in batch_vectors]

    async def aembed_query(self, text: str) -> list[float]:
        """Async twin of `embed_query`, with the same argument, result and errors."""
        vectors = await self._aembed_batch([check_text(text)])
        return vectors[0]


async def _gather_bounded(
    function: Callable[[_T], Awaitable[_R]],
    items: list[_T],
    limit: int,
) -> list[_R]:
    """Run `function` over `items` with at most `limit` calls in flight; results keep item order.

    `asyncio.gather` alone would leave the other calls running after the first failure (and spending
    the user's quota), so they are cancelled and awaited before the error propagates.
    """
    semaphore = asyncio.Semaphore(limit)

    async def run(item: _T) -> _R:
        # The coroutine is created inside the semaphore, so a cancelled waiter leaves none un-awaited.
        async with semaphore:
            return await function(item)

    tasks = [asyncio.ensure_future(run(item)) for item in items]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
