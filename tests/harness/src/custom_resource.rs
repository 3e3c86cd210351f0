//! A custom resource under test: the real binary of one resource's function under the local
//! Lambda service, CloudFormation's side (a response server and a stack), and the AWS emulator
//! leased for the test, started together in the one order that works.
//!
//! ```no_run
//! # async fn demo() {
//! use serde_json::json;
//! use studio_catalog_harness::cloudformation::CfnRequest;
//! use studio_catalog_harness::custom_resource::{CustomResourceOptions, CustomResourceUnderTest};
//!
//! let domain = CustomResourceUnderTest::start(
//!     "target/debug/studio-domain", // in a function's tests: env!("CARGO_BIN_EXE_studio-domain")
//!     "team-a-studio",
//!     CustomResourceOptions::default(),
//! )
//! .await;
//! let request = CfnRequest::create("Custom::StudioDomain", "Domain", json!({"DomainName": "d"}));
//! let created = domain.send_and_wait(&request).await;
//! assert!(created.is_success());
//! # }
//! ```

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use serde_json::Value;

use crate::{
    cloudformation::{CfnRequest, CfnResponse, Deployment},
    emulator::AwsEmulator,
    lambda::{FunctionSpec, LocalLambda},
};

/// How a [`CustomResourceUnderTest`] is started. The default: resources change state in
/// 0.3 s, CloudFormation waits up to 120 s for an answer, the function's timeout is 60 s, it
/// logs JSON (`AWS_LAMBDA_LOG_FORMAT=JSON`, as the suite's templates configure it) and acts
/// for the test's stack only (`CFN_ALLOWED_STACK_NAMES` = the stack's name, as the core
/// stack's `CustomResourceStackNames` parameter would list it).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomResourceOptions {
    transition_seconds: f64,
    response_timeout: Duration,
    function_timeout: Duration,
    json_logs: bool,
    allowed_stack_names: Option<String>,
    env: Vec<(String, String)>,
}

impl Default for CustomResourceOptions {
    fn default() -> Self {
        Self {
            transition_seconds: 0.3,
            response_timeout: Duration::from_secs(120),
            function_timeout: Duration::from_secs(60),
            json_logs: true,
            allowed_stack_names: None,
            env: Vec::new(),
        }
    }
}

impl CustomResourceOptions {
    /// How long the emulator's resources stay in transitional states.
    #[must_use]
    pub fn transition_seconds(mut self, seconds: f64) -> Self {
        self.transition_seconds = seconds;
        self
    }

    /// How long CloudFormation waits for the answer to one request.
    #[must_use]
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// The function's invocation timeout.
    #[must_use]
    pub fn function_timeout(mut self, timeout: Duration) -> Self {
        self.function_timeout = timeout;
        self
    }

    /// Lambda's text log format (`AWS_LAMBDA_LOG_FORMAT` unset) at `level`
    /// (`AWS_LAMBDA_LOG_LEVEL`).
    #[must_use]
    pub fn text_logs_at(self, level: &str) -> Self {
        Self {
            json_logs: false,
            ..self
        }
        .env("AWS_LAMBDA_LOG_LEVEL", level)
    }

    /// The stack name patterns the function acts for (`CFN_ALLOWED_STACK_NAMES`,
    /// comma-separated, `*` for any characters), instead of the test's stack name alone.
    #[must_use]
    pub fn allowed_stack_names(mut self, patterns: impl Into<String>) -> Self {
        self.allowed_stack_names = Some(patterns.into());
        self
    }

    /// One more variable in the function's environment.
    #[must_use]
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }
}

/// One custom resource's function, the CloudFormation stack that sends it requests, and the
/// emulator it calls. The function gets the emulator's AWS environment, may PUT its answers
/// only to this stack's response server (`CFN_RESPONSE_URL_ALLOW`) and acts only for the
/// stacks [`CustomResourceOptions::allowed_stack_names`] names (`CFN_ALLOWED_STACK_NAMES`).
///
/// The emulator is dropped last, after the function process, so nothing of this test reaches
/// the emulator's next lease.
#[derive(Debug)]
pub struct CustomResourceUnderTest {
    function: String,
    cfn: Deployment,
    lambda: LocalLambda,
    aws: AwsEmulator,
}

