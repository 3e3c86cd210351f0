"""Resource Groups Tagging API operations (SAR: "Actions, resources, and condition keys for Amazon
Resource Group Tagging API", service prefix ``tag``,
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonresourcegrouptaggingapi.html).

Requests are signed for the credential scope ``tagging`` but authorised under the prefix ``tag``:
``GetResources`` is ``tag:GetResources``, which lists no resource type (so it is asked on ``*``)
and no condition key; the other operations follow the same rule (``tag:<Operation>`` on ``*``).
"""

from __future__ import annotations

PREFIX = "tag"
