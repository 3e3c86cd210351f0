//! One sign-in: who is calling, may they, which profile is theirs, and the URL into it — with
//! one audit line per request (identity, profile, decision, reason; never the URL).

use aws_sdk_sagemaker::types::AuthMode;
use lambda_support::{AwsError, AwsErrorKind};
use studio_sagemaker::ports::{Spaces, Tags, UserProfiles};
use tokio::sync::OnceCell;

use crate::{
    config::Config,
    domain::DomainAuthModes,
    identity::{AccessDenied, AccessPolicy, Caller},
    profiles::{ArnScope, Lookup, ProfileDirectory},
    request::{HttpRequest, SignInParameters, parameters, wants_json},
    response::{Answer, HttpResponse, Refusal, refused, signed_in},
    studio::{Counting, PresignRequest, PresignedUrl, PresignedUrls},
    tag_search::ProfileSearch,
};

/// What the Lambda runtime says about the invocation.
#[derive(Debug, Clone, Copy)]
pub struct InvocationContext<'a> {
    /// The Lambda request id (also returned to the caller, to quote to the admin).
    pub request_id: &'a str,
    /// The function's own ARN: its account is the default allowed account, and its
    /// partition, region and account are the domain's.
    pub function_arn: &'a str,
}

/// The function: configuration, SageMaker, and the index of profiles a warm instance keeps.
#[derive(Debug)]
pub struct SignIn<S> {
    config: Config,
    policy: AccessPolicy,
    pub(crate) studio: S,
    directory: ProfileDirectory,
    /// Whether the domain is an IAM Identity Center (`SSO`) domain, once asked ([`crate::domain`]).
    identity_center_domain: OnceCell<bool>,
}

/// What the audit line records about a request, filled in as the request is understood.
#[derive(Debug, Default)]
struct Audit {
    caller: Option<String>,
    account_id: Option<String>,
    identity: Option<String>,
    role: Option<String>,
    trust: Option<&'static str>,
    profile: Option<String>,
    space: Option<String>,
    landing: Option<String>,
}

/// The audit line of a request: `$level` (`info`, `warn`, `error`), then the decision, the
/// HTTP status, the outcome's code and reason, then what was understood of the request.
macro_rules! audit {
    ($level:ident, $invocation:expr, $audit:expr, $api_calls:expr,
     $decision:expr, $status:expr, $code:expr, $reason:expr) => {
        tracing::$level!(
            request_id = $invocation.request_id,
            decision = $decision,
            status = $status,
            code = $code,
            reason = $reason,
            caller = $audit.caller,
            account_id = $audit.account_id,
            identity = $audit.identity,
            role = $audit.role,
            trust = $audit.trust,
            profile = $audit.profile,
            space = $audit.space,
            landing = $audit.landing,
            api_calls = $api_calls,
            "sign-in"
        )
    };
}

