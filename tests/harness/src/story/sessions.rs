//! Who makes each call of the story: the platform admin (the emulator's default credentials),
//! the cloud admin and a data scientist (STS `AssumeRole` sessions), and Studio acting for a
//! data scientist (SageMaker's session of her profile's execution role). Each identity is one
//! `SdkConfig`, pointed at the emulator, from which the story makes the SDK clients it needs.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::Credentials;
use aws_sdk_sts::types::Tag;

use super::StepError;
use crate::REGION;
use crate::emulator::AwsEmulator;

/// One identity's configuration, and the credentials it signs with.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// The identity's ARN, as STS `GetCallerIdentity` answers it.
    pub(crate) arn: String,
    pub(crate) credentials: Credentials,
    config: SdkConfig,
}

impl Session {
    /// The platform admin: the emulator's default credentials (moto's default identity, the
    /// account's `moto` user), as the rest of the harness calls.
    pub(crate) async fn admin(aws: &AwsEmulator) -> Result<Self, StepError> {
        let credentials = Credentials::new("testing", "testing", None, None, "story-admin");
        Self::signing_with(aws, credentials).await
    }

    /// A session of `role_arn` named `session_name`, with session tags, assumed with this
    /// identity's credentials (STS `AssumeRole`).
    pub(crate) async fn assume_role(
        &self,
        aws: &AwsEmulator,
        role_arn: &str,
        session_name: &str,
        tags: &[(&str, &str)],
    ) -> Result<Self, StepError> {
        let tags = tags
            .iter()
            .map(|(key, value)| Tag::builder().key(*key).value(*value).build())
            .collect::<Result<Vec<_>, _>>()?;
        let assumed = aws_sdk_sts::Client::new(&self.config)
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(session_name)
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await?;
        let issued = assumed
            .credentials()
            .ok_or_else(|| StepError::new("AssumeRole answered no credentials"))?;
        let credentials = Credentials::new(
            issued.access_key_id(),
            issued.secret_access_key(),
            Some(issued.session_token().to_owned()),
            None,
            "story-assumed-role",
        );
        Self::signing_with(aws, credentials).await
    }

    /// SageMaker Studio acting for a user: SageMaker's own session (`SageMaker`) of the user
    /// profile's execution role `role_arn`, which must trust `sagemaker.amazonaws.com` (the
    /// emulator's `iam/service-sessions` route stands in for the service assuming it).
    pub(crate) async fn studio(aws: &AwsEmulator, role_arn: &str) -> Result<Self, StepError> {
        let opened = aws
            .service_session(role_arn, "sagemaker.amazonaws.com", "SageMaker")
            .await?;
        let issued = &opened["Credentials"];
        let field = |name: &str| {
            issued[name].as_str().map(str::to_owned).ok_or_else(|| {
                StepError::new(format!("the service session answered no {name}: {opened}"))
            })
        };
        let credentials = Credentials::new(
            field("AccessKeyId")?,
            field("SecretAccessKey")?,
            Some(field("SessionToken")?),
            None,
            "story-studio",
        );
        Self::signing_with(aws, credentials).await
    }

    /// The identity `credentials` sign as: a configuration pointed at the emulator, and the
    /// ARN STS `GetCallerIdentity` answers for it.
    async fn signing_with(aws: &AwsEmulator, credentials: Credentials) -> Result<Self, StepError> {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(aws.endpoint_url())
            .credentials_provider(credentials.clone())
            .load()
            .await;
        let identity = aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await?;
        Ok(Self {
            arn: identity.arn().unwrap_or_default().to_owned(),
            credentials,
            config,
        })
    }

    pub(crate) fn servicecatalog(&self) -> aws_sdk_servicecatalog::Client {
        aws_sdk_servicecatalog::Client::new(&self.config)
    }

    pub(crate) fn cloudformation(&self) -> aws_sdk_cloudformation::Client {
        aws_sdk_cloudformation::Client::new(&self.config)
    }

    pub(crate) fn lakeformation(&self) -> aws_sdk_lakeformation::Client {
        aws_sdk_lakeformation::Client::new(&self.config)
    }

    pub(crate) fn sagemaker(&self) -> aws_sdk_sagemaker::Client {
        aws_sdk_sagemaker::Client::new(&self.config)
    }
}
