//! Sharing the portfolio with an AWS Organizations node (an organisational unit or the whole
//! organisation) after the portfolio stack is deployed: CloudFormation's
//! `AWS::ServiceCatalog::PortfolioShare` takes only account ids.
//!
//! For each node: `DescribePortfolioShares` (is it shared already? then nothing to do),
//! `CreatePortfolioShare` with the node, then `DescribePortfolioShareStatus` until the share
//! is `COMPLETED`, or fails with the share's errors. Written against the small
//! [`PortfolioShares`] port.
//!
//! Before the first `CreatePortfolioShare`, Service Catalog's AWS Organizations access must be
//! on: "`AWSOrganizationsAccess` must be enabled in order to create a portfolio share to an
//! organization node" (API reference, `CreatePortfolioShare`;
//! <https://docs.aws.amazon.com/servicecatalog/latest/dg/API_CreatePortfolioShare.html>). So
//! `GetAWSOrganizationsAccessStatus` is asked once (its `AccessStatus` is `ENABLED`,
//! `UNDER_CHANGE` or `DISABLED`, botocore model `servicecatalog/2015-12-10`); `DISABLED` is
//! followed by `EnableAWSOrganizationsAccess`, `UNDER_CHANGE` is waited out within the deploy's
//! time-out. `EnableAWSOrganizationsAccess` "can only be called by the management account in
//! the organization" and "a delegated administrator is not authorized to invoke" it (API
//! reference, `EnableAWSOrganizationsAccess`); when the account may not
//! (`OperationNotSupportedException`, `AccessDeniedException`), sharing stops with
//! [`ShareError::OrganizationsAccessNotAllowed`] before any share is created. Nodes that are
//! all shared already need no Organizations call at all, nor do account shares (those are the
//! portfolio template's `ShareAccountIds`, made by CloudFormation).

use std::{
    future::Future,
    time::{Duration, Instant},
};

use thiserror::Error;

use crate::{deploy::DeploySettings, report::DeployReporter};

/// Share the portfolio's tag options with the node: the portfolio template associates two.
pub const SHARE_TAG_OPTIONS: bool = true;

/// Share the portfolio's principal names. The template associates its cloud admins by ARN
/// (`PrincipalType: IAM`), which principal sharing does not carry (it shares `IAM_PATTERN`
/// principal names only); a role of this account would mean nothing in the others.
pub const SHARE_PRINCIPALS: bool = false;

/// What kind of Organizations node a portfolio is shared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeType {
    /// The whole organisation (`o-…`).
    Organization,
    /// An organisational unit (`ou-…`) and the OUs and accounts below it.
    OrganizationalUnit,
}

impl NodeType {
    /// The API's name (`ORGANIZATION`, `ORGANIZATIONAL_UNIT`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organization => "ORGANIZATION",
            Self::OrganizationalUnit => "ORGANIZATIONAL_UNIT",
        }
    }
}

/// An Organizations node to share the portfolio with; its id is validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrganizationNode {
    node_type: NodeType,
    value: String,
}

/// An organisation or OU id that is not well formed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{value:?} is not {expected}")]
pub struct InvalidNodeId {
    /// The id given.
    pub value: String,
    /// What was expected.
    pub expected: &'static str,
}

fn is_lower_alnum(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

impl OrganizationNode {
    /// An organisational unit: `ou-` + 4–32 lowercase letters or digits (the root's id) + `-` +
    /// 8–32 lowercase letters or digits.
    pub fn organizational_unit(id: &str) -> Result<Self, InvalidNodeId> {
        let valid = id
            .strip_prefix("ou-")
            .and_then(|rest| rest.split_once('-'))
            .is_some_and(|(root, unit)| is_lower_alnum(root, 4, 32) && is_lower_alnum(unit, 8, 32));
        if !valid {
            return Err(InvalidNodeId {
                value: id.to_owned(),
                expected: "an organizational unit id (ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}, e.g. ou-ab12-cdef3456)",
            });
        }
        Ok(Self {
            node_type: NodeType::OrganizationalUnit,
            value: id.to_owned(),
        })
    }

    /// The organisation: `o-` + 10–32 lowercase letters or digits.
    pub fn organization(id: &str) -> Result<Self, InvalidNodeId> {
        if !id
            .strip_prefix("o-")
            .is_some_and(|rest| is_lower_alnum(rest, 10, 32))
        {
            return Err(InvalidNodeId {
                value: id.to_owned(),
                expected: "an organization id (o-[a-z0-9]{10,32}, e.g. o-abcdef1234)",
            });
        }
        Ok(Self {
            node_type: NodeType::Organization,
            value: id.to_owned(),
        })
    }

    /// Organisation or OU.
    pub fn node_type(&self) -> NodeType {
        self.node_type
    }

    /// The id.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl std::fmt::Display for OrganizationNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.node_type {
            NodeType::Organization => "organization",
            NodeType::OrganizationalUnit => "organizational unit",
        };
        write!(f, "{kind} {}", self.value)
    }
}

