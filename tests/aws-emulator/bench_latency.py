#!/usr/bin/env python3
"""Measures the emulator's per-call latency knob: N calls in flight at once vs one after another.

    .venv/bin/python tests/aws-emulator/bench_latency.py [--latency-ms 30] [--calls 8] [--rounds 5] [--iam [--as-role]]

Starts its own emulator (``server.py --latency-ms``), warms it up, then for each round times
``--calls`` STS GetCallerIdentity calls issued together from as many threads and the same calls
issued one after another, and prints the medians. ``--iam`` enforces IAM (as the suite does),
so each call is also decided by the policy engine; ``--as-role`` makes the calls SageMaker
ListApps of a role session (the account root's calls skip the engine), as the cleanup's are. With a threaded server the concurrent batch
takes about one latency, the sequential one about ``calls`` latencies.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from emulator_client import SERVER, allow, client, control_api, role_session, signed_client  # noqa: E402


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=30)
    parser.add_argument("--calls", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iam", action="store_true", help="enforce IAM, as the test suite does")
    parser.add_argument("--as-role", action="store_true",
                        help="SageMaker ListApps as a role session instead of STS as the root")
    args = parser.parse_args()
    process = subprocess.Popen(
        [sys.executable, SERVER, "--port", "0", "--latency-ms", str(args.latency_ms)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        url = (process.stdout.readline() if process.stdout else "").strip().rsplit(" ", 1)[-1]
        if args.iam:
            control_api(url)("POST", "config", {"iam_enforcement": True})
        if args.as_role:
            key = role_session(url, "bench-reader", allow(["sagemaker:ListApps"]))
            clients = [signed_client(url, "sagemaker", key) for _ in range(args.calls)]
            calls = [c.list_apps for c in clients]
        else:
            clients = [client(url, "sts") for _ in range(args.calls)]
            calls = [c.get_caller_identity for c in clients]
        for call in calls:  # warm up: connections, botocore's loaders
            call()

        def concurrent() -> None:
            threads = [threading.Thread(target=call) for call in calls]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        def sequential() -> None:
            for call in calls:
                call()

        together = [timed(concurrent) for _ in range(args.rounds)]
        one_by_one = [timed(sequential) for _ in range(args.rounds)]
        iam = ("IAM enforced" if args.iam else "IAM off") + (", ListApps as a role" if args.as_role else ", STS as root")
        print(f"latency {args.latency_ms:g} ms, {args.calls} calls, {iam}, median of {args.rounds} rounds:")
        print(f"  in flight together: {statistics.median(together):7.1f} ms")
        print(f"  one after another:  {statistics.median(one_by_one):7.1f} ms")
    finally:
        process.terminate()
        process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
