"""Amazon SageMaker Studio for moto: domains, user profiles, spaces, apps.

Written in moto's layout so it can be folded into ``moto/sagemaker`` upstream:

* ``models.py``      - ``StudioDomain``, ``StudioUserProfile``, ``StudioSpace``,
                       ``StudioApp`` and ``SageMakerStudioBackend`` (one per
                       account/region, held in the ``sagemaker_studio_backends``
                       ``BackendDict``): every rule, each with its source;
* ``responses.py``   - ``SageMakerStudioResponse``, a subclass of moto's
                       ``SageMakerResponse`` (awsJson1_1, parameters parsed from the
                       botocore model, results serialised through the model's output
                       shapes, so only documented members ever reach the client);
* ``validation.py``  - the request validator (shapes' patterns, enums, lengths, tags)
                       with the AWS validator's wording;
* ``exceptions.py``  - the SageMaker error moto 5.2.5 lacks;
* ``control_routes.py`` - the test hooks under ``/_studio_emulator/`` (not upstreamed:
                       moto has its own ``/moto-api``).

This module registers the extension.
"""

from __future__ import annotations

from moto.sagemaker.responses import SageMakerResponse

from ..core import ControlRoute, ServiceExtension, Setting, register

# Registered first, so that its response class comes first in the MRO: it checks the lifecycle
# config ARNs that domain/profile/space settings list, then hands on to the Studio operations.
from . import lifecycle_configs  # noqa: F401  (isort: skip)
from .control_routes import (
    control_app_last_activity,
    control_creation_time,
    control_fail_app,
    control_fail_domain,
    control_list_efs,
    control_list_presigned_urls,
)
from .models import (
    MODEL_APP,
    MODEL_DOMAIN,
    MODEL_SPACE,
    MODEL_USER_PROFILE,
    QUOTAS,
    health_checks,
)
from .responses import SageMakerStudioResponse

__all__ = ["EXTENSION", "SageMakerStudioResponse"]

EXTENSION = register(
    ServiceExtension(
        name="sagemaker-studio",
        service="sagemaker",
        base_response=SageMakerResponse,
        response=SageMakerStudioResponse,
        state_models=[MODEL_DOMAIN, MODEL_USER_PROFILE, MODEL_SPACE, MODEL_APP],
        control_routes=[
            ControlRoute("GET", r"efs", control_list_efs),
            ControlRoute("GET", r"presigned-urls", control_list_presigned_urls),
            ControlRoute("POST", r"domains/(?P<domain_id>[^/]+)/fail", control_fail_domain),
            ControlRoute("POST", r"apps/last-activity", control_app_last_activity),
            ControlRoute("POST", r"apps/fail", control_fail_app),
            ControlRoute("POST", r"creation-time", control_creation_time),
        ],
        quotas=QUOTAS,
        settings={
            "health_check_seconds": Setting(
                get=lambda: health_checks.seconds,
                set=health_checks.set_seconds,
                reset=health_checks.reset,
            ),
        },
    )
)

