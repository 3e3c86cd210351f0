//! What the core stack lets a grant hand out, and to whom (issue #14 section 4): the function's
//! configuration, read once at cold start from the environment core.yaml sets from its
//! parameters.
//!
//! Whoever launches the grant product (or the user product) chooses its properties; the launch
//! form's parameter patterns are only a first line. The function itself refuses, before any Lake
//! Formation call:
//!
//! - a permission the core stack does not allow (`GRANT_ALLOWED_PERMISSIONS`, by default
//!   `SELECT` and `DESCRIBE`) — `ALL` or `ALTER` on a table is power over the data, not access
//!   to it;
//! - a grant option the core stack does not allow (`GRANT_ALLOWED_PERMISSIONS_WITH_GRANT_OPTION`,
//!   by default none): a principal holding one may grant on to anyone (Lake Formation Developer
//!   Guide, "Granting and revoking permissions": "the grant option ... allows the grantee to
//!   grant the permissions to other principals");
//! - a principal that is not an IAM role of the stack's own account whose name starts with the
//!   products' role prefix (`PRODUCT_ROLE_PREFIX`, core's `ProductRolePrefix`) under the
//!   products' role path (`PRODUCT_ROLE_PATH`): no grant to a cloud admin's own role, an IAM
//!   user, `IAM_ALLOWED_PRINCIPALS` (every principal IAM allows) or another account's role.
//!   IAM role ARNs carry the path (IAM User Guide, "IAM identifiers": `arn:aws:iam::account:role/
//!   path/name`), so the path is part of the match.
//!
//! The account is the stack's (its `StackId`); that the request comes from a stack of this
//! account at all is the protocol crate's check (the allowed stacks, #14 section 3).

use std::collections::BTreeSet;

use aws_sdk_lakeformation::types::Permission;
use cfn_custom_resource::ResourceError;
pub use lambda_support::ConfigError;
use lambda_support::environment::comma_list;

use crate::grant::Grant;

/// The permissions a grant may hold; comma-separated Lake Formation permission names.
pub const ALLOWED_PERMISSIONS_VAR: &str = "GRANT_ALLOWED_PERMISSIONS";
/// The permissions a grant may hold with grant option; comma-separated, empty = none.
pub const ALLOWED_GRANTABLE_VAR: &str = "GRANT_ALLOWED_PERMISSIONS_WITH_GRANT_OPTION";
/// The name prefix of the roles a grant may be for (core's `ProductRolePrefix`).
pub const ROLE_PREFIX_VAR: &str = "PRODUCT_ROLE_PREFIX";
/// The IAM path of the roles a grant may be for (`/` when unset).
pub const ROLE_PATH_VAR: &str = "PRODUCT_ROLE_PATH";

/// What the function's defaults allow when the core stack sets no permission list.
pub const DEFAULT_PERMISSIONS: &[&str] = &["DESCRIBE", "SELECT"];

/// The allow-lists every grant is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantPolicy {
    permissions: BTreeSet<String>,
    grantable: BTreeSet<String>,
    role_path: String,
    role_prefix: String,
}

