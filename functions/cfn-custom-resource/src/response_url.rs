//! Which `ResponseURL`s the function will PUT to.
//!
//! The URL comes from the event, so anyone who can invoke the function chooses it. Only
//! CloudFormation's pre-signed S3 URLs are accepted, plus the prefixes an operator adds in
//! `CFN_RESPONSE_URL_ALLOW` (comma-separated, e.g. `http://127.0.0.1:9000/` for local runs).

use url::Url;

/// The environment variable that adds allowed URL prefixes.
pub(crate) const ALLOW_ENV: &str = "CFN_RESPONSE_URL_ALLOW";

/// The accepted `ResponseURL`s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ResponseUrlPolicy {
    extra_prefixes: Vec<String>,
}

impl ResponseUrlPolicy {
    /// CloudFormation's S3 URLs, and the given prefixes.
    pub(crate) fn new(extra_prefixes: impl IntoIterator<Item = String>) -> Self {
        Self {
            extra_prefixes: extra_prefixes
                .into_iter()
                .map(|prefix| prefix.trim().to_owned())
                .filter(|prefix| !prefix.is_empty())
                .collect(),
        }
    }

    /// CloudFormation's S3 URLs, and the prefixes in `CFN_RESPONSE_URL_ALLOW`.
    pub(crate) fn from_env() -> Self {
        let configured = std::env::var(ALLOW_ENV).unwrap_or_default();
        Self::new(lambda_support::environment::comma_list(&configured))
    }

    /// Whether the answer may be PUT to `response_url`.
    pub(crate) fn allows(&self, response_url: &str) -> bool {
        if self
            .extra_prefixes
            .iter()
            .any(|prefix| response_url.starts_with(prefix.as_str()))
        {
            return true;
        }
        let Ok(url) = Url::parse(response_url) else {
            return false;
        };
        if url.scheme() != "https" || !url.username().is_empty() || url.password().is_some() {
            return false;
        }
        if url.port().is_some_and(|port| port != 443) {
            return false;
        }
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let Some(service_part) = host
            .strip_suffix(".amazonaws.com")
            .or_else(|| host.strip_suffix(".amazonaws.com.cn"))
        else {
            return false;
        };
        // S3 endpoints: s3, s3-<region>, s3.<region>, s3.dualstack.<region>, bucket.s3…
        service_part
            .split('.')
            .any(|label| label == "s3" || label.starts_with("s3-"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudformations_s3_urls_are_accepted() {
        let policy = ResponseUrlPolicy::default();
        for url in [
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3A?X-Amz-Signature=1",
            "https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/a",
            "https://cloudformation-custom-resource-response-uswest2.s3.us-west-2.amazonaws.com/a",
            "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/a",
        ] {
            assert!(policy.allows(url), "{url}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        let policy = ResponseUrlPolicy::default();
        for url in [
            "http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/a",
            "https://s3.amazonaws.com.evil.example/a",
            "https://evil.example/s3.amazonaws.com",
            "https://lambda.us-east-1.amazonaws.com/a",
            "https://user:pw@bucket.s3.amazonaws.com/a",
            "https://bucket.s3.amazonaws.com:8443/a",
            "http://127.0.0.1:9000/responses/a",
            "not a url",
        ] {
            assert!(!policy.allows(url), "{url}");
        }
    }

    #[test]
    fn configured_prefixes_are_accepted_for_local_runs() {
        let policy = ResponseUrlPolicy::new(["http://127.0.0.1:9000/".to_owned(), " ".to_owned()]);
        assert!(policy.allows("http://127.0.0.1:9000/responses/a"));
        assert!(!policy.allows("http://127.0.0.1:9001/responses/a"));
    }
}
