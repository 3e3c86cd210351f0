//! The app settings of `UserSettings` outside Studio's own apps: `CanvasAppSettings` (SageMaker
//! Canvas) and `RStudioServerProAppSettings` (a user's access to RStudio), and the domain's
//! `RStudioServerProDomainSettings`, in the API's shape (botocore
//! `sagemaker/2017-07-24/service-2.json`: `CanvasAppSettings`, `TimeSeriesForecastingSettings`,
//! `ModelRegisterSettings`, `WorkspaceSettings`, `IdentityProviderOAuthSettings` (at most 20),
//! `DirectDeploySettings`, `KendraSettings`, `GenerativeAiSettings`, `EmrServerlessSettings`,
//! `RStudioServerProAppSettings`, `RStudioServerProDomainSettings(ForUpdate)`). Every enum,
//! ARN and URI is checked, and named by its full path, before any call.

use aws_sdk_sagemaker::types::{
    CanvasAppSettings, DataSourceName, DirectDeploySettings, EmrServerlessSettings, FeatureStatus,
    GenerativeAiSettings, IdentityProviderOAuthSetting, KendraSettings, ModelRegisterSettings,
    RStudioServerProAccessStatus, RStudioServerProAppSettings, RStudioServerProDomainSettings,
    RStudioServerProDomainSettingsForUpdate, RStudioServerProUserGroup,
    TimeSeriesForecastingSettings, WorkspaceSettings,
};
use cfn_custom_resource::ResourceError;
use serde::{Deserialize, Serialize};

use crate::identifiers::is_role_arn;
use crate::user_settings::{
    AppSettingsProperty, ResourceSpecProperty, check_count, enum_value, resource_spec,
};

/// A Canvas feature switched on or off (`DirectDeploySettings`, `KendraSettings`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StatusProperty {
    /// `ENABLED` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `TimeSeriesForecastingSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TimeSeriesForecastingProperty {
    /// `ENABLED` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The role Canvas passes to Amazon Forecast.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amazon_forecast_role_arn: Option<String>,
}

/// `ModelRegisterSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModelRegisterProperty {
    /// `ENABLED` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// A role in the model registry's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_account_model_register_role_arn: Option<String>,
}

/// `WorkspaceSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct WorkspaceProperty {
    /// `s3://` or `https://` (the `S3Uri` shape), at most 1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_artifact_path: Option<String>,
    /// A KMS key id or ARN (`[a-zA-Z0-9:/_-]*`, at most 2048).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_kms_key_id: Option<String>,
}

/// `IdentityProviderOAuthSetting`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct OAuthProperty {
    /// `SalesforceGenie` or `Snowflake`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_source_name: Option<String>,
    /// `ENABLED` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// A Secrets Manager secret ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_arn: Option<String>,
}

/// `GenerativeAiSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GenerativeAiProperty {
    /// The role for fine-tuning in Amazon Bedrock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amazon_bedrock_role_arn: Option<String>,
}

/// `EmrServerlessSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct EmrServerlessProperty {
    /// The role EMR Serverless jobs run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    /// `ENABLED` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `CanvasAppSettings` as written in a template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CanvasAppSettingsProperty {
    /// Time series forecasting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_series_forecasting_settings: Option<TimeSeriesForecastingProperty>,
    /// The model registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_register_settings: Option<ModelRegisterProperty>,
    /// Where Canvas keeps its artefacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_settings: Option<WorkspaceProperty>,
    /// OAuth to external data sources, at most 20.
    #[serde(
        default,
        rename = "IdentityProviderOAuthSettings",
        skip_serializing_if = "Option::is_none"
    )]
    pub identity_provider_oauth_settings: Option<Vec<OAuthProperty>>,
    /// Model deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_deploy_settings: Option<StatusProperty>,
    /// Document querying (Amazon Kendra).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kendra_settings: Option<StatusProperty>,
    /// Generative AI (Amazon Bedrock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generative_ai_settings: Option<GenerativeAiProperty>,
    /// EMR Serverless jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emr_serverless_settings: Option<EmrServerlessProperty>,
}

/// `RStudioServerProAppSettings` as written in a template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RStudioServerProAppSettingsProperty {
    /// `ENABLED` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_status: Option<String>,
    /// `R_STUDIO_ADMIN` or `R_STUDIO_USER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_group: Option<String>,
}

/// The domain's `DomainSettings.RStudioServerProDomainSettings` as written in a template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RStudioServerProDomainSettingsProperty {
    /// The domain-level RStudio app's execution role (required).
    pub domain_execution_role_arn: String,
    /// An RStudio Connect server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r_studio_connect_url: Option<String>,
    /// An RStudio Package Manager server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r_studio_package_manager_url: Option<String>,
    /// The RStudio server's instance and image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_resource_spec: Option<ResourceSpecProperty>,
}