impl GrantPolicy {
    /// From the function's environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Through `lookup` (the environment, or a map in tests). Empty counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let permissions = match get(ALLOWED_PERMISSIONS_VAR) {
            Some(list) => permission_list(ALLOWED_PERMISSIONS_VAR, &list)?,
            None => DEFAULT_PERMISSIONS
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
        };
        let grantable = match get(ALLOWED_GRANTABLE_VAR) {
            Some(list) => permission_list(ALLOWED_GRANTABLE_VAR, &list)?,
            None => BTreeSet::new(),
        };
        let role_prefix = get(ROLE_PREFIX_VAR).ok_or(ConfigError::Missing {
            variable: ROLE_PREFIX_VAR,
            expected: "the name prefix of the roles grants may be for (core.yaml's ProductRolePrefix)",
        })?;
        let role_path = get(ROLE_PATH_VAR).unwrap_or_else(|| "/".to_owned());
        Self::new(permissions, grantable, role_path, role_prefix)
    }

    /// Checks and builds a policy.
    pub fn new(
        permissions: BTreeSet<String>,
        grantable: BTreeSet<String>,
        role_path: impl Into<String>,
        role_prefix: impl Into<String>,
    ) -> Result<Self, ConfigError> {
        let (role_path, role_prefix) = (role_path.into(), role_prefix.into());
        if let Some(stray) = grantable.difference(&permissions).next() {
            return Err(ConfigError::invalid(
                ALLOWED_GRANTABLE_VAR,
                &grantable.iter().cloned().collect::<Vec<_>>().join(","),
                format!(
                    "{stray} is not in {ALLOWED_PERMISSIONS_VAR}: a grant option on a permission no grant may hold"
                ),
            ));
        }
        // IAM User Guide, "IAM identifiers": a path begins and ends with a slash; role names use
        // [\w+=,.@-].
        let name_chars = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
        if !(role_path.starts_with('/')
            && role_path.ends_with('/')
            && role_path.chars().all(|c| c == '/' || name_chars(c)))
        {
            return Err(ConfigError::invalid(
                ROLE_PATH_VAR,
                &role_path,
                "an IAM path (/ or /name/.../)",
            ));
        }
        if !role_prefix.chars().all(name_chars) {
            return Err(ConfigError::invalid(
                ROLE_PREFIX_VAR,
                &role_prefix,
                "the start of an IAM role name (letters, digits and +=,.@_-)",
            ));
        }
        Ok(Self {
            permissions,
            grantable,
            role_path,
            role_prefix,
        })
    }

    /// Refuses `grant` unless its permissions, grant options and principal are allowed; the
    /// reason names the property and what is allowed. `account` is the stack's.
    pub fn check(&self, grant: &Grant, account: &str) -> Result<(), ResourceError> {
        let refused: Vec<&str> = grant
            .permissions
            .difference(&self.permissions)
            .map(String::as_str)
            .collect();
        if !refused.is_empty() {
            return Err(ResourceError::invalid_property(
                "Permissions",
                format!(
                    "{} not allowed by the core stack, which allows {} (its GrantAllowedPermissions)",
                    refused.join(", "),
                    self.permissions
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let refused: Vec<&str> = grant
            .grantable
            .difference(&self.grantable)
            .map(String::as_str)
            .collect();
        if !refused.is_empty() {
            let allowed = if self.grantable.is_empty() {
                "no grant option at all".to_owned()
            } else {
                format!(
                    "the grant option on {} only",
                    self.grantable
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Err(ResourceError::invalid_property(
                "PermissionsWithGrantOption",
                format!(
                    "{} not allowed with grant option by the core stack, which allows {allowed} (its GrantAllowedPermissionsWithGrantOption)",
                    refused.join(", ")
                ),
            ));
        }
        if !self.is_product_role(&grant.principal, account) {
            return Err(ResourceError::invalid_property(
                "Principal",
                format!(
                    "\"{}\" is not a role the products made: grants go only to IAM roles of account {account} named {}{}* (the core stack's ProductRolePrefix)",
                    grant.principal, self.role_path, self.role_prefix
                ),
            ));
        }
        Ok(())
    }

    /// `arn:<partition>:iam::<account>:role<path><prefix><rest>`, the rest a non-empty name.
    fn is_product_role(&self, principal: &str, account: &str) -> bool {
        let parts: Vec<&str> = principal.splitn(6, ':').collect();
        let [arn, partition, service, region, principal_account, resource] = parts.as_slice()
        else {
            return false;
        };
        let name = resource
            .strip_prefix("role")
            .and_then(|rest| rest.strip_prefix(self.role_path.as_str()))
            .and_then(|rest| rest.strip_prefix(self.role_prefix.as_str()));
        *arn == "arn"
            && partition.starts_with("aws")
            && *service == "iam"
            && region.is_empty()
            && !account.is_empty()
            && *principal_account == account
            && name.is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
    }
}

fn permission_list(variable: &'static str, list: &str) -> Result<BTreeSet<String>, ConfigError> {
    let known = Permission::values();
    comma_list(list)
        .into_iter()
        .map(|name| {
            if known.contains(&name.as_str()) {
                Ok(name)
            } else {
                Err(ConfigError::invalid(
                    variable,
                    list,
                    format!(
                        "Lake Formation permission names; \"{name}\" is not one (expected any of {})",
                        known.join(", ")
                    ),
                ))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::grant::GrantResource;

    const ACCOUNT: &str = "123456789012";

    fn policy(vars: &[(&str, &str)]) -> Result<GrantPolicy, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        GrantPolicy::from_lookup(|name| vars.get(name).cloned())
    }

    fn defaults() -> GrantPolicy {
        policy(&[(ROLE_PREFIX_VAR, "studio-sc-")]).expect("the defaults")
    }

    fn grant(principal: &str, permissions: &[&str], grantable: &[&str]) -> Grant {
        Grant {
            catalog_id: None,
            principal: principal.to_owned(),
            resource: GrantResource::Table {
                catalog_id: None,
                database_name: "sales".to_owned(),
                name: Some("orders".to_owned()),
            },
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            grantable: grantable.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    fn refusal(policy: &GrantPolicy, grant: &Grant) -> String {
        policy
            .check(grant, ACCOUNT)
            .expect_err("refused")
            .to_string()
    }

    const PRODUCT_ROLE: &str = "arn:aws:iam::123456789012:role/studio-sc-user-0a1b2c3d";

    #[test]
    fn by_default_a_product_role_may_be_granted_select_and_describe() {
        defaults()
            .check(&grant(PRODUCT_ROLE, &["SELECT", "DESCRIBE"], &[]), ACCOUNT)
            .expect("allowed");
    }

    #[test]
    fn by_default_all_is_refused_naming_permissions_and_what_is_allowed() {
        let reason = refusal(&defaults(), &grant(PRODUCT_ROLE, &["ALL", "SELECT"], &[]));
        assert_eq!(
            reason,
            "Invalid property Permissions: ALL not allowed by the core stack, which allows DESCRIBE, SELECT (its GrantAllowedPermissions)"
        );
    }

    #[test]
    fn by_default_no_grant_option_is_allowed() {
        let reason = refusal(&defaults(), &grant(PRODUCT_ROLE, &["SELECT"], &["SELECT"]));
        assert!(
            reason.starts_with("Invalid property PermissionsWithGrantOption: SELECT not allowed with grant option by the core stack, which allows no grant option at all"),
            "{reason}"
        );
    }

    #[test]
    fn a_grant_option_the_core_stack_allows_is_accepted() {
        let policy = policy(&[
            (ROLE_PREFIX_VAR, "studio-sc-"),
            (ALLOWED_GRANTABLE_VAR, "SELECT"),
        ])
        .expect("valid");
        policy
            .check(&grant(PRODUCT_ROLE, &["SELECT"], &["SELECT"]), ACCOUNT)
            .expect("allowed");
    }

    #[test]
    fn a_role_outside_the_product_prefix_is_refused_naming_principal() {
        for principal in [
            "arn:aws:iam::123456789012:role/CloudAdmin",
            "arn:aws:iam::123456789012:role/studio-sc-",
            "arn:aws:iam::123456789012:role/other/studio-sc-user-1",
            "arn:aws:iam::123456789012:user/studio-sc-alice",
            "IAM_ALLOWED_PRINCIPALS",
        ] {
            let reason = refusal(&defaults(), &grant(principal, &["SELECT"], &[]));
            assert!(
                reason.starts_with(&format!("Invalid property Principal: \"{principal}\" is not a role the products made: grants go only to IAM roles of account 123456789012 named /studio-sc-*")),
                "{reason}"
            );
        }
    }

    #[test]
    fn another_accounts_product_role_is_refused() {
        let reason = refusal(
            &defaults(),
            &grant(
                "arn:aws:iam::210987654321:role/studio-sc-user-0a1b2c3d",
                &["SELECT"],
                &[],
            ),
        );
        assert!(
            reason.starts_with("Invalid property Principal:"),
            "{reason}"
        );
    }

    #[test]
    fn the_role_path_is_part_of_the_match() {
        let policy = policy(&[
            (ROLE_PREFIX_VAR, "studio-sc-"),
            (ROLE_PATH_VAR, "/studio-catalog/products/"),
        ])
        .expect("valid");
        policy
            .check(
                &grant(
                    "arn:aws:iam::123456789012:role/studio-catalog/products/studio-sc-user-1",
                    &["SELECT"],
                    &[],
                ),
                ACCOUNT,
            )
            .expect("allowed");
        let reason = refusal(&policy, &grant(PRODUCT_ROLE, &["SELECT"], &[]));
        assert!(
            reason.starts_with("Invalid property Principal:"),
            "{reason}"
        );
    }

    #[test]
    fn the_function_does_not_start_without_the_role_prefix() {
        assert_eq!(
            policy(&[]),
            Err(ConfigError::Missing {
                variable: ROLE_PREFIX_VAR,
                expected: "the name prefix of the roles grants may be for (core.yaml's ProductRolePrefix)",
            })
        );
    }

    #[test]
    fn an_unknown_permission_or_a_grant_option_beyond_the_permissions_is_a_configuration_error() {
        assert!(matches!(
            policy(&[
                (ROLE_PREFIX_VAR, "p-"),
                (ALLOWED_PERMISSIONS_VAR, "SELECT,READ")
            ]),
            Err(ConfigError::Invalid {
                variable: ALLOWED_PERMISSIONS_VAR,
                ..
            })
        ));
        assert!(matches!(
            policy(&[(ROLE_PREFIX_VAR, "p-"), (ALLOWED_GRANTABLE_VAR, "ALTER")]),
            Err(ConfigError::Invalid {
                variable: ALLOWED_GRANTABLE_VAR,
                ..
            })
        ));
        assert!(matches!(
            policy(&[(ROLE_PREFIX_VAR, "p-"), (ROLE_PATH_VAR, "products")]),
            Err(ConfigError::Invalid {
                variable: ROLE_PATH_VAR,
                ..
            })
        ));
    }
}
