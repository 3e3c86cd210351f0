//! The HTTP request, as a Lambda function URL or an API Gateway HTTP API (payload format 2.0)
//! delivers it: the same shape, `requestContext.authorizer.iam` included.

use aws_lambda_events::{
    event::lambda_function_urls::LambdaFunctionUrlRequest,
    http::{HeaderMap, header::ACCEPT},
};
use studio_sagemaker::identifiers::is_studio_name;

/// The event: a function URL request. API Gateway HTTP API events (payload 2.0) have the same
/// members plus a few this function does not read (`routeKey`, `stage`, …), so they parse too.
pub type HttpRequest = LambdaFunctionUrlRequest;

/// The query parameters the function understands.
pub const SPACE: &str = "space";
/// The query parameter naming the landing page (`LandingUri`).
pub const LANDING: &str = "landing";
/// The query parameter naming the profile the caller expects to land in.
pub const PROFILE: &str = "profile";

/// The apps a `LandingUri` may name (`app:<App>:<path>`), per the API reference.
pub const LANDING_APPS: [&str; 5] = [
    "JupyterServer",
    "JupyterLab",
    "RStudioServerPro",
    "CodeEditor",
    "Canvas",
];
const MAX_LANDING_LEN: usize = 1023;

/// What the caller asked for, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInParameters {
    /// `space`: the Studio space to open (`SpaceName`).
    pub space: Option<String>,
    /// `landing`: where to land (`LandingUri`), `studio::<path>` or `app:<App>:<path>`.
    pub landing: Option<String>,
    /// `profile`: the profile the caller expects; it must be their own.
    pub profile: Option<String>,
}

/// A query string the function refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParameterError {
    /// A parameter the function does not know (a typo would otherwise land elsewhere silently).
    #[error(
        "unknown query parameter {0:?}; the function accepts space, landing and profile (and \
         SigV4 X-Amz-* parameters)"
    )]
    Unknown(String),
    /// A parameter given twice.
    #[error("the query parameter {0:?} is given more than once")]
    Duplicate(String),
    /// A value that is not valid.
    #[error("the query parameter {name:?} is invalid: {reason}")]
    Invalid {
        /// The parameter.
        name: &'static str,
        /// What it must be.
        reason: String,
    },
}

impl ParameterError {
    /// The parameter concerned.
    pub fn parameter(&self) -> &str {
        match self {
            Self::Unknown(name) | Self::Duplicate(name) => name,
            Self::Invalid { name, .. } => name,
        }
    }
}

/// The request's query parameters, validated. The raw query string is preferred (it keeps
/// repeated parameters apart); `queryStringParameters` is the fallback.
pub fn parameters(request: &HttpRequest) -> Result<SignInParameters, ParameterError> {
    let pairs: Vec<(String, String)> = match request.raw_query_string.as_deref() {
        Some(raw) if !raw.is_empty() => url::form_urlencoded::parse(raw.as_bytes())
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect(),
        _ => {
            let mut pairs: Vec<(String, String)> = request
                .query_string_parameters
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            pairs.sort();
            pairs
        }
    };
    let mut parameters = SignInParameters::default();
    for (name, value) in pairs {
        if is_signature_parameter(&name) {
            continue;
        }
        let (slot, name, check): (_, &'static str, Check) = match name.as_str() {
            SPACE => (&mut parameters.space, SPACE, check_resource_name),
            LANDING => (&mut parameters.landing, LANDING, check_landing),
            PROFILE => (&mut parameters.profile, PROFILE, check_resource_name),
            _ => return Err(ParameterError::Unknown(truncate(&name))),
        };
        if slot.is_some() {
            return Err(ParameterError::Duplicate(name.to_owned()));
        }
        check(&value).map_err(|reason| ParameterError::Invalid { name, reason })?;
        *slot = Some(value);
    }
    Ok(parameters)
}

/// SigV4 query-string authentication (`X-Amz-Algorithm`, `X-Amz-Credential`,
/// `X-Amz-Signature`, …): how a browser bookmark can carry a signed request. The service checked
/// them before invoking the function; they are not the function's parameters.
fn is_signature_parameter(name: &str) -> bool {
    name.get(..6)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("x-amz-"))
}

/// A parameter's validation: `Err` says what the value must be.
type Check = fn(&str) -> Result<(), String>;

/// Whether the client asked for JSON (`Accept` lists `application/json` with a non-zero
/// quality). Browsers do not, so a bookmark gets the redirect.
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|range| {
            let mut parts = range.split(';').map(str::trim);
            let media_type = parts.next().unwrap_or_default();
            media_type.eq_ignore_ascii_case("application/json")
                && parts.all(|parameter| match parameter.split_once('=') {
                    Some((key, q)) if key.trim().eq_ignore_ascii_case("q") => {
                        q.trim().parse::<f32>().is_ok_and(|q| q > 0.0)
                    }
                    _ => true,
                })
        })
}

/// A space's or a profile's name follows SageMaker's one rule for Studio names
/// ([`studio_sagemaker::identifiers::NAME_RULE`]).
fn check_resource_name(value: &str) -> Result<(), String> {
    if is_studio_name(value) {
        Ok(())
    } else {
        Err("a Studio name: letters, digits and inner hyphens, up to 63 characters".to_owned())
    }
}

fn check_landing(value: &str) -> Result<(), String> {
    const FORMS: &str = "studio::<path> or app:<App>:<path> with App one of JupyterServer, \
                         JupyterLab, RStudioServerPro, CodeEditor, Canvas";
    if value.len() > MAX_LANDING_LEN {
        return Err(format!("at most {MAX_LANDING_LEN} characters"));
    }
    let path = if let Some(path) = value.strip_prefix("studio::") {
        path
    } else if let Some((app, path)) = value
        .strip_prefix("app:")
        .and_then(|rest| rest.split_once(':'))
    {
        if !LANDING_APPS.contains(&app) {
            return Err(format!("unknown app {:?}; use {FORMS}", truncate(app)));
        }
        path
    } else {
        return Err(format!("use {FORMS}"));
    };
    check_relative_path(path)
}

