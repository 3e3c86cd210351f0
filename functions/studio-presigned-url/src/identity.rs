//! Who is calling: the IAM principal that signed the request, as the function URL's (or HTTP
//! API's) IAM authorisation reports it in `requestContext.authorizer.iam` — and whether its name
//! can be believed ([`AccessPolicy::check`]): an IAM user's name always; a role session's name
//! only for IAM Identity Center's roles and the roles the admin lists, because whoever calls
//! `sts:AssumeRole` chooses the session name. Names are qualified by account for callers of
//! other accounts ([`identity_tag_value`]).

use std::collections::BTreeSet;

/// The kinds of principal that can sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An IAM user; the identity is its user name (`${aws:username}`).
    User {
        /// The user name (without the user's path).
        name: String,
    },
    /// A session of an assumed role; the identity is the session name, which is the IdP's
    /// user name under federation (SAML, IAM Identity Center) and the caller's free choice
    /// under `sts:AssumeRole`: [`AccessPolicy::check`] decides whether it is believed.
    AssumedRole {
        /// The role's name.
        role: String,
        /// The role session name.
        session: String,
    },
}

/// A caller whose ARN the function understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// `requestContext.authorizer.iam.userArn`.
    pub arn: String,
    /// The account the principal belongs to.
    pub account_id: String,
    pub principal: Principal,
}

/// Why a caller's ARN cannot be used to sign in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// Not an `arn:…` of IAM or STS as the authoriser reports them.
    #[error("the caller ARN {0:?} is not an IAM user or assumed-role ARN")]
    Malformed(String),
    /// A root user, a federated user (GetFederationToken) or another kind of principal.
    #[error("callers of kind {kind:?} cannot sign in (only IAM users and assumed-role sessions)")]
    Unsupported {
        /// `root`, `federated-user`, …
        kind: String,
    },
    /// The user or session name has characters IAM does not allow.
    #[error("the caller's name {0:?} is not a valid IAM user or session name")]
    InvalidName(String),
    /// `authorizer.iam.accountId` and the ARN disagree.
    #[error("the caller's account {reported} differs from its ARN's account {arn_account}")]
    AccountMismatch {
        /// The account the authoriser reported.
        reported: String,
        /// The account in the ARN.
        arn_account: String,
    },
}

impl Caller {
    /// Reads `user_arn`; `reported_account` (`authorizer.iam.accountId`), when present, must agree.
    pub fn parse(user_arn: &str, reported_account: Option<&str>) -> Result<Self, IdentityError> {
        let malformed = || IdentityError::Malformed(user_arn.to_owned());
        let parts: Vec<&str> = user_arn.splitn(6, ':').collect();
        let [arn, partition, service, region, account_id, resource] = parts[..] else {
            return Err(malformed());
        };
        if arn != "arn"
            || partition.is_empty()
            || !region.is_empty()
            || account_id.len() != 12
            || !account_id.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(malformed());
        }
        let segments: Vec<&str> = resource.split('/').collect();
        let principal = match (service, segments.as_slice()) {
            ("iam", ["user", .., name]) => Principal::User {
                name: valid_name(name, 1)?,
            },
            ("sts", ["assumed-role", role, session]) => Principal::AssumedRole {
                role: valid_name(role, 1)?,
                session: valid_name(session, 2)?,
            },
            ("iam" | "sts", [kind, ..]) => {
                return Err(IdentityError::Unsupported {
                    kind: (*kind).to_owned(),
                });
            }
            _ => return Err(malformed()),
        };
        if let Some(reported) = reported_account.filter(|reported| *reported != account_id) {
            return Err(IdentityError::AccountMismatch {
                reported: reported.to_owned(),
                arn_account: account_id.to_owned(),
            });
        }
        Ok(Self {
            arn: user_arn.to_owned(),
            account_id: account_id.to_owned(),
            principal,
        })
    }

    /// The caller's name: the user name, or the session name of an assumed role (believed
    /// only as [`AccessPolicy::check`] allows; the tag value is its [`TrustedIdentity`]).
    pub fn identity(&self) -> &str {
        match &self.principal {
            Principal::User { name } => name,
            Principal::AssumedRole { session, .. } => session,
        }
    }

    /// The role's name, for an assumed-role session.
    pub fn role_name(&self) -> Option<&str> {
        match &self.principal {
            Principal::User { .. } => None,
            Principal::AssumedRole { role, .. } => Some(role),
        }
    }
}

