//! The real `studio-presigned-url` binary under the local Lambda runtime, against the local AWS
//! emulator, invoked synchronously with function URL (and HTTP API) events as AWS sends them.

use std::time::{Duration, Instant};

use aws_lambda_events::http::Method;
use serde_json::{Value, json};
use studio_catalog_harness::{
    ACCOUNT_ID,
    emulator::{AwsEmulator, Fault},
    lambda::{FunctionSpec, LocalLambda, Outcome},
};

use crate::support;

const FUNCTION: &str = "studio-presigned-url";
const BROWSER_IAM_USER: &str =
    include_str!("../../../../events/studio-presigned-url/browser-iam-user.json");
const BROWSER_FEDERATED_SESSION: &str =
    include_str!("../../../../events/studio-presigned-url/browser-federated-session.json");
const HTTP_API_IAM_USER: &str =
    include_str!("../../../../events/studio-presigned-url/http-api-iam-user.json");
const UNSIGNED: &str = include_str!("../../../../events/studio-presigned-url/unsigned.json");
const OTHER_ACCOUNT: &str = "210987654321";
const WAIT: Duration = Duration::from_secs(20);

/// An emulated domain with the function configured for it.
struct SignInUnderTest {
    lambda: LocalLambda,
    domain_id: String,
    /// Last: dropped after the functions, so nothing of this test reaches the next lease.
    aws: AwsEmulator,
}

/// A sign-in's answer and its audit line's fields.
struct SignedIn {
    response: Value,
    audit: Value,
}

impl SignedIn {
    fn status(&self) -> i64 {
        self.response["statusCode"].as_i64().expect("statusCode")
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.response["headers"][name].as_str()
    }

    fn body(&self) -> Value {
        serde_json::from_str(self.response["body"].as_str().expect("a body")).expect("JSON body")
    }

    fn code(&self) -> String {
        self.body()["code"].as_str().expect("code").to_owned()
    }
}

impl SignInUnderTest {
    /// A fresh emulator with an `InService` domain, and the function with `env`.
    async fn start(env: &[(&str, &str)]) -> Self {
        let aws = AwsEmulator::builder()
            .transition_seconds(0.2)
            .lease()
            .await
            .expect("the emulator starts");
        let domain_id = support::create_domain(&aws, "data-science", "IAM").await;
        let studio = Self::with_function(aws, domain_id, env).await;
        studio
            .wait_for_status("DescribeDomain", json!({ "DomainId": studio.domain_id }))
            .await;
        studio
    }

    async fn with_function(aws: AwsEmulator, domain_id: String, env: &[(&str, &str)]) -> Self {
        let mut spec = FunctionSpec::new(FUNCTION, env!("CARGO_BIN_EXE_studio-presigned-url"))
            .envs(aws.aws_env())
            .env("DOMAIN_ID", &domain_id)
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON");
        for (key, value) in env {
            spec = spec.env(*key, *value);
        }
        let lambda = LocalLambda::start(vec![spec])
            .await
            .expect("the local Lambda starts");
        Self {
            aws,
            lambda,
            domain_id,
        }
    }

