"""The shape guard (shape_guard.py) itself: hand-made answers against botocore's models.

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_shape_guard.py
"""

from __future__ import annotations

import json
import os
from typing import Any

import botocore.session
import pytest

from emulator_client import client
from shape_guard import ShapeGuard, allowed, check_response, compiled_pattern

_SESSION = botocore.session.get_session()
HERE = os.path.dirname(os.path.abspath(__file__))

DOMAIN_ARN = "arn:aws:sagemaker:us-east-1:123456789012:domain/d-abcdefghijkl"
ROLE = "arn:aws:iam::123456789012:role/studio-execution"


def json_answer(
    service: str, operation: str, body: Any, status: int = 200, raw: bytes | None = None
) -> list[str]:
    """The guard's violations for an awsJson/restJson answer ``body`` to ``operation``."""
    operation_model = _SESSION.get_service_model(service).operation_model(operation)
    return check_response(
        operation_model,
        {
            "status_code": status,
            "headers": {},
            "body": raw if raw is not None else json.dumps(body).encode(),
        },
    )


def xml_answer(service: str, operation: str, body: str, status: int = 200) -> list[str]:
    operation_model = _SESSION.get_service_model(service).operation_model(operation)
    return check_response(
        operation_model, {"status_code": status, "headers": {}, "body": body.encode()}
    )


def domain(**overrides: Any) -> dict[str, Any]:
    answer = {
        "DomainArn": DOMAIN_ARN,
        "DomainId": "d-abcdefghijkl",
        "DomainName": "team",
        "Status": "InService",
        "CreationTime": 1767225600.0,
        "AuthMode": "IAM",
        "DefaultUserSettings": {"ExecutionRole": ROLE},
        "SubnetIds": ["subnet-0123456789abcdef0"],
        "Url": "https://d-abcdefghijkl.studio.us-east-1.sagemaker.aws",
        "VpcId": "vpc-0123456789abcdef0",
    }
    answer.update(overrides)
    return answer


def test_a_well_formed_answer_has_no_violation() -> None:
    assert json_answer("sagemaker", "DescribeDomain", domain()) == []


def test_a_missing_required_member_is_reported() -> None:
    answer = {
        "EndpointName": "ep",
        "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep",
        "CreationTime": 1767225600.0,
        "LastModifiedTime": 1767225600.0,
    }
    assert json_answer("sagemaker", "DescribeEndpoint", answer) == [
        "DescribeEndpoint.EndpointStatus: required member is missing"
    ]


def test_a_required_member_of_a_nested_structure_is_reported() -> None:
    answer = {
        "EndpointName": "ep",
        "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep",
        "EndpointStatus": "InService",
        "CreationTime": 1767225600.0,
        "LastModifiedTime": 1767225600.0,
        "DataCaptureConfig": {},
    }
    violations = json_answer("sagemaker", "DescribeEndpoint", answer)
    assert "DescribeEndpoint.DataCaptureConfig.EnableCapture: required member is missing" in (
        violations
    )


def test_a_value_outside_the_enum_is_reported() -> None:
    assert json_answer("sagemaker", "DescribeDomain", domain(Status="Running")) == [
        "DescribeDomain.Status: 'Running' is not one of "
        "['Deleting', 'Failed', 'InService', 'Pending', 'Updating', 'Update_Failed', "
        "'Delete_Failed']"
    ]


def test_a_value_that_does_not_match_the_pattern_is_reported() -> None:
    role = "arn:aws:iam::123:role/studio-execution"
    violations = json_answer(
        "sagemaker", "DescribeDomain", domain(DefaultUserSettings={"ExecutionRole": role})
    )
    assert violations == [
        f"DescribeDomain.DefaultUserSettings.ExecutionRole: {role!r} does not match pattern "
        "arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+"
    ]


def test_a_string_shorter_than_the_minimum_length_is_reported() -> None:
    violations = json_answer(
        "sagemaker", "DescribeDomain", domain(DefaultUserSettings={"ExecutionRole": "x"})
    )
    assert "DescribeDomain.DefaultUserSettings.ExecutionRole: length 1 is below the minimum 20" in (
        violations
    )


def test_a_list_longer_than_the_maximum_is_reported() -> None:
    subnets = [f"subnet-{i:017x}" for i in range(17)]
    assert json_answer("sagemaker", "DescribeDomain", domain(SubnetIds=subnets)) == [
        "DescribeDomain.SubnetIds: list length 17 is above the maximum 16"
    ]


def test_a_number_outside_its_range_and_a_number_sent_as_a_string_are_reported() -> None:
    answer = {"NotebookInstanceName": "nb", "VolumeSizeInGB": 2}
    assert json_answer("sagemaker", "DescribeNotebookInstance", answer) == [
        "DescribeNotebookInstance.VolumeSizeInGB: value 2 is below the minimum 5"
    ]
    answer = {"NotebookInstanceName": "nb", "VolumeSizeInGB": "20"}
    assert "DescribeNotebookInstance.VolumeSizeInGB: expected a JSON integer, got str '20'" in (
        json_answer("sagemaker", "DescribeNotebookInstance", answer)
    )


def test_a_member_the_shape_does_not_name_is_reported() -> None:
    assert json_answer("sagemaker", "DescribeDomain", domain(Colour="blue")) == [
        "DescribeDomain.Colour: not a member of DescribeDomainResponse"
    ]


