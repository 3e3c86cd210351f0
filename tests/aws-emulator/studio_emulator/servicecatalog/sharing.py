"""Portfolio shares with an AWS Organizations node."""

from __future__ import annotations

import threading
import time
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.common_models import BaseModel
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.servicecatalog.exceptions import InvalidParametersException, ResourceNotFoundException
from moto.servicecatalog.models import servicecatalog_backends

from ..core import transition_delay
from .responses import (
    _ServiceCatalogJsonResponse,
)
from .validation import (
    _check,
    _page,
    _random_id,
    _validate,
)


# --------------------------------------------------------------------------
# Portfolio shares with an organisation node
# --------------------------------------------------------------------------

MODEL_PORTFOLIO_SHARE = "servicecatalog::portfolio-share"
ORGANIZATION_NODE_TYPES = ["ORGANIZATION", "ORGANIZATIONAL_UNIT", "ACCOUNT"]
DESCRIBE_SHARE_TYPES = ["ACCOUNT", "ORGANIZATION", "ORGANIZATIONAL_UNIT", "ORGANIZATION_MEMBER_ACCOUNT"]
SHARE_STATUSES = ["NOT_STARTED", "IN_PROGRESS", "COMPLETED", "COMPLETED_WITH_ERRORS", "ERROR"]
#: ``OrganizationNodeValue`` in the Service Catalog API model.
ORGANIZATION_NODE_VALUE_PATTERN = (
    r"(^[0-9]{12}$)|(^arn:aws:organizations::\d{12}:organization\/o-[a-z0-9]{10,32})"
    r"|(^o-[a-z0-9]{10,32}$)"
    r"|(^arn:aws:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$)"
    r"|(^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$)"
)


class OperationNotSupportedException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("OperationNotSupportedException", message)


class InvalidStateException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("InvalidStateException", message)


ORGANIZATIONS_SERVICE_PRINCIPAL = "servicecatalog.amazonaws.com"


class OrganizationShare(BaseModel):
    """A portfolio shared with an organisation, an OU or an account through Organizations."""

    def __init__(
        self, portfolio_id: str, node_type: str, node_value: str,
        share_tag_options: bool, share_principals: bool,
    ) -> None:
        self.token = _random_id("share-")
        self.portfolio_id = portfolio_id
        self.node_type = node_type
        self.node_value = node_value
        self.share_tag_options = share_tag_options
        self.share_principals = share_principals
        self.status = "IN_PROGRESS"
        self.due: float | None = time.monotonic() + transition_delay(MODEL_PORTFOLIO_SHARE)
        self.share_errors: list[dict[str, Any]] = []
        #: The accounts the node stands for (moto's Organizations), set by the backend.
        self.accounts: list[str] = []

    def settle(self, now: float) -> None:
        if self.due is not None and now >= self.due:
            self.due = None
            self.status = "COMPLETED"

    def share_details(self) -> dict[str, Any]:
        done = self.status in ("COMPLETED", "COMPLETED_WITH_ERRORS")
        return {
            # "List of accounts for whom the operation succeeded" (ShareDetails)
            "SuccessfulShares": list(self.accounts) if done else [],
            "ShareErrors": self.share_errors,
        }

    def status_result(self) -> dict[str, Any]:
        return {
            "PortfolioShareToken": self.token,
            "PortfolioId": self.portfolio_id,
            "OrganizationNodeValue": self.node_value,
            "Status": self.status,
            "ShareDetails": self.share_details(),
        }

    def detail(self) -> dict[str, Any]:
        return {
            "PrincipalId": self.node_value,
            "Type": self.node_type,
            "Accepted": True,
            "ShareTagOptions": self.share_tag_options,
            "SharePrincipals": self.share_principals,
        }


