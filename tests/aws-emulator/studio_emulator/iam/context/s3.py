"""S3 operations (SAR: "Actions, resources, and condition keys for Amazon S3",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html; S3 User
Guide, "Required permissions for Amazon S3 API operations").

* Operations whose action differs from their name: HeadObject -> ``s3:GetObject``,
  ListObjects/ListObjectsV2/HeadBucket -> ``s3:ListBucket``, ListObjectVersions ->
  ``s3:ListBucketVersions``, DeleteObjects -> ``s3:DeleteObject`` (per key),
  CreateMultipartUpload/UploadPart/CompleteMultipartUpload -> ``s3:PutObject``, CopyObject ->
  ``s3:PutObject`` on the target and ``s3:GetObject`` on the source, ListBuckets ->
  ``s3:ListAllMyBuckets``; the configuration operations by their older action names
  (Put/GetBucketNotificationConfiguration -> ``s3:Put/GetBucketNotification``, the lifecycle,
  encryption, public-access-block and CORS operations, a Delete* of one of them -> its
  ``s3:Put*`` action), ListMultipartUploads -> ``s3:ListBucketMultipartUploads``, ListParts ->
  ``s3:ListMultipartUploadParts``.
* Resources: bucket ``arn:aws:s3:::${Bucket}``, object ``arn:aws:s3:::${Bucket}/${Key}``.
* The bucket's policy is the resource policy; ``s3:ExistingObjectTag/<key>`` are the object's
  tags for object reads (SAR condition key s3:ExistingObjectTag/<key>); ``s3:prefix`` for
  ListBucket; ``s3:RequestObjectTag/<key>`` from ``x-amz-tagging`` on PutObject.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote

from . import Authorization, Request, parse_json

PREFIX = "s3"
ACTIONS = {
    "HeadObject": "GetObject",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "HeadBucket": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "DeleteObjects": "DeleteObject",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "AbortMultipartUpload": "AbortMultipartUpload",
    "CopyObject": "PutObject",
    "ListBuckets": "ListAllMyBuckets",
    "GetBucketLocation": "GetBucketLocation",
    "DeleteBucketPolicy": "DeleteBucketPolicy",
    "PutBucketPolicy": "PutBucketPolicy",
    "GetBucketPolicy": "GetBucketPolicy",
    "GetObjectTagging": "GetObjectTagging",
    "PutObjectTagging": "PutObjectTagging",
    "PutBucketTagging": "PutBucketTagging",
    "GetBucketTagging": "GetBucketTagging",
    "DeleteBucketTagging": "PutBucketTagging",
    "PutBucketNotificationConfiguration": "PutBucketNotification",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "DeleteBucketLifecycle": "PutLifecycleConfiguration",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
    "GetBucketCors": "GetBucketCORS",
    "PutBucketCors": "PutBucketCORS",
    "DeleteBucketCors": "PutBucketCORS",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "ListParts": "ListMultipartUploadParts",
}
OBJECT_READS = {"GetObject", "HeadObject", "GetObjectTagging", "CopyObject"}


def _bucket_and_key(request: Request) -> tuple[str | None, str | None]:
    bucket = request.params.get("Bucket")
    key = request.params.get("Key")
    if bucket is None:  # path-style: /bucket/key
        parts = request.path.lstrip("/").split("/", 1)
        bucket = parts[0] or None
        key = unquote(parts[1]) if len(parts) > 1 and parts[1] else key
    return bucket, key


def _bucket(bucket: str) -> Any:
    from moto.s3.models import s3_backends

    for account in list(s3_backends.values()):
        backend = account.get("aws")
        if backend is not None and bucket in backend.buckets:
            return backend.buckets[bucket]
    return None


def object_read(bucket: str, key: str) -> Authorization:
    """``s3:GetObject`` of ``bucket``/``key`` as a service reads it for its caller (a
    CloudFormation ``TemplateURL``, a Lambda function's ``Code.S3Bucket``), with the bucket's
    policy as the resource policy and its owner (a bucket of another account admits the reader
    only if its policy does too)."""
    found = _bucket(bucket)
    policy = parse_json(found.policy.decode() if found is not None and found.policy else None)
    owner = found.account_id if found is not None else None
    return Authorization("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}", {}, policy, owner)


def default(request: Request) -> list[Authorization]:
    op = request.operation
    action = "s3:" + ACTIONS.get(op, op)
    bucket_name, key = _bucket_and_key(request)
    if not bucket_name or op == "ListBuckets":
        return [Authorization(action)]
    bucket = _bucket(bucket_name)
    policy = parse_json(bucket.policy.decode() if bucket is not None and bucket.policy else None)
    owner = bucket.account_id if bucket is not None else request.account_id
    context: dict[str, Any] = {}
    object_op = key is not None and op not in ("ListObjects", "ListObjectsV2", "HeadBucket")
    resource = f"arn:aws:s3:::{bucket_name}/{key}" if object_op else f"arn:aws:s3:::{bucket_name}"
    if object_op and op in OBJECT_READS and bucket is not None:
        try:
            obj = bucket.keys.get(key)
            from moto.s3.models import s3_backends

            tags = s3_backends[owner]["aws"].tagger.list_tags_for_resource(obj.arn)["Tags"]
            context.update({f"s3:ExistingObjectTag/{t['Key']}": t["Value"] for t in tags})
        except Exception:
            pass
    if op in ("ListObjects", "ListObjectsV2"):
        prefix = request.params.get("prefix") or request.params.get("Prefix")
        if prefix is not None:
            context["s3:prefix"] = prefix
    tagging = request.headers.get("x-amz-tagging")
    if tagging and op == "PutObject":
        for k, values in parse_qs(tagging).items():
            context[f"s3:RequestObjectTag/{k}"] = values[0]
    needed = [Authorization(action, resource, context, policy, owner)]
    source = request.headers.get("x-amz-copy-source")
    if op == "CopyObject" and source:
        src_bucket, _, src_key = unquote(source).lstrip("/").partition("/")
        src = _bucket(src_bucket)
        src_policy = parse_json(src.policy.decode() if src is not None and src.policy else None)
        needed.append(
            Authorization(
                "s3:GetObject",
                f"arn:aws:s3:::{src_bucket}/{src_key.split('?')[0]}",
                {},
                src_policy,
                src.account_id if src is not None else request.account_id,
            )
        )
    return needed