fn status(path: &str, value: Option<&String>) -> Result<Option<FeatureStatus>, ResourceError> {
    value
        .map(|value| enum_value(&format!("{path}.Status"), value, FeatureStatus::values()))
        .transpose()
}

fn role(path: &str, value: Option<&String>) -> Result<Option<String>, ResourceError> {
    match value {
        Some(arn) if !is_role_arn(arn) || arn.len() < 20 => Err(ResourceError::invalid_property(
            path,
            format!("expected an IAM role ARN, got \"{arn}\""),
        )),
        other => Ok(other.cloned()),
    }
}

/// The `S3Uri` shape: `(https|s3)://([^/]+)/?(.*)`, at most 1024 characters.
fn s3_uri(path: &str, value: Option<&String>) -> Result<Option<String>, ResourceError> {
    let Some(uri) = value else {
        return Ok(None);
    };
    let host = uri
        .strip_prefix("s3://")
        .or_else(|| uri.strip_prefix("https://"))
        .map(|rest| rest.split('/').next().unwrap_or_default());
    if uri.len() <= 1024 && host.is_some_and(|host| !host.is_empty()) {
        Ok(Some(uri.clone()))
    } else {
        Err(ResourceError::invalid_property(
            path,
            format!("expected an s3:// or https:// URI, got \"{uri}\""),
        ))
    }
}

/// The `KmsKeyId` shape: `[a-zA-Z0-9:/_-]*`, at most 2048 characters.
fn kms_key(path: &str, value: Option<&String>) -> Result<Option<String>, ResourceError> {
    match value {
        Some(key)
            if key.len() > 2048
                || !key
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || b":/_-".contains(&byte)) =>
        {
            Err(ResourceError::invalid_property(
                path,
                format!("expected a KMS key id or ARN, got \"{key}\""),
            ))
        }
        other => Ok(other.cloned()),
    }
}

/// The `SecretArn` shape: `arn:aws[a-z\-]*:secretsmanager:[a-z0-9\-]*:[0-9]{12}:secret:.*`.
fn secret_arn(path: &str, value: Option<&String>) -> Result<Option<String>, ResourceError> {
    let Some(arn) = value else {
        return Ok(None);
    };
    let fine = (|| {
        let rest = arn.strip_prefix("arn:aws")?;
        let (partition, rest) = rest.split_once(':')?;
        let rest = rest.strip_prefix("secretsmanager:")?;
        let (region, rest) = rest.split_once(':')?;
        let (account, _) = rest.split_once(":secret:")?;
        Some(
            partition
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte == b'-')
                && region
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
                && account.len() == 12
                && account.bytes().all(|byte| byte.is_ascii_digit()),
        )
    })() == Some(true);
    if fine && arn.len() <= 2048 {
        Ok(Some(arn.clone()))
    } else {
        Err(ResourceError::invalid_property(
            path,
            format!("expected a Secrets Manager secret ARN, got \"{arn}\""),
        ))
    }
}

