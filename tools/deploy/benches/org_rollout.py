#!/usr/bin/env python3
"""Times `studio-catalog-deploy org-rollout` against the emulator: N member accounts x 2 regions.

    cargo build --release -p studio-catalog-deploy
    cargo build -p studio-domain -p studio-user-profile -p lakeformation-grant -p studio-cleanup \
        -p studio-presigned-url --bins        # (every function crate: the real zips, --from-binaries)
    .venv/bin/python tools/deploy/benches/org_rollout.py [--accounts 5 10 25 50] \
        [-- extra org-rollout options, e.g. --failure-tolerance-percentage 10]

Starts its own emulator with IAM enforced (as the suite runs it). For each N: a reset, an
organisation of the emulator's account with two OUs holding N member accounts between them,
`package --from-binaries` (the real core.yaml and the functions' binaries as zips) into a new
bucket, then ONE run of the release binary's
`org-rollout --organizational-unit A --organizational-unit B --target-region us-east-1
--target-region eu-west-1 --portfolio-parameter CloudAdminRoleArn=... --report-calls
--poll-seconds 1` with its default operation preferences (failure tolerance 0,
MaxConcurrentPercentage 25, STRICT_FAILURE_TOLERANCE: one account at a time per region) unless
given after `--`. Prints per N: the wall-clock seconds of the run, the instances, the tool's own
API calls (counted in the tool: `--report-calls`), and the busiest operations. The stacks are
the emulator's engine's, so the seconds are the emulator's cost, not AWS's.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "aws-emulator"))

from emulator_client import ACCOUNT, SERVER, SUITE_CONFIG, client, control_api  # noqa: E402

TOOL = os.path.join(ROOT, "target", "release", "studio-catalog-deploy")
REGIONS = ["us-east-1", "eu-west-1"]


def organization(url: str, accounts: int) -> list[str]:
    organizations = client(url, "organizations")
    organizations.create_organization(FeatureSet="ALL")
    root = organizations.list_roots()["Roots"][0]["Id"]
    ous = [
        organizations.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
        for name in ("a", "b")
    ]
    for index in range(accounts):
        account = organizations.create_account(
            AccountName=f"member-{index}", Email=f"member-{index}@example.com"
        )["CreateAccountStatus"]["AccountId"]
        organizations.move_account(
            AccountId=account, SourceParentId=root, DestinationParentId=ous[index % 2]
        )
    return ous


def run(url: str, accounts: int, extra: list[str]) -> dict[str, object]:
    control = control_api(url)
    control("POST", "reset")
    control("POST", "config", SUITE_CONFIG)
    ous = organization(url, accounts)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": REGIONS[0], "AWS_ENDPOINT_URL": url}
    manifest = os.path.join(tempfile.mkdtemp(prefix="org-rollout-bench-"), "package.json")
    subprocess.run(
        [TOOL, "package", "--bucket", f"studio-catalog-bench-{accounts}", "--create-bucket",
         "--from-binaries", "--root", ROOT, "--manifest", manifest, "--endpoint-url", url],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )
    line = [TOOL, "org-rollout", "--manifest", manifest, "--endpoint-url", url,
            "--portfolio-parameter", f"CloudAdminRoleArn=arn:aws:iam::{ACCOUNT}:role/CloudAdmin",
            "--report-calls", "--poll-seconds", "1"]
    for ou in ous:
        line += ["--organizational-unit", ou]
    for region in REGIONS:
        line += ["--target-region", region]
    start = time.perf_counter()
    done = subprocess.run(line + extra, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"org-rollout of {accounts} accounts failed:\n{done.stdout}\n{done.stderr}")
    calls = int(re.search(r"^API calls: (\d+)$", done.stdout, re.M).group(1))
    per_operation = re.findall(r"^  (\S+)\s+(\S+)\s+(\d+)$", done.stdout, re.M)
    busiest = sorted(per_operation, key=lambda o: -int(o[2]))[:3]
    return {"seconds": seconds, "instances": accounts * len(REGIONS), "calls": calls,
            "busiest": ", ".join(f"{op} {n}" for _, op, n in busiest)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, nargs="+", default=[5, 10, 25, 50])
    parser.add_argument("extra", nargs="*", help="more org-rollout options (after --)")
    args = parser.parse_args()
    if not os.path.exists(TOOL):
        raise SystemExit(f"{TOOL} is missing: cargo build --release -p studio-catalog-deploy")
    process = subprocess.Popen([sys.executable, SERVER, "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        url = (process.stdout.readline() if process.stdout else "").strip().rsplit(" ", 1)[-1]
        # moto reads a TemplateURL on the endpoint as path-style only when it says localhost
        url = url.replace("127.0.0.1", "localhost")
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        print(f"{'accounts':>8} {'instances':>9} {'seconds':>8} {'s/instance':>10} "
              f"{'API calls':>9}  busiest operations")
        for accounts in args.accounts:
            got = run(url, accounts, args.extra)
            print(f"{accounts:>8} {got['instances']:>9} {got['seconds']:>8.1f} "
                  f"{got['seconds'] / got['instances']:>10.2f} {got['calls']:>9}  {got['busiest']}",
                  flush=True)
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
