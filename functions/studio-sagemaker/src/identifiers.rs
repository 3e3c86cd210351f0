//! What a domain id and a role ARN look like: one definition each, used by every function.

/// Whether `id` follows SageMaker's pattern for a domain id, `d-(-*[a-z0-9]){1,61}` (the
/// `DomainId` shape in the API reference): `d-`, then 1 to 61 lowercase letters or digits,
/// each of which may be preceded by hyphens, ending with a letter or digit.
///
/// This is what SageMaker accepts as input. The ids it *creates* are narrower (`d-` and 12
/// characters); `studio-domain` checks that shape only where it means "a physical id this
/// resource produced".
pub fn is_domain_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("d-") else {
        return false;
    };
    let alphanumeric = |byte: &u8| byte.is_ascii_lowercase() || byte.is_ascii_digit();
    rest.bytes().all(|byte| byte == b'-' || alphanumeric(&byte))
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
}
