"""Images and video (with fps) in every block dialect LangChain users write.

Live gateway with TOIOTECH_API_KEY (uses public sample media), else the offline emulator.
"""

from __future__ import annotations

import base64
import os
import struct
import zlib

from _gateway import gateway
from langchain_core.messages import HumanMessage

from langchain_toiotech import ChatToiotech

MODEL = os.environ.get("TOIOTECH_VISION_MODEL", "doubao-seed-1-8")
IMAGE_URL = "https://ark-project.tos-cn-beijing.volces.com/doc_image/ark_demo_img_1.png"
VIDEO_URL = "https://ark-project.tos-cn-beijing.volces.com/doc_video/ark_vlm_video_input.mp4"


def tiny_png() -> str:
    """A 1x1 red PNG, base64-encoded, made here so the script needs no files."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return base64.b64encode(png).decode()


EXAMPLES = {
    "v1 image by URL": [{"type": "image", "url": IMAGE_URL}],
    "v1 image as base64": [{"type": "image", "base64": tiny_png(), "mime_type": "image/png"}],
    "OpenAI image_url part with detail": [{"type": "image_url", "image_url": {"url": IMAGE_URL, "detail": "low"}}],
    "v1 video with fps": [{"type": "video", "url": VIDEO_URL, "fps": 2}],
    "v1 video, fps in extras": [{"type": "video", "url": VIDEO_URL, "extras": {"fps": 0.5}}],
    "Ark video_url part": [{"type": "video_url", "video_url": {"url": VIDEO_URL, "fps": 1}}],
}


def main() -> None:
    with gateway() as gw:
        model = ChatToiotech(model=MODEL, video_fps=1, **gw.kwargs)  # video_fps: default for videos without one
        for title, media in EXAMPLES.items():
            question = HumanMessage([{"type": "text", "text": "Describe this briefly."}, *media])
            answer = model.invoke([question])
            print(f"{title}:\n    {answer.text[:160]}")
            if gw.emulator is not None:
                parts = gw.emulator.requests[-1].body["messages"][0]["content"]
                print(f"    sent: {[part['type'] for part in parts]}")
        try:
            model.invoke([HumanMessage([{"type": "video", "url": VIDEO_URL, "fps": 30}])])
        except ValueError as error:
            print(f"fps 30 is refused before any request: {error}")


if __name__ == "__main__":
    main()
