//! The HTTP answers: the redirect or JSON carrying the URL, and errors as JSON with a stable
//! code. No answer is cached (`Cache-Control: no-store`); no error carries internals.

use aws_lambda_events::{
    event::lambda_function_urls::LambdaFunctionUrlResponse,
    http::{
        HeaderMap, HeaderValue,
        header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, RETRY_AFTER},
    },
};
use lambda_support::AwsError;
use serde_json::json;

use crate::{identity::IdentityError, request::ParameterError, studio::PresignedUrl};

/// The response: a function URL response, which is also API Gateway's payload 2.0 response.
pub type HttpResponse = LambdaFunctionUrlResponse;

/// Why a request did not get a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a GET.
    MethodNotAllowed(String),
    /// A bad query string.
    Parameter(ParameterError),
    /// No IAM identity in the request: the URL's auth type is not `AWS_IAM`.
    Unauthenticated,
    /// A principal that cannot sign in, or an ARN the function does not understand.
    Identity(IdentityError),
    /// The caller's account is not allowed.
    AccountNotAllowed {
        /// The caller's account.
        account_id: String,
    },
    /// A session of a role whose session name whoever calls `sts:AssumeRole` chooses: neither
    /// IAM Identity Center's nor listed in `TRUSTED_SESSION_ROLE_NAMES`.
    SessionNotTrusted {
        /// The caller's role.
        role: String,
    },
    /// The domain signs users in through IAM Identity Center (`AuthMode` `SSO`), where
    /// CreatePresignedDomainUrl cannot work.
    IdentityCenterDomain,
    /// No profile is tagged with the caller's identity.
    NoProfile { identity: String },
    /// `profile=` names a profile that is not the caller's.
    ProfileNotAllowed {
        /// The profile asked for.
        requested: String,
        /// The caller's own.
        own: String,
    },
    /// Several profiles are tagged with the caller's identity.
    AmbiguousProfile {
        identity: String,
        profiles: Vec<String>,
    },
    /// The caller's profile is not `InService` (still being created or updated, or failed).
    ProfileNotInService {
        profile: String,
        status: aws_sdk_sagemaker::types::UserProfileStatus,
    },
    /// `space=` names no space of the domain.
    SpaceNotFound(String),
    /// `space=` names another profile's private space.
    SpaceNotAllowed(String),
    /// SageMaker throttled or failed transiently.
    Unavailable(AwsError),
    /// Anything else: a SageMaker error, a missing permission, an unexpected event.
    Failed(String),
}

