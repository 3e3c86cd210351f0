"""IAM Identity Center (sso-admin) operations (SAR: "Actions, resources, and condition keys for AWS
IAM Identity Center", https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsiamidentitycentersuccessortoawssinglesignon.html).

* The application operations (DescribeApplication, Create/Delete/Describe/ListApplication-
  Assignment(s)) are the action of their name on the ``Application`` resource type, the request's
  ``ApplicationArn`` (``arn:${Partition}:sso::${AccountId}:application/${InstanceId}/${ApplicationId}``);
  ``sso:ApplicationAccount`` is the application's account (the ARN's).
* DescribeInstance is on the ``Instance`` resource type, the request's ``InstanceArn``.
* Every other operation: ``sso:<Operation>`` on ``*`` (ListInstances has no resource type).
"""

from __future__ import annotations

from . import Authorization, Request

PREFIX = "sso"


def default(request: Request) -> list[Authorization]:
    op = request.operation
    p = request.params
    application = p.get("ApplicationArn")
    if isinstance(application, str) and "Application" in op:
        parts = application.split(":")
        context = {"sso:ApplicationAccount": parts[4]} if len(parts) > 5 else {}
        return [Authorization(f"sso:{op}", application, context)]
    instance = p.get("InstanceArn")
    if op == "DescribeInstance" and isinstance(instance, str):
        return [Authorization("sso:DescribeInstance", instance)]
    return [Authorization(f"sso:{op}")]