impl CanvasAppSettingsProperty {
    /// The SDK's `CanvasAppSettings`, every member checked (`path` names it in errors).
    pub fn to_sdk(&self, path: &str) -> Result<CanvasAppSettings, ResourceError> {
        let forecasting = self
            .time_series_forecasting_settings
            .as_ref()
            .map(|settings| {
                let path = format!("{path}.TimeSeriesForecastingSettings");
                Ok::<_, ResourceError>(
                    TimeSeriesForecastingSettings::builder()
                        .set_status(status(&path, settings.status.as_ref())?)
                        .set_amazon_forecast_role_arn(role(
                            &format!("{path}.AmazonForecastRoleArn"),
                            settings.amazon_forecast_role_arn.as_ref(),
                        )?)
                        .build(),
                )
            })
            .transpose()?;
        let register = self
            .model_register_settings
            .as_ref()
            .map(|settings| {
                let path = format!("{path}.ModelRegisterSettings");
                Ok::<_, ResourceError>(
                    ModelRegisterSettings::builder()
                        .set_status(status(&path, settings.status.as_ref())?)
                        .set_cross_account_model_register_role_arn(role(
                            &format!("{path}.CrossAccountModelRegisterRoleArn"),
                            settings.cross_account_model_register_role_arn.as_ref(),
                        )?)
                        .build(),
                )
            })
            .transpose()?;
        let workspace = self
            .workspace_settings
            .as_ref()
            .map(|settings| {
                let path = format!("{path}.WorkspaceSettings");
                Ok::<_, ResourceError>(
                    WorkspaceSettings::builder()
                        .set_s3_artifact_path(s3_uri(
                            &format!("{path}.S3ArtifactPath"),
                            settings.s3_artifact_path.as_ref(),
                        )?)
                        .set_s3_kms_key_id(kms_key(
                            &format!("{path}.S3KmsKeyId"),
                            settings.s3_kms_key_id.as_ref(),
                        )?)
                        .build(),
                )
            })
            .transpose()?;
        let oauth = self
            .identity_provider_oauth_settings
            .as_deref()
            .map(|settings| {
                let path = format!("{path}.IdentityProviderOAuthSettings");
                check_count(&path, settings.len(), 20)?;
                settings
                    .iter()
                    .enumerate()
                    .map(|(index, setting)| {
                        let path = format!("{path}[{index}]");
                        let source = setting
                            .data_source_name
                            .as_deref()
                            .map(|name| {
                                enum_value::<DataSourceName>(
                                    &format!("{path}.DataSourceName"),
                                    name,
                                    DataSourceName::values(),
                                )
                            })
                            .transpose()?;
                        Ok(IdentityProviderOAuthSetting::builder()
                            .set_data_source_name(source)
                            .set_status(status(&path, setting.status.as_ref())?)
                            .set_secret_arn(secret_arn(
                                &format!("{path}.SecretArn"),
                                setting.secret_arn.as_ref(),
                            )?)
                            .build())
                    })
                    .collect::<Result<Vec<_>, ResourceError>>()
            })
            .transpose()?;
        let deploy = self
            .direct_deploy_settings
            .as_ref()
            .map(|settings| {
                Ok::<_, ResourceError>(
                    DirectDeploySettings::builder()
                        .set_status(status(
                            &format!("{path}.DirectDeploySettings"),
                            settings.status.as_ref(),
                        )?)
                        .build(),
                )
            })
            .transpose()?;
        let kendra = self
            .kendra_settings
            .as_ref()
            .map(|settings| {
                Ok::<_, ResourceError>(
                    KendraSettings::builder()
                        .set_status(status(
                            &format!("{path}.KendraSettings"),
                            settings.status.as_ref(),
                        )?)
                        .build(),
                )
            })
            .transpose()?;
        let generative = self
            .generative_ai_settings
            .as_ref()
            .map(|settings| {
                Ok::<_, ResourceError>(
                    GenerativeAiSettings::builder()
                        .set_amazon_bedrock_role_arn(role(
                            &format!("{path}.GenerativeAiSettings.AmazonBedrockRoleArn"),
                            settings.amazon_bedrock_role_arn.as_ref(),
                        )?)
                        .build(),
                )
            })
            .transpose()?;
        let emr = self
            .emr_serverless_settings
            .as_ref()
            .map(|settings| {
                let path = format!("{path}.EmrServerlessSettings");
                Ok::<_, ResourceError>(
                    EmrServerlessSettings::builder()
                        .set_execution_role_arn(role(
                            &format!("{path}.ExecutionRoleArn"),
                            settings.execution_role_arn.as_ref(),
                        )?)
                        .set_status(status(&path, settings.status.as_ref())?)
                        .build(),
                )
            })
            .transpose()?;
        Ok(CanvasAppSettings::builder()
            .set_time_series_forecasting_settings(forecasting)
            .set_model_register_settings(register)
            .set_workspace_settings(workspace)
            .set_identity_provider_o_auth_settings(oauth)
            .set_direct_deploy_settings(deploy)
            .set_kendra_settings(kendra)
            .set_generative_ai_settings(generative)
            .set_emr_serverless_settings(emr)
            .build())
    }
}

impl RStudioServerProAppSettingsProperty {
    /// The SDK's `RStudioServerProAppSettings`, its enums checked.
    pub fn to_sdk(&self, path: &str) -> Result<RStudioServerProAppSettings, ResourceError> {
        let access = self
            .access_status
            .as_deref()
            .map(|value| {
                enum_value::<RStudioServerProAccessStatus>(
                    &format!("{path}.AccessStatus"),
                    value,
                    RStudioServerProAccessStatus::values(),
                )
            })
            .transpose()?;
        let group = self
            .user_group
            .as_deref()
            .map(|value| {
                enum_value::<RStudioServerProUserGroup>(
                    &format!("{path}.UserGroup"),
                    value,
                    RStudioServerProUserGroup::values(),
                )
            })
            .transpose()?;
        Ok(RStudioServerProAppSettings::builder()
            .set_access_status(access)
            .set_user_group(group)
            .build())
    }
}

