"""Extension registry and shared runtime configuration of the emulator.

An *extension* is a module or package of this package (``sagemaker/``,
later ``lakeformation.py``, ``servicecatalog.py``, ...) that fills a gap of
moto for one AWS service.  It is written exactly like a moto service module
(``models`` + ``responses``, one backend per account/region held in a
``BackendDict``) and declares itself with a :class:`ServiceExtension`::

    EXTENSION = register(
        ServiceExtension(
            name="sagemaker-studio",
            service="sagemaker",                 # moto backend name
            base_response=SageMakerResponse,     # moto's response class
            response=SageMakerStudioResponse,    # our subclass of it
            state_models=["sagemaker::studio-domain", ...],
            control_routes=[ControlRoute("GET", r"efs", list_efs), ...],
        )
    )

Several extensions may extend the same moto response class (for example a
Studio module and a notebook-instance module both subclass
``SageMakerResponse``): :func:`response_class_for` combines them into one class
by multiple inheritance, so cooperative ``super()`` calls reach moto last.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.core.responses import BaseResponse
from moto.moto_api import state_manager

#: Default delay (seconds) of Pending/Updating/Deleting style transitions.
DEFAULT_TRANSITION_SECONDS = 0.5


@dataclass
class ControlRequest:
    """What a control-route handler receives."""

    method: str
    path: str
    match: dict[str, str]
    body: Any  # parsed JSON body (or None)
    query: dict[str, str]


#: A control handler returns ``(http_status, json_serialisable_body)``.
ControlHandler = Callable[[ControlRequest], "tuple[int, Any]"]


@dataclass(frozen=True)
class ControlRoute:
    """A route below ``/_studio_emulator/``.

    ``pattern`` is a regular expression matched (fully) against the path that
    follows the prefix, e.g. ``r"domains/(?P<domain_id>[^/]+)/fail"``.
    """

    method: str
    pattern: str
    handler: ControlHandler


@dataclass(frozen=True)
class Setting:
    """A runtime setting an extension declares: ``POST config {name: value}`` calls ``set``
    (a ``ValueError`` is a 400), ``GET config`` shows ``get()``, ``POST reset`` calls
    ``reset`` (if given)."""

    get: Callable[[], Any]
    set: Callable[[Any], None]
    reset: Callable[[], None] | None = None


@dataclass
class ServiceExtension:
    """Declaration of one extension module."""

    #: Human-readable unique name, e.g. ``"sagemaker-studio"``.
    name: str
    #: moto backend name whose Flask app is extended (key of ``moto.backends``).
    service: str
    #: moto response class whose ``dispatch`` is replaced in that app.
    base_response: type[BaseResponse] | None = None
    #: Subclass of ``base_response`` implementing new/fixed operations.
    response: type[BaseResponse] | None = None
    #: Additional routes in moto's ``urls.py`` format (``"{0}/Foo$": handler``)
    #: for REST operations that moto does not route at all.
    url_paths: dict[str, Callable[..., Any]] = field(default_factory=dict)
    #: moto state-manager model names whose transition delay follows
    #: ``--transition-seconds`` / ``POST /_studio_emulator/config``.
    state_models: list[str] = field(default_factory=list)
    #: Extra control routes below ``/_studio_emulator/``.
    control_routes: list[ControlRoute] = field(default_factory=list)
    #: Service quotas the extension enforces (name -> default limit, ``None`` =
    #: unlimited); tests set them with ``POST /_studio_emulator/config {"quotas": ...}``.
    quotas: dict[str, int | None] = field(default_factory=dict)
    #: Runtime settings (name -> :class:`Setting`) of ``POST /_studio_emulator/config``.
    settings: dict[str, Setting] = field(default_factory=dict)


#: Environment variable giving the start value of the per-call latency (milliseconds).
LATENCY_ENV = "STUDIO_EMULATOR_LATENCY_MS"


def _parse_latency_ms(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        raise ValueError("latency_ms must be a number >= 0")
    latency = float(value)
    if not latency >= 0 or latency > 60_000:
        raise ValueError("latency_ms must be between 0 and 60000")
    return latency


class EmulatorConfig:
    """Process-wide, thread-safe runtime settings."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transition_seconds = DEFAULT_TRANSITION_SECONDS
        self._quotas: dict[str, int | None] = {}
        self._latency_ms = 0.0
        self._start_latency_ms = 0.0

    # A real API call spends a network round trip (and the service's own time) before its
    # answer arrives; the emulator answers in microseconds, so a client's concurrency shows
    # nothing against it.  ``latency_ms`` delays the answer of every AWS API call (never a
    # control call) by that much, outside any lock, so calls in flight wait together
    # (the server is threaded).  Start value: ``--latency-ms`` or $STUDIO_EMULATOR_LATENCY_MS;
    # ``POST config {"latency_ms": N}`` changes it; ``POST reset`` restores the start value.

    @property
    def latency_ms(self) -> float:
        with self._lock:
            return self._latency_ms

    def set_latency_ms(self, value: Any) -> None:
        latency = _parse_latency_ms(value)
        with self._lock:
            self._latency_ms = latency

    def set_start_latency_ms(self, value: Any) -> None:
        latency = _parse_latency_ms(value)
        with self._lock:
            self._latency_ms = self._start_latency_ms = latency

    def reset_latency(self) -> None:
        with self._lock:
            self._latency_ms = self._start_latency_ms

    @property
    def transition_seconds(self) -> float:
        with self._lock:
            return self._transition_seconds

    def set_transition_seconds(self, seconds: float) -> None:
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError("transition_seconds must be >= 0")
        with self._lock:
            self._transition_seconds = seconds
            for ext in _EXTENSIONS:
                for model in ext.state_models:
                    _set_model_delay(model, seconds)

    def set_model_transition_seconds(self, model: str, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("transition seconds must be >= 0")
        _set_model_delay(model, float(seconds))

    def quota(self, name: str) -> int | None:
        """The limit of quota ``name``: as set, else the declaring extension's default."""
        with self._lock:
            if name in self._quotas:
                return self._quotas[name]
        return next((e.quotas[name] for e in _EXTENSIONS if name in e.quotas), None)

    def quotas(self) -> dict[str, int | None]:
        return {name: self.quota(name) for e in _EXTENSIONS for name in e.quotas}

    def set_quota(self, name: str, limit: int | None) -> None:
        if not any(name in e.quotas for e in _EXTENSIONS):
            raise ValueError(f"unknown quota {name!r}")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise ValueError(f"quota {name!r} must be a non-negative integer or null")
        with self._lock:
            self._quotas[name] = limit

    def reset_quotas(self) -> None:
        with self._lock:
            self._quotas.clear()


def _set_model_delay(model: str, seconds: float) -> None:
    # Expressed in moto's own state-manager vocabulary, so
    # ``POST /moto-api/state-manager/set-transition`` keeps working too.
    state_manager.set_transition(model, {"progression": "time", "seconds": seconds})


def transition_delay(model: str) -> float:
    """Delay (seconds) of the next transition of ``model``.

    Reads moto's state manager: ``{"progression": "time", "seconds": N}`` gives
    N seconds, ``"immediate"`` gives 0.  (``"manual"`` is not meaningful for
    these resources and is treated as immediate.)
    """
    transition = state_manager.get_transition(model)
    if transition.get("progression") == "time":
        return float(transition.get("seconds", 0))
    return 0.0


config = EmulatorConfig()

_EXTENSIONS: list[ServiceExtension] = []
_COMBINED: dict[type[BaseResponse], type[BaseResponse]] = {}
_REGISTRY_LOCK = threading.Lock()


def register(extension: ServiceExtension) -> ServiceExtension:
    """Register an extension (idempotent per name)."""
    with _REGISTRY_LOCK:
        if any(e.name == extension.name for e in _EXTENSIONS):
            return extension
        _EXTENSIONS.append(extension)
        _COMBINED.clear()
        for model in extension.state_models:
            state_manager.register_default_transition(
                model, {"progression": "time", "seconds": DEFAULT_TRANSITION_SECONDS}
            )
    return extension


def extensions() -> list[ServiceExtension]:
    return list(_EXTENSIONS)


def extensions_for(service: str) -> list[ServiceExtension]:
    return [e for e in _EXTENSIONS if e.service == service]


def settings() -> dict[str, Setting]:
    """The runtime settings every registered extension declares."""
    return {name: s for e in _EXTENSIONS for name, s in e.settings.items()}


def control_routes() -> list[ControlRoute]:
    return [r for e in _EXTENSIONS for r in e.control_routes]


def response_class_for(base: type[BaseResponse]) -> type[BaseResponse]:
    """One class combining every registered subclass of ``base``.

    Extensions registered first come first in the MRO; moto's class comes last.
    """
    with _REGISTRY_LOCK:
        if base in _COMBINED:
            return _COMBINED[base]
        subclasses = [
            e.response
            for e in _EXTENSIONS
            if e.base_response is base and e.response is not None
        ]
        if not subclasses:
            combined = base
        elif len(subclasses) == 1:
            combined = subclasses[0]
        else:
            combined = type(f"Extended{base.__name__}", tuple(subclasses), {})
        _COMBINED[base] = combined
        return combined
