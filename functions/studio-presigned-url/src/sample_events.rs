//! The sample events in `events/studio-presigned-url/`, used as fixtures.

use aws_lambda_events::event::apigw::ApiGatewayV2httpRequest;
use aws_sdk_sagemaker::types::SharingType;
use serde_json::Value;

use crate::{
    config::Config,
    request::HttpRequest,
    sign_in::{InvocationContext, SignIn},
    studio::memory::{held_studio, presigned, tags},
};

const BROWSER_IAM_USER: &str =
    include_str!("../../../events/studio-presigned-url/browser-iam-user.json");
const BROWSER_FEDERATED_SESSION: &str =
    include_str!("../../../events/studio-presigned-url/browser-federated-session.json");
const CLI_JSON_SPACE: &str =
    include_str!("../../../events/studio-presigned-url/cli-json-space.json");
const HTTP_API_IAM_USER: &str =
    include_str!("../../../events/studio-presigned-url/http-api-iam-user.json");
const UNSIGNED: &str = include_str!("../../../events/studio-presigned-url/unsigned.json");

const SAMPLES: [(&str, &str); 5] = [
    ("browser-iam-user", BROWSER_IAM_USER),
    ("browser-federated-session", BROWSER_FEDERATED_SESSION),
    ("cli-json-space", CLI_JSON_SPACE),
    ("http-api-iam-user", HTTP_API_IAM_USER),
    ("unsigned", UNSIGNED),
];

const DOMAIN: &str = "d-abc123def456";

fn parse(name: &str, json: &str) -> HttpRequest {
    serde_json::from_str(json).unwrap_or_else(|error| panic!("{name}: {error}"))
}

#[test]
fn sample_events_survive_a_serde_round_trip() {
    for (name, json) in SAMPLES {
        let request = parse(name, json);
        let serialized = serde_json::to_value(&request).expect("serialize");
        let again: HttpRequest = serde_json::from_value(serialized).expect("deserialize");
        assert_eq!(again, request, "{name}");
    }
}

#[test]
fn the_http_api_sample_is_an_api_gateway_event_with_the_same_identity() {
    let api: ApiGatewayV2httpRequest =
        serde_json::from_str(HTTP_API_IAM_USER).expect("an HTTP API event");
    let ours = parse("http-api-iam-user", HTTP_API_IAM_USER);
    let api_arn = api
        .request_context
        .authorizer
        .and_then(|authorizer| authorizer.iam)
        .and_then(|iam| iam.user_arn);
    let our_arn = ours
        .request_context
        .authorizer
        .and_then(|authorizer| authorizer.iam)
        .and_then(|iam| iam.user_arn);
    assert_eq!(api_arn, our_arn);
    assert_eq!(
        our_arn.as_deref(),
        Some("arn:aws:iam::123456789012:user/data-science/bob")
    );
}

#[tokio::test]
async fn each_sample_gets_the_answer_its_name_promises() {
    let studio = held_studio();
    studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
    studio.add_user_profile(DOMAIN, "bob", tags(&[("studiouserid", "bob")]));
    studio.add_user_profile(
        DOMAIN,
        "jdoe",
        tags(&[("studiouserid", "jdoe@example.com")]),
    );
    studio.add_space(DOMAIN, "team-space", Some("bob"), Some(SharingType::Shared));
    // The CLI sample signs as a session of DataScientist, a SAML-federated role (its session
    // name set by the identity provider) the admin lists as trusted.
    let mut config = Config::with_defaults(DOMAIN);
    config.trusted_session_role_names = ["DataScientist".into()].into();
    let app = SignIn::new(config, studio);
    let invocation = InvocationContext {
        request_id: "req",
        function_arn: "arn:aws:lambda:us-east-1:123456789012:function:studio-presigned-url",
    };
    let mut outcomes = Vec::new();
    for (name, json) in SAMPLES {
        let response = app.handle(&parse(name, json), invocation).await;
        let code = response
            .body
            .as_deref()
            .and_then(|body| serde_json::from_str::<Value>(body).ok())
            .and_then(|body| body.get("code").and_then(Value::as_str).map(str::to_owned));
        outcomes.push((name, response.status_code, code));
    }
    assert_eq!(
        outcomes,
        vec![
            ("browser-iam-user", 302, None),
            ("browser-federated-session", 302, None),
            ("cli-json-space", 200, None),
            ("http-api-iam-user", 302, None),
            ("unsigned", 401, Some("unauthenticated".to_owned())),
        ]
    );
    let landed: Vec<(String, Option<String>, Option<String>)> = presigned(&app.studio)
        .into_iter()
        .map(|request| {
            (
                request.user_profile_name,
                request.space_name,
                request.landing_uri,
            )
        })
        .collect();
    assert_eq!(
        landed,
        vec![
            ("alice".into(), None, None),
            ("jdoe".into(), None, Some("app:JupyterLab:lab".into())),
            (
                "alice".into(),
                Some("team-space".into()),
                Some("app:JupyterLab:lab/tree/shared".into())
            ),
            ("bob".into(), None, Some("studio::".into())),
        ]
    );
}
