#!/usr/bin/env python3
"""Local AWS emulator: every moto service on one port, plus project extensions.

    python tests/aws-emulator/server.py --host 127.0.0.1 --port 5005 \
        [--transition-seconds 0.5] [--latency-ms 30] [--verbose]

Prints ``studio-emulator ready on http://HOST:PORT`` (flushed) once listening;
``--port 0`` picks a free port, and the line shows which.  Exits cleanly (0)
on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument(
        "--port", type=int, default=5000, help="port to bind (0 = any free port)"
    )
    parser.add_argument(
        "--transition-seconds",
        type=float,
        default=None,
        help="delay of Pending/Updating/Deleting transitions (default 0.5)",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=None,
        help="delay of every AWS API call's answer, as a real round trip "
        "(default $STUDIO_EMULATOR_LATENCY_MS, else 0)",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="log every request (werkzeug)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.transition_seconds is not None and args.transition_seconds < 0:
        print("--transition-seconds must be >= 0", file=sys.stderr)
        return 2

    # Imported late so --help stays fast.
    from werkzeug.serving import make_server

    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from studio_emulator import build_application

    logging.getLogger("werkzeug").setLevel(
        logging.INFO if args.verbose else logging.WARNING
    )

    latency_ms = args.latency_ms
    if latency_ms is None and os.environ.get("STUDIO_EMULATOR_LATENCY_MS"):
        latency_ms = os.environ["STUDIO_EMULATOR_LATENCY_MS"]
    app = build_application(transition_seconds=args.transition_seconds)
    if latency_ms is not None:
        from studio_emulator import config as emulator_config

        try:
            emulator_config.set_start_latency_ms(latency_ms)
        except ValueError as exc:
            print(f"--latency-ms / STUDIO_EMULATOR_LATENCY_MS: {exc}", file=sys.stderr)
            return 2
    server = make_server(
        args.host,
        args.port,
        app,
        threaded=True,
        request_handler=MotoRequestHandler,
    )
    host, port = server.server_address[:2]
    # The functions the Lambda executor runs reach AWS here (AWS_ENDPOINT_URL).
    from studio_emulator import awslambda

    url_host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    awslambda.set_emulator_url(f"http://{url_host}:{port}")

    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    thread = threading.Thread(target=server.serve_forever, name="studio-emulator")
    thread.start()
    print(f"studio-emulator ready on http://{host}:{port}", flush=True)
    try:
        while not stop.wait(0.5):
            if not thread.is_alive():  # serve_forever died
                return 1
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        awslambda.shutdown()  # no function process outlives the emulator
    print("studio-emulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