impl Refusal {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::MethodNotAllowed(_) => 405,
            Self::Parameter(_) => 400,
            Self::Unauthenticated => 401,
            Self::Identity(_)
            | Self::AccountNotAllowed { .. }
            | Self::SessionNotTrusted { .. }
            | Self::IdentityCenterDomain
            | Self::NoProfile { .. }
            | Self::ProfileNotAllowed { .. }
            | Self::SpaceNotAllowed(_) => 403,
            Self::SpaceNotFound(_) => 404,
            Self::AmbiguousProfile { .. } => 409,
            Self::ProfileNotInService { .. } | Self::Unavailable(_) => 503,
            Self::Failed(_) => 500,
        }
    }

    /// The stable error code clients and dashboards key on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::Parameter(ParameterError::Unknown(_)) => "unknown_parameter",
            Self::Parameter(ParameterError::Duplicate(_)) => "duplicate_parameter",
            Self::Parameter(ParameterError::Invalid { .. }) => "invalid_parameter",
            Self::Unauthenticated => "unauthenticated",
            Self::Identity(_) => "unsupported_identity",
            Self::AccountNotAllowed { .. } => "account_not_allowed",
            Self::SessionNotTrusted { .. } => "session_not_trusted",
            Self::IdentityCenterDomain => "use_identity_center",
            Self::NoProfile { .. } => "no_profile",
            Self::ProfileNotAllowed { .. } => "profile_not_allowed",
            Self::AmbiguousProfile { .. } => "ambiguous_profile",
            Self::ProfileNotInService { .. } => "profile_not_in_service",
            Self::SpaceNotFound(_) => "space_not_found",
            Self::SpaceNotAllowed(_) => "space_not_allowed",
            Self::Unavailable(_) => "temporarily_unavailable",
            Self::Failed(_) => "internal_error",
        }
    }

    /// What the caller is told: what happened and what to do, nothing internal.
    pub fn message(&self) -> String {
        match self {
            Self::MethodNotAllowed(_) => "Use GET.".to_owned(),
            Self::Parameter(error) => format!("{error}."),
            Self::Unauthenticated => {
                "This endpoint needs requests signed with AWS credentials (IAM auth).".to_owned()
            }
            Self::Identity(_) => {
                "Only IAM users and assumed-role (federated) sessions can sign in to Studio here."
                    .to_owned()
            }
            Self::AccountNotAllowed { account_id } => {
                format!("Callers from account {account_id} may not sign in here.")
            }
            Self::SessionNotTrusted { role } => format!(
                "Sessions of role {role} are not trusted: their session name is chosen by whoever \
                 calls sts:AssumeRole. Sign in as an IAM user, through IAM Identity Center, or \
                 through a role your administrator listed in TrustedSessionRoleNames (only a \
                 role whose trust policy lets an identity provider set the session name, or \
                 binds sts:RoleSessionName to the caller's identity)."
            ),
            Self::IdentityCenterDomain => {
                "This Studio domain signs users in through IAM Identity Center: open Studio \
                 from your AWS access portal (the IAM Identity Center start URL your \
                 administrator gave you), not through this endpoint."
                    .to_owned()
            }
            Self::NoProfile { identity } => format!(
                "No Studio user profile in this domain is tagged studiouserid={identity}. Ask \
                 your administrator to provision one."
            ),
            Self::ProfileNotAllowed { requested, .. } => {
                format!("The profile {requested} is not yours; you can only open your own profile.")
            }
            Self::AmbiguousProfile { identity, profiles } => format!(
                "More than one Studio user profile is tagged studiouserid={identity} ({}). Ask \
                 your administrator to keep exactly one.",
                profiles.join(", ")
            ),
            Self::ProfileNotInService { profile, status } => format!(
                "Your Studio user profile {profile} is {status}, not InService. Try again in a \
                 few minutes; if it stays so, ask your administrator."
            ),
            Self::SpaceNotFound(space) => format!("There is no space {space} in this domain."),
            Self::SpaceNotAllowed(space) => {
                format!("The space {space} is another user's private space.")
            }
            Self::Unavailable(_) => "SageMaker is busy. Try again in a moment.".to_owned(),
            Self::Failed(_) => {
                "Signing in failed. Give your administrator the request id.".to_owned()
            }
        }
    }

    /// What the audit line records: the caller's message plus internals for the admin.
    pub fn reason(&self) -> String {
        match self {
            Self::MethodNotAllowed(method) => format!("method {method}"),
            Self::Identity(error) => error.to_string(),
            Self::ProfileNotAllowed { requested, own } => {
                format!("asked for profile {requested}, owns {own}")
            }
            Self::Unavailable(error) => error.to_string(),
            Self::Failed(detail) => detail.clone(),
            other => other.message(),
        }
    }
}

/// A successful sign-in, in the form the client asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `302` with `Location: <url>`, for a browser.
    Redirect,
    /// `200` with `{"url": …, "expiresInSeconds": …}`.
    Json,
}

/// The response carrying `url`.
pub fn signed_in(answer: &Answer, url: &PresignedUrl, expires_in_seconds: u32) -> HttpResponse {
    let mut headers = no_store();
    match answer {
        Answer::Redirect => match HeaderValue::from_str(url.expose()) {
            Ok(location) => {
                headers.insert(LOCATION, location);
                response(302, headers, None)
            }
            Err(_) => refused(
                &Refusal::Failed("the presigned URL is not a valid header value".to_owned()),
                None,
            ),
        },
        Answer::Json => {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            let body = json!({ "url": url.expose(), "expiresInSeconds": expires_in_seconds });
            response(200, headers, Some(body.to_string()))
        }
    }
}

/// The JSON error response: `{"code", "message", "requestId"}`.
pub fn refused(refusal: &Refusal, request_id: Option<&str>) -> HttpResponse {
    let mut headers = no_store();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    match refusal {
        Refusal::MethodNotAllowed(_) => {
            headers.insert("allow", HeaderValue::from_static("GET"));
        }
        Refusal::Unavailable(_) => {
            headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        _ => {}
    }
    let body = json!({
        "code": refusal.code(),
        "message": refusal.message(),
        "requestId": request_id,
    });
    response(refusal.status(), headers, Some(body.to_string()))
}

fn no_store() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers
}

