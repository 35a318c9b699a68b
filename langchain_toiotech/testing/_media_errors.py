"""The 400 each vendor sends for a media part its model does not take, as new-api relays it.

- OpenAI (and the default): "Invalid content type. image_url is only supported by certain models.", param
  ``messages.[i].content.[j].type`` (recorded in openai-python / vLLM issue threads, e.g. vllm-project/vllm#11629).
- DeepSeek (text-only models): its JSON decoder's "Failed to deserialize the JSON body into the target type:
  messages[i]: unknown variant `image_url`, expected `text` at line 1 column N" (esengine/DeepSeek-Reasonix#7859,
  openkursar/hello-halo#109), type and code ``invalid_request_error``.
- Ark (Doubao text models): ``InvalidParameter`` "One or more parameters specified in the request are not valid."
  (RooCodeInc/Roo-Code#770) with Ark's request-id suffix.

Vendors whose exact wording is not on record (Moonshot, Zhipu, DashScope, Google and Anthropic through the
gateway) get OpenAI's wording, which is what new-api's OpenAI-compatible channels relay for them.
"""

from __future__ import annotations

from langchain_toiotech.testing._models import EmulatedModel
from langchain_toiotech.testing._wire import Reply, error_reply, json_reply, with_request_id


def media_refusal(
    model: EmulatedModel, *, message: int, part: int, part_type: str, column: int, request_id: str
) -> Reply:
    """The vendor's 400 for a media part the model does not take.

    Args:
        model: The model.
        message: Index of the message (or input item) holding the part.
        part: Index of the part in that message's content.
        part_type: The part's ``type``.
        column: Where the part's type tag ends in the compact JSON body (DeepSeek's decoder reports it).
        request_id: The request id.

    Returns:
        The error reply.
    """
    if model.family == "deepseek":
        text = (
            f"Failed to deserialize the JSON body into the target type: messages[{message}]: unknown variant "
            f"`{part_type}`, expected `text` at line 1 column {column}"
        )
        return error_reply(400, with_request_id(text, request_id), code="invalid_request_error", param=None)
    if model.family == "doubao":
        text = f"One or more parameters specified in the request are not valid. Request id: {request_id}"
        param = f"messages[{message}].content[{part}].type"
        error = {"code": "InvalidParameter", "message": text, "param": param, "type": "BadRequest"}
        return json_reply({"error": error}, 400)
    text = f"Invalid content type. {part_type} is only supported by certain models."
    return error_reply(
        400, with_request_id(text, request_id), code=None, param=f"messages.[{message}].content.[{part}].type"
    )