/// The checked parts of [`RStudioServerProDomainSettingsProperty`].
struct DomainParts {
    role: String,
    connect: Option<String>,
    package_manager: Option<String>,
    spec: Option<aws_sdk_sagemaker::types::ResourceSpec>,
}

impl RStudioServerProDomainSettingsProperty {
    fn parts(&self, path: &str) -> Result<DomainParts, ResourceError> {
        let role = role(
            &format!("{path}.DomainExecutionRoleArn"),
            Some(&self.domain_execution_role_arn),
        )?
        .unwrap_or_default();
        // `RStudioConnectUrl` and `RStudioPackageManagerUrl` are the model's `String`; the API
        // reference calls them URLs, so an https:// one is asked for (not confirmed that
        // SageMaker refuses another).
        let url = |name: &str, value: &Option<String>| match value {
            Some(url) if !url.starts_with("https://") => Err(ResourceError::invalid_property(
                format!("{path}.{name}"),
                format!("expected an https:// URL, got \"{url}\""),
            )),
            other => Ok(other.clone()),
        };
        let spec = resource_spec(
            path,
            &AppSettingsProperty {
                default_resource_spec: self.default_resource_spec.clone(),
                ..AppSettingsProperty::default()
            },
        )?;
        Ok(DomainParts {
            role,
            connect: url("RStudioConnectUrl", &self.r_studio_connect_url)?,
            package_manager: url(
                "RStudioPackageManagerUrl",
                &self.r_studio_package_manager_url,
            )?,
            spec,
        })
    }

    /// CreateDomain's `RStudioServerProDomainSettings`.
    pub fn to_sdk(&self, path: &str) -> Result<RStudioServerProDomainSettings, ResourceError> {
        let parts = self.parts(path)?;
        Ok(RStudioServerProDomainSettings::builder()
            .domain_execution_role_arn(parts.role)
            .set_r_studio_connect_url(parts.connect)
            .set_r_studio_package_manager_url(parts.package_manager)
            .set_default_resource_spec(parts.spec)
            .build())
    }

