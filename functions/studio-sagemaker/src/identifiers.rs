//! What a domain id, a Studio name, a role ARN and a user profile's ARN look like: one
//! definition each, used by every function.

/// SageMaker's pattern for the names of domains, user profiles and spaces (`DomainName`,
/// `UserProfileName` and `SpaceName` in the SageMaker API model, at most 63 characters).
pub const NAME_RULE: &str = "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";

/// Whether `name` follows [`NAME_RULE`]: 1 to 63 ASCII letters, digits and hyphens, starting and
/// ending with a letter or digit. A domain's, a user profile's and a space's name alike.
pub fn is_studio_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    bytes.len() <= 63
        && first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-')
}

/// SageMaker's pattern for an image's name (`ImageName` in the SageMaker API model, at most 63
/// characters): unlike [`NAME_RULE`], a single `.` may separate its parts too.
pub const IMAGE_NAME_RULE: &str = "[a-zA-Z0-9]([-.]?[a-zA-Z0-9]){0,62}";

/// Whether `name` follows [`IMAGE_NAME_RULE`]: 1 to 63 ASCII letters, digits, `-` and `.`,
/// starting and ending with a letter or digit, never two of `-` and `.` in a row.
pub fn is_image_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    let separator = |byte: &u8| *byte == b'-' || *byte == b'.';
    bytes.len() <= 63
        && first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || separator(byte))
        && !bytes
            .windows(2)
            .any(|pair| separator(&pair[0]) && separator(&pair[1]))
}

/// A user profile's ARN, `arn:<partition>:sagemaker:<region>:<account>:user-profile/<domain
/// id>/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfileArn {
    pub domain_id: String,
    /// The profile's name as the ARN writes it.
    pub user_profile_name: String,
}

impl UserProfileArn {
    /// Reads an ARN; `None` if it is not a user profile's.
    pub fn parse(arn: &str) -> Option<Self> {
        let (domain_id, user_profile_name) = in_domain(arn, "user-profile/")?;
        Some(Self {
            domain_id: domain_id.to_owned(),
            user_profile_name: user_profile_name.to_owned(),
        })
    }

    /// Whether the ARN names the profile `user_profile_name` of `domain_id` (the name compared
    /// without regard to case, in case an ARN is written in lower case).
    pub fn names(&self, domain_id: &str, user_profile_name: &str) -> bool {
        self.domain_id == domain_id
            && self
                .user_profile_name
                .eq_ignore_ascii_case(user_profile_name)
    }
}

/// The domain id and the name of a resource of a domain from its ARN,
/// `arn:<partition>:sagemaker:<region>:<account>:<kind><domain id>/<name>` (`kind` e.g.
/// `user-profile/`, `space/`); `None` if the ARN is not of that shape.
pub(crate) fn in_domain<'a>(arn: &'a str, kind: &str) -> Option<(&'a str, &'a str)> {
    let mut parts = arn.splitn(6, ':');
    let (
        Some("arn"),
        Some(partition),
        Some("sagemaker"),
        Some(region),
        Some(account),
        Some(resource),
    ) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    )
    else {
        return None;
    };
    let (domain_id, name) = resource.strip_prefix(kind)?.split_once('/')?;
    let valid = partition.starts_with("aws")
        && !region.is_empty()
        && account.len() == 12
        && account.bytes().all(|byte| byte.is_ascii_digit())
        && is_domain_id(domain_id)
        && is_studio_name(name);
    valid.then_some((domain_id, name))
}

/// Whether `id` follows SageMaker's pattern for a domain id, `d-(-*[a-z0-9]){1,61}` (the
/// `DomainId` shape in the API reference): `d-`, then 1 to 61 lowercase letters or digits,
/// each of which may be preceded by hyphens, ending with a letter or digit; at most 63
/// characters in all (the shape's `max` in the SageMaker API model).
///
/// This is what SageMaker accepts as input. The ids it *creates* are narrower (`d-` and 12
/// characters); `studio-domain` checks that shape only where it means "a physical id this
/// resource produced".
pub fn is_domain_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("d-") else {
        return false;
    };
    let alphanumeric = |byte: &u8| byte.is_ascii_lowercase() || byte.is_ascii_digit();
    id.len() <= 63
        && rest.bytes().all(|byte| byte == b'-' || alphanumeric(&byte))
        && rest.bytes().last().is_some_and(|byte| alphanumeric(&byte))
        && (1..=61).contains(&rest.bytes().filter(alphanumeric).count())
}

