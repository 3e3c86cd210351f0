//! Who is calling: the IAM principal that signed the request, as the function URL's (or HTTP
//! API's) IAM authorisation reports it in `requestContext.authorizer.iam`.

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
    /// user name under federation (SAML, IAM Identity Center).
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

    /// The identity a profile's `studiouserid` tag must equal: the user name, or the session
    /// name of an assumed role.
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

/// Who may sign in at all, before any profile is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPolicy {
    /// Allowed accounts; `None`: only the function's own.
    pub allowed_account_ids: Option<BTreeSet<String>>,
    /// Allowed roles; `None`: every role and IAM users.
    pub allowed_role_names: Option<BTreeSet<String>>,
}

/// Why the policy turned a caller away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessDenied {
    /// The caller's account is not allowed.
    Account,
    /// `ALLOWED_ROLE_NAMES` is set and the caller is not a session of one of them.
    Role,
}

impl AccessPolicy {
    /// Whether `caller` may sign in through a function owned by `own_account_id`.
    pub fn check(&self, caller: &Caller, own_account_id: &str) -> Result<(), AccessDenied> {
        let account_allowed = match &self.allowed_account_ids {
            Some(allowed) => allowed.contains(&caller.account_id),
            None => caller.account_id == own_account_id,
        };
        if !account_allowed {
            return Err(AccessDenied::Account);
        }
        match (&self.allowed_role_names, caller.role_name()) {
            (None, _) => Ok(()),
            (Some(allowed), Some(role)) if allowed.contains(role) => Ok(()),
            (Some(_), _) => Err(AccessDenied::Role),
        }
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

    #[test]
    fn by_default_only_the_functions_own_account_is_allowed() {
        let policy = AccessPolicy {
            allowed_account_ids: None,
            allowed_role_names: None,
        };
        let own = caller("arn:aws:iam::123456789012:user/alice");
        let other = caller("arn:aws:iam::210987654321:user/alice");
        assert_eq!(policy.check(&own, "123456789012"), Ok(()));
        assert_eq!(
            policy.check(&other, "123456789012"),
            Err(AccessDenied::Account)
        );
    }

    #[test]
    fn listed_accounts_replace_the_default() {
        let policy = AccessPolicy {
            allowed_account_ids: Some(["210987654321".into()].into()),
            allowed_role_names: None,
        };
        let own = caller("arn:aws:iam::123456789012:user/alice");
        let listed = caller("arn:aws:iam::210987654321:user/alice");
        assert_eq!(policy.check(&listed, "123456789012"), Ok(()));
        assert_eq!(
            policy.check(&own, "123456789012"),
            Err(AccessDenied::Account)
        );
    }

    #[test]
    fn listed_roles_exclude_other_roles_and_iam_users() {
        let policy = AccessPolicy {
            allowed_account_ids: None,
            allowed_role_names: Some(["DataScientist".into()].into()),
        };
        let listed = caller("arn:aws:sts::123456789012:assumed-role/DataScientist/alice");
        let other = caller("arn:aws:sts::123456789012:assumed-role/Admin/alice");
        let user = caller("arn:aws:iam::123456789012:user/alice");
        assert_eq!(policy.check(&listed, "123456789012"), Ok(()));
        assert_eq!(
            policy.check(&other, "123456789012"),
            Err(AccessDenied::Role)
        );
        assert_eq!(policy.check(&user, "123456789012"), Err(AccessDenied::Role));
    }
}
