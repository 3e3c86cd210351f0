//! `UserSettings` (a domain's `DefaultUserSettings`, a profile's `UserSettings`) from the
//! properties CloudFormation sends, in the SageMaker API's shape with its field names.
//!
//! The commonly used parts of the shape are supported; a field outside them is refused with a
//! `Reason` that names it, rather than silently dropped.

use aws_sdk_sagemaker::types::{
    AppInstanceType, AppLifecycleManagement, AutoMountHomeEfs, CodeEditorAppSettings,
    DefaultEbsStorageSettings, DefaultSpaceStorageSettings, IdleSettings, JupyterLabAppSettings,
    JupyterServerAppSettings, KernelGatewayAppSettings, LifecycleManagement, NotebookOutputOption,
    ResourceSpec, SharingSettings, StudioWebPortal, UserSettings,
};
use cfn_custom_resource::ResourceError;
use cfn_custom_resource::properties::{optional_integer, optional_string_list};
use serde::{Deserialize, Serialize};

/// `UserSettings` as written in a template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UserSettingsProperty {
    /// The execution role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role: Option<String>,
    /// Security groups for the VPC-only mode.
    #[serde(
        default,
        deserialize_with = "optional_string_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub security_groups: Option<Vec<String>>,
    /// Notebook sharing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharing_settings: Option<SharingSettingsProperty>,
    /// Studio Classic's Jupyter server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jupyter_server_app_settings: Option<AppSettingsProperty>,
    /// Kernel gateways.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_gateway_app_settings: Option<AppSettingsProperty>,
    /// JupyterLab.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jupyter_lab_app_settings: Option<AppSettingsProperty>,
    /// Code Editor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_editor_app_settings: Option<AppSettingsProperty>,
    /// Storage of private spaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space_storage_settings: Option<SpaceStorageSettingsProperty>,
    /// `studio::` or `app:JupyterServer:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_landing_uri: Option<String>,
    /// `ENABLED` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub studio_web_portal: Option<String>,
    /// `Enabled`, `Disabled` or `DefaultAsDomain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_mount_home_efs: Option<String>,
}

/// `SharingSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SharingSettingsProperty {
    /// `Allowed` or `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notebook_output_option: Option<String>,
    /// Where shared notebooks go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_output_path: Option<String>,
    /// Their KMS key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_kms_key_id: Option<String>,
}

/// The app settings shared by Jupyter server, kernel gateway, JupyterLab and Code Editor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AppSettingsProperty {
    /// The default instance and image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_resource_spec: Option<ResourceSpecProperty>,
    /// Lifecycle configurations.
    #[serde(
        default,
        deserialize_with = "optional_string_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub lifecycle_config_arns: Option<Vec<String>>,
    /// Idle shutdown (JupyterLab and Code Editor only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_lifecycle_management: Option<AppLifecycleManagementProperty>,
}

/// `ResourceSpec`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ResourceSpecProperty {
    /// e.g. `ml.t3.medium`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    /// The SageMaker image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sage_maker_image_arn: Option<String>,
    /// The image version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sage_maker_image_version_arn: Option<String>,
    /// A lifecycle configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_config_arn: Option<String>,
}

/// `AppLifecycleManagement`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AppLifecycleManagementProperty {
    /// `IdleSettings`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_settings: Option<IdleSettingsProperty>,
}

/// `IdleSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct IdleSettingsProperty {
    /// `ENABLED` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_management: Option<String>,
    /// 60 to 525600.
    #[serde(
        default,
        deserialize_with = "optional_integer",
        skip_serializing_if = "Option::is_none"
    )]
    pub idle_timeout_in_minutes: Option<i32>,
    /// 60 to 525600.
    #[serde(
        default,
        deserialize_with = "optional_integer",
        skip_serializing_if = "Option::is_none"
    )]
    pub min_idle_timeout_in_minutes: Option<i32>,
    /// 60 to 525600.
    #[serde(
        default,
        deserialize_with = "optional_integer",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_idle_timeout_in_minutes: Option<i32>,
}

