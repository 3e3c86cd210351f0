//! `studio-presigned-url`: signs a data scientist into SageMaker Studio — their own user
//! profile, and only theirs.
//!
//! The function sits behind a Lambda function URL with `AWS_IAM` auth (or an API Gateway HTTP
//! API with IAM auth): the caller's identity is the IAM principal that signed the request
//! (`requestContext.authorizer.iam.userArn`). Its own role may call
//! `sagemaker:CreatePresignedDomainUrl`; callers need no SageMaker permission, so the function
//! is the access control:
//!
//! 1. only GET, only from the allowed accounts (the function's own by default), and only
//!    identities the caller cannot choose: an IAM user's name, the session name of an IAM
//!    Identity Center role (`AWSReservedSSO_*`) or of a role the admin listed in
//!    `TRUSTED_SESSION_ROLE_NAMES`; any other role session is 403 `session_not_trusted`
//!    ([`identity`]);
//! 2. the profile is the one profile of the domain whose `studiouserid` tag equals the
//!    caller's identity — exactly, and qualified by account (`<account-id>/<name>`) for a
//!    caller of another account; none is 403, several is 409 ([`profiles`]); on a domain
//!    whose `AuthMode` is `SSO` the answer points to the IAM Identity Center portal
//!    ([`domain`]);
//! 3. optional `space` (own or shared) and `landing` are validated ([`request`]);
//! 4. the URL is answered as a redirect or as JSON, never cached, never logged
//!    ([`response`], [`studio::PresignedUrl`]).
//!
//! Every request is logged once as an audit line ([`sign_in`]).

pub mod aws;
pub mod config;
pub mod domain;
pub mod identity;
pub mod log_targets;
pub mod profiles;
pub mod request;
pub mod response;
#[cfg(test)]
mod sample_events;
pub mod sign_in;
pub mod studio;
pub mod tag_search;

use std::{convert::Infallible, sync::Arc};

use lambda_runtime::{LambdaEvent, service_fn};

pub use config::{Config, ConfigError};
pub use request::HttpRequest;
pub use response::HttpResponse;
pub use sign_in::{InvocationContext, SignIn};

/// Serves Lambda invocations with `app` until the runtime stops.
pub async fn run<S>(app: SignIn<S>) -> Result<(), lambda_runtime::Error>
where
    S: studio_sagemaker::ports::UserProfiles
        + studio_sagemaker::ports::Tags
        + studio_sagemaker::ports::Spaces
        + studio::PresignedUrls
        + domain::DomainAuthModes
        + tag_search::ProfileSearch
        + 'static,
{
    let app = Arc::new(app);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<HttpRequest>| {
        let app = Arc::clone(&app);
        // Boxed: the sign-in future is deep enough to overflow the compiler's layout
        // recursion limit once nested in the runtime's own futures.
        Box::pin(async move {
            let invocation = InvocationContext {
                request_id: &event.context.request_id,
                function_arn: &event.context.invoked_function_arn,
            };
            Ok::<_, Infallible>(app.handle(&event.payload, invocation).await)
        })
    }))
    .await
}