    async fn wait_for_status(&self, operation: &str, request: Value) {
        let started = Instant::now();
        loop {
            let described = self
                .aws
                .sagemaker(operation, &request)
                .await
                .expect(operation);
            if described["Status"] == "InService" {
                return;
            }
            assert!(
                started.elapsed() < WAIT,
                "{operation} {request}: {described}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Creates an `InService` profile, tagged `studiouserid=<owner>` if given; returns its ARN.
    async fn profile(&self, name: &str, owner: Option<&str>) -> String {
        let tags: Vec<Value> = owner
            .map(|owner| json!({ "Key": "studiouserid", "Value": owner }))
            .into_iter()
            .chain([json!({ "Key": "team", "Value": "ml" })])
            .collect();
        let created = self
            .aws
            .sagemaker(
                "CreateUserProfile",
                &json!({ "DomainId": self.domain_id, "UserProfileName": name, "Tags": tags }),
            )
            .await
            .expect("CreateUserProfile");
        self.wait_for_status(
            "DescribeUserProfile",
            json!({ "DomainId": self.domain_id, "UserProfileName": name }),
        )
        .await;
        created["UserProfileArn"]
            .as_str()
            .expect("UserProfileArn")
            .to_owned()
    }

    /// Creates an `InService` space, private to `owner` or shared.
    async fn space(&self, name: &str, owner: &str, sharing: &str) {
        self.aws
            .sagemaker(
                "CreateSpace",
                &json!({
                    "DomainId": self.domain_id,
                    "SpaceName": name,
                    "OwnershipSettings": { "OwnerUserProfileName": owner },
                    "SpaceSharingSettings": { "SharingType": sharing }
                }),
            )
            .await
            .expect("CreateSpace");
        self.wait_for_status(
            "DescribeSpace",
            json!({ "DomainId": self.domain_id, "SpaceName": name }),
        )
        .await;
    }

    /// Invokes the function synchronously; returns its response and its audit line.
    async fn sign_in(&self, event: Value) -> SignedIn {
        let result = self
            .lambda
            .invoke(FUNCTION, event)
            .await
            .expect("the invocation runs");
        let request_id = result.request_id.clone();
        let response = result.into_payload().expect("the function answers");
        let line = self
            .lambda
            .wait_for_log(FUNCTION, &format!("\"request_id\":\"{request_id}\""), WAIT)
            .await
            .expect("an audit line for the request");
        let line: Value = serde_json::from_str(&line).expect("a JSON log line");
        assert_eq!(line["fields"]["message"], "sign-in", "{line}");
        SignedIn {
            response,
            audit: line["fields"].clone(),
        }
    }

    /// The URLs the emulator issued for this domain, with what each was issued for.
    async fn issued(&self) -> Vec<Value> {
        let answer = self
            .aws
            .control(
                Method::GET,
                &format!("/presigned-urls?DomainId={}", self.domain_id),
                None,
            )
            .await
            .expect("GET presigned-urls");
        answer["presigned_urls"].as_array().expect("a list").clone()
    }

    /// The SageMaker operations called since the last [`SignInUnderTest::forget_calls`].
    async fn sagemaker_calls(&self) -> Vec<String> {
        self.aws
            .calls()
            .await
            .expect("the call log")
            .into_iter()
            .filter(|call| call.service == "sagemaker")
            .map(|call| call.operation)
            .collect()
    }

    /// The SageMaker and Resource Groups Tagging API calls since the last
    /// [`SignInUnderTest::forget_calls`], as `service:Operation`.
    async fn aws_calls(&self) -> Vec<String> {
        self.aws
            .calls()
            .await
            .expect("the call log")
            .into_iter()
            .filter(|call| call.service == "sagemaker" || call.service == "tagging")
            .map(|call| format!("{}:{}", call.service, call.operation))
            .collect()
    }

    async fn forget_calls(&self) {
        self.aws.clear_calls().await.expect("DELETE calls");
    }

    /// The issued URL is nowhere in the function's output: neither whole nor its token.
    fn assert_never_logged(&self, url: &str) {
        let token = url
            .split_once("token=")
            .map(|(_, token)| token)
            .expect("a token in the URL");
        let logs = self.lambda.logs(FUNCTION);
        assert!(!logs.is_empty());
        for line in logs {
            assert!(
                !line.contains(token) && !line.contains(url),
                "the presigned URL was logged: {line}"
            );
        }
    }
}

/// The browser sample event, signed by `user_arn` (its account as the caller's).
fn browser(user_arn: &str) -> Value {
    signed_by(
        serde_json::from_str(BROWSER_IAM_USER).expect("sample"),
        user_arn,
    )
}

fn signed_by(mut event: Value, user_arn: &str) -> Value {
    let account = user_arn.split(':').nth(4).expect("an ARN").to_owned();
    let iam = &mut event["requestContext"]["authorizer"]["iam"];
    iam["userArn"] = json!(user_arn);
    iam["accountId"] = json!(account);
    event
}

fn with_query(mut event: Value, query: &str) -> Value {
    event["rawQueryString"] = json!(query);
    event
}

fn accepting_json(mut event: Value) -> Value {
    event["headers"]["accept"] = json!("application/json");
    event
}

fn user(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:user/{name}")
}

#[tokio::test]
async fn an_iam_user_is_redirected_into_their_own_profile() {
    let studio = SignInUnderTest::start(&[]).await;
    studio.profile("alice", Some("alice")).await;
    studio.profile("bob", Some("bob")).await;

    let signed_in = studio.sign_in(browser(&user("alice"))).await;

    assert_eq!(signed_in.status(), 302);
    assert_eq!(signed_in.header("cache-control"), Some("no-store"));
    let location = signed_in.header("location").expect("Location");
    let issued = studio.issued().await;
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0]["AuthorizedUrl"], location);
    assert_eq!(issued[0]["UserProfileName"], "alice");
    assert_eq!(issued[0]["SessionExpirationDurationInSeconds"], 43200);
    assert_eq!(issued[0]["ExpiresInSeconds"], 60);
    assert_eq!(signed_in.audit["decision"], "allowed");
    assert_eq!(signed_in.audit["identity"], "alice");
    assert_eq!(signed_in.audit["profile"], "alice");
    studio.assert_never_logged(location);
}

#[tokio::test]
async fn a_federated_session_lands_in_the_profile_tagged_with_its_session_name() {
    let studio = SignInUnderTest::start(&[]).await;
    studio.profile("jdoe", Some("jdoe@example.com")).await;
    studio.profile("alice", Some("alice")).await;
    let event: Value = serde_json::from_str(BROWSER_FEDERATED_SESSION).expect("sample");

    let signed_in = studio.sign_in(event).await;

    assert_eq!(signed_in.status(), 302);
    let issued = studio.issued().await;
    assert_eq!(issued[0]["UserProfileName"], "jdoe");
    assert_eq!(issued[0]["LandingUri"], "app:JupyterLab:lab");
    assert_eq!(
        signed_in.header("location"),
        issued[0]["AuthorizedUrl"].as_str()
    );
    assert_eq!(signed_in.audit["identity"], "jdoe@example.com");
    assert_eq!(
        signed_in.audit["role"],
        "AWSReservedSSO_DataScientist_0a1b2c3d4e5f6a7b"
    );
    studio.assert_never_logged(signed_in.header("location").expect("Location"));
}

#[tokio::test]
async fn an_api_gateway_http_api_request_is_served_alike() {
    let studio = SignInUnderTest::start(&[]).await;
    studio.profile("bob", Some("bob")).await;
    let event: Value = serde_json::from_str(HTTP_API_IAM_USER).expect("sample");

    let signed_in = studio.sign_in(event).await;

    assert_eq!(signed_in.status(), 302);
    let issued = studio.issued().await;
    assert_eq!(issued[0]["UserProfileName"], "bob");
    assert_eq!(issued[0]["LandingUri"], "studio::");
}

#[tokio::test]
async fn asking_for_another_users_profile_is_refused() {
    let studio = SignInUnderTest::start(&[]).await;
    studio.profile("alice", Some("alice")).await;
    studio.profile("bob", Some("bob")).await;

    let signed_in = studio
        .sign_in(with_query(browser(&user("alice")), "profile=bob"))
        .await;

    assert_eq!(signed_in.status(), 403);
    assert_eq!(signed_in.code(), "profile_not_allowed");
    assert_eq!(signed_in.header("cache-control"), Some("no-store"));
    assert_eq!(signed_in.audit["decision"], "denied");
    assert_eq!(signed_in.audit["profile"], "alice");
    assert!(studio.issued().await.is_empty(), "no URL was issued");
}

#[tokio::test]
async fn a_profile_named_like_the_caller_but_tagged_for_someone_else_is_not_theirs() {
    let studio = SignInUnderTest::start(&[]).await;
    studio.profile("bob", Some("alice")).await;

    let bob = studio.sign_in(browser(&user("bob"))).await;
    assert_eq!(bob.status(), 403);
    assert_eq!(bob.code(), "no_profile");
    assert!(studio.issued().await.is_empty());

    let alice = studio.sign_in(browser(&user("alice"))).await;
    assert_eq!(alice.status(), 302);
    assert_eq!(studio.issued().await[0]["UserProfileName"], "bob");
}

#[tokio::test]
async fn a_caller_without_a_profile_is_refused() {
    let studio = SignInUnderTest::start(&[]).await;
    studio.profile("alice", Some("alice")).await;
    studio.profile("untagged", None).await;

    let signed_in = studio.sign_in(browser(&user("carol"))).await;

    assert_eq!(signed_in.status(), 403);
    assert_eq!(signed_in.code(), "no_profile");
    let body = signed_in.body();
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("studiouserid=carol"),
        "{body}"
    );
    assert!(body["requestId"].is_string());
    assert_eq!(signed_in.audit["reason"], body["message"]);
    assert!(studio.issued().await.is_empty());
}

