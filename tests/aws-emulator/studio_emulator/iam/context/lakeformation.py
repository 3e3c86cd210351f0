"""Lake Formation operations (SAR: "Actions, resources, and condition keys for AWS Lake
Formation", https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslakeformation.html).

Every operation is the action of its name on ``*``: the SAR lists no resource types for Lake
Formation ("If there is no value for this column, you must specify all resources ("*")");
Lake Formation's own permissions (grants) are checked by the service, not by IAM.
"""

from __future__ import annotations

PREFIX = "lakeformation"