class PortfolioSharingBackend(BaseBackend):
    """Organisation-node portfolio shares of one account/region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        #: token -> share; a node shared again keeps its share (and token).
        self.shares: dict[str, OrganizationShare] = {}
        #: ``AccessStatus`` of portfolio sharing through Organizations.
        self.organizations_access = "DISABLED"

    def _settle(self) -> None:
        now = time.monotonic()
        for share in self.shares.values():
            share.settle(now)

    def _portfolio(self, portfolio_id: Any) -> None:
        errors: list[str] = []
        _validate(errors, portfolio_id, "PortfolioId", required=True, max_len=100)
        _check(errors)
        if portfolio_id not in servicecatalog_backends[self.account_id][self.region_name].portfolios:
            raise ResourceNotFoundException(f"Portfolio {portfolio_id} not found.")

    @staticmethod
    def _organization_of(account_id: str) -> tuple[Any, bool] | None:
        """moto's organisation ``account_id`` belongs to (its backend), and
        whether the account is its management account; ``None`` without one."""
        from ..organizations import organization_of

        return organization_of(account_id)

    def _node_accounts(self, node_type: str, node_value: str) -> list[str]:
        """The member accounts an organisation node shares with, after moto's
        Organizations (none known without an organisation)."""
        node_id = node_value.rsplit("/", 1)[-1]
        if node_type == "ACCOUNT":
            return [node_id]
        membership = self._organization_of(self.account_id)
        if membership is None:
            return []
        from ..organizations import accounts_under

        backend = membership[0]
        if node_type == "ORGANIZATION":
            return sorted(a.id for a in backend.accounts if a.id != self.account_id)
        under = accounts_under(backend, node_id, with_management=True)
        return [a for a in under if a != self.account_id]

    def set_organizations_access(self, enabled: bool) -> None:
        """``EnableAWSOrganizationsAccess`` / ``DisableAWSOrganizationsAccess``:
        only the management account may call them; enabling also enables the
        trusted access of ``servicecatalog.amazonaws.com`` in moto's
        Organizations (``organizations:EnableAWSServiceAccess`` "on your
        behalf").  Without an organisation in moto the call is accepted."""
        with self.lock:
            membership = self._organization_of(self.account_id)
            if membership is not None and not membership[1]:
                raise OperationNotSupportedException(
                    "Only the management account of the organization can change "
                    "AWS Organizations access for Service Catalog."
                )
            if membership is not None:
                backend = membership[0]
                if enabled:
                    backend.enable_aws_service_access(
                        ServicePrincipal=ORGANIZATIONS_SERVICE_PRINCIPAL
                    )
                elif any(
                    s.get("ServicePrincipal") == ORGANIZATIONS_SERVICE_PRINCIPAL
                    for s in backend.services
                ):
                    backend.disable_aws_service_access(
                        ServicePrincipal=ORGANIZATIONS_SERVICE_PRINCIPAL
                    )
            self.organizations_access = "ENABLED" if enabled else "DISABLED"

    def organizations_access_status(self) -> str:
        with self.lock:
            membership = self._organization_of(self.account_id)
            if membership is not None and not membership[1]:
                raise OperationNotSupportedException(
                    "Only the management account or a delegated administrator of the "
                    "organization can get the AWS Organizations access status."
                )
            return self.organizations_access

    def _check_organizations_access(self) -> None:
        if self.organizations_access != "ENABLED":
            raise InvalidStateException(
                "AWSOrganizationsAccess must be enabled in order to create a portfolio "
                "share to an organization node (call EnableAWSOrganizationsAccess)."
            )

    def _check_organization(self, node_type: str, node_value: str) -> None:
        from moto.organizations.models import organizations_backends

        for account_backends in list(organizations_backends.values()):
            for backend in list(account_backends.values()):
                org = backend.org
                if org is None:
                    continue
                if org.master_account_id == self.account_id:
                    known = {org.id, org.arn} if node_type == "ORGANIZATION" else (
                        {ou.id for ou in backend.ou} | {ou.arn for ou in backend.ou}
                        if node_type == "ORGANIZATIONAL_UNIT"
                        else {a.id for a in backend.accounts}
                    )
                    if node_value not in known:
                        raise InvalidParametersException(
                            f"{node_value} is not part of organization {org.id}."
                        )
                    return
                if any(a.id == self.account_id for a in backend.accounts):
                    raise OperationNotSupportedException(
                        "Only the management account or a delegated administrator of "
                        "the organization can share with an organization node."
                    )

    def create(
        self, portfolio_id: Any, account_id: Any, node: Any,
        share_tag_options: bool, share_principals: bool,
    ) -> OrganizationShare:
        if bool(account_id) == bool(node):
            raise InvalidParametersException(
                "Provide exactly one of AccountId and OrganizationNode."
            )
        errors: list[str] = []
        if not isinstance(node, dict):
            raise InvalidParametersException("OrganizationNode must be a structure.")
        node_type, node_value = node.get("Type"), node.get("Value")
        if node_type not in ORGANIZATION_NODE_TYPES:
            errors.append(
                f"OrganizationNode.Type must be one of {', '.join(ORGANIZATION_NODE_TYPES)}"
            )
        _validate(errors, node_value, "OrganizationNode.Value", required=True,
                  pattern=ORGANIZATION_NODE_VALUE_PATTERN)
        if share_principals and node_type == "ACCOUNT":
            errors.append(
                "SharePrincipals is only supported for an OrganizationNode of type "
                "ORGANIZATION or ORGANIZATIONAL_UNIT"
            )
        _check(errors)
        with self.lock:
            self._settle()
            self._portfolio(portfolio_id)
            self._check_organization(node_type, node_value)
            self._check_organizations_access()
            share = self._find(portfolio_id, node_type, node_value)
            if share is not None and share.status == "ERROR":
                del self.shares[share.token]  # a failed share is shared again from scratch
            elif share is not None:
                # "If the portfolio share with the specified account or organization
                # node already exists, this action will have no effect"
                return share
            share = OrganizationShare(
                portfolio_id, node_type, node_value, share_tag_options, share_principals
            )
            share.accounts = self._node_accounts(node_type, node_value)
            self.shares[share.token] = share
            return share

    def _find(self, portfolio_id: Any, node_type: Any, node_value: Any) -> OrganizationShare | None:
        return next(
            (
                share for share in self.shares.values()
                if (share.portfolio_id, share.node_type, share.node_value)
                == (portfolio_id, node_type, node_value)
            ),
            None,
        )

    def update(
        self, portfolio_id: Any, node: Any,
        share_tag_options: bool | None, share_principals: bool | None,
    ) -> OrganizationShare:
        """``UpdatePortfolioShare`` of an organisation-node share: a member not
        given keeps its value; refused while the share is ``IN_PROGRESS``."""
        if not isinstance(node, dict):
            raise InvalidParametersException("OrganizationNode must be a structure.")
        with self.lock:
            self._settle()
            self._portfolio(portfolio_id)
            share = self._find(portfolio_id, node.get("Type"), node.get("Value"))
            if share is None or share.status == "ERROR":
                raise ResourceNotFoundException(
                    f"Portfolio {portfolio_id} is not shared with {node.get('Value')}."
                )
            if share.status == "IN_PROGRESS":
                raise InvalidStateException(
                    "The portfolio share cannot be updated while it is IN_PROGRESS."
                )
            if share_principals and share.node_type == "ACCOUNT":
                raise InvalidParametersException(
                    "SharePrincipals is only supported for an OrganizationNode of type "
                    "ORGANIZATION or ORGANIZATIONAL_UNIT"
                )
            if share_tag_options is not None:
                share.share_tag_options = share_tag_options
            if share_principals is not None:
                share.share_principals = share_principals
            return share

    def status(self, token: Any) -> OrganizationShare:
        errors: list[str] = []
        _validate(errors, token, "PortfolioShareToken", required=True, max_len=100)
        _check(errors)
        with self.lock:
            self._settle()
            share = self.shares.get(token)
            if share is None:
                raise ResourceNotFoundException(f"Portfolio share {token} not found.")
            return share

    def describe(self, portfolio_id: Any, share_type: Any) -> list[OrganizationShare]:
        if share_type not in DESCRIBE_SHARE_TYPES:
            raise InvalidParametersException(
                f"Type must be one of {', '.join(DESCRIBE_SHARE_TYPES)}"
            )
        with self.lock:
            self._settle()
            self._portfolio(portfolio_id)
            return [
                share for share in self.shares.values()
                if share.portfolio_id == portfolio_id and share.node_type == share_type
                and share.status != "ERROR"
            ]

    def member_accounts(self, portfolio_id: Any) -> list[dict[str, Any]]:
        """``DescribePortfolioShares`` ``Type ORGANIZATION_MEMBER_ACCOUNT`` (botocore model
        ``servicecatalog/2015-12-10``: "Represents a share to an account in the organization"):
        one ``PortfolioShareDetail`` per member account the portfolio's organisation shares
        reach now -- an ``ACCOUNT`` node, or the accounts under a shared ``ORGANIZATION`` /
        ``ORGANIZATIONAL_UNIT`` node (moto's Organizations, the sharer excluded) -- for shares
        that have completed, sorted by account; ``ShareTagOptions`` / ``SharePrincipals`` are
        true when a share reaching the account has them.

        ``Accepted``: whether the member account's ``AcceptPortfolioShare`` (type
        ``AWS_ORGANIZATIONS``) imported this portfolio (``imports.py``), consistent with this
        emulator's launch rule (an organisation share must be accepted before a launch).
        NOT what the model's ``PortfolioShareDetail.Accepted`` says: "If the recipient is in an
        organization node, the share is automatically imported, and the field is always set to
        true" -- on AWS expect ``true`` for every organisation member (the emulator's choice,
        in tests/aws-emulator/README.md)."""
        from .imports import imports_backends

        with self.lock:
            self._settle()
            self._portfolio(portfolio_id)
            reached: dict[str, dict[str, Any]] = {}
            for share in self.shares.values():
                if share.portfolio_id != portfolio_id or share.status not in (
                    "COMPLETED", "COMPLETED_WITH_ERRORS",
                ):
                    continue
                for account in self._node_accounts(share.node_type, share.node_value):
                    detail = reached.setdefault(account, {
                        "PrincipalId": account, "Type": "ORGANIZATION_MEMBER_ACCOUNT",
                        "ShareTagOptions": False, "SharePrincipals": False,
                    })
                    detail["ShareTagOptions"] |= share.share_tag_options
                    detail["SharePrincipals"] |= share.share_principals
        for account, detail in reached.items():
            imports = imports_backends[account][self.region_name]
            with imports.lock:
                detail["Accepted"] = imports.accepted.get(portfolio_id) == "AWS_ORGANIZATIONS"
        return [reached[a] for a in sorted(reached)]

    def delete(self, portfolio_id: Any, node: dict[str, Any]) -> OrganizationShare | None:
        with self.lock:
            self._settle()
            self._portfolio(portfolio_id)
            for token, share in list(self.shares.items()):
                if (share.portfolio_id, share.node_type, share.node_value) == (
                    portfolio_id, node.get("Type"), node.get("Value"),
                ):
                    del self.shares[token]
                    return share
            return None

    def force_status(
        self, token: str, status: str, share_errors: list[dict[str, Any]]
    ) -> OrganizationShare | None:
        with self.lock:
            share = self.shares.get(token)
            if share is not None:
                share.due = None
                share.status = status
                share.share_errors = list(share_errors)
            return share


sharing_backends = BackendDict(PortfolioSharingBackend, "servicecatalog")


class ServiceCatalogSharingResponse(_ServiceCatalogJsonResponse):
    """Organisation-node shares on top of moto's ``ServiceCatalogResponse``."""

    @property
    def sharing(self) -> PortfolioSharingBackend:
        return sharing_backends[self.current_account][self.region]

    def create_portfolio_share(self) -> ActionResult:
        p = self._params()
        if p.get("AccountId") and not p.get("OrganizationNode"):
            if p.get("SharePrincipals"):
                raise InvalidParametersException(
                    "SharePrincipals is only supported for an OrganizationNode of type "
                    "ORGANIZATION or ORGANIZATIONAL_UNIT"
                )
            return super().create_portfolio_share()
        share = self.sharing.create(
            p.get("PortfolioId"), p.get("AccountId"), p.get("OrganizationNode"),
            bool(p.get("ShareTagOptions")), bool(p.get("SharePrincipals")),
        )
        return ActionResult({"PortfolioShareToken": share.token})

    def update_portfolio_share(self) -> ActionResult:
        p = self._params()
        if p.get("AccountId") and p.get("OrganizationNode"):
            raise InvalidParametersException(
                "Provide exactly one of AccountId and OrganizationNode."
            )
        if not p.get("OrganizationNode"):
            raise OperationNotSupportedException(
                "UpdatePortfolioShare of an account share is not supported by the emulator."
            )
        share = self.sharing.update(
            p.get("PortfolioId"), p.get("OrganizationNode"),
            p.get("ShareTagOptions"), p.get("SharePrincipals"),
        )
        return ActionResult({"PortfolioShareToken": share.token, "Status": share.status})

    def enable_aws_organizations_access(self) -> ActionResult:
        self.sharing.set_organizations_access(True)
        return EmptyResult()

    def disable_aws_organizations_access(self) -> ActionResult:
        self.sharing.set_organizations_access(False)
        return EmptyResult()

    def get_aws_organizations_access_status(self) -> ActionResult:
        return ActionResult({"AccessStatus": self.sharing.organizations_access_status()})

    def describe_portfolio_share_status(self) -> ActionResult:
        share = self.sharing.status(self._params().get("PortfolioShareToken"))
        return ActionResult(share.status_result())

    def describe_portfolio_shares(self) -> ActionResult:
        p = self._params()
        if p.get("Type") == "ACCOUNT":
            return super().describe_portfolio_shares()
        if p.get("Type") == "ORGANIZATION_MEMBER_ACCOUNT":
            details = self.sharing.member_accounts(p.get("PortfolioId"))
        else:
            details = [
                s.detail() for s in self.sharing.describe(p.get("PortfolioId"), p.get("Type"))
            ]
        page, token = _page(details, p.get("PageSize"), p.get("PageToken"), 50, 100)
        return ActionResult({"PortfolioShareDetails": page, "NextPageToken": token})

    # ---- the recipient's side (``imports.py``) ------------------------------

    def accept_portfolio_share(self) -> ActionResult:
        from .imports import imports_backends

        p = self._params()
        imports_backends[self.current_account][self.region].accept(
            p.get("PortfolioId"), p.get("PortfolioShareType")
        )
        return EmptyResult()

    def reject_portfolio_share(self) -> ActionResult:
        from .imports import imports_backends

        p = self._params()
        imports_backends[self.current_account][self.region].reject(
            p.get("PortfolioId"), p.get("PortfolioShareType")
        )
        return EmptyResult()

    def list_accepted_portfolio_shares(self) -> ActionResult:
        from .imports import imports_backends

        p = self._params()
        details = imports_backends[self.current_account][self.region].list_accepted(
            p.get("PortfolioShareType")
        )
        page, token = _page(details, p.get("PageSize"), p.get("PageToken"), 20, 100)
        return ActionResult({"PortfolioDetails": page, "NextPageToken": token})

    def delete_portfolio_share(self) -> ActionResult:
        p = self._params()
        node = p.get("OrganizationNode")
        if not node or p.get("AccountId"):
            return super().delete_portfolio_share()
        share = self.sharing.delete(p.get("PortfolioId"), node)
        if share is None:
            raise ResourceNotFoundException(
                f"Portfolio {p.get('PortfolioId')} is not shared with {node.get('Value')}."
            )
        return ActionResult({"PortfolioShareToken": share.token})