/// A failed Service Catalog call.
#[derive(Debug, Clone, Error)]
#[error("Service Catalog {operation} failed: {}{message}", code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default())]
pub struct ShareApiError {
    /// The operation.
    pub operation: &'static str,
    /// The error code (`InvalidParametersException`, ...), when the service sent one.
    pub code: Option<String>,
    /// The message.
    pub message: String,
}

/// One error of a share (`ShareError`): the accounts it concerns and why.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShareErrorDetail {
    /// The accounts the share failed for.
    pub accounts: Vec<String>,
    /// The error code or name.
    pub error: Option<String>,
    /// What happened.
    pub message: Option<String>,
}

impl std::fmt::Display for ShareErrorDetail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            self.error.as_deref().unwrap_or("error"),
            self.message.as_deref().unwrap_or("(no message)")
        )?;
        if !self.accounts.is_empty() {
            write!(f, " (accounts {})", self.accounts.join(", "))?;
        }
        Ok(())
    }
}

/// What `DescribePortfolioShareStatus` says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShareStatus {
    /// `NOT_STARTED`, `IN_PROGRESS`, `COMPLETED`, `COMPLETED_WITH_ERRORS` or `ERROR`.
    pub status: String,
    /// The nodes or accounts shared so far.
    pub successful: Vec<String>,
    /// The errors so far.
    pub errors: Vec<ShareErrorDetail>,
}

/// The Service Catalog API the organisation sharing needs.
pub trait PortfolioShares: Send + Sync {
    /// The ids the portfolio is shared with, for nodes of `node_type` (every page).
    fn shared_with(
        &self,
        portfolio_id: &str,
        node_type: NodeType,
    ) -> impl Future<Output = Result<Vec<String>, ShareApiError>> + Send;

    /// Starts a share; returns its `PortfolioShareToken`.
    fn create_share(
        &self,
        portfolio_id: &str,
        node: &OrganizationNode,
    ) -> impl Future<Output = Result<String, ShareApiError>> + Send;

    /// The status of the share `token`.
    fn share_status(
        &self,
        token: &str,
    ) -> impl Future<Output = Result<ShareStatus, ShareApiError>> + Send;

    /// `GetAWSOrganizationsAccessStatus`: is sharing through AWS Organizations enabled?
    fn organizations_access(
        &self,
    ) -> impl Future<Output = Result<OrganizationsAccess, ShareApiError>> + Send;

    /// `EnableAWSOrganizationsAccess` (management account only).
    fn enable_organizations_access(&self)
    -> impl Future<Output = Result<(), ShareApiError>> + Send;

    /// The sharer's `DescribePortfolioShares --type ORGANIZATION_MEMBER_ACCOUNT` (every page):
    /// the organisation's member accounts the portfolio's shares reach, and whether each has
    /// accepted (imported) it.
    fn member_accounts(
        &self,
        portfolio_id: &str,
    ) -> impl Future<Output = Result<Vec<MemberAccountShare>, ShareApiError>> + Send;
}

/// One member account a portfolio is shared with through AWS Organizations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberAccountShare {
    /// The account id.
    pub account_id: String,
    /// `Accepted`: the account imported the portfolio.
    pub accepted: bool,
}

/// Reports which member accounts have accepted the portfolio (the sharer's
/// `ORGANIZATION_MEMBER_ACCOUNT` listing) and returns the listing: a member account's Service
/// Catalog administrator accepts it (`AcceptPortfolioShare --portfolio-share-type
/// AWS_ORGANIZATIONS`) before its users can launch.
pub async fn report_acceptance<P: PortfolioShares>(
    shares: &P,
    portfolio_id: &str,
    reporter: &mut dyn DeployReporter,
) -> Result<Vec<MemberAccountShare>, ShareError> {
    let members = shares.member_accounts(portfolio_id).await?;
    let (accepted, waiting): (Vec<_>, Vec<_>) = members.iter().partition(|m| m.accepted);
    reporter.note(&format!(
        "portfolio {portfolio_id}: {} of {} member accounts have accepted the share",
        accepted.len(),
        members.len()
    ));
    for member in &members {
        let state = if member.accepted {
            "accepted"
        } else {
            "not accepted yet"
        };
        reporter.note(&format!("  {}  {state}", member.account_id));
    }
    if !waiting.is_empty() {
        reporter.note(
            "  an account that has not accepted: its Service Catalog administrator runs `aws \
             servicecatalog accept-portfolio-share --portfolio-share-type AWS_ORGANIZATIONS \
             --portfolio-id <id>` there",
        );
    }
    Ok(members)
}