/// `DefaultSpaceStorageSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SpaceStorageSettingsProperty {
    /// `DefaultEbsStorageSettings`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_ebs_storage_settings: Option<EbsStorageSettingsProperty>,
}

/// `DefaultEbsStorageSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct EbsStorageSettingsProperty {
    /// 5 to 16384.
    #[serde(deserialize_with = "cfn_custom_resource::properties::integer")]
    pub default_ebs_volume_size_in_gb: i32,
    /// 5 to 16384.
    #[serde(deserialize_with = "cfn_custom_resource::properties::integer")]
    pub maximum_ebs_volume_size_in_gb: i32,
}

/// Checks `text` is one of an SDK enum's values and converts it.
fn enum_value<T: for<'a> From<&'a str>>(
    property: &str,
    text: &str,
    allowed: &[&str],
) -> Result<T, ResourceError> {
    if allowed.contains(&text) {
        Ok(T::from(text))
    } else {
        let shown: Vec<&str> = allowed.iter().take(12).copied().collect();
        let more = if allowed.len() > shown.len() {
            ", …"
        } else {
            ""
        };
        Err(ResourceError::invalid_property(
            property,
            format!("expected one of {}{more}, got \"{text}\"", shown.join(", ")),
        ))
    }
}

fn in_range(property: &str, value: i32, low: i32, high: i32) -> Result<i32, ResourceError> {
    if (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(ResourceError::invalid_property(
            property,
            format!("expected a whole number from {low} to {high}, got {value}"),
        ))
    }
}

impl UserSettingsProperty {
    /// The SDK's `UserSettings`; `property` is the property's name for error messages.
    pub fn to_sdk(&self, property: &str) -> Result<UserSettings, ResourceError> {
        let mut settings = UserSettings::builder()
            .set_execution_role(self.execution_role.clone())
            .set_security_groups(self.security_groups.clone())
            .set_default_landing_uri(self.default_landing_uri.clone());
        if let Some(sharing) = &self.sharing_settings {
            let path = format!("{property}.SharingSettings");
            let option = sharing
                .notebook_output_option
                .as_deref()
                .map(|text| {
                    enum_value::<NotebookOutputOption>(
                        &format!("{path}.NotebookOutputOption"),
                        text,
                        NotebookOutputOption::values(),
                    )
                })
                .transpose()?;
            settings = settings.sharing_settings(
                SharingSettings::builder()
                    .set_notebook_output_option(option)
                    .set_s3_output_path(sharing.s3_output_path.clone())
                    .set_s3_kms_key_id(sharing.s3_kms_key_id.clone())
                    .build(),
            );
        }
        if let Some(app) = &self.jupyter_server_app_settings {
            let path = format!("{property}.JupyterServerAppSettings");
            refuse_idle_settings(&path, app)?;
            settings = settings.jupyter_server_app_settings(
                JupyterServerAppSettings::builder()
                    .set_default_resource_spec(resource_spec(&path, app)?)
                    .set_lifecycle_config_arns(app.lifecycle_config_arns.clone())
                    .build(),
            );
        }
        if let Some(app) = &self.kernel_gateway_app_settings {
            let path = format!("{property}.KernelGatewayAppSettings");
            refuse_idle_settings(&path, app)?;
            settings = settings.kernel_gateway_app_settings(
                KernelGatewayAppSettings::builder()
                    .set_default_resource_spec(resource_spec(&path, app)?)
                    .set_lifecycle_config_arns(app.lifecycle_config_arns.clone())
                    .build(),
            );
        }
        if let Some(app) = &self.jupyter_lab_app_settings {
            let path = format!("{property}.JupyterLabAppSettings");
            settings = settings.jupyter_lab_app_settings(
                JupyterLabAppSettings::builder()
                    .set_default_resource_spec(resource_spec(&path, app)?)
                    .set_lifecycle_config_arns(app.lifecycle_config_arns.clone())
                    .set_app_lifecycle_management(lifecycle_management(&path, app)?)
                    .build(),
            );
        }
        if let Some(app) = &self.code_editor_app_settings {
            let path = format!("{property}.CodeEditorAppSettings");
            settings = settings.code_editor_app_settings(
                CodeEditorAppSettings::builder()
                    .set_default_resource_spec(resource_spec(&path, app)?)
                    .set_lifecycle_config_arns(app.lifecycle_config_arns.clone())
                    .set_app_lifecycle_management(lifecycle_management(&path, app)?)
                    .build(),
            );
        }
        if let Some(storage) = &self.space_storage_settings {
            let path = format!("{property}.SpaceStorageSettings");
            let ebs = storage
                .default_ebs_storage_settings
                .as_ref()
                .map(|ebs| {
                    let path = format!("{path}.DefaultEbsStorageSettings");
                    let default = in_range(
                        &format!("{path}.DefaultEbsVolumeSizeInGb"),
                        ebs.default_ebs_volume_size_in_gb,
                        5,
                        16384,
                    )?;
                    let maximum = in_range(
                        &format!("{path}.MaximumEbsVolumeSizeInGb"),
                        ebs.maximum_ebs_volume_size_in_gb,
                        5,
                        16384,
                    )?;
                    Ok::<_, ResourceError>(
                        DefaultEbsStorageSettings::builder()
                            .default_ebs_volume_size_in_gb(default)
                            .maximum_ebs_volume_size_in_gb(maximum)
                            .build(),
                    )
                })
                .transpose()?;
            settings = settings.space_storage_settings(
                DefaultSpaceStorageSettings::builder()
                    .set_default_ebs_storage_settings(ebs)
                    .build(),
            );
        }
        if let Some(portal) = &self.studio_web_portal {
            settings = settings.studio_web_portal(enum_value(
                &format!("{property}.StudioWebPortal"),
                portal,
                StudioWebPortal::values(),
            )?);
        }
        if let Some(mount) = &self.auto_mount_home_efs {
            settings = settings.auto_mount_home_efs(enum_value(
                &format!("{property}.AutoMountHomeEfs"),
                mount,
                AutoMountHomeEfs::values(),
            )?);
        }
        Ok(settings.build())
    }
}