#[tokio::test]
async fn two_profiles_with_the_same_tag_are_refused_as_ambiguous() {
    let studio = SignInUnderTest::start(&[]).await;
    studio.profile("alice", Some("alice")).await;
    studio.profile("alice-sandbox", Some("alice")).await;

    let signed_in = studio.sign_in(browser(&user("alice"))).await;

    assert_eq!(signed_in.status(), 409);
    assert_eq!(signed_in.code(), "ambiguous_profile");
    let message = signed_in.body()["message"]
        .as_str()
        .expect("message")
        .to_owned();
    assert!(message.contains("alice, alice-sandbox"), "{message}");
    assert_eq!(signed_in.audit["decision"], "denied");
    assert!(studio.issued().await.is_empty(), "never a guess");
}

#[tokio::test]
async fn a_tag_that_differs_only_in_case_does_not_match() {
    let studio = SignInUnderTest::start(&[]).await;
    studio.profile("alice", Some("Alice")).await;

    let signed_in = studio.sign_in(browser(&user("alice"))).await;

    assert_eq!(signed_in.status(), 403);
    assert_eq!(signed_in.code(), "no_profile");
    assert!(studio.issued().await.is_empty());
}

#[tokio::test]
async fn a_caller_from_another_account_is_refused_before_any_sagemaker_call() {
    let studio = SignInUnderTest::start(&[]).await;
    studio.profile("alice", Some("alice")).await;
    studio.forget_calls().await;

    let signed_in = studio
        .sign_in(browser(&format!("arn:aws:iam::{OTHER_ACCOUNT}:user/alice")))
        .await;

    assert_eq!(signed_in.status(), 403);
    assert_eq!(signed_in.code(), "account_not_allowed");
    assert_eq!(signed_in.audit["account_id"], OTHER_ACCOUNT);
    assert_eq!(studio.sagemaker_calls().await, Vec::<String>::new());
}

