"""CreateSpace and UpdateSpace check the whole ``SpaceSettings`` shape, as the request
validator does (botocore model ``sagemaker/2017-07-24``, shape ``SpaceSettings``), and
DeleteSpace is refused while the space has apps: one test per rule (``Custom::StudioSpace``,
issue #17).

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_sagemaker_spaces.py
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import STUDIO_ROLE as ROLE, client, domain_request, error, unique, wait_for

pytestmark = pytest.mark.transition_seconds(0.1)


@pytest.fixture(scope="module")
def raw(endpoint: str) -> Any:
    """A client that sends what it is given (the Rust SDK does not check ranges either)."""
    return client(endpoint, "sagemaker", parameter_validation=False)


@pytest.fixture(scope="module")
def domain_id(sm: Any) -> str:
    created = sm.create_domain(**domain_request(DefaultUserSettings={"ExecutionRole": ROLE}))
    wait_for(lambda: sm.describe_domain(DomainId=created["DomainId"])["Status"], "InService")
    return str(created["DomainId"])


def in_service_space(sm: Any, domain_id: str, **settings: Any) -> str:
    name = unique("s")
    sm.create_space(DomainId=domain_id, SpaceName=name, SpaceSettings={"AppType": "JupyterLab", **settings})
    wait_for(lambda: sm.describe_space(DomainId=domain_id, SpaceName=name)["Status"], "InService")
    return name


def ebs(size: int) -> dict[str, Any]:
    return {"SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": size}}}


def test_create_space_refuses_an_ebs_volume_outside_5_to_16384_gb(raw: Any, domain_id: str) -> None:
    """``SpaceEbsVolumeSizeInGb``: min 5, max 16384 (botocore model)."""
    for size in (4, 16385):
        with pytest.raises(ClientError) as refused:
            raw.create_space(DomainId=domain_id, SpaceName=unique("s"),
                             SpaceSettings={"AppType": "JupyterLab", **ebs(size)})
        code, message = error(refused)
        assert code == "ValidationException"
        assert "spaceSettings.spaceStorageSettings.ebsStorageSettings.ebsVolumeSizeInGb" in message


def test_update_space_refuses_an_ebs_volume_outside_5_to_16384_gb_and_takes_one_inside(
    raw: Any, sm: Any, domain_id: str
) -> None:
    name = in_service_space(sm, domain_id, **ebs(10))
    with pytest.raises(ClientError) as refused:
        raw.update_space(DomainId=domain_id, SpaceName=name, SpaceSettings=ebs(20000))
    assert error(refused)[0] == "ValidationException"
    sm.update_space(DomainId=domain_id, SpaceName=name, SpaceSettings=ebs(20))
    wait_for(lambda: sm.describe_space(DomainId=domain_id, SpaceName=name)["Status"], "InService")
    described = sm.describe_space(DomainId=domain_id, SpaceName=name)["SpaceSettings"]
    assert described["SpaceStorageSettings"]["EbsStorageSettings"]["EbsVolumeSizeInGb"] == 20
    assert described["AppType"] == "JupyterLab"


def test_a_space_takes_at_most_five_custom_file_systems_each_of_one_kind(
    raw: Any, domain_id: str
) -> None:
    """``CustomFileSystems``: max 5; ``CustomFileSystem`` is a union (exactly one member)."""
    efs = {"EFSFileSystem": {"FileSystemId": "fs-0123456789abcdef0"}}
    with pytest.raises(ClientError) as refused:
        raw.create_space(DomainId=domain_id, SpaceName=unique("s"),
                         SpaceSettings={"AppType": "JupyterLab", "CustomFileSystems": [efs] * 6})
    assert "customFileSystems" in error(refused)[1]
    both = {**efs, "S3FileSystem": {"S3Uri": "s3://bucket/prefix"}}
    with pytest.raises(ClientError) as refused:
        raw.create_space(DomainId=domain_id, SpaceName=unique("s"),
                         SpaceSettings={"AppType": "JupyterLab", "CustomFileSystems": [both]})
    assert "exactly one of" in error(refused)[1]


def test_delete_space_is_refused_while_the_space_has_an_app(sm: Any, domain_id: str) -> None:
    """DeleteSpace lists ``ResourceInUse`` ("Resource being accessed is in use", API reference,
    DeleteSpace); the emulator answers it while an app of the space is not Deleted. That apps
    are what keeps a space "in use" is not spelled out there (not confirmed beyond the error)."""
    name = in_service_space(sm, domain_id)
    app = {"DomainId": domain_id, "SpaceName": name, "AppType": "JupyterLab", "AppName": "default"}
    sm.create_app(**app)
    wait_for(lambda: sm.describe_app(**app)["Status"], "InService")
    with pytest.raises(ClientError) as refused:
        sm.delete_space(DomainId=domain_id, SpaceName=name)
    assert error(refused)[0] == "ResourceInUse"
    sm.delete_app(**app)
    wait_for(lambda: sm.describe_app(**app)["Status"], "Deleted")
    sm.delete_space(DomainId=domain_id, SpaceName=name)
