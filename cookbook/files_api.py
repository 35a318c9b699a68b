"""The Files API: upload a video with an fps, wait until it is processed, ask about it by file_id, delete it.

Live gateway with TOIOTECH_API_KEY (set TOIOTECH_VIDEO to a local video file), else the offline emulator.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from _gateway import gateway
from langchain_core.messages import HumanMessage

from langchain_toiotech import ChatToiotech, ToiotechFiles
from langchain_toiotech.errors import NotFoundError
from langchain_toiotech.testing import GatewayEmulator

MODEL = os.environ.get("TOIOTECH_VISION_MODEL", "doubao-seed-1-8")


def main() -> None:
    with gateway() as gw, tempfile.TemporaryDirectory() as scratch:
        video = Path(os.environ.get("TOIOTECH_VIDEO") or Path(scratch) / "clip.mp4")
        if not video.exists():
            video.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(1024))
        files = ToiotechFiles(**gw.kwargs)
        uploaded = files.upload(video, fps=0.5)  # streamed from disk; Ark samples 0.5 frames per second
        print(f"uploaded {uploaded.filename}: id={uploaded.id} status={uploaded.status}")
        ready = files.wait_until_active(uploaded, timeout=600)
        print(f"ready: status={ready.status}")
        print("listed:", [item.id for item in files.list()])

        model = ChatToiotech(model=MODEL, **gw.kwargs)  # a file_id block takes the Responses route by itself
        question = HumanMessage([{"type": "video", "file_id": ready.id}, {"type": "text", "text": "What happens?"}])
        print("answer:", model.invoke([question]).content)
        print("deleted:", files.delete(ready.id))

    if not os.environ.get("TOIOTECH_API_KEY"):
        # A gateway on stock new-api has no Files API: the client says so instead of failing obscurely.
        with GatewayEmulator(files_api="unsupported") as stock:
            try:
                ToiotechFiles(base_url=stock.base_url, api_key="sk-emulator").list()
            except NotFoundError as error:
                print(f"stock new-api: {type(error).__name__} {error.status_code}")


if __name__ == "__main__":
    main()
