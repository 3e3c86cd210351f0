"""PutEvents to another account's event bus (``studio_emulator/eventbridge.py``,
``iam/context/events.py``; EventBridge User Guide, "Sending and receiving events between AWS
accounts", "Permissions for Amazon EventBridge event buses"): the event lands on the receiver's
bus, as sent by the sender's account, when the bus policy admits the sender -- here the
organisation (``aws:PrincipalOrgID``) -- and not from an account outside it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import (
    REGION,
    account_admin,
    allow,
    error,
    new_organization,
    other_account_session,
    signed_client,
    unique,
)

OUTSIDER = "210987654321"


@pytest.fixture(scope="module")
def accounts(endpoint: str) -> dict[str, Any]:
    organizations, organization, root, ou = new_organization(endpoint)
    made = []
    for name in ("admin", "member"):
        account = organizations.create_account(
            AccountName=unique(name), Email=f"{unique(name)}@example.com")["CreateAccountStatus"]["AccountId"]
        organizations.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
        made.append(account)
    return {"org_id": organization["Id"], "admin": made[0], "member": made[1]}


def org_bus(endpoint: str, accounts: dict[str, Any]) -> str:
    """A bus of the delegated-admin account whose policy admits the organisation."""
    events = signed_client(endpoint, "events", account_admin(endpoint, accounts["admin"]))
    name = unique("cleanup-reports")
    arn = events.create_event_bus(Name=name)["EventBusArn"]
    events.put_permission(
        EventBusName=name, Action="events:PutEvents", Principal="*", StatementId="organization",
        Condition={"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": accounts["org_id"]},
    )
    return arn


def sender(endpoint: str, account: str, bus_arn: str) -> Any:
    key = other_account_session(endpoint, account, unique("cleanup"), allow("events:PutEvents", bus_arn))
    return signed_client(endpoint, "events", key)


def entry(bus_arn: str) -> dict[str, Any]:
    return {"EventBusName": bus_arn, "Source": "studio-catalog.cleanup",
            "DetailType": "Studio Cleanup Warning", "Detail": json.dumps({"rule": "expired"})}


def test_put_events_to_an_organisation_bus_of_another_account(
    endpoint: str, control: Callable[..., Any], accounts: dict[str, Any]
) -> None:
    bus_arn = org_bus(endpoint, accounts)
    answer = sender(endpoint, accounts["member"], bus_arn).put_events(Entries=[entry(bus_arn)])
    assert answer["FailedEntryCount"] == 0
    name = bus_arn.rsplit("/", 1)[1]
    published = control("GET", f"events/published?EventBusName={name}")["events"]
    assert [(e["AccountId"], e["SenderAccount"], e["bus_exists"]) for e in published] == [
        (accounts["admin"], accounts["member"], True)]
    assert bus_arn.split(":")[3] == REGION


def test_put_events_refused_for_an_account_outside_the_organisation(
    endpoint: str, control: Callable[..., Any], accounts: dict[str, Any]
) -> None:
    bus_arn = org_bus(endpoint, accounts)
    with pytest.raises(ClientError) as refused:
        sender(endpoint, OUTSIDER, bus_arn).put_events(Entries=[entry(bus_arn)])
    assert error(refused)[0] == "AccessDeniedException"
    name = bus_arn.rsplit("/", 1)[1]
    assert control("GET", f"events/published?EventBusName={name}")["events"] == []


def test_put_permission_for_any_principal_is_the_star_principal(
    endpoint: str, accounts: dict[str, Any]
) -> None:
    bus_arn = org_bus(endpoint, accounts)
    events = signed_client(endpoint, "events", account_admin(endpoint, accounts["admin"]))
    policy = json.loads(events.describe_event_bus(Name=bus_arn.rsplit("/", 1)[1])["Policy"])
    assert policy["Statement"] == [{
        "Sid": "organization", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents",
        "Resource": bus_arn,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": accounts["org_id"]}},
    }]
