"""SageMaker notebook instances and endpoints with AWS's lifecycles, for moto.

moto 5.2.5 implements notebook instances and endpoints, but every status change
is instantaneous (``InService`` at once, ``StopNotebookInstance`` -> ``Stopped``
at once, ``DeleteEndpoint`` -> gone at once) and it lets a notebook instance be
stopped from any status.  This module keeps moto's models and adds what the
[SageMaker API reference](https://docs.aws.amazon.com/sagemaker/latest/APIReference/)
describes:

* notebook instances: ``CreateNotebookInstance`` -> ``Pending`` -> ``InService``;
  ``StopNotebookInstance`` only from ``InService`` (else ``ValidationException``
  ``Status (Stopped) not in ([InService]). Unable to transition to (Stopping)
  for Notebook Instance (arn)``), ``Stopping`` -> ``Stopped``;
  ``StartNotebookInstance`` only from ``Stopped``/``Failed``, ``Pending`` ->
  ``InService``; ``DeleteNotebookInstance`` only from ``Stopped``/``Failed``,
  ``Deleting`` -> gone;
* endpoints: ``CreateEndpoint`` -> ``Creating`` -> ``InService``;
  ``DeleteEndpoint`` -> ``Deleting`` -> gone (a second ``DeleteEndpoint`` while
  ``Deleting`` is a ``ValidationException`` - an assumption: the reference does
  not say);
* ``AddTags`` on a notebook instance or endpoint replaces the value of a key it
  already has (moto appends a duplicate);
* ``DescribeEndpoint`` of an endpoint without data capture omits
  ``DataCaptureConfig`` (moto answers ``{}``, which lacks the five members botocore's
  ``DataCaptureConfigSummary`` requires; the member is optional in
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html).

Delays come from moto's state manager (``sagemaker::notebook-instance``,
``sagemaker::endpoint``), driven by ``--transition-seconds`` like the Studio
models.  Transitions are settled lazily, under a lock, at every call that reads
or changes these resources.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse

from .core import ServiceExtension, register, transition_delay

MODEL_NOTEBOOK_INSTANCE = "sagemaker::notebook-instance"
MODEL_ENDPOINT = "sagemaker::endpoint"


class LifecycleBackend(BaseBackend):
    """Transitions in progress of one account/region's notebooks and endpoints."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        #: (kind, name) -> (due, settle)
        self.pending: dict[tuple[str, str], tuple[float, Callable[[], None]]] = {}

    @property
    def moto(self) -> Any:
        return sagemaker_backends[self.account_id][self.region_name]

    def settle(self) -> None:
        now = time.monotonic()
        for key, (due, done) in list(self.pending.items()):
            if now >= due:
                del self.pending[key]
                done()

    def begin(self, kind: str, name: str, model: str, done: Callable[[], None]) -> None:
        self.pending[(kind, name)] = (time.monotonic() + transition_delay(model), done)

    # ---- notebook instances ---------------------------------------------

    def notebook_created(self, name: str) -> None:
        instance = self.moto.get_notebook_instance(name)
        instance.status = "Pending"
        self._to(instance, "notebook", name, "InService")

    def _to(self, instance: Any, kind: str, name: str, status: str) -> None:
        def done() -> None:
            instance.status = status
            instance.last_modified_time = utcnow()

        self.begin(kind, name, MODEL_NOTEBOOK_INSTANCE, done)

    @staticmethod
    def _require(instance: Any, allowed: list[str], target: str) -> None:
        if instance.status not in allowed:
            raise ValidationError(
                message=f"Status ({instance.status}) not in ([{', '.join(allowed)}]). "
                f"Unable to transition to ({target}) for Notebook Instance ({instance.arn})"
            )

    def stop_notebook_instance(self, name: str) -> None:
        instance = self.moto.get_notebook_instance(name)
        self._require(instance, ["InService"], "Stopping")
        instance.status = "Stopping"
        instance.last_modified_time = utcnow()
        self._to(instance, "notebook", name, "Stopped")

    def start_notebook_instance(self, name: str) -> None:
        instance = self.moto.get_notebook_instance(name)
        self._require(instance, ["Stopped", "Failed"], "Pending")
        instance.status = "Pending"
        instance.last_modified_time = utcnow()
        self._to(instance, "notebook", name, "InService")

    def delete_notebook_instance(self, name: str) -> None:
        instance = self.moto.get_notebook_instance(name)
        self._require(instance, ["Stopped", "Failed"], "Deleting")
        instance.status = "Deleting"

        def gone() -> None:
            self.moto.notebook_instances.pop(name, None)

        self.begin("notebook", name, MODEL_NOTEBOOK_INSTANCE, gone)

    # ---- endpoints --------------------------------------------------------

    def endpoint_created(self, name: str) -> None:
        endpoint = self.moto.endpoints[name]
        endpoint.endpoint_status = "Creating"

        def done() -> None:
            endpoint.endpoint_status = "InService"
            endpoint.last_modified_time = utcnow()

        self.begin("endpoint", name, MODEL_ENDPOINT, done)

    def delete_endpoint(self, name: str) -> None:
        endpoint = self.moto.endpoints.get(name)
        if endpoint is None:
            self.moto.delete_endpoint(name)  # moto's "Could not find endpoint" error
            return
        if endpoint.endpoint_status == "Deleting":
            raise ValidationError(
                message=f"Cannot delete endpoint {endpoint.arn}: it is already being deleted."
            )
        endpoint.endpoint_status = "Deleting"
        endpoint.last_modified_time = utcnow()

        def gone() -> None:
            self.moto.endpoints.pop(name, None)

        self.begin("endpoint", name, MODEL_ENDPOINT, gone)

    # ---- tags -------------------------------------------------------------

    def upsert_tags(self, resource: Any, tags: list[dict[str, str]]) -> list[dict[str, str]]:
        for tag in tags:
            resource.tags = [t for t in resource.tags if t.get("Key") != tag.get("Key")]
            resource.tags.append(tag)
        return resource.tags