#[tokio::test]
async fn a_session_named_bob_of_an_untrusted_role_gets_403_not_bobs_url() {
    // The attack: anyone allowed to assume a role with the data scientists' policy names the
    // session "bob" (AssumeRole's RoleSessionName is the caller's choice).
    let studio = SignInUnderTest::start(&[]).await;
    studio.profile("bob", Some("bob")).await;
    studio.forget_calls().await;

    let forged = studio
        .sign_in(browser(&format!(
            "arn:aws:sts::{ACCOUNT_ID}:assumed-role/DataScientists/bob"
        )))
        .await;

    assert_eq!(forged.status(), 403);
    assert_eq!(forged.code(), "session_not_trusted");
    let message = forged.body()["message"]
        .as_str()
        .expect("message")
        .to_owned();
    assert!(
        message.contains("Sessions of role DataScientists are not trusted")
            && message.contains("sts:AssumeRole")
            && message.contains("TrustedSessionRoleNames")
            && message.contains("sts:RoleSessionName"),
        "{message}"
    );
    assert_eq!(forged.audit["decision"], "denied");
    assert_eq!(forged.audit["code"], "session_not_trusted");
    assert_eq!(forged.audit["role"], "DataScientists");
    assert_eq!(forged.audit["reason"], message);
    assert_eq!(studio.sagemaker_calls().await, Vec::<String>::new());
    assert!(studio.issued().await.is_empty(), "no URL for bob");
}

#[tokio::test]
async fn a_session_of_a_listed_federated_role_signs_in_and_other_roles_still_do_not() {
    let studio = SignInUnderTest::start(&[("TRUSTED_SESSION_ROLE_NAMES", "DataScientists")]).await;
    studio.profile("alice", Some("alice")).await;

    let listed = studio
        .sign_in(browser(&format!(
            "arn:aws:sts::{ACCOUNT_ID}:assumed-role/DataScientists/alice"
        )))
        .await;
    assert_eq!(listed.status(), 302);
    assert_eq!(listed.audit["trust"], "trusted_session_role");

    let other_role = studio
        .sign_in(browser(&format!(
            "arn:aws:sts::{ACCOUNT_ID}:assumed-role/Admin/alice"
        )))
        .await;
    assert_eq!(other_role.code(), "session_not_trusted");
    let user = studio.sign_in(browser(&user("alice"))).await;
    assert_eq!(user.status(), 302);
    assert_eq!(user.audit["trust"], "iam_user");
    assert_eq!(studio.issued().await.len(), 2);
}