impl<S> SignIn<S>
where
    S: UserProfiles + Tags + Spaces + PresignedUrls + DomainAuthModes + ProfileSearch,
{
    /// The function for `config`, calling SageMaker through `studio`.
    pub fn new(config: Config, studio: S) -> Self {
        let policy = AccessPolicy {
            allowed_account_ids: config.allowed_account_ids.clone(),
            trusted_session_role_names: config.trusted_session_role_names.clone(),
        };
        let directory = ProfileDirectory::new(&config.domain_id, config.profile_index_ttl);
        Self {
            config,
            policy,
            studio,
            directory,
            identity_center_domain: OnceCell::new(),
        }
    }

    /// Answers one request. Every outcome is an HTTP response; each is audited.
    pub async fn handle(
        &self,
        request: &HttpRequest,
        invocation: InvocationContext<'_>,
    ) -> HttpResponse {
        let studio = Counting::new(&self.studio);
        let mut audit = Audit::default();
        let outcome = self.sign_in(request, invocation, &studio, &mut audit).await;
        let api_calls = studio.calls();
        match outcome {
            Ok((answer, url)) => {
                let status = if answer == Answer::Redirect { 302 } else { 200 };
                let reason = "the caller's own profile";
                audit!(
                    info,
                    invocation,
                    audit,
                    api_calls,
                    "allowed",
                    status,
                    "signed_in",
                    reason
                );
                signed_in(&answer, &url, self.config.expires_in_seconds)
            }
            Err(refusal) => {
                let (status, code, reason) = (refusal.status(), refusal.code(), refusal.reason());
                match &refusal {
                    Refusal::Unavailable(_) => {
                        audit!(
                            warn, invocation, audit, api_calls, "failed", status, code, reason
                        );
                    }
                    Refusal::Failed(_) => {
                        audit!(
                            error, invocation, audit, api_calls, "failed", status, code, reason
                        );
                    }
                    _ => audit!(
                        info, invocation, audit, api_calls, "denied", status, code, reason
                    ),
                }
                refused(&refusal, Some(invocation.request_id))
            }
        }
    }

    async fn sign_in(
        &self,
        request: &HttpRequest,
        invocation: InvocationContext<'_>,
        studio: &Counting<'_, S>,
        audit: &mut Audit,
    ) -> Result<(Answer, PresignedUrl), Refusal> {
        let context = &request.request_context;
        let method = context.http.method.as_deref().unwrap_or_default();
        if method != "GET" {
            return Err(Refusal::MethodNotAllowed(method.chars().take(16).collect()));
        }

        let iam = context
            .authorizer
            .as_ref()
            .and_then(|authorizer| authorizer.iam.as_ref());
        let user_arn = iam
            .and_then(|iam| iam.user_arn.as_deref())
            .ok_or(Refusal::Unauthenticated)?;
        audit.caller = Some(user_arn.to_owned());
        let caller = Caller::parse(user_arn, iam.and_then(|iam| iam.account_id.as_deref()))
            .map_err(Refusal::Identity)?;
        audit.account_id = Some(caller.account_id.clone());
        audit.identity = Some(caller.identity().to_owned());
        audit.role = caller.role_name().map(str::to_owned);

        let scope = ArnScope::from_function_arn(invocation.function_arn).ok_or_else(|| {
            Refusal::Failed(format!(
                "the function ARN {:?} is not a Lambda function ARN",
                invocation.function_arn
            ))
        })?;
        let trusted =
            self.policy
                .check(&caller, &scope.account_id)
                .map_err(|denied| match denied {
                    AccessDenied::Account => Refusal::AccountNotAllowed {
                        account_id: caller.account_id.clone(),
                    },
                    AccessDenied::UntrustedSession { role } => Refusal::SessionNotTrusted { role },
                })?;
        audit.trust = Some(trusted.trust.as_str());
        audit.identity = Some(trusted.tag_value.clone());

        let SignInParameters {
            space,
            landing,
            profile: requested_profile,
        } = parameters(request).map_err(Refusal::Parameter)?;
        audit.space.clone_from(&space);
        audit.landing.clone_from(&landing);

        let identity = trusted.tag_value.as_str();
        let profile = match self
            .directory
            .lookup(studio, &scope, identity)
            .await
            .map_err(aws_refusal)?
        {
            Lookup::Found(profile) => profile,
            Lookup::NoProfile => {
                return Err(self
                    .unless_identity_center_domain(
                        studio,
                        Refusal::NoProfile {
                            identity: identity.to_owned(),
                        },
                    )
                    .await);
            }
            Lookup::Ambiguous(profiles) => {
                return Err(Refusal::AmbiguousProfile {
                    identity: identity.to_owned(),
                    profiles,
                });
            }
            Lookup::NotInService { profile, status } => {
                audit.profile = Some(profile.clone());
                return Err(Refusal::ProfileNotInService { profile, status });
            }
        };
        audit.profile = Some(profile.clone());
        if let Some(requested) = requested_profile.filter(|requested| *requested != profile) {
            return Err(Refusal::ProfileNotAllowed {
                requested,
                own: profile,
            });
        }

        if let Some(space) = &space {
            match studio
                .describe_space(&self.config.domain_id, space)
                .await
                .map_err(aws_refusal)?
            {
                None => return Err(Refusal::SpaceNotFound(space.clone())),
                Some(access) if !access.is_open_to(&profile) => {
                    return Err(Refusal::SpaceNotAllowed(space.clone()));
                }
                Some(_) => {}
            }
        }

        let presign = PresignRequest {
            domain_id: self.config.domain_id.clone(),
            user_profile_name: profile,
            session_expiration_seconds: self.config.session_expiration_seconds,
            expires_in_seconds: self.config.expires_in_seconds,
            space_name: space,
            landing_uri: landing,
        };
        let url = match studio.create_presigned_domain_url(&presign).await {
            Ok(url) => url,
            Err(error) if error.is_not_found() => {
                // Deleted since it was looked up: forget what we knew.
                self.directory.invalidate().await;
                return Err(Refusal::NoProfile {
                    identity: identity.to_owned(),
                });
            }
            Err(error) if error.is_transient() => return Err(Refusal::Unavailable(error)),
            Err(error) => {
                // SageMaker refuses a profile that is not InService (ValidationException): the
                // lookup does not read the status up front, so it is read now to say why (HB).
                let refusal = if error.kind == AwsErrorKind::Invalid {
                    match self
                        .directory
                        .refusal_for_status(studio, &presign.user_profile_name)
                        .await
                    {
                        Ok(Some(Lookup::NotInService { profile, status })) => {
                            Refusal::ProfileNotInService { profile, status }
                        }
                        Ok(Some(_)) => Refusal::NoProfile {
                            identity: identity.to_owned(),
                        },
                        Ok(None) => Refusal::Failed(error.to_string()),
                        Err(status_error) => aws_refusal(status_error),
                    }
                } else {
                    Refusal::Failed(error.to_string())
                };
                return Err(self.unless_identity_center_domain(studio, refusal).await);
            }
        };
        let answer = if wants_json(&request.headers) {
            Answer::Json
        } else {
            Answer::Redirect
        };
        Ok((answer, url))
    }
}