impl CustomResourceUnderTest {
    /// Leases an emulator, starts the response server of a new stack `stack_name` and the
    /// function `binary` (named for its file, as the functions' zips are).
    ///
    /// # Panics
    ///
    /// When the emulator, the response server or the local Lambda service cannot start: the
    /// test cannot run.
    pub async fn start(
        binary: impl AsRef<Path>,
        stack_name: &str,
        options: CustomResourceOptions,
    ) -> Self {
        let binary: PathBuf = binary.as_ref().to_owned();
        let function = binary
            .file_stem()
            .and_then(|name| name.to_str())
            .expect("the binary has a file name")
            .to_owned();
        let aws = AwsEmulator::builder()
            .transition_seconds(options.transition_seconds)
            .lease()
            .await
            .expect("the AWS emulator starts (see tests/aws-emulator/README.md)");
        let cfn = Deployment::start(stack_name)
            .await
            .expect("the response server starts")
            .with_timeout(options.response_timeout);
        let mut spec = FunctionSpec::new(function.clone(), binary)
            .envs(aws.aws_env())
            .env("CFN_RESPONSE_URL_ALLOW", cfn.url_prefix())
            .env(
                "CFN_ALLOWED_STACK_NAMES",
                options
                    .allowed_stack_names
                    .clone()
                    .unwrap_or_else(|| stack_name.to_owned()),
            )
            .timeout(options.function_timeout);
        if options.json_logs {
            spec = spec.env("AWS_LAMBDA_LOG_FORMAT", "JSON");
        }
        let lambda = LocalLambda::start(vec![spec.envs(options.env)])
            .await
            .expect("the local Lambda service starts");
        Self {
            function,
            cfn,
            lambda,
            aws,
        }
    }

    /// The function's name (its binary's).
    pub fn function(&self) -> &str {
        &self.function
    }

    /// CloudFormation's side: the stack and its response server.
    pub fn cfn(&self) -> &Deployment {
        &self.cfn
    }

    /// The local Lambda service running the function.
    pub fn lambda(&self) -> &LocalLambda {
        &self.lambda
    }

    /// The emulator leased for this test.
    pub fn aws(&self) -> &AwsEmulator {
        &self.aws
    }

    /// `request` as an event of the stack for the function, and its response token, not sent.
    pub fn event(&self, request: &CfnRequest) -> (Value, String) {
        self.cfn.event(&self.function, request)
    }

    /// Sends `request` the way CloudFormation does (an asynchronous invocation) without
    /// waiting; returns the response token to look the answer up by.
    ///
    /// # Panics
    ///
    /// When the function is not registered (a bug in the fixture).
    pub fn send(&self, request: &CfnRequest) -> String {
        let (event, token) = self.event(request);
        self.lambda
            .invoke_async(&self.function, event)
            .expect("the function takes the event");
        token
    }

    /// Waits up to `timeout` for the answer to a request [`send`](Self::send) sent.
    ///
    /// # Panics
    ///
    /// When no answer comes in time.
    pub async fn wait_for_answer(&self, token: &str, timeout: Duration) -> CfnResponse {
        self.cfn
            .server()
            .wait_for_response(token, timeout)
            .await
            .expect("the function answers CloudFormation")
    }

    /// Sends `request` and waits for the answer, which CloudFormation must be able to accept
    /// (no [`CfnResponse::problems`]).
    ///
    /// # Panics
    ///
    /// When no answer comes, or CloudFormation would reject it.
    pub async fn send_and_wait(&self, request: &CfnRequest) -> CfnResponse {
        let (event, _) = self.event(request);
        self.send_event_and_wait(event).await
    }

    /// Sends `event`, as it is, and waits for the answer to its `ResponseURL`, which
    /// CloudFormation must be able to accept.
    ///
    /// # Panics
    ///
    /// When no answer comes, or CloudFormation would reject it.
    pub async fn send_event_and_wait(&self, event: Value) -> CfnResponse {
        let response = self
            .cfn
            .send(&self.lambda, &self.function, event)
            .await
            .expect("the function answers CloudFormation");
        assert!(
            response.problems().is_empty(),
            "CloudFormation would reject the answer: {:?}",
            response.problems()
        );
        response
    }

    /// The function's log lines so far.
    pub fn logs(&self) -> Vec<String> {
        self.lambda.logs(&self.function)
    }
}
