"""The Lambda executor (studio_emulator/awslambda/): provided.* functions really run.

Fixture functions are in ``functions/<name>/bootstrap`` (Python scripts speaking the Runtime API
with urllib); each rule's source is in the package's docstrings.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from emulator_client import (
    ACCOUNT,
    REGION,
    REPOSITORY,
    EmulatorProcess,
    allow,
    client,
    control_api,
    create_function,
    error,
    function_logging,
    function_zip,
    policy_document,
    role_statements,
    rust_binary,
    unique,
    wait_for,
)


@pytest.fixture(scope="module", autouse=True)
def short_async_retries(control: Callable[..., Any]) -> Any:
    """Retries of failed asynchronous events after 0.05 s instead of AWS's 1 and 2 minutes."""
    control("POST", "config", {"lambda_async_retry_seconds": [0.05, 0.05]})
    yield
    control("POST", "config", {"lambda_async_retry_seconds": [60, 120]})


def invoke(lam: Any, name: str, event: Any, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    """(answer, decoded JSON payload) of a RequestResponse invocation."""
    answer = lam.invoke(FunctionName=name, Payload=json.dumps(event), **kwargs)
    raw = answer["Payload"].read()
    return answer, json.loads(raw) if raw else None


def environments(control: Callable[..., Any], name: str) -> list[dict[str, Any]]:
    return control("GET", f"lambda/environments?FunctionName={name}")["environments"]


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is gone for our purpose
        return f.read().split()[2] != "Z"


def probe_with_parameters(lam: Any, *operations: str, **config: Any) -> str:
    """A probe function (``create_function``) whose role may call the SSM ``operations`` on the
    parameters under ``/<its name>/`` and nowhere else: what its ``put-parameter`` and
    ``await-parameter`` actions call there. Returns its name."""
    name = unique("probe")
    parameters = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{name}/*"
    create_function(
        lam,
        function_name=name,
        statements=(allow([f"ssm:{operation}" for operation in operations], parameters),),
        **config,
    )
    return name


def parameter(ssm: Any, name: str) -> str | None:
    try:
        return ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ClientError:
        return None


# --------------------------------------------------------------------------
# What runs, with what
# --------------------------------------------------------------------------


def test_request_response_answers_what_the_bootstrap_posted(lam: Any) -> None:
    name = create_function(lam)["FunctionName"]

    answer, payload = invoke(lam, name, {"action": "echo", "n": 1})

    assert answer["StatusCode"] == 200
    assert "FunctionError" not in answer
    assert answer["ExecutedVersion"] == "$LATEST"
    assert payload["event"] == {"action": "echo", "n": 1}


def test_runtime_api_headers_name_the_invocation(lam: Any) -> None:
    name = create_function(lam)["FunctionName"]
    context = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()

    answer, payload = invoke(lam, name, {}, ClientContext=context)

    headers = payload["headers"]
    assert headers["Lambda-Runtime-Aws-Request-Id"] == answer["ResponseMetadata"]["RequestId"]
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == (
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    )
    assert int(headers["Lambda-Runtime-Deadline-Ms"]) > 0
    assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-")
    assert json.loads(headers["Lambda-Runtime-Client-Context"]) == {"custom": {"k": "v"}}


def test_environment_is_lambdas_defined_variables_and_the_functions_own(
    lam: Any, endpoint: str
) -> None:
    created = create_function(lam, MemorySize=256, Environment={"Variables": {"STAGE": "test"}})
    name = created["FunctionName"]

    _, payload = invoke(lam, name, {})

    environment = payload["environment"]
    environment.pop("LC_CTYPE", None)  # set by the Python interpreter itself (PEP 538)
    task_root = environment["LAMBDA_TASK_ROOT"]
    assert set(environment) == {
        "STAGE",
        "PATH",
        "LANG",
        "LD_LIBRARY_PATH",
        "TZ",
        "_HANDLER",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "AWS_ACCESS_KEY_ID",
        "AWS_ACCESS_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
    }
    assert environment["STAGE"] == "test"
    assert environment["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert environment["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert environment["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{name}"
    assert environment["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert environment["AWS_REGION"] == environment["AWS_DEFAULT_REGION"] == REGION
    assert environment["TZ"] == ":UTC"
    assert environment["_HANDLER"] == "bootstrap"
    assert environment["AWS_ENDPOINT_URL"] == endpoint
    assert environment["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert payload["cwd"] == task_root
    assert os.path.isfile(os.path.join(task_root, "bootstrap"))


def test_json_log_format_is_passed_to_the_runtime(lam: Any) -> None:
    name = create_function(
        lam, LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"}
    )["FunctionName"]

    _, payload = invoke(lam, name, {})

    assert payload["environment"]["AWS_LAMBDA_LOG_FORMAT"] == "JSON"
    assert payload["environment"]["AWS_LAMBDA_LOG_LEVEL"] == "DEBUG"


def test_credentials_are_an_sts_session_of_the_execution_role(lam: Any) -> None:
    created = create_function(lam)
    name, role = created["FunctionName"], created["Role"]

    _, payload = invoke(lam, name, {"whoami": True})

    role_name = role.rsplit("/", 1)[-1]
    assert payload["caller"] == {
        "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{name}",
        "Account": ACCOUNT,
    }
    assert payload["environment"]["AWS_ACCESS_KEY_ID"].startswith("ASIA")


def test_code_from_s3_runs(lam: Any, endpoint: str) -> None:
    s3 = client(endpoint, "s3")
    bucket = unique("code")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="probe.zip", Body=function_zip("probe"))
    name = create_function(lam, Code={"S3Bucket": bucket, "S3Key": "probe.zip"})["FunctionName"]

    answer, payload = invoke(lam, name, {"from": "s3"})

    assert "FunctionError" not in answer
    assert payload["event"] == {"from": "s3"}


def test_a_published_version_runs_as_that_version(lam: Any) -> None:
    name = create_function(lam)["FunctionName"]
    version = lam.publish_version(FunctionName=name)["Version"]

    answer, payload = invoke(lam, name, {}, Qualifier=version)

    assert answer["ExecutedVersion"] == version
    assert payload["environment"]["AWS_LAMBDA_FUNCTION_VERSION"] == version
    assert payload["headers"]["Lambda-Runtime-Invoked-Function-Arn"].endswith(
        f":function:{name}:{version}"
    )
    assert (
        payload["environment"]["AWS_LAMBDA_LOG_STREAM_NAME"].split("]")[0].endswith(f"/[{version}")
    )


def test_an_alias_is_the_invoked_arn_and_runs_its_version(lam: Any) -> None:
    name = create_function(lam)["FunctionName"]
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)

    answer, payload = invoke(lam, f"{name}:live", {})

    assert answer["ExecutedVersion"] == version
    assert payload["headers"]["Lambda-Runtime-Invoked-Function-Arn"].endswith(
        f":function:{name}:live"
    )


def test_other_runtimes_keep_motos_behaviour(lam: Any, control: Callable[..., Any]) -> None:
    name = create_function(lam, Runtime="python3.12", Handler="index.handler")["FunctionName"]

    answer = lam.invoke(FunctionName=name, Payload=b"{}")

    assert answer["StatusCode"] == 200
    assert environments(control, name) == []  # nothing ran here: moto answered


@pytest.mark.parametrize("operation", ["create_function", "update_function_code"])
def test_a_zip_file_that_is_not_a_zip_is_refused(lam: Any, operation: str) -> None:
    if operation == "create_function":
        call = lambda: create_function(lam, zip_bytes=b"not a zip")  # noqa: E731
    else:
        name = create_function(lam)["FunctionName"]
        call = lambda: lam.update_function_code(
            FunctionName=name, ZipFile=b"not a zip"
        )  # noqa: E731

    with pytest.raises(ClientError) as exc:
        call()

    assert error(exc) == (
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
    )


@pytest.mark.parametrize("operation", ["create_function", "update_function_configuration"])
def test_reserved_variables_are_refused(lam: Any, operation: str) -> None:
    variables = {"Variables": {"AWS_REGION": "eu-west-1", "OK": "1"}}
    if operation == "create_function":
        call = lambda: create_function(lam, Environment=variables)  # noqa: E731
    else:
        name = create_function(lam)["FunctionName"]
        call = lambda: lam.update_function_configuration(  # noqa: E731
            FunctionName=name, Environment=variables
        )

    with pytest.raises(ClientError) as exc:
        call()

    code, message = error(exc)
    assert code == "InvalidParameterValueException"
    assert message.endswith("Reserved keys used in this request: AWS_REGION")


# --------------------------------------------------------------------------
# How invocations end
# --------------------------------------------------------------------------


def test_function_error_answers_unhandled_with_the_posted_error(lam: Any) -> None:
    name = create_function(lam)["FunctionName"]

    answer, payload = invoke(
        lam, name, {"action": "fail", "message": "boom", "error_type": "MyError"}
    )

    assert answer["StatusCode"] == 200
    assert answer["FunctionError"] == "Unhandled"
    assert payload == {"errorMessage": "boom", "errorType": "MyError", "stackTrace": []}


def test_an_error_without_a_json_body_is_typed_by_its_header(lam: Any) -> None:
    name = create_function(lam)["FunctionName"]

    answer, payload = invoke(lam, name, {"action": "fail-text"})

    assert answer["FunctionError"] == "Unhandled"
    assert payload == {"errorMessage": "plain words", "errorType": "Custom.Plain"}


def test_a_response_for_another_request_id_is_refused(lam: Any) -> None:
    name = create_function(lam)["FunctionName"]

    answer, payload = invoke(lam, name, {"action": "wrong-request-id"})

    request_id = answer["ResponseMetadata"]["RequestId"]
    assert payload == {
        "status": 400,
        "body": {
            "errorType": "InvalidRequestID",
            "errorMessage": f"Invalid request ID: not-{request_id}",
        },
    }


def test_function_error_keeps_the_environment(lam: Any, control: Callable[..., Any]) -> None:
    name = create_function(lam)["FunctionName"]
    invoke(lam, name, {"action": "fail"})

    _, payload = invoke(lam, name, {})

    assert [e["Pid"] for e in environments(control, name)] == [payload["pid"]]


def test_timeout_answers_sandbox_timedout_and_kills_the_environment(
    lam: Any, control: Callable[..., Any]
) -> None:
    name = create_function(lam, Timeout=1)["FunctionName"]
    _, first = invoke(lam, name, {})

    answer, payload = invoke(lam, name, {"action": "sleep", "seconds": 30})

    request_id = answer["ResponseMetadata"]["RequestId"]
    assert answer["FunctionError"] == "Unhandled"
    assert payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds",
    }
    assert environments(control, name) == []
    assert not process_exists(first["pid"])


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (0, "Runtime exited without providing a reason"),
        (2, "Runtime exited with error: exit status 2"),
    ],
)
def test_process_exit_during_an_invocation_is_runtime_exit_error(
    lam: Any, control: Callable[..., Any], code: int, reason: str
) -> None:
    name = create_function(lam)["FunctionName"]

    answer, payload = invoke(lam, name, {"action": "exit", "code": code})

    request_id = answer["ResponseMetadata"]["RequestId"]
    assert answer["FunctionError"] == "Unhandled"
    assert payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: {reason}",
    }
    assert environments(control, name) == []


def test_init_crash_answers_runtime_exit_error(lam: Any) -> None:
    name = create_function(lam, "init-crash")["FunctionName"]

    answer, payload = invoke(lam, name, {})

    request_id = answer["ResponseMetadata"]["RequestId"]
    assert answer["FunctionError"] == "Unhandled"
    assert payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status 3",
    }


def test_init_error_answers_the_error_the_runtime_posted(lam: Any) -> None:
    name = create_function(lam, "init-error")["FunctionName"]

    answer, payload = invoke(lam, name, {})

    assert answer["FunctionError"] == "Unhandled"
    assert payload == {
        "errorMessage": "configuration is missing",
        "errorType": "Runtime.ConfigError",
    }


def test_memory_above_memory_size_is_out_of_memory(lam: Any, control: Callable[..., Any]) -> None:
    name = create_function(lam, MemorySize=128)["FunctionName"]

    answer, payload = invoke(lam, name, {"action": "allocate", "megabytes": 256, "hold_seconds": 2})

    request_id = answer["ResponseMetadata"]["RequestId"]
    assert answer["FunctionError"] == "Unhandled"
    assert payload == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
    }
    assert environments(control, name) == []


def test_response_over_6_mb_is_function_response_size_too_large(lam: Any) -> None:
    name = create_function(lam, MemorySize=512)["FunctionName"]

    answer, payload = invoke(lam, name, {"action": "respond-bytes", "size": 6 * 1024 * 1024})

    assert answer["FunctionError"] == "Unhandled"
    assert payload == {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291456 bytes).",
    }


def test_bootstrap_for_another_architecture_is_invalid_entrypoint(lam: Any) -> None:
    elf = "/bin/true"  # this machine's architecture
    with open(elf, "rb") as f:
        machine = int.from_bytes(f.read(20)[18:20], "little")
    other = "arm64" if machine == 62 else "x86_64"
    name = create_function(lam, zip_bytes=function_zip("", bootstrap=elf), Architectures=[other])[
        "FunctionName"
    ]

    answer, payload = invoke(lam, name, {})

    request_id = answer["ResponseMetadata"]["RequestId"]
    assert answer["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.InvalidEntrypoint"
    assert payload["errorMessage"].startswith(f"RequestId: {request_id} Error: fork/exec ")
    assert payload["errorMessage"].endswith("/bootstrap: exec format error")


def test_a_zip_without_bootstrap_is_invalid_entrypoint(lam: Any) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "print('no bootstrap')\n")
    name = create_function(lam, zip_bytes=buffer.getvalue())["FunctionName"]

    answer, payload = invoke(lam, name, {})

    assert answer["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.InvalidEntrypoint"
    assert payload["errorMessage"].startswith("Couldn't find valid bootstrap(s): [")


# --------------------------------------------------------------------------
# Invocation types and limits
# --------------------------------------------------------------------------


def test_dry_run_answers_204_and_runs_nothing(lam: Any, control: Callable[..., Any]) -> None:
    name = create_function(lam)["FunctionName"]

    answer = lam.invoke(FunctionName=name, InvocationType="DryRun", Payload=b"{}")

    assert answer["StatusCode"] == 204
    assert answer["Payload"].read() == b""
    assert environments(control, name) == []


def test_log_type_tail_returns_the_last_4_kb_of_the_invocations_log(lam: Any) -> None:
    name = create_function(lam)["FunctionName"]
    lines = [f"line {i:04d} " + "x" * 40 for i in range(200)]

    answer, _ = invoke(lam, name, {"action": "print", "lines": lines}, LogType="Tail")

    tail = base64.b64decode(answer["LogResult"]).decode()
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert len(tail.encode()) == 4096
    # each stream keeps its order; which of stdout/stderr is read last is up to the pipes
    assert re.search(
        rf"(stderr: )?{re.escape(lines[-1])}\nEND RequestId: {request_id}\nREPORT RequestId: {request_id}\t",
        tail,
    )
    assert f"START RequestId: {request_id}" not in tail  # cut: only the last 4 KB


def test_without_log_type_there_is_no_log_result(lam: Any) -> None:
    name = create_function(lam)["FunctionName"]

    answer, _ = invoke(lam, name, {})

    assert "LogResult" not in answer


@pytest.mark.parametrize(
    ("invocation_type", "limit"), [("RequestResponse", 6291456), ("Event", 1048576)]
)
def test_payload_over_the_limit_is_request_entity_too_large(
    lam: Any, invocation_type: str, limit: int
) -> None:
    name = create_function(lam)["FunctionName"]
    payload = json.dumps({"data": "x" * limit})

    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=name, InvocationType=invocation_type, Payload=payload)

    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert error(exc) == (
        "RequestEntityTooLargeException",
        f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
    )


def test_missing_function_is_resource_not_found(lam: Any) -> None:
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=unique("missing"), Payload=b"{}")

    assert error(exc)[0] == "ResourceNotFoundException"


def test_event_invocation_is_queued_and_runs_in_the_background(
    lam: Any, ssm: Any, control: Callable[..., Any]
) -> None:
    name = probe_with_parameters(lam, "PutParameter")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    target = f"/{name}/event"

    answer = lam.invoke(
        FunctionName=name,
        InvocationType="Event",
        Payload=json.dumps({"action": "put-parameter", "name": target, "value": "ran"}),
    )

    assert answer["StatusCode"] == 202
    assert answer["Payload"].read() == b""
    assert control("GET", f"lambda/environments?FunctionName={name}")["pending_events"] == 1
    assert parameter(ssm, target) is None  # queued: no concurrency to run it yet
    lam.delete_function_concurrency(FunctionName=name)
    wait_for(lambda: parameter(ssm, target), "ran")


def test_reserved_concurrency_throttles_synchronous_invocations(lam: Any) -> None:
    name = create_function(lam)["FunctionName"]
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)

    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=name, Payload=b"{}")

    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error(exc)[0] == "TooManyRequestsException"
    assert exc.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


@pytest.mark.parametrize(("maximum_retries", "attempts"), [(None, 3), (1, 2), (0, 1)])
def test_failed_event_is_retried_up_to_maximum_retry_attempts(
    lam: Any, ssm: Any, control: Callable[..., Any], maximum_retries: int | None, attempts: int
) -> None:
    name = probe_with_parameters(lam, "PutParameter", "GetParameterHistory")
    if maximum_retries is not None:
        lam.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=maximum_retries
        )
    counter, target = f"/{name}/attempts", f"/{name}/done"
    event = {
        "action": "put-parameter",
        "attempts_parameter": counter,
        "fail_times": 2,  # attempts 1 and 2 fail, the third succeeds
        "name": target,
        "value": "done",
    }

    lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(event))

    wait_for(
        lambda: control("GET", f"lambda/environments?FunctionName={name}")["pending_events"], 0
    )
    assert ssm.get_parameter(Name=counter)["Parameter"]["Version"] == attempts
    assert parameter(ssm, target) == ("done" if attempts == 3 else None)


# --------------------------------------------------------------------------
# Environments: concurrency, reuse, retirement, lifecycle
# --------------------------------------------------------------------------


def test_invocations_in_flight_at_once_each_get_their_own_environment(
    lam: Any, ssm: Any, control: Callable[..., Any]
) -> None:
    name = probe_with_parameters(lam, "GetParameter", Timeout=30)
    release = f"/{name}/release"
    answers: list[Any] = []

    def call() -> None:
        answers.append(invoke(lam, name, {"action": "await-parameter", "name": release}))

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    wait_for(lambda: sum(e["Busy"] for e in environments(control, name)), 3, timeout=15)
    ssm.put_parameter(Name=release, Value="go", Type="String")
    for thread in threads:
        thread.join(timeout=30)

    assert [answer["StatusCode"] for answer, _ in answers] == [200, 200, 200]
    assert len({payload["pid"] for _, payload in answers}) == 3


def test_an_idle_environment_is_reused(lam: Any, control: Callable[..., Any]) -> None:
    name = create_function(lam)["FunctionName"]
    first, first_payload = invoke(lam, name, {}, LogType="Tail")

    second, second_payload = invoke(lam, name, {}, LogType="Tail")

    assert second_payload["pid"] == first_payload["pid"]
    assert "Init Duration" in base64.b64decode(first["LogResult"]).decode()
    assert "Init Duration" not in base64.b64decode(second["LogResult"]).decode()
    assert [e["Invocations"] for e in environments(control, name)] == [2]


@pytest.mark.parametrize("update", ["code", "configuration"])
def test_an_update_retires_the_environments(
    lam: Any, control: Callable[..., Any], update: str
) -> None:
    name = create_function(lam)["FunctionName"]
    _, before = invoke(lam, name, {})

    if update == "code":
        lam.update_function_code(FunctionName=name, ZipFile=function_zip("probe"))
    else:
        lam.update_function_configuration(
            FunctionName=name, Environment={"Variables": {"VERSION": "2"}}
        )

    assert environments(control, name) == []
    assert not process_exists(before["pid"])
    _, after = invoke(lam, name, {})
    assert after["pid"] != before["pid"]


def test_deleting_the_function_ends_its_environments(lam: Any, control: Callable[..., Any]) -> None:
    name = create_function(lam)["FunctionName"]
    _, payload = invoke(lam, name, {})

    lam.delete_function(FunctionName=name)

    assert environments(control, name) == []
    assert not process_exists(payload["pid"])


def test_a_function_is_invoked_by_its_arn(lam: Any) -> None:
    arn = create_function(lam)["FunctionArn"]

    answer, payload = invoke(lam, arn, {"by": "arn"})

    assert "FunctionError" not in answer
    assert payload["event"] == {"by": "arn"}
    assert payload["headers"]["Lambda-Runtime-Invoked-Function-Arn"] == arn


def test_a_busy_environment_finishes_its_invocation_then_retires(
    lam: Any, ssm: Any, control: Callable[..., Any]
) -> None:
    name = probe_with_parameters(lam, "GetParameter", Timeout=30)
    release = f"/{name}/release"
    answers: list[Any] = []
    thread = threading.Thread(
        target=lambda: answers.append(
            invoke(lam, name, {"action": "await-parameter", "name": release})
        )
    )
    thread.start()
    wait_for(lambda: [e["Busy"] for e in environments(control, name)], [True], timeout=15)

    lam.update_function_code(FunctionName=name, ZipFile=function_zip("probe"))
    ssm.put_parameter(Name=release, Value="go", Type="String")
    thread.join(timeout=30)

    [(answer, payload)] = answers
    assert "FunctionError" not in answer
    assert environments(control, name) == []
    assert not process_exists(payload["pid"])


def test_reserved_concurrency_runs_queued_events_one_at_a_time(
    lam: Any, ssm: Any, control: Callable[..., Any]
) -> None:
    name = probe_with_parameters(lam, "PutParameter")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    targets = [f"/{name}/event-{i}" for i in range(3)]

    for target in targets:
        lam.invoke(
            FunctionName=name,
            InvocationType="Event",
            Payload=json.dumps({"action": "put-parameter", "name": target, "value": "ran"}),
        )

    wait_for(lambda: [parameter(ssm, t) for t in targets], ["ran"] * 3, timeout=15)
    assert [e["Invocations"] for e in environments(control, name)] == [3]  # one environment


def test_logs_reach_cloudwatch_with_start_end_and_report(
    lam: Any, logs: Any, control: Callable[..., Any]
) -> None:
    name = create_function(lam)["FunctionName"]

    answer, _ = invoke(lam, name, {"action": "print", "lines": ["hello", "world"]})

    request_id = answer["ResponseMetadata"]["RequestId"]
    group = f"/aws/lambda/{name}"
    [environment] = environments(control, name)
    stream = environment["LogStreamName"]
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", stream)
    events = logs.get_log_events(logGroupName=group, logStreamName=stream)
    messages = [e["message"] for e in events["events"]]
    start = messages.index(f"START RequestId: {request_id} Version: $LATEST")
    assert sorted(messages[start + 1 : start + 5]) == sorted(
        ["hello", "world", "stderr: hello", "stderr: world"]
    )
    assert messages[start + 5] == f"END RequestId: {request_id}"
    report = messages[start + 6].split("\t")
    assert report[0] == f"REPORT RequestId: {request_id}"
    assert report[1].startswith("Duration: ") and report[1].endswith(" ms")
    assert report[2].startswith("Billed Duration: ")
    assert report[3] == "Memory Size: 128 MB"
    assert report[4].startswith("Max Memory Used: ") and report[4].endswith(" MB")
    assert report[5].startswith("Init Duration: ")
    assert messages[0].startswith("probe init pid=")  # the Init phase's output comes first


def test_logs_are_delivered_only_if_the_execution_role_allows_them(
    lam: Any, logs: Any, iam: Any, control: Callable[..., Any], iam_enforced: None
) -> None:
    """Lambda sends the logs with the function's credentials: a role without the logging
    permissions gets none delivered (the function still runs), and once its policy allows
    them, the next write creates the group and the stream."""
    name = unique("probe")
    create_function(lam, function_name=name, logs=False)
    group = f"/aws/lambda/{name}"

    answer, _ = invoke(lam, name, {"action": "print", "lines": ["unseen"]})

    assert "FunctionError" not in answer
    with pytest.raises(logs.exceptions.ResourceNotFoundException):  # no group was created
        logs.describe_log_streams(logGroupName=group)
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}-role/{name}"
    refused = control("GET", f"iam/decisions?principal={session}")["decisions"]
    assert {(d["action"], d["result"], d["via"]) for d in refused} == {
        ("logs:CreateLogGroup", "ImplicitlyDenied", "lambda")
    }

    iam.put_role_policy(
        RoleName=f"{name}-role",
        PolicyName="logs",
        PolicyDocument=policy_document(function_logging(name)),
    )
    invoke(lam, name, {"action": "print", "lines": ["seen"]})

    [stream] = logs.describe_log_streams(logGroupName=group)["logStreams"]
    messages = [
        e["message"]
        for e in logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])[
            "events"
        ]
    ]
    assert "seen" in messages and "unseen" not in messages
    allowed = control("GET", f"iam/decisions?principal={session}&result=Allowed")["decisions"]
    assert {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"} <= {
        d["action"] for d in allowed
    }


def test_custom_log_group_of_logging_config(lam: Any, logs: Any) -> None:
    group = f"/custom/{unique('group')}"
    name = create_function(lam, LoggingConfig={"LogFormat": "Text", "LogGroup": group})[
        "FunctionName"
    ]

    _, payload = invoke(lam, name, {})

    stream = payload["environment"]["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert payload["environment"]["AWS_LAMBDA_LOG_GROUP_NAME"] == group
    events = logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]
    assert events[-1]["message"].startswith("REPORT RequestId: ")


def test_reset_kills_every_environment_and_drops_queued_events(endpoint: str) -> None:
    # its own emulator: a reset here must not disturb the module's other tests
    server = EmulatorProcess()
    try:
        lam = client(server.endpoint, "lambda")
        call = control_api(server.endpoint)
        name = create_function(lam)["FunctionName"]
        _, payload = invoke(lam, name, {})
        queued = create_function(lam)["FunctionName"]
        lam.put_function_concurrency(FunctionName=queued, ReservedConcurrentExecutions=0)
        lam.invoke(FunctionName=queued, InvocationType="Event", Payload=b"{}")

        call("POST", "reset")

        state = call("GET", "lambda/environments")
        assert state == {"environments": [], "pending_events": 0}
        assert not process_exists(payload["pid"])
    finally:
        server.stop()


def test_the_servers_exit_stops_the_function_processes() -> None:
    server = EmulatorProcess()
    try:
        lam = client(server.endpoint, "lambda")
        name = create_function(lam)["FunctionName"]
        _, payload = invoke(lam, name, {})
        assert process_exists(payload["pid"])
    finally:
        server.stop()  # SIGTERM; exits 0

    assert not process_exists(payload["pid"])


def test_an_idle_environment_is_shut_down_after_idle_seconds(
    lam: Any, control: Callable[..., Any]
) -> None:
    name = create_function(lam)["FunctionName"]
    _, payload = invoke(lam, name, {})
    before = control("GET", "config")["lambda_idle_seconds"]

    control("POST", "config", {"lambda_idle_seconds": 0})
    try:
        wait_for(lambda: environments(control, name), [])
    finally:
        control("POST", "config", {"lambda_idle_seconds": before})

    assert not process_exists(payload["pid"])


def test_lambda_calls_are_logged_and_can_be_faulted(lam: Any, control: Callable[..., Any]) -> None:
    name = create_function(lam)["FunctionName"]
    control("DELETE", "calls")
    control(
        "POST",
        "faults",
        {
            "service": "lambda",
            "operation": "Invoke",
            "error_code": "InvalidRequestContentException",
            "status": 400,
        },
    )

    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=name, Payload=b"{}")

    assert error(exc)[0] == "InvalidRequestContentException"
    # authorised first (IAM enforced: the entry carries the decision), then faulted
    assert control("GET", "calls?service=lambda")["calls"] == [
        {"service": "lambda", "operation": "Invoke", "iam": "Allowed"}
    ]
    assert environments(control, name) == []  # the faulted call ran nothing


# --------------------------------------------------------------------------
# A real Rust function
# --------------------------------------------------------------------------

@pytest.mark.rust_binaries
def test_the_rust_lambda_runtime_accepts_this_runtime_api(lam: Any) -> None:
    """The project's own function, its lambda_runtime speaking to the executor's Runtime API."""
    machine_arch = "x86_64" if os.uname().machine == "x86_64" else "arm64"
    name = create_function(
        lam,
        zip_bytes=function_zip("", bootstrap=rust_binary("studio-presigned-url")),
        Architectures=[machine_arch],
        Timeout=10,
        Environment={"Variables": {"DOMAIN_ID": "d-000000000000"}},
    )["FunctionName"]
    with open(
        os.path.join(REPOSITORY, "events", "studio-presigned-url", "browser-federated-session.json")
    ) as f:
        event = json.load(f)

    answer, payload = invoke(lam, name, event, LogType="Tail")

    log = base64.b64decode(answer["LogResult"]).decode()
    assert "FunctionError" not in answer, log
    assert 400 <= payload["statusCode"] < 600, payload
    assert "errorType" not in payload


@pytest.mark.rust_binaries
def test_a_rust_custom_resource_answers_its_response_url_from_the_executor(
    lam: Any, endpoint: str
) -> None:
    """The project's Custom::StudioDomain function: its SageMaker calls reach the emulator
    through AWS_ENDPOINT_URL, and it PUTs its answer to the request's ResponseURL."""
    import http.server

    answers: list[dict[str, Any]] = []

    class ResponseUrl(http.server.BaseHTTPRequestHandler):
        def do_PUT(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            answers.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ResponseUrl)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    response_url = f"http://127.0.0.1:{server.server_address[1]}/"
    # the role the core stack gives the function; roles it may pass to SageMaker are the
    # products' (ProductRolePrefix), here the sample event's execution role
    statements = role_statements(
        os.path.join(REPOSITORY, "templates", "core.yaml"),
        "StudioDomainFunctionRole",
        {
            "NamePrefix": "studio-catalog",
            "ProductRolePrefix": "studio-catalog-",
            "StudioDomainLogGroup.Arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/d",
        },
    )
    try:
        name = create_function(
            lam,
            zip_bytes=function_zip("", bootstrap=rust_binary("studio-domain")),
            statements=tuple(statements),
            Architectures=["x86_64" if os.uname().machine == "x86_64" else "arm64"],
            Timeout=30,
            MemorySize=256,
            LoggingConfig={"LogFormat": "JSON"},
            Environment={"Variables": {"CFN_RESPONSE_URL_ALLOW": response_url}},
        )["FunctionName"]
        with open(os.path.join(REPOSITORY, "events", "studio-domain", "create.json")) as f:
            # the products' roles are under the suite's path (core.yaml's PassRole names it)
            request = json.loads(f.read().replace(
                ":role/studio-catalog-", ":role/studio-catalog/products/studio-catalog-"))
        request["ResponseURL"] = response_url + "answer"
        # the function acts only for stacks of its own region (the sample is eu-west-1's)
        request["StackId"] = request["StackId"].replace(":eu-west-1:", f":{REGION}:")

        answer, _ = invoke(lam, name, request, LogType="Tail")
    finally:
        server.shutdown()
        server.server_close()

    assert "FunctionError" not in answer, base64.b64decode(answer["LogResult"]).decode()
    [put] = answers
    assert put["Status"] == "SUCCESS", put
    assert put["RequestId"] == request["RequestId"]
    domain = client(endpoint, "sagemaker").describe_domain(DomainId=put["PhysicalResourceId"])
    assert domain["DomainName"] == request["ResourceProperties"]["DomainName"]
