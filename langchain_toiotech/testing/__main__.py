"""Command line: ``python -m langchain_toiotech.testing --port N`` serves the emulator in the foreground."""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from langchain_toiotech.testing._emulator import GatewayEmulator
from langchain_toiotech.testing._files import FILES_APIS
from langchain_toiotech.testing._server_limits import DEFAULT_SERVER_LIMITS, ServerLimits

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
        "--latency", type=float, default=0.0, metavar="SECONDS", help="seconds before every reply's first byte"
    )
    parser.add_argument(
        "--permissive",
        action="store_true",
        help="any model name, paths with or without /v1, reasoning from every model, no vendor contracts",
    )
    parser.add_argument(
        "--model", action="append", default=[], metavar="NAME", help="serve this model name too (repeatable)"
    )
    _add_limit_arguments(parser)
    return parser


def _add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = DEFAULT_SERVER_LIMITS
    limits = parser.add_argument_group("limits", "what the server keeps and how long it waits")
    limits.add_argument("--max-body-bytes", type=int, default=defaults.max_body_bytes, help="largest JSON body")
    limits.add_argument("--max-upload-bytes", type=int, default=defaults.max_upload_bytes, help="largest upload")
    limits.add_argument(
        "--idle-timeout",
        type=float,
        default=defaults.idle_timeout,
        help="seconds allowed for a request's head (idle keep-alive wait included) and for any socket read/write",
    )
    limits.add_argument(
        "--max-connections", type=int, default=defaults.max_connections, help="connections served at once"
    )
    # Nothing can read the request log of a server run from the command line, so by default it keeps none.
    limits.add_argument("--max-logged-requests", type=int, default=0, help="requests kept in memory (default 0)")
    limits.add_argument("--max-json-depth", type=int, default=defaults.max_json_depth, help="deepest JSON nesting")


def _limits(args: argparse.Namespace) -> ServerLimits:
    # Each option of the "limits" group is named after its field (`--max-body-bytes`: `max_body_bytes`), so the
    # fields are the one list; a field added without its option fails here at once, not silently at its default.
    return ServerLimits(**{limit.name: getattr(args, limit.name) for limit in dataclasses.fields(ServerLimits)})


def _emulator(args: argparse.Namespace) -> GatewayEmulator:
    return GatewayEmulator(
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
        limits=_limits(args),
        latency=args.latency,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGINT or SIGTERM, printing the base URL on the first line.

    Bound beyond loopback (``--host 0.0.0.0``), it warns on stderr first: the emulator is a test double.

    Args:
        argv: Command line arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        emulator = _emulator(args)
    except ValueError as problem:
        parser.error(str(problem))
    done = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001 - signal handler signature
        done.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    with emulator:
        sys.stdout.write(emulator.base_url + "\n")
        sys.stdout.flush()
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
