//! Calls to the emulator's AWS APIs, for tests to arrange and inspect what the functions see:
//! the SDK's typed SageMaker client, and awsJson 1.1 calls by operation name and JSON body for
//! arranging state in a few lines (`sagemaker("CreateUserProfile", &json!({...}))`).

use aws_sdk_sagemaker::{
    config::http::HttpResponse,
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
};
use reqwest::Method;
use serde_json::{Value, json};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::Credentials;

use super::{Answer, AwsEmulator, EmulatorError, Result};

/// The IAM and EC2 query APIs' versions (their `Version` parameter).
const IAM_VERSION: &str = "2010-05-08";
const EC2_VERSION: &str = "2016-11-15";

/// The SigV4 `Authorization` of a call the emulator accepts (it checks the credential scope's
/// service and region, not the signature).
fn authorization(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20261123/{}/{service}/aws4_request, SignedHeaders=host, Signature=0",
        crate::REGION
    )
}

impl AwsEmulator {
    /// Sends `body` as a call of `service` (the dummy SigV4 `Authorization` of its scope and
    /// the `X-Amz-Date` it names), with `content_type` and the `extra` headers.
    async fn send_as(
        &self,
        service: &str,
        method: Method,
        path: &str,
        content_type: &str,
        extra: &[(&str, &str)],
        body: String,
    ) -> Result<Answer> {
        let authorization = authorization(service);
        let mut headers = vec![
            ("content-type", content_type),
            ("authorization", authorization.as_str()),
            ("x-amz-date", "20261123T000000Z"),
        ];
        headers.extend_from_slice(extra);
        self.send(method, path, &headers, body).await
    }

    /// The AWS SDK's SageMaker client, pointed at the emulator with its test credentials. Make
    /// it in the test's runtime (its connections belong to the runtime that opened them).
    pub fn sagemaker_client(&self) -> aws_sdk_sagemaker::Client {
        let config = aws_sdk_sagemaker::Config::builder()
            .behavior_version(aws_sdk_sagemaker::config::BehaviorVersion::latest())
            .region(aws_sdk_sagemaker::config::Region::new(crate::REGION))
            .endpoint_url(self.endpoint_url())
            .credentials_provider(aws_sdk_sagemaker::config::Credentials::new(
                "testing", "testing", None, None, "emulator",
            ))
            .build();
        aws_sdk_sagemaker::Client::from_conf(config)
    }

    /// Sends an awsJson1_1 request (`X-Amz-Target: <target>`, e.g.
    /// `SageMaker.DescribeDomain`) with a dummy SigV4 `Authorization`. A 4xx or
    /// 5xx answer is [`EmulatorError::Aws`] with the error's `__type`.
    pub async fn call_json(&self, target: &str, body: &Value) -> Result<Value> {
        let service = target
            .split('.')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        self.call_json_as(&service, target, body).await
    }

    /// A Glue call: `glue("CreateDatabase", &json!({"DatabaseInput": {"Name": "sales"}}))`.
    pub async fn glue(&self, operation: &str, body: &Value) -> Result<Value> {
        self.call_json_as("glue", &format!("AWSGlue.{operation}"), body)
            .await
    }

    /// A SageMaker call: `sagemaker("DescribeDomain", &json!({"DomainId": id}))`.
    pub async fn sagemaker(&self, operation: &str, body: &Value) -> Result<Value> {
        self.call_json(&format!("SageMaker.{operation}"), body)
            .await
    }

    /// [`call_json`](Self::call_json) with the SigV4 scope's service named explicitly (Glue's
    /// target prefix is `AWSGlue`, its service `glue`).
    pub async fn call_json_as(&self, service: &str, target: &str, body: &Value) -> Result<Value> {
        let answer = self
            .send_as(
                service,
                Method::POST,
                "/",
                "application/x-amz-json-1.1",
                &[("x-amz-target", target)],
                body.to_string(),
            )
            .await?;
        let parsed = json_answer(&answer);
        if answer.is_success() {
            return Ok(parsed);
        }
        let raw_type = parsed
            .get("__type")
            .and_then(Value::as_str)
            .or_else(|| answer.header("x-amzn-errortype"))
            .unwrap_or("Unknown");
        Err(EmulatorError::Aws {
            target: target.to_owned(),
            status: answer.status,
            error_type: short_error_type(raw_type).to_owned(),
            message: ["message", "Message"]
                .iter()
                .find_map(|k| parsed.get(*k).and_then(Value::as_str))
                .unwrap_or_default()
                .to_owned(),
        })
    }

    /// A REST-JSON call (e.g. EventBridge Scheduler's `GET /schedules/<name>`) with the SigV4
    /// scope of `service`; the JSON answer (`{}` if empty), or [`EmulatorError::Aws`].
    pub async fn call_rest(
        &self,
        service: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        let answer = self
            .send_as(
                service,
                method.clone(),
                path,
                "application/json",
                &[],
                body.map(Value::to_string).unwrap_or_default(),
            )
            .await?;
        let parsed = json_answer(&answer);
        if answer.is_success() {
            return Ok(parsed);
        }
        Err(EmulatorError::Aws {
            target: format!("{service} {method} {path}"),
            status: answer.status,
            error_type: short_error_type(
                answer
                    .header("x-amzn-errortype")
                    .or_else(|| parsed.get("__type").and_then(Value::as_str))
                    .unwrap_or("Unknown"),
            )
            .to_owned(),
            message: answer.text(),
        })
    }

