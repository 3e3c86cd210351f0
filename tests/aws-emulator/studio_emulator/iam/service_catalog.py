"""Service Catalog launching under a launch role: the assumption and the template read.

Administrator Guide, "AWS Service Catalog launch constraints": the launch role "must trust
servicecatalog.amazonaws.com"; Service Catalog keeps its own copy of each product template in
an S3 bucket it owns, and the launch role reads it there -- the guide's launch-role example
policy grants ``s3:GetObject`` on ``*`` under ``"StringEquals":
{"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}``, the tag Service Catalog puts on
its copies. Without that grant every launch under the role fails.

Modelled: the copy is an object ``arn:aws:s3:::<COPY_BUCKET>/<product>/<artifact>`` tagged
``servicecatalog:provisioning=true``, in a bucket of Service Catalog's own account
(:data:`SERVICE_CATALOG_ACCOUNT`) whose policy lets any principal read it (so the launch role's
identity policy decides, as a cross-account read); the bucket's real name and policy are not
published. A launch without a launch role reads it with the end user's credentials.
"""

from __future__ import annotations

from . import in_process, principals
from .context import Authorization

SERVICE = "servicecatalog.amazonaws.com"
#: The account and bucket modelled as Service Catalog's own (not published by AWS).
SERVICE_CATALOG_ACCOUNT = "999999999999"
COPY_BUCKET = "servicecatalog-template-copies"
COPY_BUCKET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{COPY_BUCKET}/*"}
    ],
}
#: The session name of Service Catalog's launch-role sessions (not published: ours).
SESSION_NAME = "AWSServiceCatalog"


def copy_arn(product_id: str, artifact_id: str) -> str:
    return f"arn:aws:s3:::{COPY_BUCKET}/{product_id}/{artifact_id}"


def launch_refusal(
    launch_role_arn: str | None,
    caller: principals.Principal | None,
    account_id: str,
    region: str,
    product_id: str,
    artifact_id: str,
) -> str | None:
    """Why Service Catalog cannot launch the artefact's template under ``launch_role_arn`` (or
    as ``caller`` without one), or None (allowed, or IAM not enforced)."""
    if not in_process.enforcing():
        return None
    if launch_role_arn:
        denied = in_process.trusts(launch_role_arn, SERVICE, account_id, None, via="servicecatalog")
        if denied is not None:
            return (
                f"Unable to assume the launch role {launch_role_arn}: {denied.message}"
            )
        principal = principals.role_session(launch_role_arn, SESSION_NAME)
    else:
        principal = caller
    read = Authorization(
        "s3:GetObject",
        copy_arn(product_id, artifact_id),
        {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"},
        COPY_BUCKET_POLICY,
        SERVICE_CATALOG_ACCOUNT,
    )
    denied = in_process.authorize_as(principal, [read], via="servicecatalog", region=region)
    if denied is None:
        return None
    return f"Access denied reading the product's template: {denied.message}"
