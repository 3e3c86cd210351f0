//! Who makes each call of the story: the platform admin (the emulator's default credentials),
//! the cloud admin (an STS `AssumeRole` session), a data scientist (a SAML-federated session:
//! STS `AssumeRoleWithSAML`, the session name set by the identity provider's assertion), and
//! Studio acting for a data scientist (SageMaker's session of her profile's execution role). Each identity is one
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

    /// A user of the company's identity provider arriving through SAML federation (STS
    /// `AssumeRoleWithSAML`, unsigned): the provider's assertion names the role and the
    /// provider (`https://aws.amazon.com/SAML/Attributes/Role`, "role ARN,provider ARN") and
    /// the session name (`https://aws.amazon.com/SAML/Attributes/RoleSessionName`), so that
    /// "AWS sets the role session name value to the attribute provided by the identity
    /// provider" (IAM User Guide, "Configure SAML assertions for the authentication response";
    /// AWS Security Blog on `sts:RoleSessionName`). The emulator checks the role's trust
    /// policy against the provider and does not verify the assertion's signature.
    pub(crate) async fn saml(
        aws: &AwsEmulator,
        role_arn: &str,
        provider_arn: &str,
        user: &str,
    ) -> Result<Self, StepError> {
        let assertion = format!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion><saml:Subject><saml:NameID>{user}</saml:NameID></saml:Subject><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>{role_arn},{provider_arn}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>{user}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"#
        );
        let unsigned = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(aws.endpoint_url())
            .no_credentials()
            .load()
            .await;
        let federated = aws_sdk_sts::Client::new(&unsigned)
            .assume_role_with_saml()
            .role_arn(role_arn)
            .principal_arn(provider_arn)
            .saml_assertion(aws_smithy_types::base64::encode(assertion))
            .send()
            .await?;
        let issued = federated
            .credentials()
            .ok_or_else(|| StepError::new("AssumeRoleWithSAML answered no credentials"))?;
        let credentials = Credentials::new(
            issued.access_key_id(),
            issued.secret_access_key(),
            Some(issued.session_token().to_owned()),
            None,
            "story-saml",
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ACCOUNT_ID;

    #[tokio::test]
    async fn a_saml_session_is_named_by_the_identity_providers_assertion() {
        let aws = AwsEmulator::builder()
            .lease()
            .await
            .expect("the emulator starts");
        let provider = format!("arn:aws:iam::{ACCOUNT_ID}:saml-provider/corp-idp");
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithSAML"}]});
        aws.call_query(
            "iam",
            "2010-05-08",
            "CreateRole",
            &[
                ("RoleName", "SamlScientists"),
                ("AssumeRolePolicyDocument", &trust.to_string()),
            ],
        )
        .await
        .expect("CreateRole");
        let role = format!("arn:aws:iam::{ACCOUNT_ID}:role/SamlScientists");

        let alice = Session::saml(&aws, &role, &provider, "alice")
            .await
            .expect("AssumeRoleWithSAML");
        assert_eq!(
            alice.arn,
            format!("arn:aws:sts::{ACCOUNT_ID}:assumed-role/SamlScientists/alice")
        );

        // Another provider is not trusted by the role: refused.
        let other = format!("arn:aws:iam::{ACCOUNT_ID}:saml-provider/other-idp");
        assert!(Session::saml(&aws, &role, &other, "alice").await.is_err());
    }
}