/// Service Catalog's `AccessStatus` of portfolio sharing through AWS Organizations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganizationsAccess {
    /// `ENABLED`: organisation-node shares can be created.
    Enabled,
    /// `DISABLED`: `EnableAWSOrganizationsAccess` is needed first.
    Disabled,
    /// `UNDER_CHANGE`: being enabled or disabled.
    UnderChange,
    /// A status this tool does not know (waited on like `UNDER_CHANGE`).
    Other(String),
}

impl std::fmt::Display for OrganizationsAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Enabled => "ENABLED",
            Self::Disabled => "DISABLED",
            Self::UnderChange => "UNDER_CHANGE",
            Self::Other(status) => status,
        })
    }
}

/// Error codes meaning the caller's account (or its IAM principal) may not change or read
/// Service Catalog's Organizations access: `OperationNotSupportedException` (documented for
/// `EnableAWSOrganizationsAccess` and `GetAWSOrganizationsAccessStatus`; a member account that
/// is not the management account) and `AccessDeniedException` (IAM).
const NOT_ALLOWED_CODES: [&str; 3] = [
    "OperationNotSupportedException",
    "AccessDeniedException",
    "AccessDenied",
];

fn is_not_allowed(error: &ShareApiError) -> bool {
    error
        .code
        .as_deref()
        .is_some_and(|code| NOT_ALLOWED_CODES.contains(&code))
}

/// Why sharing failed.
#[derive(Debug, Error)]
pub enum ShareError {
    /// A Service Catalog call failed.
    #[error(transparent)]
    Api(#[from] ShareApiError),
    /// The share ended in `ERROR` (or another status that is not a success).
    #[error("sharing portfolio {portfolio_id} with {node} ended in {status}{}", error_lines(.errors))]
    Failed {
        /// The portfolio.
        portfolio_id: String,
        /// The node.
        node: OrganizationNode,
        /// The final status.
        status: String,
        /// The share's errors.
        errors: Vec<ShareErrorDetail>,
    },
    /// The share did not finish in time.
    #[error("sharing portfolio {portfolio_id} with {node} still {status} after {waited:?}")]
    Timeout {
        /// The portfolio.
        portfolio_id: String,
        /// The node.
        node: OrganizationNode,
        /// The last status.
        status: String,
        /// How long we waited.
        waited: Duration,
    },
    /// The portfolio stack has no `PortfolioId` output.
    #[error("the portfolio stack has no output PortfolioId")]
    NoPortfolioId,
    /// Service Catalog's AWS Organizations access is not enabled and this account may not
    /// enable it (or read it); nothing was shared.
    #[error(
        "cannot share portfolio {portfolio_id} with {node}: Service Catalog's AWS Organizations \
         access must be enabled first, and this account may not {action} ({source}). Only the \
         organization's management account can enable it (a delegated administrator cannot): \
         run `aws servicecatalog enable-aws-organizations-access` there, with \
         servicecatalog:EnableAWSOrganizationsAccess, organizations:EnableAWSServiceAccess and \
         organizations:ListAWSServiceAccessForOrganization; then deploy again from the \
         management account or a delegated administrator for Service Catalog. Nothing was \
         shared."
    )]
    OrganizationsAccessNotAllowed {
        /// The portfolio.
        portfolio_id: String,
        /// The first node that needed sharing.
        node: OrganizationNode,
        /// What was refused ("enable it", "read its status").
        action: &'static str,
        /// The refusal.
        source: ShareApiError,
    },
    /// Service Catalog's AWS Organizations access did not become `ENABLED` in time.
    #[error(
        "Service Catalog's AWS Organizations access still {status} after {waited:?}; nothing \
         was shared (check `aws servicecatalog get-aws-organizations-access-status`, then \
         deploy again)"
    )]
    OrganizationsAccessTimeout {
        /// The last status.
        status: OrganizationsAccess,
        /// How long we waited.
        waited: Duration,
    },
}

fn error_lines(errors: &[ShareErrorDetail]) -> String {
    errors.iter().map(|e| format!("\n  {e}")).collect()
}