impl<S> SignIn<S>
where
    S: DomainAuthModes,
{
    /// `refusal`, unless the domain is an IAM Identity Center domain, where nobody signs in
    /// here: then the answer points to the access portal. One DescribeDomain per instance, only
    /// on a refusal; if it fails, `refusal` stands (and is asked again next time).
    async fn unless_identity_center_domain(
        &self,
        studio: &Counting<'_, S>,
        refusal: Refusal,
    ) -> Refusal {
        let identity_center = self
            .identity_center_domain
            .get_or_try_init(|| async {
                studio
                    .domain_auth_mode(&self.config.domain_id)
                    .await
                    .map(|mode| mode == Some(AuthMode::Sso))
            })
            .await;
        match identity_center {
            Ok(true) => Refusal::IdentityCenterDomain,
            Ok(false) => refusal,
            Err(error) => {
                tracing::warn!(error = %error, "could not read the domain's AuthMode");
                refusal
            }
        }
    }
}

fn aws_refusal(error: AwsError) -> Refusal {
    if error.is_transient() {
        Refusal::Unavailable(error)
    } else {
        Refusal::Failed(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use aws_lambda_events::http::header::{CACHE_CONTROL, LOCATION};
    use lambda_support::AwsErrorKind;
    use serde_json::{Value, json};

    use aws_sdk_sagemaker::types::SharingType;

    use super::*;
    use studio_sagemaker::memory::{self, MemoryStudio};

    use crate::studio::memory::{held_studio, presigned, tags};

    const DOMAIN: &str = "d-abc123def456";
    const FUNCTION_ARN: &str =
        "arn:aws:lambda:us-east-1:123456789012:function:studio-presigned-url";

    fn config() -> Config {
        Config::with_defaults(DOMAIN)
    }

    fn studio() -> MemoryStudio {
        let studio = held_studio();
        studio.add_user_profile(DOMAIN, "alice", tags(&[("studiouserid", "alice")]));
        studio.add_user_profile(DOMAIN, "bob", tags(&[("studiouserid", "bob")]));
        studio
    }

    fn request(user_arn: &str, query: &str, accept: &str) -> HttpRequest {
        let account = user_arn.split(':').nth(4).unwrap_or_default();
        serde_json::from_value(json!({
            "rawPath": "/",
            "rawQueryString": query,
            "headers": { "accept": accept },
            "requestContext": {
                "accountId": "123456789012",
                "requestId": "req-1",
                "authorizer": { "iam": { "accountId": account, "userArn": user_arn } },
                "http": { "method": "GET", "path": "/" },
                "timeEpoch": 0
            },
            "isBase64Encoded": false
        }))
        .expect("request")
    }

    async fn call(app: &SignIn<MemoryStudio>, request: &HttpRequest) -> HttpResponse {
        app.handle(
            request,
            InvocationContext {
                request_id: "req-1",
                function_arn: FUNCTION_ARN,
            },
        )
        .await
    }

    fn body(response: &HttpResponse) -> Value {
        serde_json::from_str(response.body.as_deref().expect("body")).expect("json body")
    }

    const ALICE: &str = "arn:aws:iam::123456789012:user/alice";

    #[tokio::test]
    async fn the_caller_is_redirected_into_their_own_profile() {
        let app = SignIn::new(config(), studio());
        let response = call(&app, &request(ALICE, "", "text/html")).await;
        assert_eq!(response.status_code, 302);
        assert_eq!(response.headers[CACHE_CONTROL], "no-store");
        let location = response.headers[LOCATION].to_str().expect("ascii");
        assert!(location.contains("token=secret-alice-"), "{location}");
        let presigned = presigned(&app.studio);
        assert_eq!(
            presigned,
            vec![PresignRequest {
                domain_id: DOMAIN.into(),
                user_profile_name: "alice".into(),
                session_expiration_seconds: 43200,
                expires_in_seconds: 60,
                space_name: None,
                landing_uri: None,
            }]
        );
    }

    #[tokio::test]
    async fn a_json_client_gets_json() {
        let app = SignIn::new(config(), studio());
        let response = call(&app, &request(ALICE, "", "application/json")).await;
        assert_eq!(response.status_code, 200);
        let body = body(&response);
        assert_eq!(body["expiresInSeconds"], 60);
        assert!(body["url"].as_str().expect("url").contains("secret-alice-"));
    }

    #[tokio::test]
    async fn a_caller_without_a_profile_is_refused_without_a_url() {
        let app = SignIn::new(config(), studio());
        let response = call(
            &app,
            &request("arn:aws:iam::123456789012:user/carol", "", "text/html"),
        )
        .await;
        assert_eq!(response.status_code, 403);
        assert_eq!(body(&response)["code"], "no_profile");
        assert_eq!(body(&response)["requestId"], "req-1");
        assert_eq!(app.studio.count("CreatePresignedDomainUrl"), 0);
    }

    #[tokio::test]
    async fn asking_for_another_users_profile_is_refused() {
        let app = SignIn::new(config(), studio());
        let response = call(&app, &request(ALICE, "profile=bob", "text/html")).await;
        assert_eq!(response.status_code, 403);
        assert_eq!(body(&response)["code"], "profile_not_allowed");
        assert_eq!(app.studio.count("CreatePresignedDomainUrl"), 0);
        let own = call(&app, &request(ALICE, "profile=alice", "text/html")).await;
        assert_eq!(own.status_code, 302);
    }

    #[tokio::test]
    async fn an_ambiguous_identity_gets_409_naming_the_profiles() {
        let studio = studio();
        studio.add_user_profile(DOMAIN, "alice-2", tags(&[("studiouserid", "alice")]));
        let app = SignIn::new(config(), studio);
        let response = call(&app, &request(ALICE, "", "text/html")).await;
        assert_eq!(response.status_code, 409);
        let body = body(&response);
        assert_eq!(body["code"], "ambiguous_profile");
        assert!(
            body["message"]
                .as_str()
                .expect("message")
                .contains("alice, alice-2")
        );
        assert_eq!(app.studio.count("CreatePresignedDomainUrl"), 0);
    }

    #[tokio::test]
    async fn callers_are_checked_before_any_api_call() {
        let app = SignIn::new(config(), studio());
        for (arn, code) in [
            (
                "arn:aws:iam::210987654321:user/alice",
                "account_not_allowed",
            ),
            ("arn:aws:iam::123456789012:root", "unsupported_identity"),
            (
                "arn:aws:sts::123456789012:federated-user/alice",
                "unsupported_identity",
            ),
        ] {
            let response = call(&app, &request(arn, "", "text/html")).await;
            assert_eq!(response.status_code, 403, "{arn}");
            assert_eq!(body(&response)["code"], code, "{arn}");
        }
        let mut unsigned = request(ALICE, "", "text/html");
        unsigned.request_context.authorizer = None;
        let response = call(&app, &unsigned).await;
        assert_eq!(response.status_code, 401);
        let mut post = request(ALICE, "", "text/html");
        post.request_context.http.method = Some("POST".into());
        assert_eq!(call(&app, &post).await.status_code, 405);
        assert!(app.studio.operations().is_empty());
    }

    #[tokio::test]
    async fn a_session_named_after_someone_else_is_refused_unless_its_role_is_trusted() {
        let app = SignIn::new(config(), studio());
        let forged = "arn:aws:sts::123456789012:assumed-role/DataScientists/bob";
        let response = call(&app, &request(forged, "", "")).await;
        assert_eq!(response.status_code, 403);
        assert_eq!(body(&response)["code"], "session_not_trusted");
        let message = body(&response)["message"]
            .as_str()
            .expect("message")
            .to_owned();
        assert!(
            message.contains("DataScientists")
                && message.contains("sts:AssumeRole")
                && message.contains("TrustedSessionRoleNames"),
            "{message}"
        );
        assert!(app.studio.operations().is_empty(), "no SageMaker call");
        assert!(presigned(&app.studio).is_empty());
    }

    #[tokio::test]
    async fn sessions_of_listed_roles_and_of_identity_center_sign_in() {
        let mut config = config();
        config.trusted_session_role_names = ["DataScientists".into()].into();
        let app = SignIn::new(config, studio());
        let listed = "arn:aws:sts::123456789012:assumed-role/DataScientists/alice";
        assert_eq!(call(&app, &request(listed, "", "")).await.status_code, 302);
        let sso = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DS_0123456789abcdef/bob";
        assert_eq!(call(&app, &request(sso, "", "")).await.status_code, 302);
        let other = "arn:aws:sts::123456789012:assumed-role/Admin/alice";
        let response = call(&app, &request(other, "", "")).await;
        assert_eq!(body(&response)["code"], "session_not_trusted");
        assert_eq!(call(&app, &request(ALICE, "", "")).await.status_code, 302);
        let names: Vec<String> = presigned(&app.studio)
            .into_iter()
            .map(|request| request.user_profile_name)
            .collect();
        assert_eq!(names, ["alice", "bob", "alice"]);
    }

    #[tokio::test]
    async fn a_caller_of_another_account_owns_only_a_profile_tagged_with_its_account() {
        let mut config = config();
        config.allowed_account_ids = Some(["123456789012".into(), "210987654321".into()].into());
        let studio = studio();
        studio.add_user_profile(
            DOMAIN,
            "alice-partner",
            tags(&[("studiouserid", "210987654321/alice")]),
        );
        let app = SignIn::new(config, studio);
        let alice_b = "arn:aws:iam::210987654321:user/alice";
        assert_eq!(call(&app, &request(alice_b, "", "")).await.status_code, 302);
        assert_eq!(call(&app, &request(ALICE, "", "")).await.status_code, 302);
        let names: Vec<String> = presigned(&app.studio)
            .into_iter()
            .map(|request| request.user_profile_name)
            .collect();
        assert_eq!(names, ["alice-partner", "alice"]);
    }

    #[tokio::test]
    async fn a_sign_in_that_works_never_asks_for_the_domains_auth_mode() {
        let app = SignIn::new(config(), studio());
        assert_eq!(call(&app, &request(ALICE, "", "")).await.status_code, 302);
        assert_eq!(app.studio.count("DescribeDomain"), 0);
    }

    #[tokio::test]
    async fn parameters_are_validated_and_passed_on() {
        let app = SignIn::new(config(), studio());
        app.studio
            .add_space(DOMAIN, "team", Some("bob"), Some(SharingType::Shared));
        let response = call(
            &app,
            &request(
                ALICE,
                "space=team&landing=app:JupyterLab:lab/tree",
                "application/json",
            ),
        )
        .await;
        assert_eq!(response.status_code, 200);
        let presigned = presigned(&app.studio);
        assert_eq!(presigned[0].space_name.as_deref(), Some("team"));
        assert_eq!(
            presigned[0].landing_uri.as_deref(),
            Some("app:JupyterLab:lab/tree")
        );

        let response = call(
            &app,
            &request(ALICE, "landing=https://evil.example.com", ""),
        )
        .await;
        assert_eq!(response.status_code, 400);
        assert_eq!(body(&response)["code"], "invalid_parameter");
        assert!(
            body(&response)["message"]
                .as_str()
                .expect("message")
                .contains("landing")
        );
    }

    #[tokio::test]
    async fn private_spaces_of_others_and_missing_spaces_are_refused() {
        let app = SignIn::new(config(), studio());
        app.studio
            .add_space(DOMAIN, "bobs", Some("bob"), Some(SharingType::Private));
        let response = call(&app, &request(ALICE, "space=bobs", "")).await;
        assert_eq!(
            (response.status_code, body(&response)["code"].clone()),
            (403, json!("space_not_allowed"))
        );
        let response = call(&app, &request(ALICE, "space=nowhere", "")).await;
        assert_eq!(
            (response.status_code, body(&response)["code"].clone()),
            (404, json!("space_not_found"))
        );
        assert_eq!(app.studio.count("CreatePresignedDomainUrl"), 0);
    }

    #[tokio::test]
    async fn throttling_is_503_and_other_aws_errors_500_without_internals() {
        let app = SignIn::new(config(), studio());
        // The search by tag and its fallback, the listing, are both throttled.
        for operation in ["GetResources", "ListUserProfiles"] {
            app.studio.fail_next(
                operation,
                memory::aws_error(operation, "ThrottlingException", AwsErrorKind::Throttled),
            );
        }
        let response = call(&app, &request(ALICE, "", "")).await;
        assert_eq!(response.status_code, 503);
        assert_eq!(body(&response)["code"], "temporarily_unavailable");

        app.studio.fail_next(
            "CreatePresignedDomainUrl",
            memory::aws_error(
                "CreatePresignedDomainUrl",
                "AccessDeniedException",
                AwsErrorKind::AccessDenied,
            ),
        );
        let response = call(&app, &request(ALICE, "", "")).await;
        assert_eq!(response.status_code, 500);
        let text = response.body.expect("body");
        assert!(
            text.contains("internal_error") && !text.contains("AccessDenied"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_profile_gone_at_sign_in_is_no_profile_and_forgets_the_index() {
        let app = SignIn::new(config(), studio());
        assert_eq!(call(&app, &request(ALICE, "", "")).await.status_code, 302);
        app.studio.fail_next(
            "CreatePresignedDomainUrl",
            memory::aws_error(
                "CreatePresignedDomainUrl",
                "ResourceNotFound",
                AwsErrorKind::NotFound,
            ),
        );
        let response = call(&app, &request(ALICE, "", "")).await;
        assert_eq!(body(&response)["code"], "no_profile");
        app.studio.forget_calls();
        assert_eq!(call(&app, &request(ALICE, "", "")).await.status_code, 302);
        assert_eq!(
            app.studio.count("GetResources"),
            1,
            "the profile was searched again"
        );
    }
}
