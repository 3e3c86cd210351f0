#!/usr/bin/env python3
"""Measures a service-managed StackSet rollout in the emulator: N member accounts x R regions.

    .venv/bin/python tests/aws-emulator/bench_stack_sets.py [--accounts 5 10 25 50] [--regions 2]
        [--max-concurrent-percentage 100] [--failure-tolerance-percentage 10] [--resources 3]

Starts its own emulator with IAM enforced (as the suite runs it). For each N: a reset, an
organisation with one OU of N accounts, trusted access, a stack set of a template of
``--resources`` SSM parameters, then CreateStackInstances to the OU in R regions with
``MaxConcurrentPercentage`` / ``FailureTolerancePercentage`` as given (the default
``STRICT_FAILURE_TOLERANCE`` mode: a wave is at most the tolerance + 1 accounts), polled every 0.2 s until
the operation ends. Prints per N: the seconds from CreateStackInstances to the operation's end,
the instances, the API calls the client made during the rollout (the poll included) and the
stacks the emulator created. The stacks are the emulator's own engine's (in-process), so the
figure is the emulator's cost, not AWS's (AWS documents no per-instance time).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from emulator_client import SERVER, SUITE_CONFIG, client, control_api  # noqa: E402


def rollout(url: str, accounts: int, regions: list[str], percentage: int, tolerance: int,
            resources: int) -> dict[str, float]:
    control = control_api(url)
    control("POST", "reset")
    control("POST", "config", SUITE_CONFIG)
    organizations = client(url, "organizations")
    organizations.create_organization(FeatureSet="ALL")
    root = organizations.list_roots()["Roots"][0]["Id"]
    ou = organizations.create_organizational_unit(ParentId=root, Name="members")["OrganizationalUnit"]["Id"]
    for index in range(accounts):
        account = organizations.create_account(
            AccountName=f"member-{index}", Email=f"member-{index}@example.com"
        )["CreateAccountStatus"]["AccountId"]
        organizations.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
    cfn = client(url, "cloudformation")
    cfn.activate_organizations_access()
    template = {"Resources": {
        f"P{i}": {"Type": "AWS::SSM::Parameter",
                  "Properties": {"Type": "String", "Name": f"/bench/p{i}", "Value": "v"}}
        for i in range(resources)
    }}
    cfn.create_stack_set(StackSetName="bench", TemplateBody=json.dumps(template),
                         PermissionModel="SERVICE_MANAGED", AutoDeployment={"Enabled": True,
                                                                            "RetainStacksOnAccountRemoval": False})
    control("DELETE", "calls")
    start = time.perf_counter()
    operation_id = cfn.create_stack_instances(
        StackSetName="bench", DeploymentTargets={"OrganizationalUnitIds": [ou]}, Regions=regions,
        OperationPreferences={"MaxConcurrentPercentage": percentage,
                              "FailureTolerancePercentage": tolerance, "RegionConcurrencyType": "SEQUENTIAL"},
    )["OperationId"]
    while True:
        status = cfn.describe_stack_set_operation(StackSetName="bench", OperationId=operation_id)[
            "StackSetOperation"]["Status"]
        if status not in ("RUNNING", "QUEUED"):
            break
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    calls = len(control("GET", "calls")["calls"])
    instances = cfn.list_stack_instances(StackSetName="bench", MaxResults=100)
    count = len(instances["Summaries"])
    while instances.get("NextToken"):
        instances = cfn.list_stack_instances(StackSetName="bench", NextToken=instances["NextToken"])
        count += len(instances["Summaries"])
    if status != "SUCCEEDED":
        raise SystemExit(f"rollout of {accounts} accounts ended {status}")
    return {"seconds": seconds, "instances": count, "calls": calls}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, nargs="+", default=[5, 10, 25, 50])
    parser.add_argument("--regions", type=int, default=2)
    parser.add_argument("--max-concurrent-percentage", type=int, default=100)
    parser.add_argument("--failure-tolerance-percentage", type=int, default=10)
    parser.add_argument("--resources", type=int, default=3)
    args = parser.parse_args()
    regions = ["us-east-1", "eu-west-1", "eu-central-1", "us-west-2"][: args.regions]
    process = subprocess.Popen([sys.executable, SERVER, "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        url = (process.stdout.readline() if process.stdout else "").strip().rsplit(" ", 1)[-1]
        print(f"{'accounts':>8} {'regions':>7} {'instances':>9} {'seconds':>8} {'s/instance':>10} {'API calls':>9}")
        for accounts in args.accounts:
            got = rollout(url, accounts, regions, args.max_concurrent_percentage,
                          args.failure_tolerance_percentage, args.resources)
            print(f"{accounts:>8} {len(regions):>7} {got['instances']:>9.0f} {got['seconds']:>8.2f} "
                  f"{got['seconds'] / got['instances']:>10.3f} {got['calls']:>9.0f}", flush=True)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