/// Whether `arn` is an IAM role ARN, `arn:<partition>:iam::<12-digit account>:role/<path and
/// name>`, with only the characters IAM allows in a role's path and name (`+=,.@-_/` and
/// alphanumerics), at most 2048 characters (the `RoleArn` shape).
pub fn is_role_arn(arn: &str) -> bool {
    let role = || {
        let rest = arn.strip_prefix("arn:")?;
        let (partition, rest) = rest.split_once(':')?;
        let rest = rest.strip_prefix("iam::")?;
        let (account, name) = rest.split_once(":role/")?;
        Some(
            partition.starts_with("aws")
                && account.len() == 12
                && account.bytes().all(|byte| byte.is_ascii_digit())
                && !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+=,.@-_/".contains(c)),
        )
    };
    arn.len() <= 2048 && role() == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn studio_names_follow_sagemakers_rule() {
        for name in ["a", "alice", "Alice-Smith", "a--b", "0", &"x".repeat(63)] {
            assert!(is_studio_name(name), "{name}");
        }
        for name in [
            "",
            "-a",
            "a-",
            "a_b",
            "a.b",
            "alice smith",
            "é",
            &"x".repeat(64),
        ] {
            assert!(!is_studio_name(name), "{name}");
        }
    }

    #[test]
    fn a_user_profile_arn_is_read() {
        let arn = UserProfileArn::parse(
            "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/d-abcdef123456/alice-smith",
        )
        .unwrap();
        assert_eq!(arn.domain_id, "d-abcdef123456");
        assert_eq!(arn.user_profile_name, "alice-smith");
        assert!(arn.names("d-abcdef123456", "Alice-Smith"));
        assert!(!arn.names("d-abcdef123457", "alice-smith"));
    }

    #[test]
    fn other_physical_ids_are_not_user_profile_arns() {
        for id in [
            "",
            "2024/11/23/[$LATEST]0123456789abcdef",
            "failed-create-0b1c",
            "d-abcdef123456",
            "arn:aws:sagemaker:eu-west-1:123456789012:domain/d-abcdef123456",
            "arn:aws:sagemaker:eu-west-1:123456789012:space/d-abcdef123456/alice",
            "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/d-abcdef123456/",
            "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/d-abcdef123456/a_b",
            "arn:aws:iam::123456789012:user-profile/d-abcdef123456/alice",
        ] {
            assert_eq!(UserProfileArn::parse(id), None, "{id}");
        }
    }

    #[test]
    fn domain_ids_follow_sagemaker_s_pattern() {
        for id in ["d-abcdef123456", "d-a", "d-a-b", "d--a", "d-0123456789ab"] {
            assert!(is_domain_id(id), "{id}");
        }
        let longest = format!("d-{}", "a".repeat(61));
        assert!(is_domain_id(&longest));
        for id in [
            "d-",
            "d-ABC",
            "d-abc-",
            "abcdef123456",
            "2026/11/23/[$LATEST]abc",
            "d-abc_def",
        ] {
            assert!(!is_domain_id(id), "{id}");
        }
        assert!(!is_domain_id(&format!("d-{}", "a".repeat(62))));
        assert!(!is_domain_id(&format!("d-{}", "-a".repeat(31))));
    }

    #[test]
    fn role_arns_follow_iam_s_rule() {
        for arn in [
            "arn:aws:iam::123456789012:role/studio-default",
            "arn:aws-cn:iam::123456789012:role/service-role/SageMaker+Exec=1,a.b@c-d_e",
        ] {
            assert!(is_role_arn(arn), "{arn}");
        }
        for arn in [
            "arn:aws:iam::123456789012:user/alice",
            "arn:aws:iam::12345678901:role/short-account",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/with space",
            "arn:aws:sts::123456789012:assumed-role/r/s",
            "role/studio-default",
        ] {
            assert!(!is_role_arn(arn), "{arn}");
        }
        let too_long = format!("arn:aws:iam::123456789012:role/{}", "a".repeat(2048));
        assert!(!is_role_arn(&too_long));
    }

    #[test]
    fn an_image_name_may_have_dots_but_no_two_separators_in_a_row() {
        for name in ["team-image", "team.image", "a", "v1.2-gpu"] {
            assert!(is_image_name(name), "{name}");
        }
        for name in [
            "",
            ".team",
            "team.",
            "team..image",
            "team.-image",
            "team_image",
        ] {
            assert!(!is_image_name(name), "{name}");
        }
        assert!(is_image_name(&"a".repeat(63)));
        assert!(!is_image_name(&"a".repeat(64)));
        assert!(!is_studio_name("team.image"));
    }
}