def test_a_null_member_is_reported() -> None:
    assert json_answer("sagemaker", "DescribeDomain", domain(KmsKeyId=None)) == [
        "DescribeDomain.KmsKeyId: null (AWS omits a member that has no value)"
    ]


def test_an_aws_json_timestamp_must_be_epoch_seconds() -> None:
    violations = json_answer(
        "sagemaker", "DescribeDomain", domain(CreationTime="2026-01-01T00:00:00Z")
    )
    assert violations == [
        "DescribeDomain.CreationTime: expected epoch seconds (a JSON number), "
        "got str '2026-01-01T00:00:00Z'"
    ]


def test_a_rest_json_member_bound_to_a_header_is_not_looked_for_in_the_body() -> None:
    # Lake Formation's GetDataLakeSettings has no header members; Lambda's Invoke has
    # StatusCode bound to the status and FunctionError to a header.
    answer = {"DataLakeSettings": {"DataLakeAdmins": []}}
    assert json_answer("lakeformation", "GetDataLakeSettings", answer) == []
    assert json_answer("lambda", "GetFunction", {}, raw=b"{}") == []


def test_a_documented_or_common_error_code_passes() -> None:
    missing = {"__type": "ResourceNotFound", "Message": "Cannot find Domain"}
    throttled = {"__type": "ThrottlingException", "Message": "Rate exceeded"}
    assert json_answer("sagemaker", "DescribeDomain", missing, status=400) == []
    assert json_answer("sagemaker", "DescribeDomain", throttled, status=400) == []


def test_an_undocumented_error_code_is_reported() -> None:
    undocumented = {"__type": "NoSuchDomainException", "Message": "no such domain"}
    assert json_answer("sagemaker", "DescribeDomain", undocumented, status=400) == [
        "DescribeDomain: error code 'NoSuchDomainException' is neither documented for "
        "DescribeDomain (ResourceNotFound) nor common to all AWS APIs"
    ]


def test_an_error_trait_code_of_a_query_service_is_documented() -> None:
    body = (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error>'
        "<Type>Sender</Type><Code>NoSuchEntity</Code><Message>no role</Message>"
        "</Error><RequestId>1</RequestId></ErrorResponse>"
    )
    assert xml_answer("iam", "GetRole", body, status=404) == []


def test_an_unknown_element_of_a_query_answer_is_reported() -> None:
    body = (
        '<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult>'
        "<Role><Path>/</Path><RoleName>r</RoleName><RoleId>AROAEXAMPLEEXAMPLE01</RoleId>"
        "<Arn>arn:aws:iam::123456789012:role/r</Arn>"
        "<CreateDate>2026-01-01T00:00:00Z</CreateDate><Colour>blue</Colour>"
        "<Tags><member><Key>team</Key><Value>ml</Value></member></Tags></Role>"
        "</GetRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
        "</GetRoleResponse>"
    )
    assert xml_answer("iam", "GetRole", body) == ["GetRole.Role.Colour: not a member of Role"]


def test_unicode_classes_and_surrogate_pair_ranges_of_the_models_are_understood() -> None:
    tag_key = compiled_pattern("^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$")
    assert tag_key is not None and tag_key.search("équipe données") is not None
    assert tag_key.search("team!") is None
    glue_comment = compiled_pattern(
        "[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*"
    )
    assert glue_comment is not None and glue_comment.fullmatch("a table \U0001f600") is not None


def test_moto_answers_are_allowed_only_where_listed() -> None:
    null_end_date = "GetSchedule.EndDate: null (AWS omits a member that has no value)"
    assert allowed("scheduler", "GetSchedule", null_end_date)
    assert not allowed("scheduler", "ListSchedules", null_end_date)
    assert not allowed("sagemaker", "DescribeDomain", "DescribeDomain.Status: 'x' is not one of")


def test_a_client_reports_an_undocumented_error_code_the_emulator_answers(
    endpoint: str, control: Any
) -> None:
    guard = ShapeGuard()
    sm = client(endpoint, "sagemaker", guard=guard)
    control(
        "POST",
        "faults",
        {
            "service": "sagemaker",
            "operation": "DescribeDomain",
            "error_code": "NoSuchDomainException",
            "status": 400,
            "message": "no such domain",
            "count": 1,
        },
    )
    with pytest.raises(sm.exceptions.ClientError):
        sm.describe_domain(DomainId="d-abcdefghijkl")
    assert guard.take() == [
        "sagemaker.DescribeDomain: error code 'NoSuchDomainException' is neither documented "
        "for DescribeDomain (ResourceNotFound) nor common to all AWS APIs"
    ]
    assert guard.take() == []


def test_a_violation_fails_the_test_phase_that_caused_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pytest session of its own, with this directory's conftest.py as its plugin.
    monkeypatch.setenv("PYTHONPATH", HERE)
    pytester.makepyfile(
        test_phases="""
        import pytest
        from shape_guard import SESSION_GUARD

        @pytest.fixture
        def violating_setup():
            SESSION_GUARD.violations.append("sagemaker.DescribeDomain: in setup")

        def test_violating_call():
            SESSION_GUARD.violations.extend(["sagemaker.DescribeDomain: in call"] * 2)

        def test_violating_call_that_fails_too():
            SESSION_GUARD.violations.append("sagemaker.DescribeDomain: before failing")
            assert 1 == 2

        def test_violating_setup(violating_setup):
            pass

        def test_clean():
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "conftest", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*sagemaker.DescribeDomain: in setup",
            "*sagemaker.DescribeDomain: in call (x2)",
            "E*sagemaker.DescribeDomain: before failing",
        ]
    )