/// A path relative to the app: unreserved characters, `/` and percent-escapes; no leading
/// `/`, no empty or `..` segment.
fn check_relative_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Ok(());
    }
    let bytes = path.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' if bytes
                .get(index + 1..index + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) =>
            {
                index += 3;
                continue;
            }
            b if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) => {}
            _ => {
                return Err(
                    "the path may hold letters, digits, - . _ ~ / and %-escapes only".to_owned(),
                );
            }
        }
        index += 1;
    }
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len() - 1;
    if path.starts_with('/')
        || segments
            .iter()
            .enumerate()
            .any(|(i, segment)| *segment == ".." || (segment.is_empty() && i != last))
    {
        return Err("the path must be relative, without empty or .. segments".to_owned());
    }
    Ok(())
}

/// A parameter name echoed in an error: at most 64 characters.
fn truncate(value: &str) -> String {
    value.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use aws_lambda_events::http::HeaderValue;

    use super::*;

    fn request(raw_query: &str) -> HttpRequest {
        let mut request = HttpRequest::default();
        request.raw_query_string = Some(raw_query.to_owned());
        request
    }

    #[test]
    fn no_query_means_the_defaults() {
        assert_eq!(parameters(&request("")), Ok(SignInParameters::default()));
        assert_eq!(
            parameters(&HttpRequest::default()),
            Ok(SignInParameters::default())
        );
    }

    #[test]
    fn space_landing_and_profile_are_read_and_decoded() {
        let parameters = parameters(&request(
            "space=team-space&landing=app%3AJupyterLab%3Alab%2Ftree%2Fnotebooks&profile=alice",
        ))
        .expect("valid");
        assert_eq!(
            parameters,
            SignInParameters {
                space: Some("team-space".into()),
                landing: Some("app:JupyterLab:lab/tree/notebooks".into()),
                profile: Some("alice".into()),
            }
        );
    }

    #[test]
    fn query_string_parameters_are_the_fallback() {
        let mut request = HttpRequest::default();
        request
            .query_string_parameters
            .insert("landing".into(), "studio::".into());
        assert_eq!(
            parameters(&request).expect("valid").landing.as_deref(),
            Some("studio::")
        );
    }

    #[test]
    fn sigv4_query_authentication_is_not_a_parameter() {
        let parameters = parameters(&request(
            "landing=studio%3A%3A&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAEXAMPLE%2F20261123%2Fus-east-1%2Flambda%2Faws4_request\
             &X-Amz-Date=20261123T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host\
             &X-Amz-Security-Token=token&X-Amz-Signature=abcdef0123456789",
        ))
        .expect("valid");
        assert_eq!(parameters.landing.as_deref(), Some("studio::"));
    }

    #[test]
    fn unknown_and_repeated_parameters_are_refused() {
        assert_eq!(
            parameters(&request("landng=studio::")),
            Err(ParameterError::Unknown("landng".into()))
        );
        assert_eq!(
            parameters(&request("space=a&space=b")),
            Err(ParameterError::Duplicate("space".into()))
        );
    }

    #[test]
    fn landing_uris_take_the_documented_forms() {
        for good in [
            "studio::",
            "studio::data-wrangler",
            "app:JupyterServer:",
            "app:JupyterLab:lab/tree/notebooks/My%20Notebook.ipynb",
            "app:RStudioServerPro:",
            "app:CodeEditor:folder/",
            "app:Canvas:",
        ] {
            assert_eq!(check_landing(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn landing_uris_of_other_forms_are_refused() {
        for bad in [
            "",
            "https://evil.example.com/",
            "studio:",
            "app:Unknown:",
            "app:JupyterLab",
            "app:jupyterlab:",
            "studio:://evil.example.com",
            "studio::/absolute",
            "studio::a//b",
            "studio::../../etc",
            "studio::a/../b",
            "studio::a b",
            "studio::<script>",
            "studio::%zz",
        ] {
            assert!(check_landing(bad).is_err(), "{bad:?} should be refused");
        }
        let long = format!("studio::{}", "a".repeat(1016));
        assert!(check_landing(&long).is_err());
        assert_eq!(
            check_landing(&format!("studio::{}", "a".repeat(1015))),
            Ok(())
        );
    }

    #[test]
    fn an_invalid_space_names_the_parameter() {
        let error = parameters(&request("space=-bad")).expect_err("invalid");
        assert_eq!(error.parameter(), "space");
        for bad in ["", "a_b", "a-", &"a".repeat(64)] {
            assert!(check_resource_name(bad).is_err(), "{bad:?}");
        }
        for good in ["a", "a-b", "a--b1", &"a".repeat(63)] {
            assert_eq!(check_resource_name(good), Ok(()), "{good:?}");
        }
    }

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).expect("header"));
        headers
    }

    #[test]
    fn json_is_chosen_only_when_asked_for() {
        assert!(wants_json(&accept("application/json")));
        assert!(wants_json(&accept("application/json, text/plain, */*")));
        assert!(wants_json(&accept(
            "text/html;q=0.9, Application/JSON;q=0.5"
        )));
        assert!(!wants_json(&accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        )));
        assert!(!wants_json(&accept("*/*")));
        assert!(!wants_json(&accept("application/json;q=0")));
        assert!(!wants_json(&HeaderMap::new()));
    }
}