#[tokio::test]
async fn alice_of_another_account_is_refused_alices_profile_and_gets_her_own() {
    let studio = SignInUnderTest::start(&[(
        "ALLOWED_ACCOUNT_IDS",
        &format!("{ACCOUNT_ID},{OTHER_ACCOUNT}"),
    )])
    .await;
    studio.profile("alice", Some("alice")).await;
    let alice_b = format!("arn:aws:iam::{OTHER_ACCOUNT}:user/alice");

    let refused = studio.sign_in(browser(&alice_b)).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.code(), "no_profile");
    assert_eq!(refused.audit["identity"], format!("{OTHER_ACCOUNT}/alice"));
    assert!(
        studio.issued().await.is_empty(),
        "alice@B never gets alice@A's URL"
    );

    studio
        .profile("alice-partner", Some(&format!("{OTHER_ACCOUNT}/alice")))
        .await;
    let own = studio.sign_in(browser(&alice_b)).await;
    assert_eq!(own.status(), 302);
    assert_eq!(studio.issued().await[0]["UserProfileName"], "alice-partner");
    let alice_a = studio.sign_in(browser(&user("alice"))).await;
    assert_eq!(alice_a.status(), 302);
    assert_eq!(studio.issued().await[1]["UserProfileName"], "alice");
}

#[tokio::test]
async fn an_sso_domain_answers_with_the_identity_center_access_portal() {
    let aws = AwsEmulator::builder()
        .transition_seconds(0.2)
        .lease()
        .await
        .expect("the emulator starts");
    let domain_id = support::create_domain(&aws, "sso-science", "SSO").await;
    let studio = SignInUnderTest::with_function(aws, domain_id, &[]).await;
    studio
        .wait_for_status("DescribeDomain", json!({ "DomainId": studio.domain_id }))
        .await;
    // SageMaker makes a profile of an SSO domain only for a user of the directory assigned to
    // the domain's application (CloudFormation AWS::SageMaker::UserProfile, "Note"):
    // tests/aws-emulator/studio_emulator/identity_center.py.
    let instances = studio
        .aws
        .call_json_as("sso", "SWBExternalService.ListInstances", &json!({}))
        .await
        .expect("ListInstances");
    let directory_user = studio
        .aws
        .call_json_as(
            "identitystore",
            "AWSIdentityStore.CreateUser",
            &json!({
                "IdentityStoreId": instances["Instances"][0]["IdentityStoreId"],
                "UserName": "alice",
                "DisplayName": "Alice",
                "Name": { "GivenName": "Alice", "FamilyName": "Example" }
            }),
        )
        .await
        .expect("CreateUser");
    let domain = studio
        .aws
        .sagemaker("DescribeDomain", &json!({ "DomainId": studio.domain_id }))
        .await
        .expect("DescribeDomain");
    studio
        .aws
        .call_json_as(
            "sso",
            "SWBExternalService.CreateApplicationAssignment",
            &json!({
                "ApplicationArn": domain["SingleSignOnApplicationArn"],
                "PrincipalId": directory_user["UserId"],
                "PrincipalType": "USER"
            }),
        )
        .await
        .expect("CreateApplicationAssignment");
    studio
        .aws
        .sagemaker(
            "CreateUserProfile",
            &json!({
                "DomainId": studio.domain_id,
                "UserProfileName": "alice",
                "SingleSignOnUserIdentifier": "UserName",
                "SingleSignOnUserValue": "alice",
                "Tags": [{ "Key": "studiouserid", "Value": "alice" }]
            }),
        )
        .await
        .expect("CreateUserProfile");
    studio
        .wait_for_status(
            "DescribeUserProfile",
            json!({ "DomainId": studio.domain_id, "UserProfileName": "alice" }),
        )
        .await;

    studio.forget_calls().await;

    // A caller with a profile: SageMaker refuses the URL, the function explains why.
    let alice = studio.sign_in(browser(&user("alice"))).await;
    assert_eq!(alice.status(), 403);
    assert_eq!(alice.code(), "use_identity_center");
    let message = alice.body()["message"]
        .as_str()
        .expect("message")
        .to_owned();
    assert!(
        message.contains("IAM Identity Center") && message.contains("access portal"),
        "{message}"
    );
    // A caller without one gets the same answer, not "no profile"; the domain was read once.
    let carol = studio.sign_in(browser(&user("carol"))).await;
    assert_eq!(carol.code(), "use_identity_center");
    let describes = studio
        .sagemaker_calls()
        .await
        .into_iter()
        .filter(|call| call == "DescribeDomain")
        .count();
    assert_eq!(describes, 1, "the AuthMode is read once per instance");
    assert!(studio.issued().await.is_empty());
}

