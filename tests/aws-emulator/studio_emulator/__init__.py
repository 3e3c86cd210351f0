"""Local AWS emulator: moto server + project extensions.

``build_application()`` returns the WSGI application served by ``server.py``:

    EmulatorMiddleware                      (control API, faults, call log)
      -> moto DomainDispatcherApplication    (every moto service, one port)
           -> per-service Flask apps built by moto's ``create_backend_app``,
              where registered extensions replace the ``dispatch`` view of the
              moto response class they subclass.

To add a module: create ``studio_emulator/<name>.py`` ending with
``EXTENSION = register(ServiceExtension(...))`` (see ``core.py`` and
``sagemaker/``) and append its module name to ``EXTENSION_MODULES``.
"""

from __future__ import annotations

import importlib
from typing import Any

from .core import (
    ControlRequest,
    ControlRoute,
    ServiceExtension,
    config,
    extensions,
    extensions_for,
    register,
    response_class_for,
)

#: Extension modules (siblings of this file) loaded by ``build_application``,
#: in this order.
EXTENSION_MODULES = [
    "sagemaker",
    "lakeformation",
    "notebooks",
    "servicecatalog",
    "cloudformation",
    "awslambda",
    "function_urls",
    "scheduler",
    "eventbridge",
    "dashboards",
    "iam",
    "tagging",
    "identity_center",
]

HTTP_METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]

__all__ = [
    "EXTENSION_MODULES",
    "ControlRequest",
    "ControlRoute",
    "ServiceExtension",
    "build_application",
    "config",
    "create_extended_backend_app",
    "extensions",
    "load_extensions",
    "register",
    "response_class_for",
]


def load_extensions() -> None:
    for module in EXTENSION_MODULES:
        importlib.import_module(f".{module}", __name__)


def create_extended_backend_app(service: Any) -> Any:
    """moto's ``create_backend_app`` plus the extensions of ``service``."""
    from moto.core.utils import convert_regex_to_flask_path, convert_to_flask_response
    from moto.moto_server.werkzeug_app import create_backend_app

    app = create_backend_app(service)
    exts = extensions_for(service)
    if not exts:
        return app

    bases = {e.base_response for e in exts if e.base_response is not None}
    for rule in list(app.url_map.iter_rules()):
        view = app.view_functions.get(rule.endpoint)
        callback = getattr(view, "callback", None)
        if callback is None or getattr(callback, "__name__", "") != "dispatch":
            continue
        owner = getattr(callback, "__self__", None)
        owner_cls = owner if isinstance(owner, type) else type(owner)
        if owner_cls in bases:
            combined = response_class_for(owner_cls)
            app.view_functions[rule.endpoint] = convert_to_flask_response(
                combined.dispatch
            )

    for ext in exts:
        for index, (url_path, handler) in enumerate(ext.url_paths.items()):
            app.add_url_rule(
                convert_regex_to_flask_path(url_path.format("")),
                endpoint=f"{ext.name}.extra{index}",
                view_func=convert_to_flask_response(handler),
                methods=HTTP_METHODS,
                strict_slashes=False,
            )
    return app


def build_application(transition_seconds: float | None = None) -> Any:
    """The complete WSGI application (all moto services + extensions + control API)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    from .control import EmulatorMiddleware
    from .function_urls import FunctionUrlMiddleware

    load_extensions()
    if transition_seconds is not None:
        config.set_transition_seconds(transition_seconds)
    dispatcher = DomainDispatcherApplication(create_extended_backend_app)
    # A request whose Host is a Lambda function URL's is that URL's call, not an API call.
    return FunctionUrlMiddleware(EmulatorMiddleware(dispatcher))
