//! The event a Lambda function URL with `AWS_IAM` auth delivers (payload format 2.0).

use serde_json::{Map, Value, json};

use crate::ACCOUNT_ID;

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