fn valid_name(name: &str, min_len: usize) -> Result<String, IdentityError> {
    if name.len() >= min_len && is_iam_name(name) {
        Ok(name.to_owned())
    } else {
        Err(IdentityError::InvalidName(name.to_owned()))
    }
}

/// IAM's pattern for user, role and session names: `[\w+=,.@-]{1,64}`.
pub fn is_iam_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// The prefix IAM Identity Center gives the roles it creates for a permission set in an account
/// (`AWSReservedSSO_<permission-set>_<suffix>`, IAM Identity Center User Guide, "Referencing
/// permission sets in resource policies"). Identity Center names the sessions of these roles
/// itself (the user's Identity Center user name), and nobody else can open one: the AWS CLI
/// reference of `sts assume-role-with-saml` notes that "AssumeRoleWithSAML will not work on IAM
/// Identity Center managed roles. These roles' names start with `AWSReservedSSO_`", and the roles
/// are managed by Identity Center ("IAM roles created by IAM Identity Center").
pub const IDENTITY_CENTER_ROLE_PREFIX: &str = "AWSReservedSSO_";

/// Why the function believes a caller's name: the rule that admitted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// An IAM user: its name is the user's, chosen by whoever created the user.
    IamUser,
    /// A session of an IAM Identity Center permission-set role: Identity Center set the name.
    IdentityCenter,
    /// A session of a role the admin listed in `TRUSTED_SESSION_ROLE_NAMES`: its trust policy
    /// is the admin's promise that the session name is the identity provider's.
    ListedRole,
}

impl Trust {
    /// The rule's name, for the audit line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IamUser => "iam_user",
            Self::IdentityCenter => "identity_center_session",
            Self::ListedRole => "trusted_session_role",
        }
    }
}

/// A caller the policy admitted, and the `studiouserid` tag value that is theirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedIdentity {
    /// The rule that admitted the caller.
    pub trust: Trust,
    /// What a profile's `studiouserid` tag must equal: the name for a caller of the function's
    /// own account, `<account-id>/<name>` for a caller of another allowed account.
    pub tag_value: String,
}

/// The `studiouserid` value of `name` (a user or session name) in `account_id`, as seen by a
/// function of `own_account_id`. An IAM user or session name never holds `/` (IAM's pattern
/// `[\w+=,.@-]`), so `<account-id>/<name>` can only ever be a caller of that other account:
/// alice of account B never matches a profile of alice of account A.
pub fn identity_tag_value(account_id: &str, name: &str, own_account_id: &str) -> String {
    if account_id == own_account_id {
        name.to_owned()
    } else {
        format!("{account_id}/{name}")
    }
}

/// Whether a `studiouserid` tag value can name anyone: a name IAM allows for users and
/// sessions, optionally qualified by a 12-digit account id and `/`. Empty values, wildcards
/// (`*`, `?`) and policy variables (`${…}`) never can.
pub fn is_identity_tag_value(value: &str) -> bool {
    match value.split_once('/') {
        Some((account, name)) => is_account_id(account) && is_iam_name(name),
        None => is_iam_name(value),
    }
}

/// A 12-digit AWS account id.
pub fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

/// Who may sign in at all, before any profile is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPolicy {
    /// Allowed accounts; `None`: only the function's own.
    pub allowed_account_ids: Option<BTreeSet<String>>,
    /// Roles whose session names the admin vouches for (besides Identity Center's).
    pub trusted_session_role_names: BTreeSet<String>,
}

/// Why the policy turned a caller away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessDenied {
    /// The caller's account is not allowed.
    Account,
    /// A session of a role whose session name the caller of `sts:AssumeRole` chooses.
    UntrustedSession {
        /// The role.
        role: String,
    },
}

