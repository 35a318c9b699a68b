"""langchain-tests' standard embeddings suite against the live gateway (needs TOIOTECH_API_KEY).

Run with: TOIOTECH_API_KEY=sk-... pytest tests/integration_tests/test_embeddings.py --allow-hosts=api.toiotech.com
(plus the address your resolver gives for it); TOIOTECH_TEST_EMBEDDING_MODEL picks another model.
"""

from __future__ import annotations

import math
import os
from typing import Any

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from langchain_toiotech.embeddings import ToiotechEmbeddings
from tests._support.standard import EmbeddingsSuite

pytestmark = pytest.mark.skipif(not os.environ.get("TOIOTECH_API_KEY"), reason="needs TOIOTECH_API_KEY")

MODEL = os.environ.get("TOIOTECH_TEST_EMBEDDING_MODEL", "text-embedding-3-small")


class TestToiotechEmbeddingsIntegration(EmbeddingsSuite, EmbeddingsIntegrationTests):
    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": MODEL}


def test_batches_and_formats_agree() -> None:
    """Small batches, base64 and float replies give the same vectors, in input order."""
    documents = ["The cat sat on the mat.", "Dogs bark at night.", "Rain falls in Spain.", "Paris is in France."]
    by_base64 = ToiotechEmbeddings(model=MODEL, chunk_size=3).embed_documents(documents)
    by_float = ToiotechEmbeddings(model=MODEL, encoding_format="float").embed_documents(documents)

    assert len(by_base64) == len(documents)
    for left, right in zip(by_base64, by_float, strict=True):
        # Same text, same model: the same direction up to float32 rounding and the vendor's run-to-run jitter;
        # a batch put back in the wrong order would pair unrelated sentences and fail this.
        assert _cosine(left, right) > 0.99


def _cosine(left: list[float], right: list[float]) -> float:
    dot = sum(a * b for a, b in zip(left, right, strict=True))
    return dot / (math.sqrt(sum(a * a for a in left)) * math.sqrt(sum(b * b for b in right)))


@pytest.mark.skipif(not MODEL.startswith("text-embedding-3"), reason="only text-embedding-3 models take dimensions")
async def test_dimensions_shorten_the_vectors() -> None:
    embeddings = ToiotechEmbeddings(model=MODEL, dimensions=256, chunk_size=1, max_concurrency=2)
    vectors = await embeddings.aembed_documents(["alpha", "beta", "gamma"])
    assert [len(vector) for vector in vectors] == [256, 256, 256]