#[tokio::test]
async fn a_request_without_iam_auth_is_unauthenticated() {
    let studio = SignInUnderTest::start(&[]).await;
    let event: Value = serde_json::from_str(UNSIGNED).expect("sample");

    let signed_in = studio.sign_in(event).await;

    assert_eq!(signed_in.status(), 401);
    assert_eq!(signed_in.code(), "unauthenticated");
}

#[tokio::test]
async fn a_json_client_gets_the_url_as_json() {
    let studio = SignInUnderTest::start(&[
        ("EXPIRES_IN_SECONDS", "120"),
        ("SESSION_EXPIRATION_DURATION_IN_SECONDS", "3600"),
    ])
    .await;
    studio.profile("alice", Some("alice")).await;

    let signed_in = studio
        .sign_in(accepting_json(browser(&user("alice"))))
        .await;

    assert_eq!(signed_in.status(), 200);
    assert_eq!(signed_in.header("content-type"), Some("application/json"));
    assert_eq!(signed_in.header("cache-control"), Some("no-store"));
    assert_eq!(signed_in.header("location"), None);
    let body = signed_in.body();
    let issued = studio.issued().await;
    assert_eq!(
        body,
        json!({ "url": issued[0]["AuthorizedUrl"], "expiresInSeconds": 120 })
    );
    assert_eq!(issued[0]["ExpiresInSeconds"], 120);
    assert_eq!(issued[0]["SessionExpirationDurationInSeconds"], 3600);
    studio.assert_never_logged(body["url"].as_str().expect("url"));
}

#[tokio::test]
async fn landing_and_space_are_validated_before_any_url_is_issued() {
    let studio = SignInUnderTest::start(&[]).await;
    studio.profile("alice", Some("alice")).await;
    studio.profile("bob", Some("bob")).await;
    studio.space("bobs-space", "bob", "Private").await;

    for (query, status, code) in [
        (
            "landing=https%3A%2F%2Fevil.example.com%2F",
            400,
            "invalid_parameter",
        ),
        ("landing=app%3ANotAnApp%3A", 400, "invalid_parameter"),
        (
            "landing=studio%3A%3A..%2F..%2Fadmin",
            400,
            "invalid_parameter",
        ),
        ("space=not_a_space_name", 400, "invalid_parameter"),
        ("space=a&space=b", 400, "duplicate_parameter"),
        ("spcae=team", 400, "unknown_parameter"),
        ("space=no-such-space", 404, "space_not_found"),
        ("space=bobs-space", 403, "space_not_allowed"),
    ] {
        let signed_in = studio
            .sign_in(with_query(browser(&user("alice")), query))
            .await;
        assert_eq!(
            (signed_in.status(), signed_in.code()),
            (status, code.to_owned()),
            "{query}"
        );
    }
    assert!(studio.issued().await.is_empty());
}

#[tokio::test]
async fn an_own_space_and_a_landing_page_are_passed_to_sagemaker() {
    let studio = SignInUnderTest::start(&[]).await;
    studio.profile("alice", Some("alice")).await;
    studio.profile("bob", Some("bob")).await;
    studio.space("alices-space", "alice", "Private").await;
    studio.space("team-space", "bob", "Shared").await;

    let own = studio
        .sign_in(with_query(
            browser(&user("alice")),
            "space=alices-space&landing=app%3AJupyterLab%3Alab%2Ftree%2Fnotebooks",
        ))
        .await;
    let shared = studio
        .sign_in(with_query(browser(&user("alice")), "space=team-space"))
        .await;

    assert_eq!((own.status(), shared.status()), (302, 302));
    let issued = studio.issued().await;
    assert_eq!(issued[0]["SpaceName"], "alices-space");
    assert_eq!(issued[0]["LandingUri"], "app:JupyterLab:lab/tree/notebooks");
    assert_eq!(issued[1]["SpaceName"], "team-space");
    assert_eq!(own.audit["space"], "alices-space");
}

#[tokio::test]
async fn the_url_never_appears_in_the_logs_even_at_trace_level() {
    let studio =
        SignInUnderTest::start(&[("AWS_LAMBDA_LOG_LEVEL", "TRACE"), ("RUST_LOG", "trace")]).await;
    studio.profile("alice", Some("alice")).await;

    let redirect = studio.sign_in(browser(&user("alice"))).await;
    let json = studio
        .sign_in(accepting_json(browser(&user("alice"))))
        .await;

    let logs = studio.lambda.logs(FUNCTION);
    assert!(
        logs.iter().any(|line| line.contains("\"level\":\"DEBUG\"")),
        "verbose logging is on: {logs:#?}"
    );
    for issued in studio.issued().await {
        studio.assert_never_logged(issued["AuthorizedUrl"].as_str().expect("url"));
    }
    assert_eq!(redirect.status(), 302);
    assert_eq!(json.status(), 200);
}

