import logging

import pytest

from langchain_toiotech._shared.answer import (
    MODEL_PROVIDER,
    TRUNCATING_FINISH_REASONS,
    response_metadata,
    warn_if_truncated,
)


def test_response_metadata_keeps_ids_and_drops_nulls() -> None:
    body = {"model": "m", "id": "c1", "system_fingerprint": None, "service_tier": "default", "other": 1}
    assert response_metadata(body, "stop") == {
        "model_name": "m",
        "model_provider": MODEL_PROVIDER,
        "finish_reason": "stop",
        "id": "c1",
        "service_tier": "default",
    }
    assert "finish_reason" not in response_metadata({}, None)


@pytest.mark.parametrize("reason", sorted(TRUNCATING_FINISH_REASONS))
def test_a_truncated_answer_is_logged_with_the_routes_limit_field(
    reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="langchain_toiotech"):
        warn_if_truncated("gpt-x", reason, limit_field="max_output_tokens")
    assert caplog.records[0].getMessage() == (
        f"The answer from gpt-x stopped early: finish_reason={reason!r} "
        "(raise max_output_tokens, or check the content filter)."
    )


@pytest.mark.parametrize("reason", ["stop", "tool_calls", None])
def test_a_finished_answer_is_not_logged(reason: str | None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="langchain_toiotech"):
        warn_if_truncated("gpt-x", reason)
    assert not caplog.records