    /// UpdateDomain's `RStudioServerProDomainSettingsForUpdate`.
    pub fn for_update(
        &self,
        path: &str,
    ) -> Result<RStudioServerProDomainSettingsForUpdate, ResourceError> {
        let parts = self.parts(path)?;
        Ok(RStudioServerProDomainSettingsForUpdate::builder()
            .domain_execution_role_arn(parts.role)
            .set_r_studio_connect_url(parts.connect)
            .set_r_studio_package_manager_url(parts.package_manager)
            .set_default_resource_spec(parts.spec)
            .build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfn_custom_resource::properties::parse;
    use serde_json::json;

    const ROLE: &str = "arn:aws:iam::123456789012:role/canvas";

    fn refusal(value: &serde_json::Value) -> String {
        parse::<CanvasAppSettingsProperty>(value)
            .unwrap()
            .to_sdk("UserSettings.CanvasAppSettings")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn every_canvas_member_becomes_the_sdk_shape() {
        let property: CanvasAppSettingsProperty = parse(&json!({
            "TimeSeriesForecastingSettings": {"Status": "ENABLED", "AmazonForecastRoleArn": ROLE},
            "ModelRegisterSettings": {"Status": "DISABLED", "CrossAccountModelRegisterRoleArn": ROLE},
            "WorkspaceSettings": {"S3ArtifactPath": "s3://bucket/canvas", "S3KmsKeyId": "alias/canvas"},
            "IdentityProviderOAuthSettings": [{"DataSourceName": "Snowflake", "Status": "ENABLED",
                "SecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:snowflake-AbCdEf"}],
            "DirectDeploySettings": {"Status": "ENABLED"},
            "KendraSettings": {"Status": "DISABLED"},
            "GenerativeAiSettings": {"AmazonBedrockRoleArn": ROLE},
            "EmrServerlessSettings": {"ExecutionRoleArn": ROLE, "Status": "ENABLED"}
        }))
        .unwrap();
        let canvas = property.to_sdk("UserSettings.CanvasAppSettings").unwrap();
        assert_eq!(
            canvas.time_series_forecasting_settings().unwrap().status(),
            Some(&FeatureStatus::Enabled)
        );
        assert_eq!(
            canvas.workspace_settings().unwrap().s3_artifact_path(),
            Some("s3://bucket/canvas")
        );
        let oauth = &canvas.identity_provider_o_auth_settings()[0];
        assert_eq!(oauth.data_source_name(), Some(&DataSourceName::Snowflake));
        assert_eq!(
            canvas
                .emr_serverless_settings()
                .unwrap()
                .execution_role_arn(),
            Some(ROLE)
        );
        assert_eq!(
            canvas.kendra_settings().unwrap().status(),
            Some(&FeatureStatus::Disabled)
        );
        assert_eq!(
            canvas
                .generative_ai_settings()
                .unwrap()
                .amazon_bedrock_role_arn(),
            Some(ROLE)
        );
    }

    #[test]
    fn canvas_limits_are_named_by_their_path() {
        assert!(
            refusal(&json!({"KendraSettings": {"Status": "On"}})).starts_with(
                "Invalid property UserSettings.CanvasAppSettings.KendraSettings.Status: expected one of"
            )
        );
        assert!(
            refusal(&json!({"GenerativeAiSettings": {"AmazonBedrockRoleArn": "bedrock"}})).starts_with(
                "Invalid property UserSettings.CanvasAppSettings.GenerativeAiSettings.AmazonBedrockRoleArn: expected an IAM role ARN"
            )
        );
        assert!(
            refusal(&json!({"WorkspaceSettings": {"S3ArtifactPath": "bucket/canvas"}})).starts_with(
                "Invalid property UserSettings.CanvasAppSettings.WorkspaceSettings.S3ArtifactPath"
            )
        );
        let one = json!({"DataSourceName": "Snowflake", "Status": "ENABLED"});
        assert_eq!(
            refusal(&json!({"IdentityProviderOAuthSettings": vec![one; 21]})),
            "Invalid property UserSettings.CanvasAppSettings.IdentityProviderOAuthSettings: expected at most 20 items, got 21"
        );
        assert!(
            refusal(&json!({"IdentityProviderOAuthSettings": [{"DataSourceName": "Oracle"}]}))
                .starts_with("Invalid property UserSettings.CanvasAppSettings.IdentityProviderOAuthSettings[0].DataSourceName")
        );
        assert!(
            refusal(&json!({"IdentityProviderOAuthSettings": [{"SecretArn": "arn:aws:s3:::secret"}]}))
                .starts_with("Invalid property UserSettings.CanvasAppSettings.IdentityProviderOAuthSettings[0].SecretArn")
        );
        assert!(parse::<CanvasAppSettingsProperty>(&json!({"ChatSettings": {}})).is_err());
    }

    #[test]
    fn rstudio_app_settings_check_their_enums() {
        let property: RStudioServerProAppSettingsProperty =
            parse(&json!({"AccessStatus": "ENABLED", "UserGroup": "R_STUDIO_ADMIN"})).unwrap();
        let settings = property
            .to_sdk("UserSettings.RStudioServerProAppSettings")
            .unwrap();
        assert_eq!(
            settings.user_group(),
            Some(&RStudioServerProUserGroup::from("R_STUDIO_ADMIN"))
        );
        let wrong: RStudioServerProAppSettingsProperty =
            parse(&json!({"UserGroup": "Admin"})).unwrap();
        assert!(
            wrong
                .to_sdk("UserSettings.RStudioServerProAppSettings")
                .unwrap_err()
                .to_string()
                .starts_with("Invalid property UserSettings.RStudioServerProAppSettings.UserGroup: expected one of R_STUDIO_ADMIN, R_STUDIO_USER")
        );
    }

    #[test]
    fn rstudio_domain_settings_need_a_role_and_https_urls() {
        let property: RStudioServerProDomainSettingsProperty = parse(&json!({
            "DomainExecutionRoleArn": ROLE,
            "RStudioConnectUrl": "https://connect.example.com",
            "DefaultResourceSpec": {"InstanceType": "system"}
        }))
        .unwrap();
        let path = "DomainSettings.RStudioServerProDomainSettings";
        let created = property.to_sdk(path).unwrap();
        assert_eq!(created.domain_execution_role_arn(), Some(ROLE));
        let updated = property.for_update(path).unwrap();
        assert_eq!(
            updated.r_studio_connect_url(),
            Some("https://connect.example.com")
        );
        assert!(parse::<RStudioServerProDomainSettingsProperty>(&json!({})).is_err());
        let bad: RStudioServerProDomainSettingsProperty = parse(&json!({
            "DomainExecutionRoleArn": ROLE, "RStudioPackageManagerUrl": "ftp://packages"
        }))
        .unwrap();
        assert!(bad.to_sdk(path).unwrap_err().to_string().starts_with(
            "Invalid property DomainSettings.RStudioServerProDomainSettings.RStudioPackageManagerUrl"
        ));
    }
}
