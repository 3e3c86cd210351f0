"""Portfolios a recipient account imports: AcceptPortfolioShare, RejectPortfolioShare,
ListAcceptedPortfolioShares, and the lookups a launch in the recipient account uses.

Sources:

* Administrator Guide, "Sharing and Importing Portfolios": sharing (account-to-account or
  through AWS Organizations) lets "a Service Catalog administrator of another account ...
  import your portfolio into their account and distribute the products to end users in that
  account"; "This imported portfolio isn't an independent copy. The products and constraints
  in the imported portfolio stay in sync with changes that you make to the shared portfolio".
  Hence: products, product associations and constraints (a launch constraint's
  ``LocalRoleName`` included) are read from the SHARER's catalog at launch time; the
  recipient's own principal associations of the imported portfolio grant its users access.
* ``AcceptPortfolioShare`` (API reference): ``PortfolioShareType`` "The default is to accept
  imported portfolios": ``AWS_ORGANIZATIONS`` "Accept portfolios shared by the management
  account of your organization", ``IMPORTED`` "Accept imported portfolios" (account
  shares), ``AWS_SERVICECATALOG`` "Not supported. (Throws ResourceNotFoundException.)".
* ``ListAcceptedPortfolioShares``: the accepted portfolios of one ``PortfolioShareType``
  (default ``IMPORTED``), as ``PortfolioDetails``.
* ``RejectPortfolioShare``: "Rejects an offer to share the specified portfolio"; a rejected
  (or never accepted) share gives the recipient nothing.
* ``CreatePortfolioShare`` ``SharePrincipals``: "Enables or disables Principal sharing when
  creating the portfolio share"; the API's note on it: a principal *name* association
  (``PrincipalType`` ``IAM_PATTERN``) of the shared portfolio matches principals of the
  recipient account, which is why AWS "recommends using PrincipalType as IAM" when that is a
  concern -- so only ``IAM_PATTERN`` associations travel with the share.
* An organisation share covers the accounts under its node NOW (moto's Organizations): an
  account moved out of the OU loses the portfolio; acceptance keeps nothing by itself.

Not published, the emulator's choices: the wording of the ``ResourceNotFoundException`` for
a portfolio not shared with the caller; a share must have reached ``COMPLETED`` before it can
be accepted.
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

from moto.core.base_backend import BackendDict, BaseBackend
from moto.servicecatalog.exceptions import InvalidParametersException, ResourceNotFoundException
from moto.servicecatalog.models import servicecatalog_backends

from .validation import _check, _validate

SHARE_TYPES = ["IMPORTED", "AWS_SERVICECATALOG", "AWS_ORGANIZATIONS"]


class Offer(NamedTuple):
    """A portfolio of ``account_id`` shared with a recipient, and how."""

    account_id: str
    portfolio_id: str
    share_type: str
    share_principals: bool


def _in_region(backend_dict: Any, region: str) -> list[tuple[str, Any]]:
    """(account, backend) of every account that has a backend in ``region`` (no new one made)."""
    found = []
    for account, regions in list(backend_dict.items()):
        for name, backend in list(regions.items()):
            if name == region:
                found.append((account, backend))
    return found


def offers(recipient: str, region: str, portfolio_id: str) -> list[Offer]:
    """The live shares of ``portfolio_id`` with ``recipient``: moto's account shares
    (``IMPORTED``) and organisation-node shares that are ``COMPLETED`` and whose node covers
    the recipient now (``AWS_ORGANIZATIONS``)."""
    from .sharing import sharing_backends

    found: list[Offer] = []
    for account, catalog in _in_region(servicecatalog_backends, region):
        if account == recipient or portfolio_id not in catalog.portfolios:
            continue
        if recipient in catalog.portfolio_access.get(portfolio_id, []):
            found.append(Offer(account, portfolio_id, "IMPORTED", False))
    for account, sharing in _in_region(sharing_backends, region):
        if account == recipient:
            continue
        with sharing.lock:
            sharing._settle()
            for share in list(sharing.shares.values()):
                if share.portfolio_id != portfolio_id or share.status not in (
                    "COMPLETED", "COMPLETED_WITH_ERRORS",
                ):
                    continue
                if recipient in sharing._node_accounts(share.node_type, share.node_value):
                    found.append(
                        Offer(account, portfolio_id, "AWS_ORGANIZATIONS", share.share_principals)
                    )
    return found


class PortfolioImportsBackend(BaseBackend):
    """The portfolio shares one account/region has accepted: portfolio id -> share type."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        self.accepted: dict[str, str] = {}

    @staticmethod
    def _share_type(share_type: Any) -> str:
        share_type = share_type or "IMPORTED"
        if share_type not in SHARE_TYPES:
            raise InvalidParametersException(
                f"PortfolioShareType must be one of {', '.join(SHARE_TYPES)}"
            )
        return str(share_type)

    @staticmethod
    def _portfolio_id(portfolio_id: Any) -> str:
        errors: list[str] = []
        _validate(errors, portfolio_id, "PortfolioId", required=True, max_len=100,
                  pattern=r"^[a-zA-Z0-9_\-]*")
        _check(errors)
        return str(portfolio_id)

    def _offer(self, portfolio_id: str, share_type: str) -> Offer:
        if share_type == "AWS_SERVICECATALOG":
            # "AWS_SERVICECATALOG - Not supported. (Throws ResourceNotFoundException.)"
            raise ResourceNotFoundException(
                "PortfolioShareType AWS_SERVICECATALOG is not supported."
            )
        offer = next(
            (o for o in offers(self.account_id, self.region_name, portfolio_id)
             if o.share_type == share_type),
            None,
        )
        if offer is None:
            raise ResourceNotFoundException(
                f"Portfolio {portfolio_id} is not shared with account {self.account_id} "
                f"as {share_type}."
            )
        return offer

    def accept(self, portfolio_id: Any, share_type: Any) -> None:
        pid, kind = self._portfolio_id(portfolio_id), self._share_type(share_type)
        with self.lock:
            self._offer(pid, kind)
            self.accepted[pid] = kind

    def reject(self, portfolio_id: Any, share_type: Any) -> None:
        pid, kind = self._portfolio_id(portfolio_id), self._share_type(share_type)
        with self.lock:
            if self.accepted.get(pid) == kind:
                del self.accepted[pid]
                return
            self._offer(pid, kind)  # an offer not accepted: rejecting it is accepted

    def imported(self) -> list[Offer]:
        """The accepted portfolios that are still shared with this account."""
        with self.lock:
            accepted = dict(self.accepted)
        found = []
        for pid, kind in accepted.items():
            offer = next(
                (o for o in offers(self.account_id, self.region_name, pid)
                 if o.share_type == kind),
                None,
            )
            if offer is not None:
                found.append(offer)
        return found

    def list_accepted(self, share_type: Any) -> list[dict[str, Any]]:
        kind = self._share_type(share_type)
        return [
            servicecatalog_backends[o.account_id][self.region_name]
            .portfolios[o.portfolio_id].to_dict()
            for o in self.imported()
            if o.share_type == kind
        ]


imports_backends = BackendDict(PortfolioImportsBackend, "servicecatalog")


def imported_portfolios(account_id: str, region: str) -> list[Offer]:
    return imports_backends[account_id][region].imported()


def imported_portfolio(account_id: str, region: str, portfolio_id: str) -> Offer | None:
    return next(
        (o for o in imported_portfolios(account_id, region) if o.portfolio_id == portfolio_id),
        None,
    )


def product_owner(account_id: str, region: str, product_id: str) -> str | None:
    """The sharer whose imported portfolio holds ``product_id`` for ``account_id``, or None."""
    from .launch_paths import catalog_links

    for offer in imported_portfolios(account_id, region):
        links = catalog_links(offer.account_id, region)
        if (offer.portfolio_id, product_id) in links.product_associations:
            return offer.account_id
    return None
