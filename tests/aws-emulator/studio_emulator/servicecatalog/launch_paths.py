"""Who calls, and which launch paths (portfolio associations) they have."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from moto.servicecatalog.models import servicecatalog_backends


# --------------------------------------------------------------------------
# Who calls, and which launch paths they have
# --------------------------------------------------------------------------

#: The identity moto's STS gives credentials it did not issue (``sts
#: get-caller-identity`` answers ``arn:aws:sts::ACCOUNT:user/moto``), as the
#: IAM principal ARN a portfolio would be associated with.
DEFAULT_PRINCIPAL = "arn:aws:iam::{account}:user/moto"
IAM_PRINCIPAL_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):(user|group|role)/(.+)$")
IAM_PATTERN_ARN = re.compile(r"^arn:(aws[a-z-]*):iam:::(user|group|role)/(.+)$")
PRINCIPAL_TYPES = ["IAM", "IAM_PATTERN"]


def caller_principals(account_id: str, access_key: str) -> list[str]:
    """The IAM principal ARNs a request signed with ``access_key`` acts as.

    Resolved as moto's ``sts get-caller-identity`` resolves the key (``iam.principals``): the
    role of an assumed-role session (moto's STS), else the IAM user owning the key (moto's
    IAM) with the groups it belongs to, else moto's default identity
    ``arn:aws:iam::ACCOUNT:user/moto``.
    """
    from ..iam.principals import resolve

    principal = resolve(access_key)
    if principal is None or principal.is_root:
        return [DEFAULT_PRINCIPAL.format(account=account_id)]
    if principal.kind == "assumed-role":
        return [principal.principal_arn]
    return [principal.arn, *principal.groups]


def caller_arn(account_id: str, access_key: str) -> str:
    """The caller's ARN as ``sts get-caller-identity`` gives it: an assumed-role
    session's ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION``, an IAM user's ARN,
    else the IAM user ARN of moto's default identity."""
    from ..iam.principals import resolve

    principal = resolve(access_key)
    if principal is not None and principal.kind == "assumed-role":
        return principal.arn
    return caller_principals(account_id, access_key)[0]


def _pattern_matches(pattern: str, arn: str) -> bool:
    """An ``IAM_PATTERN`` ARN (no account id; ``*`` any characters, ``?`` zero
    or one character) against a full IAM ARN."""
    wanted = IAM_PATTERN_ARN.match(pattern)
    actual = IAM_PRINCIPAL_ARN.match(arn)
    if not wanted or not actual or wanted.group(1, 2) != (actual.group(1), actual.group(3)):
        return False
    regex = "".join(
        ".*" if c == "*" else ".?" if c == "?" else re.escape(c) for c in wanted.group(3)
    )
    return re.fullmatch(regex, actual.group(4)) is not None


def principal_matches(associated: str, principals: list[str]) -> bool:
    """Whether a portfolio's principal association covers one of ``principals``."""
    if IAM_PATTERN_ARN.match(associated):
        return any(_pattern_matches(associated, arn) for arn in principals)
    return associated in principals


def launch_path_id(portfolio_id: str, product_id: str) -> str:
    """The launch path of a product through a portfolio (stable)."""
    digest = hashlib.sha256(f"{portfolio_id}|{product_id}".encode()).hexdigest()
    return "lpv3-" + digest[:13]


def catalog_links(account_id: str, region_name: str) -> Any:
    """Associations and constraints, kept in one place for the API and for
    CloudFormation (``cloudformation.types.CatalogLinksBackend``)."""
    from ..cloudformation.types import catalog_links_backends

    return catalog_links_backends[account_id][region_name]


def _path(
    catalog: Any, links: Any, portfolio_id: str, product_id: str
) -> dict[str, Any]:
    constraints = [
        {"Type": c["Type"], "Description": c.get("Description")}
        for c in list(links.constraints.values())
        if (c.get("PortfolioId"), c.get("ProductId")) == (portfolio_id, product_id)
    ]
    return {
        "Id": launch_path_id(portfolio_id, product_id),
        "Name": catalog.portfolios[portfolio_id].display_name,
        "ConstraintSummaries": constraints,
        "Tags": [],
    }


def launch_paths(
    account_id: str, region_name: str, product_id: str, principals: list[str]
) -> list[dict[str, Any]]:
    """The product's launch paths for the caller: one per portfolio that holds
    the product and is associated with one of the caller's principals.

    Imported portfolios (``imports.py``) count too: the product and its constraints are the
    sharer's ("The products and constraints in the imported portfolio stay in sync",
    Administrator Guide, "Sharing and Importing Portfolios"); the caller is granted by the
    recipient account's own association of the imported portfolio, or -- with
    ``SharePrincipals`` -- by the sharer's ``IAM_PATTERN`` associations, matched against
    the recipient's principals."""
    from .imports import imported_portfolios

    catalog = servicecatalog_backends[account_id][region_name]
    links = catalog_links(account_id, region_name)
    paths = []
    for portfolio_id, associated_product in list(links.product_associations):
        if associated_product != product_id or portfolio_id not in catalog.portfolios:
            continue
        if not any(
            pf == portfolio_id and principal_matches(arn, principals)
            for pf, arn in list(links.principal_associations)
        ):
            continue
        paths.append(_path(catalog, links, portfolio_id, product_id))
    for offer in imported_portfolios(account_id, region_name):
        sharer_links = catalog_links(offer.account_id, region_name)
        if (offer.portfolio_id, product_id) not in sharer_links.product_associations:
            continue
        granted = any(
            pf == offer.portfolio_id and principal_matches(arn, principals)
            for pf, arn in list(links.principal_associations)
        ) or (
            offer.share_principals
            and any(
                pf == offer.portfolio_id and IAM_PATTERN_ARN.match(arn)
                and principal_matches(arn, principals)
                for pf, arn in list(sharer_links.principal_associations)
            )
        )
        if granted:
            paths.append(
                _path(
                    servicecatalog_backends[offer.account_id][region_name],
                    sharer_links, offer.portfolio_id, product_id,
                )
            )
    return paths
