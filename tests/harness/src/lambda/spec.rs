//! What to run: one [`FunctionSpec`] per Lambda function.

use std::{path::PathBuf, time::Duration};

/// The default invocation timeout of a [`FunctionSpec`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default init timeout (Lambda's is 10 s for on-demand functions).
pub const DEFAULT_INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// One function: its name, its binary (the `bootstrap`), its environment and limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSpec {
    /// Function name: `AWS_LAMBDA_FUNCTION_NAME`, the last part of its ARN.
    pub name: String,
    /// The executable to run (the Rust binary built from `functions/...`).
    pub binary: PathBuf,
    /// Environment variables, applied over the harness's defaults (region,
    /// dummy credentials, `AWS_ENDPOINT_URL_LAMBDA`) but under Lambda's
    /// reserved variables (`AWS_LAMBDA_*`), as in Lambda.
    pub env: Vec<(String, String)>,
    /// Invocation timeout: `Lambda-Runtime-Deadline-Ms` is now + this, and an
    /// invocation still running then is recorded as timed out.
    pub timeout: Duration,
    /// Time a cold process may take to ask for its first invocation.
    pub init_timeout: Duration,
    /// How many times an asynchronous (`Event`) invocation that failed, timed
    /// out or crashed is tried again (Lambda's default is 2; the harness's is 0
    /// so that tests see exact behaviour). Retries run right away, at the back
    /// of the queue.
    pub async_retries: u32,
}

impl FunctionSpec {
    /// A function with [`DEFAULT_TIMEOUT`], [`DEFAULT_INIT_TIMEOUT`], no extra
    /// environment and no async retries.
    pub fn new(name: impl Into<String>, binary: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            binary: binary.into(),
            env: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            init_timeout: DEFAULT_INIT_TIMEOUT,
            async_retries: 0,
        }
    }

    /// Adds (or replaces) one environment variable.
    #[must_use]
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value.into()));
        self
    }

    /// Adds (or replaces) several environment variables, e.g. `AwsEmulator::aws_env()`.
    #[must_use]
    pub fn envs<K, V>(self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        vars.into_iter().fold(self, |spec, (k, v)| spec.env(k, v))
    }

    /// Sets the invocation timeout.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the init timeout.
    #[must_use]
    pub fn init_timeout(mut self, timeout: Duration) -> Self {
        self.init_timeout = timeout;
        self
    }

    /// Sets how many times a failed asynchronous invocation is retried.
    #[must_use]
    pub fn async_retries(mut self, retries: u32) -> Self {
        self.async_retries = retries;
        self
    }

    /// The function's ARN, as the harness reports it.
    pub fn arn(&self) -> String {
        function_arn(&self.name)
    }
}

/// `arn:aws:lambda:us-east-1:123456789012:function:<name>`.
pub fn function_arn(name: &str) -> String {
    format!(
        "arn:aws:lambda:{}:{}:function:{name}",
        crate::REGION,
        crate::ACCOUNT_ID
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_replaces_earlier_values() {
        let spec = FunctionSpec::new("f", "/bin/true")
            .env("A", "1")
            .envs([("B", "2"), ("A", "3")]);
        assert_eq!(
            spec.env,
            vec![("B".into(), "2".into()), ("A".into(), "3".into())]
        );
        assert_eq!(
            spec.arn(),
            "arn:aws:lambda:us-east-1:123456789012:function:f"
        );
    }
}