impl AccessPolicy {
    /// Whether `caller` may sign in through a function owned by `own_account_id`, and as whom.
    ///
    /// The identity comes only from what the caller cannot choose. Whoever may call
    /// `sts:AssumeRole` on a role picks the session name (STS API Reference, AssumeRole,
    /// `RoleSessionName`; so does the caller of AssumeRoleWithWebIdentity), so a session name
    /// is believed only for Identity Center's roles and for roles the admin listed; under
    /// AssumeRoleWithSAML "AWS sets the role session name value to the attribute provided by
    /// the identity provider" (AWS Security Blog, "Easily control the naming of individual IAM
    /// role sessions", which introduced the `sts:RoleSessionName` condition key).
    pub fn check(
        &self,
        caller: &Caller,
        own_account_id: &str,
    ) -> Result<TrustedIdentity, AccessDenied> {
        let account_allowed = match &self.allowed_account_ids {
            Some(allowed) => allowed.contains(&caller.account_id),
            None => caller.account_id == own_account_id,
        };
        if !account_allowed {
            return Err(AccessDenied::Account);
        }
        let trust = match &caller.principal {
            Principal::User { .. } => Trust::IamUser,
            Principal::AssumedRole { role, .. }
                if role.starts_with(IDENTITY_CENTER_ROLE_PREFIX) =>
            {
                Trust::IdentityCenter
            }
            Principal::AssumedRole { role, .. }
                if self.trusted_session_role_names.contains(role) =>
            {
                Trust::ListedRole
            }
            Principal::AssumedRole { role, .. } => {
                return Err(AccessDenied::UntrustedSession { role: role.clone() });
            }
        };
        Ok(TrustedIdentity {
            trust,
            tag_value: identity_tag_value(&caller.account_id, caller.identity(), own_account_id),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iam_user_is_known_by_its_user_name_without_its_path() {
        let caller = Caller::parse(
            "arn:aws:iam::123456789012:user/division/team/alice",
            Some("123456789012"),
        )
        .expect("user");
        assert_eq!(caller.identity(), "alice");
        assert_eq!(caller.role_name(), None);
        assert_eq!(caller.account_id, "123456789012");
        assert_eq!(
            Caller::parse("arn:aws:iam::123456789012:user/alice", None)
                .expect("user")
                .identity(),
            "alice"
        );
    }

    #[test]
    fn a_federated_session_is_known_by_its_session_name() {
        let caller = Caller::parse(
            "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DataScientist_0a1b2c3d/jdoe@example.com",
            Some("123456789012"),
        )
        .expect("assumed role");
        assert_eq!(caller.identity(), "jdoe@example.com");
        assert_eq!(
            caller.role_name(),
            Some("AWSReservedSSO_DataScientist_0a1b2c3d")
        );
    }

    #[test]
    fn other_principals_cannot_sign_in() {
        for (arn, kind) in [
            ("arn:aws:iam::123456789012:root", "root"),
            (
                "arn:aws:sts::123456789012:federated-user/alice",
                "federated-user",
            ),
            ("arn:aws:iam::123456789012:role/DataScientist", "role"),
        ] {
            assert_eq!(
                Caller::parse(arn, None),
                Err(IdentityError::Unsupported { kind: kind.into() }),
                "{arn}"
            );
        }
    }

    #[test]
    fn malformed_arns_are_refused() {
        for arn in [
            "",
            "alice",
            "arn:aws:iam::12345:user/alice",
            "arn:aws:iam:us-east-1:123456789012:user/alice",
            "arn:aws:s3:::bucket/alice",
            "arn:aws:sts::123456789012:assumed-role/Role",
            "arn:aws:sts::123456789012:assumed-role/Role/a/b",
            "arn:aws:iam::123456789012:user",
        ] {
            assert!(
                matches!(
                    Caller::parse(arn, None),
                    Err(IdentityError::Malformed(_) | IdentityError::Unsupported { .. })
                ),
                "{arn}"
            );
        }
    }

    #[test]
    fn names_with_characters_iam_forbids_are_refused() {
        for arn in [
            "arn:aws:iam::123456789012:user/al*ce",
            "arn:aws:iam::123456789012:user/",
            "arn:aws:sts::123456789012:assumed-role/Role/a",
            "arn:aws:sts::123456789012:assumed-role/Role/${aws:username}",
            "arn:aws:sts::123456789012:assumed-role/Role/al?ce",
        ] {
            assert!(
                matches!(Caller::parse(arn, None), Err(IdentityError::InvalidName(_))),
                "{arn}"
            );
        }
    }

    #[test]
    fn the_reported_account_must_match_the_arn() {
        assert_eq!(
            Caller::parse("arn:aws:iam::123456789012:user/alice", Some("210987654321")),
            Err(IdentityError::AccountMismatch {
                reported: "210987654321".into(),
                arn_account: "123456789012".into(),
            })
        );
    }

    fn caller(arn: &str) -> Caller {
        Caller::parse(arn, None).expect("valid caller")
    }

    const OWN: &str = "123456789012";

    fn default_policy() -> AccessPolicy {
        AccessPolicy {
            allowed_account_ids: None,
            trusted_session_role_names: BTreeSet::new(),
        }
    }

    #[test]
    fn by_default_only_the_functions_own_account_is_allowed() {
        let policy = default_policy();
        let own = caller("arn:aws:iam::123456789012:user/alice");
        let other = caller("arn:aws:iam::210987654321:user/alice");
        assert_eq!(
            policy.check(&own, OWN),
            Ok(TrustedIdentity {
                trust: Trust::IamUser,
                tag_value: "alice".into()
            })
        );
        assert_eq!(policy.check(&other, OWN), Err(AccessDenied::Account));
    }

    #[test]
    fn listed_accounts_replace_the_default() {
        let policy = AccessPolicy {
            allowed_account_ids: Some(["210987654321".into()].into()),
            ..default_policy()
        };
        let own = caller("arn:aws:iam::123456789012:user/alice");
        let listed = caller("arn:aws:iam::210987654321:user/alice");
        assert!(policy.check(&listed, OWN).is_ok());
        assert_eq!(policy.check(&own, OWN), Err(AccessDenied::Account));
    }

    #[test]
    fn a_caller_of_another_account_is_known_by_account_and_name() {
        let policy = AccessPolicy {
            allowed_account_ids: Some([OWN.into(), "210987654321".into()].into()),
            ..default_policy()
        };
        let alice_a = caller("arn:aws:iam::123456789012:user/alice");
        let alice_b = caller("arn:aws:iam::210987654321:user/alice");
        assert_eq!(policy.check(&alice_a, OWN).expect("own").tag_value, "alice");
        assert_eq!(
            policy.check(&alice_b, OWN).expect("other").tag_value,
            "210987654321/alice"
        );
    }

    #[test]
    fn by_default_a_session_of_an_ordinary_role_is_not_trusted_whatever_its_name() {
        let policy = default_policy();
        let forged = caller("arn:aws:sts::123456789012:assumed-role/DataScientists/bob");
        assert_eq!(
            policy.check(&forged, OWN),
            Err(AccessDenied::UntrustedSession {
                role: "DataScientists".into()
            })
        );
    }

    #[test]
    fn an_identity_center_session_is_trusted_by_default() {
        let session = caller(
            "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DataScientist_0a1b2c3d/jdoe@example.com",
        );
        assert_eq!(
            default_policy().check(&session, OWN),
            Ok(TrustedIdentity {
                trust: Trust::IdentityCenter,
                tag_value: "jdoe@example.com".into()
            })
        );
        // The prefix is IAM Identity Center's exactly, case and underscore included.
        let lookalike = caller("arn:aws:sts::123456789012:assumed-role/awsreservedsso_DS/jdoe");
        assert!(default_policy().check(&lookalike, OWN).is_err());
    }

    #[test]
    fn a_session_of_a_listed_role_is_trusted_and_other_roles_still_are_not() {
        let policy = AccessPolicy {
            trusted_session_role_names: ["DataScientists".into()].into(),
            ..default_policy()
        };
        let listed = caller("arn:aws:sts::123456789012:assumed-role/DataScientists/alice");
        let other = caller("arn:aws:sts::123456789012:assumed-role/Admin/alice");
        let user = caller("arn:aws:iam::123456789012:user/alice");
        assert_eq!(
            policy.check(&listed, OWN).map(|trusted| trusted.trust),
            Ok(Trust::ListedRole)
        );
        assert_eq!(
            policy.check(&other, OWN),
            Err(AccessDenied::UntrustedSession {
                role: "Admin".into()
            })
        );
        assert_eq!(
            policy.check(&user, OWN).map(|trusted| trusted.trust),
            Ok(Trust::IamUser)
        );
    }

    #[test]
    fn identity_tag_values_are_names_optionally_qualified_by_an_account() {
        for good in ["alice", "jdoe@example.com", "210987654321/alice"] {
            assert!(is_identity_tag_value(good), "{good}");
        }
        for bad in [
            "",
            "*",
            "al?ce",
            "${aws:username}",
            "2109876543/alice",
            "210987654321/",
            "210987654321/a/b",
            "/alice",
            "x10987654321/alice",
        ] {
            assert!(!is_identity_tag_value(bad), "{bad}");
        }
    }
}
