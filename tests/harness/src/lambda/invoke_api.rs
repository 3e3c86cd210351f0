//! The Lambda Invoke API, as the AWS SDK calls it:
//! `POST /2015-03-31/functions/{FunctionName}/invocations`.
//!
//! The SigV4 signature is not checked.

use std::sync::Arc;

use hyper::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::{InvocationType, Registry, function_arn};
use crate::http::{
    HandlerError, ServerRequest, ServerResponse, json_response, percent_decode, response,
};

/// Serves one Invoke API request.
pub(crate) async fn handle(
    registry: Arc<Registry>,
    request: ServerRequest,
) -> Result<ServerResponse, HandlerError> {
    let segments = request.segments();
    let (&Method::POST, ["2015-03-31", "functions", name, "invocations"]) =
        (&request.method, segments.as_slice())
    else {
        return Ok(aws_error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            &format!(
                "{} {} is not an operation of this endpoint",
                request.method, request.path
            ),
        ));
    };
    let name = function_name(&percent_decode(name));
    let Some(function) = registry.functions.get(&name) else {
        return Ok(aws_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            &format!("Function not found: {}", function_arn(&name)),
        ));
    };
    let payload: Value = if request.body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(&request.body) {
            Ok(payload) => payload,
            Err(error) => {
                return Ok(aws_error(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestContentException",
                    &format!("Could not parse request body into json: {error}"),
                ));
            }
        }
    };

    match request
        .header("x-amz-invocation-type")
        .unwrap_or("RequestResponse")
    {
        "Event" => Ok(
            match function.enqueue(payload, InvocationType::Event, None) {
                Ok(request_id) => response(
                    StatusCode::ACCEPTED,
                    &[("x-amzn-requestid", &request_id)],
                    "",
                ),
                Err(error) => service_error(&error.to_string()),
            },
        ),
        "DryRun" => Ok(response(StatusCode::NO_CONTENT, &[], "")),
        "RequestResponse" => {
            let (reply, result) = oneshot::channel();
            if let Err(error) =
                function.enqueue(payload, InvocationType::RequestResponse, Some(reply))
            {
                return Ok(service_error(&error.to_string()));
            }
            let Ok(result) = result.await else {
                return Ok(service_error("the local Lambda service stopped"));
            };
            let mut headers = vec![
                ("x-amzn-requestid", result.request_id.as_str()),
                ("x-amz-executed-version", "$LATEST"),
            ];
            if let Some(error) = result.function_error() {
                headers.push(("x-amz-function-error", error));
            }
            Ok(json_response(StatusCode::OK, &headers, &result.body))
        }
        other => Ok(aws_error(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValueException",
            &format!("Invalid invocation type: {other}"),
        )),
    }
}

/// The function name in a `FunctionName` parameter: a name, a name with a
/// qualifier (`name:alias`), a partial ARN (`123456789012:function:name`) or a
/// full ARN, each possibly qualified.
pub(crate) fn function_name(raw: &str) -> String {
    let parts: Vec<&str> = raw.split(':').collect();
    match parts.iter().position(|p| *p == "function") {
        Some(i) => parts.get(i + 1).copied().unwrap_or_default().to_owned(),
        None => parts[0].to_owned(),
    }
}

fn aws_error(status: StatusCode, error_type: &str, message: &str) -> ServerResponse {
    json_response(
        status,
        &[("x-amzn-errortype", error_type)],
        &json!({"Type": "User", "message": message}),
    )
}

fn service_error(message: &str) -> ServerResponse {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &[("x-amzn-errortype", "ServiceException")],
        &json!({"Type": "Service", "message": message}),
    )
}

#[cfg(test)]
mod tests {
    use super::function_name;

    #[test]
    fn function_names() {
        for raw in [
            "studio-domain",
            "studio-domain:$LATEST",
            "123456789012:function:studio-domain",
            "arn:aws:lambda:us-east-1:123456789012:function:studio-domain",
            "arn:aws:lambda:us-east-1:123456789012:function:studio-domain:prod",
        ] {
            assert_eq!(function_name(raw), "studio-domain", "{raw}");
        }
    }
}
