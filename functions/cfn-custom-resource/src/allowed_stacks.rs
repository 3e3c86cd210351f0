//! Which stacks the function acts for.
//!
//! Whoever may invoke the function writes the whole request, `StackId` included, and would
//! otherwise borrow the function's role (issue #14, section 3). The function acts only for a
//! stack of its own account and region whose name matches one of the patterns in
//! `CFN_ALLOWED_STACK_NAMES` (comma-separated, `*` for any run of characters; default `SC-*`,
//! the stacks Service Catalog launches products as, `SC-<account>-pp-<id>`: the AWS managed
//! policies AWSServiceCatalogEndUserFullAccess and ...ReadOnlyAccess grant their CloudFormation
//! actions on `arn:aws:cloudformation:*:*:stack/SC-*`). The core stack sets it from its
//! `CustomResourceStackNames` parameter.
//!
//! CloudFormation sends the stack's ARN as `StackId`,
//! `arn:<partition>:cloudformation:<region>:<account>:stack/<stack name>/<uuid>` (CloudFormation
//! User Guide, "Custom resource request objects": "StackId — The Amazon Resource Name (ARN) that
//! identifies the stack that contains the custom resource"), and a `ServiceToken` "must be from
//! the same Region as the stack" (same page), so a request naming another region's stack is
//! never CloudFormation's. The function's own partition, region and account are those of the
//! ARN Lambda invoked it by (the context's `invoked_function_arn`,
//! `arn:<partition>:lambda:<region>:<account>:function:<name>`).
//!
//! This is a check of what the request claims, not proof that CloudFormation sent it: a
//! hand-made request naming an allowed stack passes it. What keeps such a request harmless is
//! that only the stacks' identities may invoke the function (its resource policy and the
//! callers' IAM policies) and that the resources act only on what they created.

use std::fmt;

/// The environment variable with the allowed stack name patterns.
pub(crate) const ALLOWED_STACKS_ENV: &str = "CFN_ALLOWED_STACK_NAMES";

/// The patterns when `CFN_ALLOWED_STACK_NAMES` is unset or blank: Service Catalog's stacks.
pub(crate) const DEFAULT_PATTERNS: &str = "SC-*";

/// The stacks a function acts for: name patterns, in its own account and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AllowedStacks {
    patterns: Vec<String>,
}

impl Default for AllowedStacks {
    fn default() -> Self {
        Self::new(DEFAULT_PATTERNS)
    }
}

/// Why a request's stack is not one the function acts for: the `Reason` CloudFormation shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StackRefusal {
    stack_id: String,
    why: String,
    patterns: String,
}

impl fmt::Display for StackRefusal {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "Refused: StackId {} {}; this function acts only for stacks of its own account and region named {} ({ALLOWED_STACKS_ENV}, the core stack's CustomResourceStackNames parameter). Nothing was done.",
            self.stack_id, self.why, self.patterns
        )
    }
}

impl AllowedStacks {
    /// The comma-separated `patterns`; blank means [`DEFAULT_PATTERNS`].
    pub(crate) fn new(patterns: &str) -> Self {
        let mut parsed = lambda_support::environment::comma_list(patterns);
        if parsed.is_empty() {
            parsed = vec![DEFAULT_PATTERNS.to_owned()];
        }
        Self { patterns: parsed }
    }

    /// From `CFN_ALLOWED_STACK_NAMES`.
    pub(crate) fn from_env() -> Self {
        Self::new(&std::env::var(ALLOWED_STACKS_ENV).unwrap_or_default())
    }

    /// The patterns, as a `Reason` names them.
    fn listed(&self) -> String {
        self.patterns.join(",")
    }

    /// Whether the function invoked as `function_arn` acts for the stack `stack_id`.
    pub(crate) fn check(&self, stack_id: &str, function_arn: &str) -> Result<(), StackRefusal> {
        let refuse = |why: String| StackRefusal {
            stack_id: stack_id.to_owned(),
            why,
            patterns: self.listed(),
        };
        let Some(own) = ArnScope::of(function_arn, "lambda") else {
            return Err(refuse(format!(
                "cannot be checked: the function's own ARN ({function_arn}) names no account and region"
            )));
        };
        let Some(stack) = ArnScope::of(stack_id, "cloudformation") else {
            return Err(refuse("is not a CloudFormation stack ARN".to_owned()));
        };
        if stack.partition != own.partition
            || stack.region != own.region
            || stack.account != own.account
        {
            return Err(refuse(format!(
                "is not in this function's account {} and region {}",
                own.account, own.region
            )));
        }
        let Some(name) = stack_name(stack.resource) else {
            return Err(refuse(
                "is not a CloudFormation stack ARN (stack/<name>/<id>)".to_owned(),
            ));
        };
        if self
            .patterns
            .iter()
            .any(|pattern| matches_pattern(pattern, name))
        {
            Ok(())
        } else {
            Err(refuse(format!("names stack {name}, which is not allowed")))
        }
    }
}

/// The partition, region and account of an ARN of `service`, and its resource part.
struct ArnScope<'a> {
    partition: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

impl<'a> ArnScope<'a> {
    fn of(arn: &'a str, service: &str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (prefix, partition, arn_service, region, account, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        let well_formed = prefix == "arn"
            && partition.starts_with("aws")
            && arn_service == service
            && !region.is_empty()
            && account.len() == 12
            && account.bytes().all(|byte| byte.is_ascii_digit());
        well_formed.then_some(Self {
            partition,
            region,
            account,
            resource,
        })
    }
}

