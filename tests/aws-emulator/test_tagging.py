"""The Resource Groups Tagging API's GetResources for SageMaker Studio resources
(``studio_emulator/tagging.py``; ``SageMakerStudioBackend.iter_tagged_resources``).

Sources: the GetResources API reference and the botocore model ``resourcegroupstaggingapi``
(member documentation of ``GetResourcesInput``), and the Service Authorization Reference for
``tag:GetResources``. IAM is enforced (the suite's default); state is arranged with the set-up
credentials.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from emulator_client import (
    ACCOUNT,
    allow,
    client,
    error,
    iam_user,
    signed_client,
    unique,
    user_arn,
    wait_for,
)

ROLE = f"arn:aws:iam::{ACCOUNT}:role/studio-execution"

pytestmark = pytest.mark.transition_seconds(0.2)


@pytest.fixture(scope="module")
def tagging(endpoint: str) -> Any:
    return client(endpoint, "resourcegroupstaggingapi")


@pytest.fixture(scope="module")
def domain(sm: Any) -> str:
    """A domain of this module (other modules' resources may share the account)."""
    return sm.create_domain(
        DomainName=unique("tagging"),
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": ROLE},
        SubnetIds=["subnet-0123456789abcdef0"],
        VpcId="vpc-0123456789abcdef0",
        Tags=[{"Key": "team", "Value": "ml"}],
    )["DomainId"]


def profile(sm: Any, domain: str, tags: dict[str, str], name: str | None = None) -> str:
    """A user profile of ``domain`` tagged ``tags``; its ARN."""
    return sm.create_user_profile(
        DomainId=domain,
        UserProfileName=name or unique("p"),
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )["UserProfileArn"]


def arns(answer: dict[str, Any], domain: str | None = None) -> list[str]:
    """The ARNs of a GetResources answer (of ``domain``'s resources only, if given)."""
    found = [m["ResourceARN"] for m in answer["ResourceTagMappingList"]]
    return sorted(a for a in found if domain is None or f"/{domain}" in a)


def every_page(tagging: Any, **request: Any) -> tuple[list[str], int]:
    """Every ARN GetResources answers, following PaginationToken; and the pages read."""
    found: list[str] = []
    pages = 0
    token = None
    while True:
        answer = tagging.get_resources(**request, **({"PaginationToken": token} if token else {}))
        pages += 1
        found += [m["ResourceARN"] for m in answer["ResourceTagMappingList"]]
        token = answer.get("PaginationToken")
        if not token:
            return sorted(found), pages


def test_a_tag_filter_and_the_user_profile_type_find_the_one_profile_tagged_so(
    sm: Any, tagging: Any, domain: str
) -> None:
    """TagFilters restrict the output "to only those resources that have tags with the
    specified keys and ... values"; ResourceTypeFilters take the type as the ARN spells it
    (``sagemaker:user-profile``). The answer carries every tag of the resource."""
    alice = profile(sm, domain, {"studiouserid": "alice", "team": "ml"})
    profile(sm, domain, {"studiouserid": "bob"})
    profile(sm, domain, {"team": "ml"})

    answer = tagging.get_resources(
        TagFilters=[{"Key": "studiouserid", "Values": ["alice"]}],
        ResourceTypeFilters=["sagemaker:user-profile"],
    )

    assert arns(answer, domain) == [alice]
    [mapping] = [m for m in answer["ResourceTagMappingList"] if m["ResourceARN"] == alice]
    assert sorted((t["Key"], t["Value"]) for t in mapping["Tags"]) == [
        ("studiouserid", "alice"),
        ("team", "ml"),
    ]


def test_filters_and_together_values_or_and_a_filter_without_values_is_the_key_present(
    sm: Any, tagging: Any, domain: str
) -> None:
    """"If you specify more than one filter ... only those resources that satisfy all
    filters"; "more than one value for a key ... any of the specified values"; "If you don't
    specify a value for a key, the response returns all resources that are tagged with that
    key, with any or no value." Values match exactly (case-sensitive)."""
    group = unique("g")
    carol = profile(sm, domain, {"group": group, "studiouserid": "carol"})
    dave = profile(sm, domain, {"group": group, "studiouserid": "dave"})
    keyless = profile(sm, domain, {"group": group})
    profile(sm, domain, {"group": group, "studiouserid": "Carol"})
    in_group = {"Key": "group", "Values": [group]}

    either = tagging.get_resources(
        TagFilters=[in_group, {"Key": "studiouserid", "Values": ["carol", "dave"]}]
    )
    any_owner = tagging.get_resources(TagFilters=[in_group, {"Key": "studiouserid"}])
    group_only = tagging.get_resources(TagFilters=[in_group])

    assert arns(either) == sorted([carol, dave])
    assert len(arns(any_owner)) == 3 and keyless not in arns(any_owner)
    assert keyless in arns(group_only) and len(arns(group_only)) == 4


def test_a_service_filter_matches_every_studio_type_and_a_type_filter_only_its_own(
    sm: Any, tagging: Any, domain: str
) -> None:
    """"specifying a service of ec2 returns all Amazon EC2 resources ... Specifying a
    resource type of ec2:instance returns only EC2 instances": ``sagemaker`` lists the domain,
    profiles and spaces; ``sagemaker:domain`` and ``sagemaker:space`` only theirs."""
    owner = profile(sm, domain, {"kind": "owner"}, name=unique("owner"))
    space = sm.create_space(
        DomainId=domain,
        SpaceName=unique("s"),
        SpaceSharingSettings={"SharingType": "Shared"},
        OwnershipSettings={"OwnerUserProfileName": owner.rsplit("/", 1)[1]},
        Tags=[{"Key": "kind", "Value": "space"}],
    )["SpaceArn"]
    domain_arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:domain/{domain}"

    service = arns(tagging.get_resources(ResourceTypeFilters=["sagemaker"]), domain)
    domains = arns(tagging.get_resources(ResourceTypeFilters=["sagemaker:domain"]), domain)
    spaces = arns(tagging.get_resources(ResourceTypeFilters=["sagemaker:space"]), domain)
    other = arns(tagging.get_resources(ResourceTypeFilters=["lambda"]), domain)

    assert {domain_arn, owner, space} <= set(service)
    assert domains == [domain_arn]
    assert spaces == [space]
    assert other == []


def test_resources_per_page_pages_the_answer_and_every_page_is_reachable(
    sm: Any, tagging: Any, domain: str
) -> None:
    """ResourcesPerPage is the most per page; "Repeat the query, passing the PaginationToken
    ... until you receive a null value" (the last page has none)."""
    group = unique("page")
    made = sorted(profile(sm, domain, {"page": group}) for _ in range(5))

    first = tagging.get_resources(TagFilters=[{"Key": "page", "Values": [group]}],
                                  ResourcesPerPage=2)
    found, pages = every_page(
        tagging, TagFilters=[{"Key": "page", "Values": [group]}], ResourcesPerPage=2
    )

    assert len(first["ResourceTagMappingList"]) == 2 and first["PaginationToken"]
    assert found == made
    assert pages == 3


def test_a_pagination_token_not_issued_is_expired(tagging: Any) -> None:
    """PaginationTokenExpiredException: "the specified PaginationToken has expired" (a token
    is valid for at most 15 minutes; one the service no longer knows is answered so)."""
    with pytest.raises(ClientError) as raised:
        tagging.get_resources(PaginationToken="not-a-token-it-issued")
    assert error(raised)[0] == "PaginationTokenExpiredException"


@pytest.mark.parametrize(
    "extra",
    [
        {"TagFilters": [{"Key": "studiouserid", "Values": ["alice"]}]},
        {"ResourceTypeFilters": ["sagemaker:user-profile"]},
        {"ResourcesPerPage": 10},
        {"PaginationToken": "t"},
    ],
    ids=["tag-filters", "resource-type-filters", "resources-per-page", "pagination-token"],
)
def test_a_resource_arn_list_with_filters_or_pagination_is_an_invalid_parameter(
    tagging: Any, domain: str, extra: dict[str, Any]
) -> None:
    """ResourceARNList: "You can't specify both this parameter and the ResourceTypeFilters
    [TagFilters, any of the pagination parameters] parameter in the same request. If you do,
    you get an Invalid Parameter exception." """
    arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:domain/{domain}"
    with pytest.raises(ClientError) as raised:
        tagging.get_resources(ResourceARNList=[arn], **extra)
    assert error(raised)[0] == "InvalidParameterException"


def test_a_resource_arn_list_answers_the_resources_that_exist_and_skips_the_rest(
    sm: Any, tagging: Any, domain: str
) -> None:
    """"If a resource specified by this parameter doesn't exist, it doesn't generate an error;
    it simply isn't included in the response." """
    erin = profile(sm, domain, {"studiouserid": "erin"})
    gone = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/{domain}/nobody"

    answer = tagging.get_resources(ResourceARNList=[erin, gone])

    assert arns(answer) == [erin]


@pytest.mark.parametrize(
    "request_",
    [
        {"ResourcesPerPage": 101},
        {"ResourcesPerPage": 0},
        {"TagsPerPage": 99},
        {"TagsPerPage": 501},
        {"TagFilters": [{"Key": "k", "Values": [str(i) for i in range(21)]}]},
        {"TagFilters": [{"Key": f"k{i}"} for i in range(51)]},
        {"TagFilters": [{"Key": "k" * 129}]},
        {"ResourceTypeFilters": ["sagemaker user-profile"]},
        {"ResourceTypeFilters": ["Sagemaker:user-profile"]},
        {"ResourceTypeFilters": ["sagemaker:"]},
        {"ResourceTypeFilters": ["sagemaker"] * 101},
    ],
    ids=[
        "101-per-page", "0-per-page", "99-tags-per-page", "501-tags-per-page", "21-values",
        "51-filters", "long-key", "spaced-type", "capitalised-service", "empty-type",
        "101-type-filters",
    ],
)
def test_out_of_range_and_malformed_parameters_are_invalid(
    tagging: Any, request_: dict[str, Any]
) -> None:
    """ResourcesPerPage "a minimum of 1 and a maximum value of 100"; TagsPerPage "a minimum of
    100 items up to a maximum of 500"; "up to 50 keys, and each key can include up to 20
    values"; TagKey 1-128 characters (botocore model); a resource type filter is
    ``service[:resourceType]`` as in an ARN, "up to 100 items"."""
    with pytest.raises(ClientError) as raised:
        tagging.get_resources(**request_)
    assert error(raised)[0] == "InvalidParameterException"


def test_a_profile_whose_tags_were_all_removed_is_still_listed_with_no_tags(
    sm: Any, tagging: Any, domain: str
) -> None:
    """GetResources "Returns all the tagged or previously tagged resources": "Resources that
    were previously tagged, but do not currently have tags, are shown with an empty tag set"."""
    was_tagged = profile(sm, domain, {"studiouserid": "frank"})
    never_tagged = profile(sm, domain, {})
    sm.delete_tags(ResourceArn=was_tagged, TagKeys=["studiouserid"])

    answer = tagging.get_resources(ResourceARNList=[was_tagged, never_tagged])
    tagged_frank = tagging.get_resources(TagFilters=[{"Key": "studiouserid", "Values": ["frank"]}])

    assert answer["ResourceTagMappingList"] == [{"ResourceARN": was_tagged, "Tags": []}]
    assert arns(tagged_frank) == []


def test_a_deleted_profile_is_no_longer_listed(sm: Any, tagging: Any, domain: str) -> None:
    """A resource that no longer exists has no tags to report (deletion ends after the
    profile's ``Deleting`` transition)."""
    name = unique("leaver")
    arn = profile(sm, domain, {"studiouserid": "gina"}, name=name)
    wait_for(lambda: sm.describe_user_profile(DomainId=domain, UserProfileName=name)["Status"],
             "InService")
    sm.delete_user_profile(DomainId=domain, UserProfileName=name)

    wait_for(
        lambda: arns(tagging.get_resources(ResourceARNList=[arn])), [], timeout=10.0
    )


def test_get_resources_is_authorised_as_tag_get_resources_on_every_resource(
    endpoint: str, control: Callable[..., Any], iam_enforced: None, domain: str
) -> None:
    """SAR, Amazon Resource Group Tagging API (prefix ``tag``): GetResources supports no
    resource type, so only a statement on ``*`` allows it; one naming a profile ARN never
    does, nor does ``sagemaker:ListTags``."""
    profile_arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/{domain}/*"
    allowed_user = unique("tag-reader")
    narrow_user = unique("tag-narrow")
    allowed = signed_client(
        endpoint, "resourcegroupstaggingapi",
        iam_user(endpoint, allowed_user, allow("tag:GetResources")),
    )
    narrow = signed_client(
        endpoint, "resourcegroupstaggingapi",
        iam_user(endpoint, narrow_user, allow(["tag:GetResources", "sagemaker:ListTags"],
                                              profile_arn)),
    )

    allowed.get_resources(ResourceTypeFilters=["sagemaker:user-profile"])
    with pytest.raises(ClientError) as raised:
        narrow.get_resources(ResourceTypeFilters=["sagemaker:user-profile"])

    code, message = error(raised)
    assert code == "AccessDeniedException"
    assert "tag:GetResources" in message
    [decision] = control(
        "GET", f"iam/decisions?principal={user_arn(allowed_user)}&result=Allowed"
    )["decisions"]
    assert (decision["action"], decision["resources"]) == ("tag:GetResources", ["*"])


def test_with_a_lag_a_tag_change_reaches_get_resources_only_after_it(
    sm: Any, tagging: Any, control: Callable[..., Any], domain: str
) -> None:
    """Eventual consistency (off by default): with ``tagging_lag_seconds`` a retag shows in
    GetResources only after the lag, while SageMaker's own ListTags shows it at once; a new
    profile is not listed until then. A caller must confirm with ListTags."""
    moved = profile(sm, domain, {"studiouserid": "hana"})
    control("POST", "config", {"tagging_lag_seconds": 600})
    try:
        sm.add_tags(ResourceArn=moved, Tags=[{"Key": "studiouserid", "Value": "ivan"}])
        fresh = profile(sm, domain, {"studiouserid": "jo"})

        stale = tagging.get_resources(ResourceARNList=[moved, fresh])
        listed = sm.list_tags(ResourceArn=moved)["Tags"]

        assert stale["ResourceTagMappingList"] == [
            {"ResourceARN": moved, "Tags": [{"Key": "studiouserid", "Value": "hana"}]}
        ]
        assert listed == [{"Key": "studiouserid", "Value": "ivan"}]

        # Once the lag has passed, both changes are seen.
        control("POST", "config", {"tagging_lag_seconds": 0.5})
        wait_for(
            lambda: sorted(
                (m["ResourceARN"], m["Tags"][0]["Value"])
                for m in tagging.get_resources(ResourceARNList=[moved, fresh])[
                    "ResourceTagMappingList"
                ]
            ),
            sorted([(moved, "ivan"), (fresh, "jo")]),
            timeout=10.0,
        )
    finally:
        control("POST", "config", {"tagging_lag_seconds": 0})


def test_without_a_lag_a_tag_change_is_visible_at_once(
    sm: Any, tagging: Any, domain: str
) -> None:
    """The default: GetResources answers the tags as they are."""
    moved = profile(sm, domain, {"studiouserid": "kim"})
    sm.add_tags(ResourceArn=moved, Tags=[{"Key": "studiouserid", "Value": "lee"}])

    answer = tagging.get_resources(TagFilters=[{"Key": "studiouserid", "Values": ["lee"]}])

    assert moved in arns(answer)