    /// Creates an IAM role that SageMaker may assume, under path `/studio-catalog/`; returns
    /// its ARN. (IAM's query protocol, [`call_query`](Self::call_query): the harness does not
    /// build the IAM SDK crate for this one call.)
    pub async fn create_role(&self, name: &str) -> Result<String> {
        self.create_tagged_role(name, &[]).await
    }

    /// [`create_role`](Self::create_role) with the role's tags `tags` (key, value), e.g. the
    /// `studio-catalog:user-profile` tag the user-profile product gives its execution role.
    pub async fn create_tagged_role(&self, name: &str, tags: &[(&str, &str)]) -> Result<String> {
        let trust = json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]
        })
        .to_string();
        // IAM's query protocol lists members as Tags.member.N.Key / .Value (IAM API Reference,
        // CreateRole, "Tags").
        let tag_fields: Vec<(String, &str)> = tags
            .iter()
            .enumerate()
            .flat_map(|(index, (key, value))| {
                [
                    (format!("Tags.member.{}.Key", index + 1), *key),
                    (format!("Tags.member.{}.Value", index + 1), *value),
                ]
            })
            .collect();
        let mut parameters = vec![
            ("RoleName", name),
            ("Path", "/studio-catalog/"),
            ("AssumeRolePolicyDocument", trust.as_str()),
        ];
        parameters.extend(
            tag_fields
                .iter()
                .map(|(field, value)| (field.as_str(), *value)),
        );
        self.call_query("iam", IAM_VERSION, "CreateRole", &parameters)
            .await?;
        Ok(format!(
            "arn:aws:iam::{}:role/studio-catalog/{name}",
            crate::ACCOUNT_ID
        ))
    }

    /// Creates the IAM role `name` under `path` (e.g. `/`, `/studio-catalog/products/`) that
    /// `principal` may assume ([`trust_policy`]); IAM `CreateRole` through
    /// [`call_query`](Self::call_query).
    pub async fn create_role_trusting(
        &self,
        name: &str,
        path: &str,
        principal: &Value,
    ) -> Result<()> {
        self.call_query(
            "iam",
            IAM_VERSION,
            "CreateRole",
            &[
                ("RoleName", name),
                ("Path", path),
                ("AssumeRolePolicyDocument", &trust_policy(principal)),
            ],
        )
        .await?;
        Ok(())
    }

    /// A VPC `10.{second_octet}.0.0/16` with two subnets, `10.{second_octet}.1.0/24` in
    /// `us-east-1a` and `10.{second_octet}.2.0/24` in `us-east-1b` (a Studio domain in VPC-only
    /// mode names subnets of its VPC; EC2 `CreateVpc`, `CreateSubnet`). Returns (VPC id,
    /// subnet ids).
    pub async fn create_vpc_with_two_subnets(
        &self,
        second_octet: u8,
    ) -> Result<(String, Vec<String>)> {
        let vpc = self
            .call_query(
                "ec2",
                EC2_VERSION,
                "CreateVpc",
                &[("CidrBlock", &format!("10.{second_octet}.0.0/16"))],
            )
            .await?;
        let vpc_id = xml_text(&vpc, "vpcId").unwrap_or_default().to_owned();
        let mut subnets = Vec::new();
        for (third_octet, zone) in [(1, "us-east-1a"), (2, "us-east-1b")] {
            let subnet = self
                .call_query(
                    "ec2",
                    EC2_VERSION,
                    "CreateSubnet",
                    &[
                        ("VpcId", &vpc_id),
                        (
                            "CidrBlock",
                            &format!("10.{second_octet}.{third_octet}.0/24"),
                        ),
                        ("AvailabilityZone", zone),
                    ],
                )
                .await?;
            subnets.push(xml_text(&subnet, "subnetId").unwrap_or_default().to_owned());
        }
        Ok((vpc_id, subnets))
    }

    /// An SDK configuration signing as `credentials`, pointed at the emulator, in
    /// [`REGION`](crate::REGION).
    pub async fn sdk_config(&self, credentials: Credentials) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(crate::REGION))
            .endpoint_url(self.endpoint_url())
            .credentials_provider(credentials)
            .load()
            .await
    }

    /// A call of an AWS query-protocol API (IAM, EC2, STS...): `action` with `parameters`,
    /// form-encoded (the `url` crate), with the admin's dummy signature; the XML answer as text,
    /// or [`EmulatorError::Aws`] with the error's `<Code>`. `version` is the API's (IAM
    /// `2010-05-08`, EC2 `2016-11-15`). Read a value of the answer with [`xml_text`].
    pub async fn call_query(
        &self,
        service: &str,
        version: &str,
        action: &str,
        parameters: &[(&str, &str)],
    ) -> Result<String> {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("Action", action)
            .append_pair("Version", version);
        for (name, value) in parameters {
            form.append_pair(name, value);
        }
        let answer = self
            .send_as(
                service,
                Method::POST,
                "/",
                "application/x-www-form-urlencoded",
                &[],
                form.finish(),
            )
            .await?;
        let text = answer.text();
        if answer.is_success() {
            return Ok(text);
        }
        Err(EmulatorError::Aws {
            target: format!("{service}.{action}"),
            status: answer.status,
            error_type: xml_text(&text, "Code").unwrap_or("Unknown").to_owned(),
            message: xml_text(&text, "Message").unwrap_or(&text).to_owned(),
        })
    }

    /// The messages of log group `group`, oldest first (one `FilterLogEvents` answer, as the
    /// account root: what a function logged under the emulator's Lambda).
    pub async fn log_messages(&self, group: &str) -> Result<Vec<String>> {
        let events = self
            .call_json_as(
                "logs",
                "Logs_20140328.FilterLogEvents",
                &json!({ "logGroupName": group }),
            )
            .await?;
        Ok(events["events"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|event| event["message"].as_str().map(str::to_owned))
            .collect())
    }

    /// A SageMaker resource's tags as sorted `(key, value)` pairs (every page of `ListTags`,
    /// through the SDK).
    pub async fn sagemaker_tags(&self, arn: &str) -> Result<Vec<(String, String)>> {
        let client = self.sagemaker_client();
        let mut tags = Vec::new();
        let mut next_token = None;
        loop {
            let page = client
                .list_tags()
                .resource_arn(arn)
                .set_next_token(next_token)
                .send()
                .await
                .map_err(|error| sdk_error("SageMaker.ListTags", &error))?;
            tags.extend(page.tags().iter().map(|tag| {
                let text = |field: Option<&str>| field.unwrap_or_default().to_owned();
                (text(tag.key()), text(tag.value()))
            }));
            next_token = page.next_token().map(str::to_owned);
            if next_token.is_none() {
                break;
            }
        }
        tags.sort();
        Ok(tags)
    }

    /// Polls a SageMaker describe call (e.g. `DescribeUserProfile`) until its `Status` is
    /// `status`; after `timeout`, an [`EmulatorError::Aws`] whose `error_type` is `Timeout`.
    pub async fn wait_for_sagemaker_status(
        &self,
        describe: &str,
        body: &Value,
        status: &str,
        timeout: std::time::Duration,
    ) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let described = self.sagemaker(describe, body).await?;
            if described["Status"] == status {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(EmulatorError::Aws {
                    target: format!("SageMaker.{describe}"),
                    status: 0,
                    error_type: "Timeout".to_owned(),
                    message: format!(
                        "still {} after {timeout:?}, expected {status}",
                        described["Status"]
                    ),
                });
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// A role trust policy: `principal` (e.g. `{"Service": "sagemaker.amazonaws.com"}`) may
/// assume the role (`sts:AssumeRole`).
pub fn trust_policy(principal: &Value) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]
    })
    .to_string()
}

