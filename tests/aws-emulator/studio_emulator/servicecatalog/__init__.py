"""AWS Service Catalog provisioning for moto: products launched from their own templates.

moto 5.2.5 has portfolios and products but no provisioning artifacts that can
be launched and no provisioned products.  This module adds them after the
[Service Catalog API reference](https://docs.aws.amazon.com/servicecatalog/latest/dg/API_Operations_AWSServiceCatalog.html)
(and the botocore model's member documentation, quoted below):

* Artefacts and their templates. ``CreateProduct`` and ``CreateProvisioningArtifact``
  read the template ``Info.LoadTemplateFromURL`` names from moto's S3 and keep a copy
  that later launches use (as Service Catalog launches from its own copy); a URL that
  names no object, or a body that is not a template, is refused with
  ``InvalidParametersException: Invalid templateBody. Please make sure that your
  template is valid``. URLs: ``https://B.s3[.R].amazonaws.com/K``,
  ``https://s3[.R].amazonaws.com/B/K`` (and the legacy ``s3-R`` forms) and the
  emulator's own endpoint, path style (``http://127.0.0.1:PORT/B/K``). A product made
  by CloudFormation (``AWS::ServiceCatalog::CloudFormationProduct``) is read at its first
  launch. ``ListProvisioningArtifacts``, ``DescribeProduct``, ``DescribeProvisioningArtifact``
  list every version; ``DescribeProvisioningParameters`` is the launch form (the
  template's parameters and constraints, the path's constraints, the output keys).
* ``ProvisionProduct`` - a provisioned product (``pp-`` + 13 lowercase alphanumerics)
  whose stack ``SC-<account>-<pp-id>`` (the name AWS gives them) is created from the
  artefact's template with the ``ProvisioningParameters`` as stack parameters, the
  launch role as ``RoleARN`` and the end user's ``Tags`` plus Service Catalog's own
  (``aws:servicecatalog:productArn``, ``...:provisioningPrincipalArn``,
  ``...:portfolioArn``, ``...:provisioningArtifactIdentifier``,
  ``...:provisionedProductArn``, as the AWS CLI's search-provisioned-products example
  lists them). ``NotificationArns`` are not passed on (moto's CloudFormation does not
  notify).
* The parameters are checked by CloudFormation's CreateStack/UpdateStack
  (``cloudformation.parameters.check_parameters``, the one home of that rule):
  a refusal does not fail ``ProvisionProduct`` -- "ERROR - ... For example,
  CloudFormation received a parameter value that was not valid and could not launch
  the stack" -- the record is ``FAILED`` with the ``ValidationError`` and the product
  ``ERROR`` with ``StatusMessage`` ``AmazonCloudFormationException  <message> (Service:
  AmazonCloudFormation; ...)``.
* Records follow the stack, computed when asked (``_settle``; no thread): ``CREATED``
  in the answer, ``IN_PROGRESS`` while the stack operation runs,
  ``IN_PROGRESS_IN_ERROR`` while a failed one rolls back, then ``SUCCEEDED`` or
  ``FAILED`` with ``RecordErrors`` ``[{Code: <the resource's failed status>,
  Description: its ResourceStatusReason}]`` of the first resource that failed. The
  provisioned product is ``UNDER_CHANGE``, then ``AVAILABLE``, ``ERROR`` (launch failed),
  ``TAINTED`` (an update rolled back), or gone (terminated). ``RecordOutputs``:
  ``CloudformationStackARN`` ("The ARN of the launched Cloudformation Stack") then the
  stack's outputs (as real records show them). Service Catalog's own processing takes
  at least the transition delay (model ``servicecatalog::provisioned-product``).
* ``UpdateProvisionedProduct`` - UpdateStack with the new or current artefact and the
  parameters (``UsePreviousValue`` keeps a value; a parameter not given takes its
  default, as UpdateStack does); ``Tags`` only with a ``RESOURCE_UPDATE`` constraint
  allowing them ("Requires the product to have RESOURCE_UPDATE constraint with
  TagUpdatesOnProvisionedProduct set to ALLOWED"), else ``InvalidParametersException``;
  an update with nothing to change succeeds.
* ``TerminateProvisionedProduct`` - ``TerminateToken`` is an idempotency token;
  DeleteStack (unless ``RetainPhysicalResources``); the product is gone once the stack
  is ``DELETE_COMPLETE``; a stack that cannot be deleted (``DELETE_FAILED``, termination
  protection) fails the record and leaves the product ``ERROR``, unless ``IgnoreErrors``
  (then Service Catalog just stops managing it).
* ``DescribeProvisionedProduct`` (with ``LaunchRoleArn``), ``SearchProvisionedProducts``
  (with ``Tags``, ``AccessLevelFilter``, a small ``SearchQuery`` filter, sorting and
  ``PageSize``/``PageToken``), ``ScanProvisionedProducts``, ``DescribeRecord``,
  ``ListRecordHistory`` (newest first; ``AccessLevelFilter``, ``SearchFilter``).
* ``SearchProducts`` - "the products to which the caller has access" (those with a
  launch path for the caller), ``FullTextSearch`` / ``Owner`` / ``ProductType`` filters.
* Launch roles: ``CreateConstraint`` / ``DescribeConstraint`` / ``DeleteConstraint`` of
  ``LAUNCH`` (``RoleArn`` or ``LocalRoleName``, exactly one; the role with that name in
  the caller's account) and ``RESOURCE_UPDATE`` constraints, one per type, portfolio and
  product (``DuplicateResourceException``); CloudFormation's ``LaunchRoleConstraint``
  lands in the same table. The stack runs as the launch path's role, kept on the stack
  (``RoleARN``), the record and the product (``LaunchRoleArn``); without one it runs as
  the caller (no role). IAM is not evaluated.
* CloudFormation ``UpdateTerminationProtection`` (moto stores the flag given at
  ``CreateStack`` but has no way to change it), and ``DeleteStack`` refusing a
  protected stack with AWS's ``ValidationError``, so that the stacks behind
  provisioned products can be protected as in AWS.

Launch paths (moto has no associations; they are kept with the CloudFormation
ones in ``cloudformation.types.CatalogLinksBackend``):

* ``AssociateProductWithPortfolio`` / ``DisassociateProductFromPortfolio``,
  ``AssociatePrincipalWithPortfolio`` (``PrincipalType`` ``IAM``: a full
  user/group/role ARN; ``IAM_PATTERN``: an ARN without account id whose
  resource id may hold ``*`` (any characters) and ``?`` (zero or one), as the
  ``PrincipalARN`` documentation of the botocore model describes) /
  ``DisassociatePrincipalFromPortfolio`` / ``ListPrincipalsForPortfolio``.
* A product's launch paths for a caller (``ListLaunchPaths``,
  ``DescribeProduct.LaunchPaths``): one per portfolio that holds the product
  and is associated with one of the caller's principals (``lpv3-`` + 13
  characters, stable per portfolio and product).
* ``ProvisionProduct`` needs one: none answers ``ResourceNotFoundException: No
  launch paths found for resource: prod-...`` (the message AWS Control Tower's
  troubleshooting guide quotes); ``PathId`` "is optional if the product has a
  default path, and required if the product has more than one path" (botocore
  model), so two paths and no ``PathId`` is ``InvalidParametersException`` and a
  ``PathId`` that is not one of the caller's is ``ResourceNotFoundException``.
* The caller is resolved from the request's access key as moto's ``sts
  get-caller-identity`` resolves it (``caller_principals``): an assumed-role
  session acts as its role, an IAM user's key as the user and its groups, and
  any other key (the tests' default credentials) as moto's default identity,
  taken as the IAM user ``arn:aws:iam::ACCOUNT:user/moto``.

Tags of ``ProvisionProduct`` follow the model's ``Tag`` shape: both members
required, ``Key`` 1-128 and ``Value`` 1-256 characters matching
``^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$``, at most 50; an empty value is refused
(``InvalidParametersException``, with the AWS validator's wording).

Access levels: a provisioned product remembers the access key that launched
it; ``User`` and ``Role`` only see the caller's own, ``Account`` sees all.
Without ``AccessLevelFilter``, ``SearchProvisionedProducts`` uses ``Account``
and ``ScanProvisionedProducts`` ``User`` (the defaults the botocore model
documents for each).

Assumptions (AWS documents no error for these): terminating or updating a product
that is ``UNDER_CHANGE``/``PLAN_IN_PROGRESS`` answers ``ValidationException`` (an
error common to all AWS APIs); a ``ProvisionedProductName`` already used answers
``InvalidParametersException: A stack named NAME already exists.`` (the answer
awslabs/aws-service-catalog-puppet#284 reports); the ``Code`` of a record error is
the failed resource status (``CREATE_FAILED``, ...) or ``ValidationError``.

Test hook: ``POST /_studio_emulator/servicecatalog/provisioned-products/{id}/status``
``{"Status": "ERROR", "StatusMessage": "..."}`` forces a status.

Portfolio shares with an AWS Organizations node (moto records them as opaque
strings, cannot list ``ORGANIZATIONAL_UNIT`` shares and has no
``DescribePortfolioShareStatus``):

* ``CreatePortfolioShare`` with ``OrganizationNode`` ``{Type: ORGANIZATION |
  ORGANIZATIONAL_UNIT | ACCOUNT, Value}`` (``Value`` checked against the API's
  pattern; exactly one of ``AccountId`` and ``OrganizationNode``;
  ``SharePrincipals`` only with an organisation or OU node) returns a
  ``PortfolioShareToken`` (``share-`` + 13 lowercase alphanumerics). The share
  is ``IN_PROGRESS``, then ``COMPLETED`` after the transition delay (model
  ``servicecatalog::portfolio-share``). Sharing a node already shared "will
  have no effect and will not return an error" (API reference): it returns
  the token of that share and changes nothing, ``ShareTagOptions`` /
  ``SharePrincipals`` included (one that ended in ``ERROR`` is shared again).
  Shares with an ``AccountId`` stay moto's.
* "``AWSOrganizationsAccess`` must be enabled in order to create a portfolio
  share to an organization node" (API reference): until
  ``EnableAWSOrganizationsAccess`` (and after ``DisableAWSOrganizationsAccess``)
  such a share answers ``InvalidStateException``.
  ``GetAWSOrganizationsAccessStatus`` answers ``ENABLED`` / ``DISABLED``. Only
  the management account may enable or disable it (a member account gets
  ``OperationNotSupportedException``); with an organisation in moto, enabling
  also enables the trusted access of ``servicecatalog.amazonaws.com`` in moto's
  Organizations (``organizations:EnableAWSServiceAccess`` "on your behalf").
  Without an organisation in moto, enabling is accepted.
* ``UpdatePortfolioShare`` of an organisation-node share sets the
  ``ShareTagOptions`` / ``SharePrincipals`` given; refused
  (``InvalidStateException``) while the share is ``IN_PROGRESS``.
* ``DescribePortfolioShareStatus`` ``{PortfolioShareToken}`` → ``PortfolioShareToken``,
  ``PortfolioId``, ``OrganizationNodeValue``, ``Status``, ``ShareDetails``
  (``SuccessfulShares``: the accounts of the node, after moto's
  Organizations, none without an organisation; ``ShareErrors``).
* ``DescribePortfolioShares`` ``{PortfolioId, Type}`` for ``ORGANIZATION`` and
  ``ORGANIZATIONAL_UNIT`` (the shares of that node type); ``ORGANIZATION_MEMBER_ACCOUNT``:
  one detail per member account the completed organisation shares reach now, ``Accepted``
  as that account's ``AcceptPortfolioShare`` made it (``sharing.member_accounts``: its
  docstring says where AWS documents otherwise); ``ACCOUNT`` is moto's. ``PageSize`` 0–100
  and ``PageToken``.
* ``DeletePortfolioShare`` with an ``OrganizationNode`` forgets the share.
* Organizations: when moto's Organizations backend has an organisation whose
  management account is the caller, an ``ORGANIZATION`` node must be its id
  and an ``ORGANIZATIONAL_UNIT`` one of its OUs (``InvalidParametersException``);
  a caller that is only a member account of an organisation gets
  ``OperationNotSupportedException`` (only the management account or a
  delegated administrator may share with the organisation). Without any
  organisation in moto, every well-formed id is accepted.

The recipient's side (``imports.py``, its docstring cites each rule): ``AcceptPortfolioShare``
/ ``RejectPortfolioShare`` / ``ListAcceptedPortfolioShares``; an accepted portfolio that is
still shared with the account is imported: its products, artefacts and constraints stay the
sharer's, the recipient associates its own principals (or the sharer's ``IAM_PATTERN`` ones
travel with ``SharePrincipals``), and a launch runs in the recipient account under the launch
constraint's ``LocalRoleName`` role OF THE RECIPIENT.

Test hook: ``POST /_studio_emulator/servicecatalog/portfolio-shares/{token}/status``
``{"Status": "ERROR", "ShareErrors": [{"Accounts": [...], "Message": "...",
"Error": "..."}]}`` ends a share in that status.

Layout: ``validation.py`` (request checks, ids, errors), ``launch_paths.py`` (callers,
associations, launch paths), ``templates.py`` (reading and checking artefact templates),
``models.py`` (artefacts, provisioned products, records, the provisioning backend),
``responses.py`` (the operations; CloudFormation termination protection), ``sharing.py``
(organisation-node shares), ``imports.py`` (accepted shares, imported products); this file registers the extensions and their test hooks.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.responses import CloudFormationResponse
from moto.servicecatalog.responses import ServiceCatalogResponse

from ..core import ControlRequest, ControlRoute, ServiceExtension, register
from .launch_paths import caller_principals, launch_paths
from .models import (
    MODEL_PROVISIONED_PRODUCT,
    STATUSES,
    artifact_id,
    artifact_name,
    iter_provisioning_backends,
    provisioning_backends,
)
from .responses import (
    CloudFormationTerminationProtectionResponse,
    ServiceCatalogProvisioningResponse,
)
from .sharing import (
    MODEL_PORTFOLIO_SHARE,
    SHARE_STATUSES,
    ServiceCatalogSharingResponse,
    sharing_backends,
)

__all__ = [
    "CLOUDFORMATION_EXTENSION",
    "EXTENSION",
    "SHARING_EXTENSION",
    "artifact_id",
    "artifact_name",
    "caller_principals",
    "launch_paths",
    "provisioning_backends",
    "sharing_backends",
]


# --------------------------------------------------------------------------
# Control routes and registration
# --------------------------------------------------------------------------


def _control_force_status(request: ControlRequest) -> tuple[int, Any]:
    body = request.body or {}
    status = body.get("Status")
    if status not in STATUSES:
        return 400, {"error": f"Status must be one of {', '.join(STATUSES)}"}
    pp_id = request.match["pp_id"]
    for backend in iter_provisioning_backends():
        pp = backend.force_status(pp_id, status, body.get("StatusMessage"))
        if pp is not None:
            return 200, {"Id": pp.id, "Status": pp.status, "StatusMessage": pp.status_message}
    return 404, {"error": f"Provisioned product {pp_id} not found."}


def _control_share_status(request: ControlRequest) -> tuple[int, Any]:
    body = request.body or {}
    status = body.get("Status")
    if status not in SHARE_STATUSES:
        return 400, {"error": f"Status must be one of {', '.join(SHARE_STATUSES)}"}
    token = request.match["token"]
    for account_backends in list(sharing_backends.values()):
        for backend in list(account_backends.values()):
            share = backend.force_status(token, status, body.get("ShareErrors") or [])
            if share is not None:
                return 200, share.status_result()
    return 404, {"error": f"Portfolio share {token} not found."}


EXTENSION = register(
    ServiceExtension(
        name="servicecatalog-provisioning",
        service="servicecatalog",
        base_response=ServiceCatalogResponse,
        response=ServiceCatalogProvisioningResponse,
        state_models=[MODEL_PROVISIONED_PRODUCT],
        control_routes=[
            ControlRoute(
                "POST",
                r"servicecatalog/provisioned-products/(?P<pp_id>[^/]+)/status",
                _control_force_status,
            ),
        ],
    )
)

CLOUDFORMATION_EXTENSION = register(
    ServiceExtension(
        name="cloudformation-termination-protection",
        service="cloudformation",
        base_response=CloudFormationResponse,
        response=CloudFormationTerminationProtectionResponse,
    )
)

SHARING_EXTENSION = register(
    ServiceExtension(
        name="servicecatalog-organization-sharing",
        service="servicecatalog",
        base_response=ServiceCatalogResponse,
        response=ServiceCatalogSharingResponse,
        state_models=[MODEL_PORTFOLIO_SHARE],
        control_routes=[
            ControlRoute(
                "POST",
                r"servicecatalog/portfolio-shares/(?P<token>[^/]+)/status",
                _control_share_status,
            ),
        ],
    )
)