/// The name in a stack ARN's resource part `stack/<name>/<id>`.
fn stack_name(resource: &str) -> Option<&str> {
    let mut parts = resource.split('/');
    let (kind, name, id) = (parts.next()?, parts.next()?, parts.next()?);
    // CloudFormation's stack names: a letter, then letters, digits and hyphens (at most 128;
    // CreateStack's StackName, CloudFormation API Reference).
    let valid_name = name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (kind == "stack" && valid_name && !id.is_empty() && parts.next().is_none()).then_some(name)
}

/// Whether `name` matches `pattern`, in which `*` stands for any run of characters (none
/// included) and everything else for itself, case-sensitively (stack names are).
fn matches_pattern(pattern: &str, name: &str) -> bool {
    let mut pieces = pattern.split('*');
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = pieces.collect();
    let Some((last, middle)) = pieces.split_last() else {
        // No `*`: the whole name.
        return rest.is_empty();
    };
    for piece in middle {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:studio-catalog-x";

    fn stack(name: &str) -> String {
        format!("arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/0a1b2c3d-4e5f")
    }

    #[test]
    fn service_catalog_stacks_are_allowed_by_default() {
        let allowed = AllowedStacks::default();
        assert_eq!(
            allowed.check(&stack("SC-123456789012-pp-abcdef"), FUNCTION),
            Ok(())
        );
    }

    #[test]
    fn another_stack_is_refused_by_default_with_its_id_and_the_patterns() {
        let allowed = AllowedStacks::default();
        let refusal = allowed
            .check(&stack("team-a-studio"), FUNCTION)
            .unwrap_err()
            .to_string();
        assert!(refusal.contains(&stack("team-a-studio")), "{refusal}");
        assert!(refusal.contains("named SC-*"), "{refusal}");
        assert!(refusal.contains("CustomResourceStackNames"), "{refusal}");
        assert!(refusal.contains("Nothing was done"), "{refusal}");
    }

    #[test]
    fn a_stack_of_another_account_or_region_is_refused_whatever_its_name() {
        let allowed = AllowedStacks::default();
        for other in [
            "arn:aws:cloudformation:us-east-1:210987654321:stack/SC-210987654321-pp-a/1",
            "arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-123456789012-pp-a/1",
            "arn:aws-cn:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-a/1",
        ] {
            let refusal = allowed.check(other, FUNCTION).unwrap_err().to_string();
            assert!(
                refusal
                    .contains("not in this function's account 123456789012 and region us-east-1"),
                "{refusal}"
            );
        }
    }

    #[test]
    fn what_is_not_a_stack_arn_is_refused() {
        let allowed = AllowedStacks::new("*");
        for bogus in [
            "SC-123456789012-pp-a",
            "arn:aws:lambda:us-east-1:123456789012:function:SC-x",
            "arn:aws:cloudformation:us-east-1:123456789012:stackset/SC-x/1",
            "arn:aws:cloudformation:us-east-1:123456789012:stack/SC-x",
            "arn:aws:cloudformation:us-east-1:123456789012:stack/SC-x/1/2",
            "arn:aws:cloudformation:us-east-1:123456789012:stack/SC_x/1",
            "",
        ] {
            assert!(allowed.check(bogus, FUNCTION).is_err(), "{bogus}");
        }
    }

    #[test]
    fn configured_patterns_replace_the_default() {
        let allowed = AllowedStacks::new(" team-*-studio , ops-core ");
        assert_eq!(allowed.check(&stack("team-a-studio"), FUNCTION), Ok(()));
        assert_eq!(allowed.check(&stack("ops-core"), FUNCTION), Ok(()));
        assert!(allowed.check(&stack("ops-core-2"), FUNCTION).is_err());
        assert!(
            allowed
                .check(&stack("SC-123456789012-pp-a"), FUNCTION)
                .is_err()
        );
    }

    #[test]
    fn blank_configuration_means_the_default() {
        assert_eq!(AllowedStacks::new(" , "), AllowedStacks::default());
    }

    #[test]
    fn a_wildcard_matches_any_run_of_characters_and_nothing_else_does() {
        assert!(matches_pattern("SC-*", "SC-"));
        assert!(matches_pattern("SC-*", "SC-1-pp-a"));
        assert!(!matches_pattern("SC-*", "sc-1"));
        assert!(!matches_pattern("SC-*", "XSC-1"));
        assert!(matches_pattern("a*b*c", "a-b-b-c"));
        assert!(!matches_pattern("a*b*c", "a-c"));
        assert!(!matches_pattern("ab*ba", "aba"));
        assert!(matches_pattern("*", "anything"));
        assert!(matches_pattern("exact", "exact"));
        assert!(!matches_pattern("exact", "exactly"));
    }

    #[test]
    fn a_function_arn_with_a_qualifier_still_names_its_account_and_region() {
        let allowed = AllowedStacks::default();
        assert_eq!(
            allowed.check(
                &stack("SC-123456789012-pp-a"),
                "arn:aws:lambda:us-east-1:123456789012:function:studio-catalog-x:live"
            ),
            Ok(())
        );
    }
}