fn refuse_idle_settings(path: &str, app: &AppSettingsProperty) -> Result<(), ResourceError> {
    if app.app_lifecycle_management.is_some() {
        return Err(ResourceError::invalid_property(
            format!("{path}.AppLifecycleManagement"),
            "is supported only in JupyterLabAppSettings and CodeEditorAppSettings",
        ));
    }
    Ok(())
}

fn resource_spec(
    path: &str,
    app: &AppSettingsProperty,
) -> Result<Option<ResourceSpec>, ResourceError> {
    let Some(spec) = &app.default_resource_spec else {
        return Ok(None);
    };
    let instance_type = spec
        .instance_type
        .as_deref()
        .map(|text| {
            enum_value::<AppInstanceType>(
                &format!("{path}.DefaultResourceSpec.InstanceType"),
                text,
                AppInstanceType::values(),
            )
        })
        .transpose()?;
    Ok(Some(
        ResourceSpec::builder()
            .set_instance_type(instance_type)
            .set_sage_maker_image_arn(spec.sage_maker_image_arn.clone())
            .set_sage_maker_image_version_arn(spec.sage_maker_image_version_arn.clone())
            .set_lifecycle_config_arn(spec.lifecycle_config_arn.clone())
            .build(),
    ))
}

fn lifecycle_management(
    path: &str,
    app: &AppSettingsProperty,
) -> Result<Option<AppLifecycleManagement>, ResourceError> {
    let Some(idle) = app
        .app_lifecycle_management
        .as_ref()
        .and_then(|management| management.idle_settings.as_ref())
    else {
        return Ok(None);
    };
    let path = format!("{path}.AppLifecycleManagement.IdleSettings");
    let management = idle
        .lifecycle_management
        .as_deref()
        .map(|text| {
            enum_value::<LifecycleManagement>(
                &format!("{path}.LifecycleManagement"),
                text,
                LifecycleManagement::values(),
            )
        })
        .transpose()?;
    let minutes = |name: &str, value: Option<i32>| {
        value
            .map(|value| in_range(&format!("{path}.{name}"), value, 60, 525_600))
            .transpose()
    };
    Ok(Some(
        AppLifecycleManagement::builder()
            .idle_settings(
                IdleSettings::builder()
                    .set_lifecycle_management(management)
                    .set_idle_timeout_in_minutes(minutes(
                        "IdleTimeoutInMinutes",
                        idle.idle_timeout_in_minutes,
                    )?)
                    .set_min_idle_timeout_in_minutes(minutes(
                        "MinIdleTimeoutInMinutes",
                        idle.min_idle_timeout_in_minutes,
                    )?)
                    .set_max_idle_timeout_in_minutes(minutes(
                        "MaxIdleTimeoutInMinutes",
                        idle.max_idle_timeout_in_minutes,
                    )?)
                    .build(),
            )
            .build(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfn_custom_resource::properties::parse;
    use serde_json::json;

    #[test]
    fn settings_written_as_cloudformation_strings_become_the_sdk_shape() {
        let property: UserSettingsProperty = parse(&json!({
            "ExecutionRole": "arn:aws:iam::123456789012:role/studio",
            "SecurityGroups": ["sg-1"],
            "SharingSettings": {"NotebookOutputOption": "Disabled"},
            "JupyterLabAppSettings": {
                "DefaultResourceSpec": {"InstanceType": "ml.t3.medium"},
                "AppLifecycleManagement": {"IdleSettings": {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": "120"}}
            },
            "SpaceStorageSettings": {"DefaultEbsStorageSettings": {"DefaultEbsVolumeSizeInGb": "5", "MaximumEbsVolumeSizeInGb": "100"}},
            "StudioWebPortal": "ENABLED"
        }))
        .unwrap();
        let settings = property.to_sdk("DefaultUserSettings").unwrap();
        assert_eq!(
            settings.execution_role(),
            Some("arn:aws:iam::123456789012:role/studio")
        );
        let lab = settings.jupyter_lab_app_settings().unwrap();
        assert_eq!(
            lab.default_resource_spec().unwrap().instance_type(),
            Some(&AppInstanceType::MlT3Medium)
        );
        let idle = lab
            .app_lifecycle_management()
            .unwrap()
            .idle_settings()
            .unwrap();
        assert_eq!(idle.idle_timeout_in_minutes(), Some(120));
        assert_eq!(
            settings
                .sharing_settings()
                .unwrap()
                .notebook_output_option(),
            Some(&NotebookOutputOption::Disabled)
        );
    }

    #[test]
    fn an_unknown_instance_type_is_named_with_its_full_path() {
        let property: UserSettingsProperty = parse(&json!({
            "KernelGatewayAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.huge"}}
        }))
        .unwrap();
        let error = property.to_sdk("DefaultUserSettings").unwrap_err();
        assert!(
            error.to_string().starts_with(
                "Invalid property DefaultUserSettings.KernelGatewayAppSettings.DefaultResourceSpec.InstanceType: expected one of"
            ),
            "{error}"
        );
    }

    #[test]
    fn an_unsupported_field_is_refused_not_dropped() {
        let error = parse::<UserSettingsProperty>(&json!({"CanvasAppSettings": {}})).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("Invalid property CanvasAppSettings: is not a supported property"),
            "{error}"
        );
    }

    #[test]
    fn an_idle_timeout_out_of_range_is_refused() {
        let property: UserSettingsProperty = parse(&json!({
            "CodeEditorAppSettings": {"AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": "5"}}}
        }))
        .unwrap();
        let error = property.to_sdk("UserSettings").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("IdleTimeoutInMinutes: expected a whole number from 60 to 525600, got 5"),
            "{error}"
        );
    }
}