fn response(status: u16, headers: HeaderMap, body: Option<String>) -> HttpResponse {
    let mut response = HttpResponse::default();
    response.status_code = i64::from(status);
    response.headers = headers;
    response.body = body;
    response.is_base64_encoded = false;
    response
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn url() -> PresignedUrl {
        PresignedUrl::new("https://d-x.studio.us-east-1.sagemaker.aws/auth?token=abc".into())
    }

    #[test]
    fn a_browser_is_redirected_and_nothing_is_cached() {
        let response = signed_in(&Answer::Redirect, &url(), 60);
        assert_eq!(response.status_code, 302);
        assert_eq!(response.headers[LOCATION], url().expose());
        assert_eq!(response.headers[CACHE_CONTROL], "no-store");
        assert_eq!(response.body, None);
    }

    #[test]
    fn a_json_client_gets_the_url_and_its_lifetime() {
        let response = signed_in(&Answer::Json, &url(), 45);
        assert_eq!(response.status_code, 200);
        assert_eq!(response.headers[CONTENT_TYPE], "application/json");
        assert_eq!(response.headers[CACHE_CONTROL], "no-store");
        let body: Value =
            serde_json::from_str(response.body.as_deref().expect("body")).expect("json");
        assert_eq!(
            body,
            json!({ "url": url().expose(), "expiresInSeconds": 45 })
        );
    }

    #[test]
    fn errors_are_json_with_a_stable_code_and_no_internals() {
        let refusal = Refusal::Unavailable(AwsError {
            operation: "ListUserProfiles",
            code: Some("ThrottlingException".into()),
            message: "Rate exceeded for arn:aws:iam::123456789012:role/secret-role".into(),
            kind: lambda_support::AwsErrorKind::Throttled,
        });
        let response = refused(&refusal, Some("req-1"));
        assert_eq!(response.status_code, 503);
        assert_eq!(response.headers[RETRY_AFTER], "1");
        assert_eq!(response.headers[CACHE_CONTROL], "no-store");
        let body = response.body.expect("body");
        assert!(
            !body.contains("secret-role") && !body.contains("ListUserProfiles"),
            "{body}"
        );
        let body: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(body["code"], "temporarily_unavailable");
        assert_eq!(body["requestId"], "req-1");
        assert!(refusal.reason().contains("ThrottlingException"));
    }

    #[test]
    fn each_refusal_has_its_status_and_code() {
        let cases = [
            (
                Refusal::MethodNotAllowed("POST".into()),
                405,
                "method_not_allowed",
            ),
            (
                Refusal::Parameter(ParameterError::Unknown("x".into())),
                400,
                "unknown_parameter",
            ),
            (
                Refusal::Parameter(ParameterError::Duplicate("space".into())),
                400,
                "duplicate_parameter",
            ),
            (
                Refusal::Parameter(ParameterError::Invalid {
                    name: "landing",
                    reason: "x".into(),
                }),
                400,
                "invalid_parameter",
            ),
            (Refusal::Unauthenticated, 401, "unauthenticated"),
            (
                Refusal::Identity(IdentityError::Unsupported {
                    kind: "root".into(),
                }),
                403,
                "unsupported_identity",
            ),
            (
                Refusal::AccountNotAllowed {
                    account_id: "1".into(),
                },
                403,
                "account_not_allowed",
            ),
            (
                Refusal::SessionNotTrusted {
                    role: "DataScientists".into(),
                },
                403,
                "session_not_trusted",
            ),
            (Refusal::IdentityCenterDomain, 403, "use_identity_center"),
            (
                Refusal::NoProfile {
                    identity: "a".into(),
                },
                403,
                "no_profile",
            ),
            (
                Refusal::ProfileNotAllowed {
                    requested: "b".into(),
                    own: "a".into(),
                },
                403,
                "profile_not_allowed",
            ),
            (
                Refusal::AmbiguousProfile {
                    identity: "a".into(),
                    profiles: vec!["x".into(), "y".into()],
                },
                409,
                "ambiguous_profile",
            ),
            (Refusal::SpaceNotFound("s".into()), 404, "space_not_found"),
            (
                Refusal::SpaceNotAllowed("s".into()),
                403,
                "space_not_allowed",
            ),
            (
                Refusal::Failed("AccessDenied".into()),
                500,
                "internal_error",
            ),
        ];
        for (refusal, status, code) in cases {
            assert_eq!(
                (refusal.status(), refusal.code()),
                (status, code),
                "{refusal:?}"
            );
            let response = refused(&refusal, None);
            assert_eq!(response.status_code, i64::from(status));
        }
        let ambiguous = Refusal::AmbiguousProfile {
            identity: "alice".into(),
            profiles: vec!["alice".into(), "alice-sandbox".into()],
        };
        assert!(ambiguous.message().contains("(alice, alice-sandbox)"));
        assert!(
            !Refusal::Failed("AccessDeniedException: not authorized".into())
                .message()
                .contains("AccessDenied")
        );
    }
}
