//! The emulator's control API (`/_studio_emulator/...`, see `tests/aws-emulator/README.md`):
//! reset, faults, the call log, configuration and the state AWS has no call for.

use reqwest::Method;
use serde_json::{Value, json};

use super::{ApiCall, AwsEmulator, CONTROL_PREFIX, EfsFileSystem, EmulatorError, Fault, Result};

impl AwsEmulator {
    /// Calls the control API: `method` on `CONTROL_PREFIX + path`, with an
    /// optional JSON body. Returns the JSON answer (`Null` if empty).
    pub async fn control(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let path = format!("{CONTROL_PREFIX}{path}");
        let body = body.map(Value::to_string).unwrap_or_default();
        let answer = self
            .send(
                method.clone(),
                &path,
                &[("content-type", "application/json")],
                body,
            )
            .await?;
        if !answer.is_success() {
            return Err(EmulatorError::Control {
                method: method.to_string(),
                path,
                status: answer.status,
                body: answer.text(),
            });
        }
        if answer.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&answer.body)
            .map_err(|source| EmulatorError::BadJson { path, source })
    }

    /// `GET /health`: the emulator's status and extensions.
    pub async fn health(&self) -> Result<Value> {
        self.control(Method::GET, "/health", None).await
    }

    /// Forgets every emulated resource, fault, recorded call and IAM decision (`POST /reset`),
    /// then enforces IAM again if this handle's builder asked for it (a reset switches
    /// enforcement off).
    pub async fn reset(&self) -> Result<()> {
        self.control(Method::POST, "/reset", None).await?;
        if self.iam_enforcement {
            self.set_iam_enforcement(true).await?;
        }
        Ok(())
    }

    /// Switches IAM enforcement on or off (`POST /config {"iam_enforcement": …}`). Off only to
    /// arrange state, and on again before what the test is about.
    pub async fn set_iam_enforcement(&self, enforce: bool) -> Result<()> {
        self.configure(&json!({ "iam_enforcement": enforce })).await
    }

    /// Whether the emulator enforces IAM now (`GET /config`).
    pub async fn iam_enforced(&self) -> Result<bool> {
        let config = self.control(Method::GET, "/config", None).await?;
        Ok(config["iam_enforcement"].as_bool().unwrap_or(false))
    }

    /// The IAM decisions taken so far, oldest first (`GET /iam/decisions`: each with its
    /// `service`, `operation`, `principal`, `action`, `resources`, `result` and the
    /// `statement` that decided; `via` for what a service did on a principal's behalf).
    pub async fn iam_decisions(&self) -> Result<Vec<Value>> {
        let answer = self.control(Method::GET, "/iam/decisions", None).await?;
        parse_field(answer, "decisions", "/iam/decisions")
    }

    /// A session of `role_arn` as the AWS service `service_principal` opens it for itself
    /// (`POST /iam/service-sessions`: the role must trust that service), for a caller standing
    /// in for the service, e.g. SageMaker Studio acting as a user's execution role. The answer
    /// is STS `AssumeRole`'s, as JSON (`Credentials`, `AssumedRoleUser`).
    pub async fn service_session(
        &self,
        role_arn: &str,
        service_principal: &str,
        session_name: &str,
    ) -> Result<Value> {
        let body = json!({
            "RoleArn": role_arn,
            "ServicePrincipal": service_principal,
            "SessionName": session_name,
        });
        self.control(Method::POST, "/iam/service-sessions", Some(&body))
            .await
    }

    /// The IAM decisions that did not allow (refusals and engine errors), oldest first.
    pub async fn iam_refusals(&self) -> Result<Vec<Value>> {
        Ok(self
            .iam_decisions()
            .await?
            .into_iter()
            .filter(|decision| decision["result"] != "Allowed")
            .collect())
    }

    /// Makes the next `fault.count` matching calls fail.
    pub async fn inject_fault(&self, fault: &Fault) -> Result<()> {
        let body = serde_json::to_value(fault).map_err(|source| EmulatorError::BadJson {
            path: "faults".into(),
            source,
        })?;
        self.control(Method::POST, "/faults", Some(&body))
            .await
            .map(drop)
    }

    /// Removes every injected fault.
    pub async fn clear_faults(&self) -> Result<()> {
        self.control(Method::DELETE, "/faults", None)
            .await
            .map(drop)
    }

    /// Changes the emulator's settings (`POST /config`), e.g. `{"transition_seconds": 0.2}`.
    pub async fn configure(&self, config: &Value) -> Result<()> {
        self.control(Method::POST, "/config", Some(config))
            .await
            .map(drop)
    }

    /// Sets how long resources stay in transitional states.
    pub async fn set_transition_seconds(&self, seconds: f64) -> Result<()> {
        self.configure(&json!({ "transition_seconds": seconds }))
            .await
    }

    /// The AWS calls received so far, oldest first.
    pub async fn calls(&self) -> Result<Vec<ApiCall>> {
        let answer = self.control(Method::GET, "/calls", None).await?;
        parse_field(answer, "calls", "/calls")
    }

    /// How many calls of `service`'s `operation` were received.
    pub async fn call_count(&self, service: &str, operation: &str) -> Result<usize> {
        Ok(self
            .calls()
            .await?
            .iter()
            .filter(|c| c.service == service && c.operation == operation)
            .count())
    }

    /// Forgets the calls received so far.
    pub async fn clear_calls(&self) -> Result<()> {
        self.control(Method::DELETE, "/calls", None).await.map(drop)
    }

    /// The emulated EFS file systems of Studio domains.
    pub async fn efs_file_systems(&self) -> Result<Vec<EfsFileSystem>> {
        let answer = self.control(Method::GET, "/efs", None).await?;
        parse_field(answer, "file_systems", "/efs")
    }

    /// Puts a domain into `Failed` with `reason`.
    pub async fn fail_domain(&self, domain_id: &str, reason: &str) -> Result<()> {
        self.control(
            Method::POST,
            &format!("/domains/{domain_id}/fail"),
            Some(&json!({ "reason": reason })),
        )
        .await
        .map(drop)
    }

    /// Moves the `CreationTime` of a domain, user profile, space or app (its ARN) back to
    /// `timestamp` (RFC 3339): "created 13 hours ago", for the lifetime rule.
    pub async fn set_creation_time(&self, resource_arn: &str, timestamp: &str) -> Result<()> {
        self.control(
            Method::POST,
            "/creation-time",
            Some(&json!({ "ResourceArn": resource_arn, "CreationTime": timestamp })),
        )
        .await
        .map(drop)
    }

    /// Records a real user activity of an app at `timestamp` (RFC 3339); SageMaker's health
    /// checks overtake a past one (DescribeApp's `LastUserActivityTimestamp` moves with them).
    pub async fn set_app_last_activity(&self, app_arn: &str, timestamp: &str) -> Result<()> {
        self.control(
            Method::POST,
            "/apps/last-activity",
            Some(&json!({ "AppArn": app_arn, "LastUserActivityTimestamp": timestamp })),
        )
        .await
        .map(drop)
    }
}

fn parse_field<T: serde::de::DeserializeOwned>(
    mut answer: Value,
    field: &str,
    path: &str,
) -> Result<T> {
    let value = answer
        .get_mut(field)
        .map(Value::take)
        .unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|source| EmulatorError::BadJson {
        path: format!("{CONTROL_PREFIX}{path}"),
        source,
    })
}