/// What [`share_portfolio`] did for one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareOutcome {
    /// The portfolio was already shared with the node: no call made.
    AlreadyShared(OrganizationNode),
    /// Shared now; the share's token.
    Shared {
        /// The node.
        node: OrganizationNode,
        /// `PortfolioShareToken`.
        token: String,
    },
}

/// Shares `portfolio_id` with each node it is not shared with yet, waiting for each share to
/// complete; progress goes to `reporter` as notes.
pub async fn share_portfolio<P: PortfolioShares>(
    shares: &P,
    portfolio_id: &str,
    nodes: &[OrganizationNode],
    settings: DeploySettings,
    reporter: &mut dyn DeployReporter,
) -> Result<Vec<ShareOutcome>, ShareError> {
    let mut outcomes = Vec::with_capacity(nodes.len());
    let mut known: Vec<(NodeType, Vec<String>)> = Vec::new();
    let mut access_checked = false;
    for node in nodes {
        let shared = match known.iter().find(|(t, _)| *t == node.node_type()) {
            Some((_, ids)) => ids.clone(),
            None => {
                let ids = shares.shared_with(portfolio_id, node.node_type()).await?;
                known.push((node.node_type(), ids.clone()));
                ids
            }
        };
        if shared.iter().any(|id| id == node.value()) {
            reporter.note(&format!(
                "portfolio {portfolio_id} is already shared with {node}"
            ));
            outcomes.push(ShareOutcome::AlreadyShared(node.clone()));
            continue;
        }
        if !access_checked {
            // Once, before the first share: a refusal leaves nothing half shared.
            ensure_organizations_access(shares, portfolio_id, node, settings, reporter).await?;
            access_checked = true;
        }
        reporter.note(&format!("sharing portfolio {portfolio_id} with {node}"));
        let token = shares.create_share(portfolio_id, node).await?;
        wait_for_share(shares, portfolio_id, node, &token, settings, reporter).await?;
        if let Some((_, ids)) = known.iter_mut().find(|(t, _)| *t == node.node_type()) {
            ids.push(node.value().to_owned());
        }
        outcomes.push(ShareOutcome::Shared {
            node: node.clone(),
            token,
        });
    }
    Ok(outcomes)
}