/// The text of the first `<tag>` element of a query-protocol XML answer (`vpcId`, `Code`...),
/// for the few values a test reads from IAM's or EC2's answers; `None` if there is none.
pub fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..end].trim())
}

/// An SDK error as [`EmulatorError::Aws`].
fn sdk_error<E>(target: &str, error: &SdkError<E, HttpResponse>) -> EmulatorError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    EmulatorError::Aws {
        target: target.to_owned(),
        status: error
            .raw_response()
            .map_or(0, |response| response.status().as_u16()),
        error_type: error.code().unwrap_or("Unknown").to_owned(),
        message: error
            .message()
            .map_or_else(|| DisplayErrorContext(error).to_string(), str::to_owned),
    }
}

/// An AWS JSON answer's body as JSON: `{}` when empty, the text itself when it isn't JSON.
fn json_answer(answer: &Answer) -> Value {
    if answer.body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&answer.body).unwrap_or_else(|_| Value::String(answer.text()))
    }
}

/// `com.amazonaws.sagemaker#ResourceNotFound` or `ResourceNotFound:http://...`
/// → `ResourceNotFound`.
fn short_error_type(raw: &str) -> &str {
    let after_hash = raw.rsplit('#').next().unwrap_or(raw);
    after_hash.split(':').next().unwrap_or(after_hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_reads_the_first_element_of_a_tag() {
        let xml = "<CreateVpcResponse><vpc><vpcId>vpc-1</vpcId></vpc><vpcId>vpc-2</vpcId></CreateVpcResponse>";
        assert_eq!(xml_text(xml, "vpcId"), Some("vpc-1"));
        assert_eq!(xml_text(xml, "subnetId"), None);
    }

    #[test]
    fn error_types_are_shortened() {
        assert_eq!(
            short_error_type("com.amazonaws.sagemaker#ResourceNotFound"),
            "ResourceNotFound"
        );
        assert_eq!(
            short_error_type("ValidationException:http://internal"),
            "ValidationException"
        );
        assert_eq!(short_error_type("ResourceInUse"), "ResourceInUse");
    }
}
