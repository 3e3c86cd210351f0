//! Lambda function URLs with `AWS_IAM` auth: the event one delivers (payload format 2.0), for
//! driving a function directly, and a real request to one, SigV4-signed as a caller would sign
//! it, for the emulator to serve.

use std::time::SystemTime;

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use serde_json::{Map, Value, json};

use crate::ACCOUNT_ID;

/// The credentials a caller signs with (an IAM user's key, or an assumed-role session's).
pub use aws_sdk_sts::config::Credentials;

/// Why a function-URL request could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FunctionUrlError {
    /// Not `https://<url-id>.lambda-url.<region>.on.aws/`.
    #[error("{0:?} is not a Lambda function URL (https://<url-id>.lambda-url.<region>.on.aws/)")]
    NotAFunctionUrl(String),
    /// The SigV4 signature could not be computed.
    #[error("signing the request: {0}")]
    Signing(String),
    /// The HTTP exchange failed.
    #[error("calling the function URL: {0}")]
    Http(#[from] reqwest::Error),
}

/// The answer of a function URL.
#[derive(Debug, Clone)]
pub struct FunctionUrlAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body as text.
    pub body: String,
}

/// The host of a function URL (`<url-id>.lambda-url.<region>.on.aws`) and its region.
fn url_host(function_url: &str) -> Result<(&str, &str), FunctionUrlError> {
    let not_one = || FunctionUrlError::NotAFunctionUrl(function_url.to_owned());
    let host = function_url
        .strip_prefix("https://")
        .ok_or_else(not_one)?
        .trim_end_matches('/');
    let mut labels = host.split('.');
    match (
        labels.next(),
        labels.next(),
        labels.next(),
        labels.next(),
        labels.next(),
        labels.next(),
    ) {
        (Some(id), Some("lambda-url"), Some(region), Some("on"), Some("aws"), None)
            if !id.is_empty() && !region.is_empty() =>
        {
            Ok((host, region))
        }
        _ => Err(not_one()),
    }
}

/// `GET <function_url><path_and_query>` as `credentials` sign it (SigV4, service `lambda`, the
/// URL's region, as the Lambda developer guide's "Invoking Lambda function URLs" says an
/// `AWS_IAM` URL must be called), sent to `endpoint` (the emulator, which serves function URLs
/// by their `Host`) with the URL's host in `Host`. `path_and_query` is already URL-encoded and
/// starts with `/`; `headers` (e.g. `accept`) are signed too. Give `http` a client that does not
/// follow redirects: the answer is then the function's own (a sign-in answers 302).
pub async fn signed_get(
    http: &reqwest::Client,
    endpoint: &str,
    function_url: &str,
    path_and_query: &str,
    credentials: &Credentials,
    headers: &[(&str, &str)],
) -> Result<FunctionUrlAnswer, FunctionUrlError> {
    let (host, region) = url_host(function_url)?;
    let identity = Identity::from(credentials.clone());
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("lambda")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|error| FunctionUrlError::Signing(error.to_string()))?
        .into();
    let headers: Vec<(&str, &str)> = [("host", host)]
        .into_iter()
        .chain(headers.iter().copied())
        .collect();
    let signable = SignableRequest::new(
        "GET",
        format!("https://{host}{path_and_query}"),
        headers.iter().copied(),
        SignableBody::Bytes(b""),
    )
    .map_err(|error| FunctionUrlError::Signing(error.to_string()))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|error| FunctionUrlError::Signing(error.to_string()))?
        .into_parts();
    let mut request = http.get(format!(
        "{}{path_and_query}",
        endpoint.trim_end_matches('/')
    ));
    for (name, value) in headers.iter().copied().chain(instructions.headers()) {
        request = request.header(name, value);
    }
    let response = request.send().await?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let (status, location, content_type) = (
        response.status().as_u16(),
        header("location"),
        header("content-type"),
    );
    Ok(FunctionUrlAnswer {
        status,
        location,
        content_type,
        body: response.text().await?,
    })
}

/// A signed `GET /` from the IAM user `user` of the harness's account, with `query` as the raw
/// query string (`key=value&…`, already URL-encoded) and `Accept: application/json`.
pub fn iam_user_get(user: &str, query: &str) -> Value {
    let parameters: Map<String, Value> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.to_owned(), Value::from(value)))
        .collect();
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": query,
        "headers": {"accept": "application/json", "host": "studio.lambda-url.us-east-1.on.aws"},
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "studio",
            "authorizer": {"iam": {
                "accessKey": "AKIAEXAMPLE",
                "accountId": ACCOUNT_ID,
                "callerId": "AIDAEXAMPLE",
                "userArn": format!("arn:aws:iam::{ACCOUNT_ID}:user/{user}"),
                "userId": "AIDAEXAMPLE"
            }},
            "domainName": "studio.lambda-url.us-east-1.on.aws",
            "domainPrefix": "studio",
            "http": {"method": "GET", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "10.0.0.1", "userAgent": "harness"},
            "requestId": format!("harness-{user}"),
            "routeKey": "$default",
            "stage": "$default",
            "time": "23/Nov/2026:09:30:11 +0000",
            "timeEpoch": 1_795_426_211_000_u64
        },
        "isBase64Encoded": false
    });
    if !parameters.is_empty() {
        event["queryStringParameters"] = Value::Object(parameters);
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_url_names_its_host_and_region() {
        let (host, region) =
            url_host("https://abcdefghij0123456789abcdefghij01.lambda-url.eu-west-1.on.aws/")
                .unwrap();
        assert_eq!(
            host,
            "abcdefghij0123456789abcdefghij01.lambda-url.eu-west-1.on.aws"
        );
        assert_eq!(region, "eu-west-1");
        assert!(url_host("https://example.com/").is_err());
        assert!(url_host("http://abc.lambda-url.us-east-1.on.aws/").is_err());
    }
}