/// Makes sure Service Catalog's AWS Organizations access is `ENABLED`: enables it when
/// `DISABLED`, waits while `UNDER_CHANGE` (bounded by `settings.timeout`).
async fn ensure_organizations_access<P: PortfolioShares>(
    shares: &P,
    portfolio_id: &str,
    node: &OrganizationNode,
    settings: DeploySettings,
    reporter: &mut dyn DeployReporter,
) -> Result<(), ShareError> {
    let not_allowed = |action, source| ShareError::OrganizationsAccessNotAllowed {
        portfolio_id: portfolio_id.to_owned(),
        node: node.clone(),
        action,
        source,
    };
    let started = Instant::now();
    let mut enable_called = false;
    let mut last_status = None;
    loop {
        let status = shares.organizations_access().await.map_err(|error| {
            if is_not_allowed(&error) {
                not_allowed("read its status", error)
            } else {
                ShareError::Api(error)
            }
        })?;
        match status {
            OrganizationsAccess::Enabled => {
                if enable_called {
                    reporter.note("Service Catalog's AWS Organizations access is enabled");
                }
                return Ok(());
            }
            OrganizationsAccess::Disabled if !enable_called => {
                reporter.note(
                    "Service Catalog's AWS Organizations access is disabled: enabling it \
                     (EnableAWSOrganizationsAccess; Service Catalog enables its trusted access \
                     in AWS Organizations)",
                );
                shares
                    .enable_organizations_access()
                    .await
                    .map_err(|error| {
                        if is_not_allowed(&error) {
                            not_allowed("enable it", error)
                        } else {
                            ShareError::Api(error)
                        }
                    })?;
                enable_called = true;
                continue;
            }
            _ => {}
        }
        if last_status.as_ref() != Some(&status) {
            reporter.note(&format!(
                "  Service Catalog's AWS Organizations access: {status}, waiting"
            ));
            last_status = Some(status.clone());
        }
        if started.elapsed() >= settings.timeout {
            return Err(ShareError::OrganizationsAccessTimeout {
                status,
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep(settings.poll_interval).await;
    }
}

async fn wait_for_share<P: PortfolioShares>(
    shares: &P,
    portfolio_id: &str,
    node: &OrganizationNode,
    token: &str,
    settings: DeploySettings,
    reporter: &mut dyn DeployReporter,
) -> Result<(), ShareError> {
    let started = Instant::now();
    let mut last_status = String::new();
    loop {
        let status = shares.share_status(token).await?;
        if status.status != last_status {
            reporter.note(&format!("  {node}: {} ({token})", status.status));
            last_status.clone_from(&status.status);
        }
        match status.status.as_str() {
            "COMPLETED" => return Ok(()),
            "NOT_STARTED" | "IN_PROGRESS" => {}
            _ => {
                // ERROR, COMPLETED_WITH_ERRORS or a status this tool does not know.
                for error in &status.errors {
                    reporter.note(&format!("  {node}: {error}"));
                }
                return Err(ShareError::Failed {
                    portfolio_id: portfolio_id.to_owned(),
                    node: node.clone(),
                    status: status.status,
                    errors: status.errors,
                });
            }
        }
        if started.elapsed() >= settings.timeout {
            return Err(ShareError::Timeout {
                portfolio_id: portfolio_id.to_owned(),
                node: node.clone(),
                status: status.status,
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep(settings.poll_interval).await;
    }
}

#[cfg(test)]
mod tests {
    use std::{collections::VecDeque, sync::Mutex};

    use super::*;
    use crate::report::RecordingReporter;

    /// Shares already in place, and the statuses each new share plays, one per poll; the
    /// Organizations access statuses played one per `GetAWSOrganizationsAccessStatus` (the
    /// last repeats; none: `ENABLED`), and the refusals of the access calls.
    #[derive(Default)]
    struct FakeShares {
        shared: Mutex<Vec<(NodeType, String)>>,
        script: Mutex<VecDeque<ShareStatus>>,
        created: Mutex<Vec<OrganizationNode>>,
        describes: Mutex<usize>,
        access_script: Mutex<VecDeque<OrganizationsAccess>>,
        refuse_access_status: Option<ShareApiError>,
        refuse_enable: Option<ShareApiError>,
        /// The Organizations access and share calls, in order.
        calls: Mutex<Vec<&'static str>>,
        /// The ORGANIZATION_MEMBER_ACCOUNT listing.
        members: Vec<MemberAccountShare>,
    }

    impl FakeShares {
        fn calls(&self) -> Vec<&'static str> {
            self.calls.lock().unwrap().clone()
        }

        /// Shares the portfolio `port-1` with `nodes`: the outcome and what was reported.
        async fn share(
            &self,
            nodes: &[OrganizationNode],
            settings: DeploySettings,
        ) -> (Result<Vec<ShareOutcome>, ShareError>, RecordingReporter) {
            let mut reporter = RecordingReporter::default();
            let outcome = share_portfolio(self, "port-1", nodes, settings, &mut reporter).await;
            (outcome, reporter)
        }
    }

    impl PortfolioShares for FakeShares {
        async fn shared_with(
            &self,
            _portfolio_id: &str,
            node_type: NodeType,
        ) -> Result<Vec<String>, ShareApiError> {
            *self.describes.lock().unwrap() += 1;
            Ok(self
                .shared
                .lock()
                .unwrap()
                .iter()
                .filter(|(t, _)| *t == node_type)
                .map(|(_, id)| id.clone())
                .collect())
        }

        async fn create_share(
            &self,
            _portfolio_id: &str,
            node: &OrganizationNode,
        ) -> Result<String, ShareApiError> {
            self.calls.lock().unwrap().push("CreatePortfolioShare");
            self.created.lock().unwrap().push(node.clone());
            Ok(format!("share-{}", node.value()))
        }

        async fn organizations_access(&self) -> Result<OrganizationsAccess, ShareApiError> {
            self.calls
                .lock()
                .unwrap()
                .push("GetAWSOrganizationsAccessStatus");
            if let Some(error) = &self.refuse_access_status {
                return Err(error.clone());
            }
            let mut script = self.access_script.lock().unwrap();
            let status = if script.len() > 1 {
                script.pop_front()
            } else {
                script.front().cloned()
            };
            Ok(status.unwrap_or(OrganizationsAccess::Enabled))
        }

        async fn enable_organizations_access(&self) -> Result<(), ShareApiError> {
            self.calls
                .lock()
                .unwrap()
                .push("EnableAWSOrganizationsAccess");
            match &self.refuse_enable {
                Some(error) => Err(error.clone()),
                None => Ok(()),
            }
        }

        async fn member_accounts(
            &self,
            _portfolio_id: &str,
        ) -> Result<Vec<MemberAccountShare>, ShareApiError> {
            Ok(self.members.clone())
        }

        async fn share_status(&self, _token: &str) -> Result<ShareStatus, ShareApiError> {
            let mut script = self.script.lock().unwrap();
            let status = if script.len() > 1 {
                script.pop_front()
            } else {
                script.front().cloned()
            };
            Ok(status.unwrap_or_else(|| status_of("COMPLETED")))
        }
    }

    fn status_of(status: &str) -> ShareStatus {
        ShareStatus {
            status: status.into(),
            ..ShareStatus::default()
        }
    }

    fn settings() -> DeploySettings {
        DeploySettings {
            poll_interval: Duration::from_millis(1),
            timeout: Duration::from_secs(5),
        }
    }

    /// Polls that give up after 20 ms.
    fn short_timeout() -> DeploySettings {
        DeploySettings {
            poll_interval: Duration::from_millis(1),
            timeout: Duration::from_millis(20),
        }
    }

    fn ou(id: &str) -> OrganizationNode {
        OrganizationNode::organizational_unit(id).unwrap()
    }

    #[test]
    fn well_formed_ids_are_accepted_and_others_refused_with_the_expected_form() {
        assert!(OrganizationNode::organizational_unit("ou-ab12-cdef3456").is_ok());
        assert!(OrganizationNode::organizational_unit("ou-r00t-0123456789abcdef").is_ok());
        assert!(OrganizationNode::organization("o-abcdef1234").is_ok());
        for bad in [
            "ou-ab1-cdef3456",
            "ou-ab12-cdef345",
            "ou-AB12-cdef3456",
            "ab12-cdef3456",
            "ou-ab12",
            "o-abcdef1234",
        ] {
            let error = OrganizationNode::organizational_unit(bad).unwrap_err();
            assert!(error.to_string().contains("ou-[0-9a-z]{4,32}"), "{bad}");
        }
        for bad in ["o-abc", "o-ABCDEF1234", "ou-ab12-cdef3456", "abcdef1234"] {
            let error = OrganizationNode::organization(bad).unwrap_err();
            assert!(error.to_string().contains("o-[a-z0-9]{10,32}"), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_node_not_yet_shared_is_shared_and_waited_for() {
        let shares = FakeShares {
            script: Mutex::new(VecDeque::from([
                status_of("NOT_STARTED"),
                status_of("IN_PROGRESS"),
                status_of("IN_PROGRESS"),
                status_of("COMPLETED"),
            ])),
            ..FakeShares::default()
        };
        let (outcomes, reporter) = shares.share(&[ou("ou-ab12-cdef3456")], settings()).await;
        let outcomes = outcomes.unwrap();

        assert_eq!(
            outcomes,
            [ShareOutcome::Shared {
                node: ou("ou-ab12-cdef3456"),
                token: "share-ou-ab12-cdef3456".into()
            }]
        );
        let statuses: Vec<&String> = reporter
            .notes
            .iter()
            .filter(|n| n.starts_with("  "))
            .collect();
        assert_eq!(statuses.len(), 3, "{:?}", reporter.notes);
        assert!(statuses[1].contains("IN_PROGRESS") && statuses[2].contains("COMPLETED"));
    }

    #[tokio::test]
    async fn a_node_already_shared_is_not_shared_again() {
        let shares = FakeShares {
            shared: Mutex::new(vec![
                (NodeType::OrganizationalUnit, "ou-ab12-cdef3456".into()),
                (NodeType::Organization, "o-abcdef1234".into()),
            ]),
            ..FakeShares::default()
        };
        let nodes = [
            ou("ou-ab12-cdef3456"),
            ou("ou-ab12-99999999"),
            OrganizationNode::organization("o-abcdef1234").unwrap(),
        ];
        let (outcomes, reporter) = shares.share(&nodes, settings()).await;
        let outcomes = outcomes.unwrap();

        assert_eq!(*shares.created.lock().unwrap(), [ou("ou-ab12-99999999")]);
        assert_eq!(outcomes[0], ShareOutcome::AlreadyShared(nodes[0].clone()));
        assert_eq!(outcomes[2], ShareOutcome::AlreadyShared(nodes[2].clone()));
        assert_eq!(
            *shares.describes.lock().unwrap(),
            2,
            "one listing per node type"
        );
        assert!(reporter.notes[0].contains("already shared"));
    }

    #[tokio::test]
    async fn a_share_that_ends_in_error_reports_its_errors() {
        let failed = ShareStatus {
            status: "ERROR".into(),
            successful: Vec::new(),
            errors: vec![ShareErrorDetail {
                accounts: vec!["111122223333".into()],
                error: Some("AccessDenied".into()),
                message: Some("trusted access is not enabled".into()),
            }],
        };
        let shares = FakeShares {
            script: Mutex::new(VecDeque::from([status_of("IN_PROGRESS"), failed])),
            ..FakeShares::default()
        };
        let (error, reporter) = shares.share(&[ou("ou-ab12-cdef3456")], settings()).await;
        let error = error.unwrap_err();

        assert!(matches!(&error, ShareError::Failed { status, .. } if status == "ERROR"));
        let text = error.to_string();
        assert!(
            text.contains("AccessDenied: trusted access is not enabled (accounts 111122223333)"),
            "{text}"
        );
        assert!(
            reporter
                .notes
                .iter()
                .any(|n| n.contains("trusted access is not enabled")),
            "{:?}",
            reporter.notes
        );
    }

    #[tokio::test]
    async fn a_share_that_never_completes_times_out() {
        let shares = FakeShares {
            script: Mutex::new(VecDeque::from([status_of("IN_PROGRESS")])),
            ..FakeShares::default()
        };
        let (error, _) = shares
            .share(&[ou("ou-ab12-cdef3456")], short_timeout())
            .await;
        let error = error.unwrap_err();

        assert!(matches!(error, ShareError::Timeout { .. }), "{error}");
    }

    fn refusal(operation: &'static str, code: &str) -> ShareApiError {
        ShareApiError {
            operation,
            code: Some(code.into()),
            message: "Only the management account of the organization can change AWS \
                      Organizations access for Service Catalog."
                .into(),
        }
    }

    #[tokio::test]
    async fn disabled_organizations_access_is_enabled_then_the_node_is_shared() {
        // Given Organizations access that is disabled, then under change once enabled
        let shares = FakeShares {
            access_script: Mutex::new(VecDeque::from([
                OrganizationsAccess::Disabled,
                OrganizationsAccess::UnderChange,
                OrganizationsAccess::Enabled,
            ])),
            ..FakeShares::default()
        };
        // When the portfolio is shared with an OU
        let (outcomes, reporter) = shares.share(&[ou("ou-ab12-cdef3456")], settings()).await;
        let outcomes = outcomes.unwrap();

        // Then access is enabled and waited for before the share, and the output says so
        assert_eq!(
            shares.calls(),
            [
                "GetAWSOrganizationsAccessStatus",
                "EnableAWSOrganizationsAccess",
                "GetAWSOrganizationsAccessStatus",
                "GetAWSOrganizationsAccessStatus",
                "CreatePortfolioShare",
            ]
        );
        assert!(matches!(&outcomes[..], [ShareOutcome::Shared { .. }]));
        let notes = reporter.notes.join("\n");
        assert!(
            notes.contains("AWS Organizations access is disabled: enabling it"),
            "{notes}"
        );
        assert!(notes.contains("UNDER_CHANGE, waiting"), "{notes}");
        assert!(
            notes.contains("AWS Organizations access is enabled"),
            "{notes}"
        );
    }

    #[tokio::test]
    async fn enabled_organizations_access_is_not_enabled_again() {
        let shares = FakeShares {
            access_script: Mutex::new(VecDeque::from([OrganizationsAccess::Enabled])),
            ..FakeShares::default()
        };
        let nodes = [
            ou("ou-ab12-cdef3456"),
            OrganizationNode::organization("o-abcdef1234").unwrap(),
        ];
        let (outcome, reporter) = shares.share(&nodes, settings()).await;
        outcome.unwrap();

        assert_eq!(
            shares.calls(),
            [
                "GetAWSOrganizationsAccessStatus",
                "CreatePortfolioShare",
                "CreatePortfolioShare",
            ],
            "one status check for all the nodes, no enable"
        );
        assert!(
            !reporter.notes.iter().any(|n| n.contains("enabling")),
            "{:?}",
            reporter.notes
        );
    }

    #[tokio::test]
    async fn account_shares_and_nodes_already_shared_need_no_organizations_access() {
        // Given access that would have to be enabled
        let shares = FakeShares {
            shared: Mutex::new(vec![(
                NodeType::OrganizationalUnit,
                "ou-ab12-cdef3456".into(),
            )]),
            access_script: Mutex::new(VecDeque::from([OrganizationsAccess::Disabled])),
            ..FakeShares::default()
        };

        // When no organisation node is asked for (account shares are the template's
        // ShareAccountIds, made by CloudFormation), or only nodes shared already
        let none = shares.share(&[], settings()).await.0.unwrap();
        let again = shares
            .share(&[ou("ou-ab12-cdef3456")], settings())
            .await
            .0
            .unwrap();

        // Then no Organizations access call is made
        assert!(none.is_empty());
        assert_eq!(again, [ShareOutcome::AlreadyShared(ou("ou-ab12-cdef3456"))]);
        assert!(shares.calls().is_empty(), "{:?}", shares.calls());
    }

    #[tokio::test]
    async fn an_account_that_may_not_enable_access_gets_a_clear_error_and_no_share() {
        for code in ["OperationNotSupportedException", "AccessDeniedException"] {
            // Given disabled access, in an account that may not enable it
            let shares = FakeShares {
                access_script: Mutex::new(VecDeque::from([OrganizationsAccess::Disabled])),
                refuse_enable: Some(refusal("EnableAWSOrganizationsAccess", code)),
                ..FakeShares::default()
            };

            // When the portfolio is shared with two OUs
            let (error, _) = shares
                .share(
                    &[ou("ou-ab12-cdef3456"), ou("ou-ab12-99999999")],
                    settings(),
                )
                .await;
            let error = error.unwrap_err();

            // Then nothing is shared and the error says who must enable access
            assert!(
                matches!(
                    &error,
                    ShareError::OrganizationsAccessNotAllowed {
                        action: "enable it",
                        ..
                    }
                ),
                "{error}"
            );
            assert!(shares.created.lock().unwrap().is_empty(), "{code}");
            let text = error.to_string();
            for part in [
                code,
                "Only the organization's management account can enable it",
                "a delegated administrator cannot",
                "aws servicecatalog enable-aws-organizations-access",
                "Nothing was shared",
            ] {
                assert!(text.contains(part), "{part:?} not in {text}");
            }
        }
    }

    #[tokio::test]
    async fn an_account_that_may_not_read_the_access_status_gets_a_clear_error_and_no_share() {
        let shares = FakeShares {
            refuse_access_status: Some(refusal(
                "GetAWSOrganizationsAccessStatus",
                "OperationNotSupportedException",
            )),
            ..FakeShares::default()
        };
        let (error, _) = shares
            .share(
                &[OrganizationNode::organization("o-abcdef1234").unwrap()],
                settings(),
            )
            .await;
        let error = error.unwrap_err();

        assert!(
            matches!(
                &error,
                ShareError::OrganizationsAccessNotAllowed {
                    action: "read its status",
                    ..
                }
            ),
            "{error}"
        );
        assert_eq!(shares.calls(), ["GetAWSOrganizationsAccessStatus"]);
        assert!(error.to_string().contains("management account"), "{error}");
    }

    #[tokio::test]
    async fn another_enable_error_is_reported_as_the_api_error() {
        let shares = FakeShares {
            access_script: Mutex::new(VecDeque::from([OrganizationsAccess::Disabled])),
            refuse_enable: Some(refusal(
                "EnableAWSOrganizationsAccess",
                "InvalidStateException",
            )),
            ..FakeShares::default()
        };
        let (error, _) = shares.share(&[ou("ou-ab12-cdef3456")], settings()).await;
        let error = error.unwrap_err();

        assert!(
            matches!(&error, ShareError::Api(e) if e.code.as_deref() == Some("InvalidStateException")),
            "{error}"
        );
        assert!(shares.created.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn access_that_stays_under_change_times_out_without_sharing() {
        let shares = FakeShares {
            access_script: Mutex::new(VecDeque::from([OrganizationsAccess::UnderChange])),
            ..FakeShares::default()
        };
        let (error, _) = shares
            .share(&[ou("ou-ab12-cdef3456")], short_timeout())
            .await;
        let error = error.unwrap_err();

        assert!(
            matches!(
                &error,
                ShareError::OrganizationsAccessTimeout {
                    status: OrganizationsAccess::UnderChange,
                    ..
                }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("still UNDER_CHANGE"), "{error}");
        assert!(!shares.calls().contains(&"EnableAWSOrganizationsAccess"));
        assert!(shares.created.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn acceptance_names_each_member_account_and_how_to_accept() {
        let member = |id: &str, accepted| MemberAccountShare {
            account_id: id.into(),
            accepted,
        };
        let shares = FakeShares {
            members: vec![member("111111111111", true), member("222222222222", false)],
            ..FakeShares::default()
        };
        let mut reporter = RecordingReporter::default();

        let members = report_acceptance(&shares, "port-1", &mut reporter)
            .await
            .unwrap();

        assert_eq!(members.len(), 2);
        let notes = reporter.notes.join("\n");
        assert!(
            notes.contains("1 of 2 member accounts have accepted"),
            "{notes}"
        );
        assert!(notes.contains("111111111111  accepted"), "{notes}");
        assert!(notes.contains("222222222222  not accepted yet"), "{notes}");
        assert!(notes.contains("accept-portfolio-share"), "{notes}");
    }
}