/// Profiles for the scale tests: `count` tagged `studiouserid=user<i>`, made in parallel
/// (not waited for: only the one signed in to must be `InService`).
async fn many_profiles(studio: &SignInUnderTest, count: usize) {
    use futures::{StreamExt, TryStreamExt, stream};
    stream::iter(0..count)
        .map(|i| async move {
            let request = json!({
                "DomainId": studio.domain_id,
                "UserProfileName": format!("user{i}"),
                "Tags": [{ "Key": "studiouserid", "Value": format!("user{i}") }]
            });
            studio.aws.sagemaker("CreateUserProfile", &request).await
        })
        .buffer_unordered(8)
        .try_collect::<Vec<_>>()
        .await
        .expect("CreateUserProfile");
}

#[tokio::test]
async fn a_cold_sign_in_costs_three_calls_and_a_warm_one_two_among_hundreds_of_profiles() {
    // Given a domain with 300 tagged profiles
    let studio = SignInUnderTest::start(&[]).await;
    many_profiles(&studio, 299).await;
    studio.profile("alice", Some("alice")).await;
    studio.forget_calls().await;

    // When alice signs in on a cold instance, then again on the warm one
    let cold = studio.sign_in(browser(&user("alice"))).await;
    let cold_calls = studio.aws_calls().await;
    studio.forget_calls().await;
    let warm = studio.sign_in(browser(&user("alice"))).await;
    let warm_calls = studio.aws_calls().await;

    // Then the cold one searched by tag and confirmed with the profile's own tags
    assert_eq!((cold.status(), warm.status()), (302, 302));
    assert_eq!(
        cold_calls,
        vec![
            "tagging:GetResources",
            "sagemaker:ListTags",
            "sagemaker:CreatePresignedDomainUrl"
        ]
    );
    assert_eq!(cold.audit["api_calls"], 3);
    assert_eq!(
        warm_calls,
        vec!["sagemaker:ListTags", "sagemaker:CreatePresignedDomainUrl"]
    );
    assert_eq!(warm.audit["api_calls"], 2);
}

#[tokio::test]
async fn a_failed_tag_search_falls_back_to_listing_the_domain() {
    // Given GetResources fails (the SDK's attempts included), as it would for a role without
    // tag:GetResources
    let studio = SignInUnderTest::start(&[]).await;
    many_profiles(&studio, 150).await;
    studio.profile("alice", Some("alice")).await;
    studio
        .aws
        .inject_fault(
            &Fault::new("tagging", "GetResources", "AccessDeniedException")
                .message("not authorized to perform: tag:GetResources")
                .until_cleared(),
        )
        .await
        .expect("fault");
    studio.forget_calls().await;

    // When alice signs in
    let signed_in = studio.sign_in(browser(&user("alice"))).await;

    // Then she is signed in from the listing (2 pages of 100 and a ListTags per profile), and
    // the fallback is logged
    assert_eq!(signed_in.status(), 302);
    let calls = studio.aws_calls().await;
    let count = |operation: &str| calls.iter().filter(|c| *c == operation).count();
    assert_eq!(count("tagging:GetResources"), 1);
    assert_eq!(count("sagemaker:ListUserProfiles"), 2);
    assert_eq!(count("sagemaker:ListTags"), 151);
    studio
        .lambda
        .wait_for_log(
            FUNCTION,
            "GetResources failed: looking the profile up by listing the domain",
            WAIT,
        )
        .await
        .expect("the fallback is logged");
}

#[tokio::test]
async fn a_stale_tag_search_never_signs_anyone_in_to_a_profile_retagged_away() {
    // Given GetResources lags (a tag change reaches it only after 10 minutes) and p1, found
    // by it as alice's, has just been retagged to carol
    let studio = SignInUnderTest::start(&[]).await;
    let p1 = studio.profile("p1", Some("alice")).await;
    studio
        .aws
        .configure(&json!({ "tagging_lag_seconds": 600 }))
        .await
        .expect("lag");
    studio
        .aws
        .sagemaker(
            "AddTags",
            &json!({ "ResourceArn": p1, "Tags": [{ "Key": "studiouserid", "Value": "carol" }] }),
        )
        .await
        .expect("AddTags");

    // When alice signs in (a cold instance: GetResources still names p1 for her)
    let alice = studio.sign_in(browser(&user("alice"))).await;

    // Then p1's own tags refuse her, and no URL is issued
    assert_eq!(alice.status(), 403);
    assert_eq!(alice.code(), "no_profile");
    assert!(studio.issued().await.is_empty());
}

