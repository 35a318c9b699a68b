"""Command line: ``python -m langchain_toiotech.testing --port N`` serves the emulator in the foreground."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from langchain_toiotech.testing._emulator import GatewayEmulator
from langchain_toiotech.testing._files import FILES_APIS

_STYLES = ("vendor", "reasoning_content", "reasoning", "reasoning_details", "think_tags", "none")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m langchain_toiotech.testing", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: a free port)")
    parser.add_argument("--api-key", default=None, help="require this Bearer token (default: any token)")
    parser.add_argument("--reasoning-style", choices=_STYLES, default="vendor")
    parser.add_argument("--files-api", choices=FILES_APIS, default="ark")
    parser.add_argument("--file-processing-polls", type=int, default=1)
    parser.add_argument("--ping-every", type=int, default=0, help="': PING' comment every N stream events")
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between stream events")
    parser.add_argument(
        "--permissive",
        action="store_true",
        help="any model name, paths with or without /v1, reasoning from every model, no vendor contracts",
    )
    parser.add_argument(
        "--model", action="append", default=[], metavar="NAME", help="serve this model name too (repeatable)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGINT or SIGTERM, printing the base URL on the first line.

    Args:
        argv: Command line arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status.
    """
    args = _parser().parse_args(argv)
    done = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001 - signal handler signature
        done.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    emulator = GatewayEmulator(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        reasoning_style=None if args.reasoning_style == "none" else args.reasoning_style,
        files_api=args.files_api,
        file_processing_polls=args.file_processing_polls,
        ping_every=args.ping_every,
        chunk_delay=args.chunk_delay,
        strict=not args.permissive,
        models=args.model,
    )
    with emulator:
        sys.stdout.write(emulator.base_url + "\n")
        sys.stdout.flush()
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