lifecycle_backends = BackendDict(LifecycleBackend, "sagemaker")


def _resource_kind(arn: Any) -> tuple[str, str] | None:
    """``arn:aws:sagemaker:R:A:notebook-instance/name`` -> ('notebook-instance', 'name')."""
    if not isinstance(arn, str):
        return None
    pieces = arn.split(":", 5)
    if len(pieces) != 6 or pieces[2] != "sagemaker":
        return None
    kind, _, name = pieces[5].partition("/")
    if kind in ("notebook-instance", "endpoint") and name and "/" not in name:
        return kind, name
    return None


class SageMakerNotebookResponse(SageMakerResponse):
    """Lifecycles of notebook instances and endpoints on top of moto's."""

    @property
    def lifecycle(self) -> LifecycleBackend:
        return lifecycle_backends[self.current_account][self.region]

    def _settled(self, call: Callable[[], Any]) -> Any:
        backend = self.lifecycle
        with backend.lock:
            backend.settle()
            return call()

    # notebook instances

    def create_notebook_instance(self) -> ActionResult:
        def create() -> ActionResult:
            result = super(SageMakerNotebookResponse, self).create_notebook_instance()
            self.lifecycle.notebook_created(self._get_param("NotebookInstanceName"))
            return result

        return self._settled(create)

    def describe_notebook_instance(self) -> ActionResult:
        return self._settled(super().describe_notebook_instance)

    def list_notebook_instances(self) -> ActionResult:
        return self._settled(super().list_notebook_instances)

    def stop_notebook_instance(self) -> ActionResult:
        name = self._get_param("NotebookInstanceName")
        self._settled(lambda: self.lifecycle.stop_notebook_instance(name))
        return EmptyResult()

    def start_notebook_instance(self) -> ActionResult:
        name = self._get_param("NotebookInstanceName")
        self._settled(lambda: self.lifecycle.start_notebook_instance(name))
        return EmptyResult()

    def delete_notebook_instance(self) -> ActionResult:
        name = self._get_param("NotebookInstanceName")
        self._settled(lambda: self.lifecycle.delete_notebook_instance(name))
        return EmptyResult()

    # endpoints

    def create_endpoint(self) -> ActionResult:
        def create() -> ActionResult:
            result = super(SageMakerNotebookResponse, self).create_endpoint()
            self.lifecycle.endpoint_created(self._get_param("EndpointName"))
            return result

        return self._settled(create)

    def describe_endpoint(self) -> ActionResult:
        def describe() -> ActionResult:
            described: Any = super(SageMakerNotebookResponse, self).describe_endpoint().result
            if described.get("DataCaptureConfig"):
                return ActionResult(described)
            return ActionResult({k: v for k, v in described.items() if k != "DataCaptureConfig"})

        return self._settled(describe)

    def list_endpoints(self) -> ActionResult:
        return self._settled(super().list_endpoints)

    def delete_endpoint(self) -> ActionResult:
        name = self._get_param("EndpointName")
        self._settled(lambda: self.lifecycle.delete_endpoint(name))
        return EmptyResult()

    # tags (other ARNs go on down the chain: Studio, then moto)

    def list_tags(self) -> ActionResult:
        return self._settled(super().list_tags)

    def add_tags(self) -> ActionResult:
        target = _resource_kind(self._get_param("ResourceArn"))
        if target is None:
            return super().add_tags()
        kind, name = target

        def add() -> ActionResult:
            moto = self.lifecycle.moto
            resources = moto.notebook_instances if kind == "notebook-instance" else moto.endpoints
            resource = resources.get(name)
            if resource is None:
                raise ValidationError(message=f"Could not find {kind} with name {name}")
            tags = self.lifecycle.upsert_tags(resource, self._get_param("Tags") or [])
            return ActionResult({"Tags": tags})

        return self._settled(add)


EXTENSION = register(
    ServiceExtension(
        name="sagemaker-notebooks",
        service="sagemaker",
        base_response=SageMakerResponse,
        response=SageMakerNotebookResponse,
        state_models=[MODEL_NOTEBOOK_INSTANCE, MODEL_ENDPOINT],
    )
)