#[tokio::test]
async fn a_warm_instance_signs_no_one_in_to_a_profile_being_deleted() {
    // Given a warm instance that has signed alice in
    let studio = SignInUnderTest::start(&[]).await;
    studio.profile("alice", Some("alice")).await;
    assert_eq!(studio.sign_in(browser(&user("alice"))).await.status(), 302);

    // When her profile is being deleted (deprovisioning takes a while)
    studio.aws.set_transition_seconds(30.0).await.unwrap();
    studio
        .aws
        .sagemaker(
            "DeleteUserProfile",
            &json!({ "DomainId": studio.domain_id, "UserProfileName": "alice" }),
        )
        .await
        .expect("DeleteUserProfile");

    // Then she is refused as a cold instance would refuse her, and no URL is issued
    let refused = studio.sign_in(browser(&user("alice"))).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.code(), "no_profile");
    assert_eq!(studio.issued().await.len(), 1);
}

#[tokio::test]
async fn a_profile_retagged_away_is_refused_at_once() {
    let studio = SignInUnderTest::start(&[]).await;
    let arn = studio.profile("p1", Some("alice")).await;
    assert_eq!(studio.sign_in(browser(&user("alice"))).await.status(), 302);

    studio
        .aws
        .sagemaker(
            "AddTags",
            &json!({ "ResourceArn": arn, "Tags": [{ "Key": "studiouserid", "Value": "carol" }] }),
        )
        .await
        .expect("AddTags");

    let alice = studio.sign_in(browser(&user("alice"))).await;
    assert_eq!(alice.status(), 403);
    assert_eq!(alice.code(), "no_profile");
    let carol = studio.sign_in(browser(&user("carol"))).await;
    assert_eq!(carol.status(), 302);
    let issued = studio.issued().await;
    assert_eq!(issued.len(), 2);
    assert_eq!(issued[1]["UserProfileName"], "p1");
}

#[tokio::test]
async fn throttling_is_answered_503_and_the_next_request_succeeds() {
    let studio = SignInUnderTest::start(&[]).await;
    studio.profile("alice", Some("alice")).await;
    // AWS_MAX_ATTEMPTS=2: both attempts of the SDK are throttled (the profile's ListTags,
    // which confirms what GetResources found).
    studio
        .aws
        .inject_fault(&Fault::throttling("sagemaker", "ListTags").count(2))
        .await
        .expect("fault");

    let throttled = studio.sign_in(browser(&user("alice"))).await;
    assert_eq!(throttled.status(), 503);
    assert_eq!(throttled.code(), "temporarily_unavailable");
    assert_eq!(throttled.header("retry-after"), Some("1"));
    let body = throttled.response["body"]
        .as_str()
        .expect("body")
        .to_owned();
    assert!(
        !body.contains("ListTags") && !body.contains("Rate exceeded"),
        "{body}"
    );
    assert_eq!(throttled.audit["decision"], "failed");

    assert_eq!(studio.sign_in(browser(&user("alice"))).await.status(), 302);
}

#[tokio::test]
async fn a_bad_configuration_fails_the_cold_start_clearly() {
    for (env, needle) in [
        (vec![("DOMAIN_ID", "")], "DOMAIN_ID is required"),
        (
            vec![("EXPIRES_IN_SECONDS", "301")],
            "EXPIRES_IN_SECONDS=\\\"301\\\" is invalid: a whole number of seconds from 5 to 300",
        ),
    ] {
        let aws = AwsEmulator::builder()
            .lease()
            .await
            .expect("the emulator starts");
        let studio = SignInUnderTest::with_function(aws, "d-abc123def456".to_owned(), &env).await;
        let result = studio
            .lambda
            .invoke(FUNCTION, browser(&user("alice")))
            .await
            .expect("the invocation runs");
        assert!(
            matches!(result.outcome, Outcome::Crashed | Outcome::Error(_)),
            "{:?}",
            result.outcome
        );
        studio
            .lambda
            .wait_for_log(FUNCTION, needle, WAIT)
            .await
            .unwrap_or_else(|_| panic!("{needle}: {:#?}", studio.lambda.logs(FUNCTION)));
    }
}
