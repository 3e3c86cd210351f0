//! A domain's `DefaultSpaceSettings` from the properties CloudFormation sends, in the SageMaker
//! API's shape (botocore `DefaultSpaceSettings`): the defaults of the shared spaces users create
//! ("SageMaker applies these settings only to shared spaces", API reference). The shape has no
//! `CodeEditorAppSettings` (a Code Editor space takes its settings from its own `SpaceSettings`),
//! so a template giving it is refused by name like any member outside the shape.

use aws_sdk_sagemaker::types::DefaultSpaceSettings;
use cfn_custom_resource::ResourceError;
use cfn_custom_resource::properties::optional_string_list;
use serde::{Deserialize, Serialize};

use crate::user_settings::{
    AppSettingsProperty, CustomFileSystemConfigProperty, CustomPosixUserConfigProperty,
    SpaceStorageSettingsProperty, custom_file_systems, refuse_removed_values, security_groups,
};

/// `DefaultSpaceSettings` as written in a template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DefaultSpaceSettingsProperty {
    /// The spaces' execution role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role: Option<String>,
    /// Security groups, at most 5.
    #[serde(
        default,
        deserialize_with = "optional_string_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub security_groups: Option<Vec<String>>,
    /// Studio Classic's Jupyter server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jupyter_server_app_settings: Option<AppSettingsProperty>,
    /// Kernel gateways.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_gateway_app_settings: Option<AppSettingsProperty>,
    /// JupyterLab (idle shutdown included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jupyter_lab_app_settings: Option<AppSettingsProperty>,
    /// The spaces' EBS volume sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space_storage_settings: Option<SpaceStorageSettingsProperty>,
    /// The POSIX identity for file system operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_posix_user_config: Option<CustomPosixUserConfigProperty>,
    /// Custom file systems, at most 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_file_system_configs: Option<Vec<CustomFileSystemConfigProperty>>,
}

impl DefaultSpaceSettingsProperty {
    /// These settings with what `old` had and these lack reset, for UpdateDomain (the rule of
    /// [`crate::user_settings::refuse_removed_values`]): lists and structures back to empty;
    /// `ExecutionRole` and `CustomPosixUserConfig`, which have no documented default, refused.
    pub fn resetting_removed(&self, old: &Self, property: &str) -> Result<Self, ResourceError> {
        refuse_removed_values(
            property,
            &[
                (
                    "ExecutionRole",
                    self.execution_role.is_none() && old.execution_role.is_some(),
                ),
                (
                    "CustomPosixUserConfig",
                    self.custom_posix_user_config.is_none()
                        && old.custom_posix_user_config.is_some(),
                ),
            ],
        )?;
        let mut reset = self.clone();
        fn empty<T: Default>(new: &mut Option<T>, old: &Option<T>) {
            if new.is_none() && old.is_some() {
                *new = Some(T::default());
            }
        }
        empty(&mut reset.security_groups, &old.security_groups);
        empty(
            &mut reset.jupyter_server_app_settings,
            &old.jupyter_server_app_settings,
        );
        empty(
            &mut reset.kernel_gateway_app_settings,
            &old.kernel_gateway_app_settings,
        );
        empty(
            &mut reset.jupyter_lab_app_settings,
            &old.jupyter_lab_app_settings,
        );
        empty(
            &mut reset.space_storage_settings,
            &old.space_storage_settings,
        );
        empty(
            &mut reset.custom_file_system_configs,
            &old.custom_file_system_configs,
        );
        Ok(reset)
    }

    /// The SDK's `DefaultSpaceSettings`; `property` names the property in error messages.
    pub fn to_sdk(&self, property: &str) -> Result<DefaultSpaceSettings, ResourceError> {
        if let Some(role) = &self.execution_role
            && !crate::identifiers::is_role_arn(role)
        {
            return Err(ResourceError::invalid_property(
                format!("{property}.ExecutionRole"),
                format!("expected an IAM role ARN, got \"{role}\""),
            ));
        }
        let path = |member: &str| format!("{property}.{member}");
        Ok(DefaultSpaceSettings::builder()
            .set_execution_role(self.execution_role.clone())
            .set_security_groups(security_groups(
                &path("SecurityGroups"),
                self.security_groups.as_ref(),
            )?)
            .set_jupyter_server_app_settings(
                self.jupyter_server_app_settings
                    .as_ref()
                    .map(|app| app.jupyter_server(&path("JupyterServerAppSettings")))
                    .transpose()?,
            )
            .set_kernel_gateway_app_settings(
                self.kernel_gateway_app_settings
                    .as_ref()
                    .map(|app| app.kernel_gateway(&path("KernelGatewayAppSettings")))
                    .transpose()?,
            )
            .set_jupyter_lab_app_settings(
                self.jupyter_lab_app_settings
                    .as_ref()
                    .map(|app| app.jupyter_lab(&path("JupyterLabAppSettings")))
                    .transpose()?,
            )
            .set_space_storage_settings(
                self.space_storage_settings
                    .as_ref()
                    .map(|storage| storage.to_sdk(&path("SpaceStorageSettings")))
                    .transpose()?,
            )
            .set_custom_posix_user_config(
                self.custom_posix_user_config
                    .as_ref()
                    .map(|posix| posix.to_sdk(&path("CustomPosixUserConfig")))
                    .transpose()?,
            )
            .set_custom_file_system_configs(custom_file_systems(
                &path("CustomFileSystemConfigs"),
                self.custom_file_system_configs.as_ref(),
            )?)
            .build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfn_custom_resource::properties::parse;
    use serde_json::json;

    #[test]
    fn default_space_settings_become_the_sdk_shape() {
        let property: DefaultSpaceSettingsProperty = parse(&json!({
            "ExecutionRole": "arn:aws:iam::123456789012:role/spaces",
            "SecurityGroups": ["sg-0abc1234"],
            "JupyterLabAppSettings": {"AppLifecycleManagement": {"IdleSettings": {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": "120"}}},
            "SpaceStorageSettings": {"DefaultEbsStorageSettings": {"DefaultEbsVolumeSizeInGb": "10", "MaximumEbsVolumeSizeInGb": "50"}},
            "CustomPosixUserConfig": {"Uid": "10000", "Gid": "1001"},
            "CustomFileSystemConfigs": [{"EFSFileSystemConfig": {"FileSystemId": "fs-0123456789abcdef0"}}]
        }))
        .unwrap();
        let settings = property.to_sdk("DefaultSpaceSettings").unwrap();
        assert_eq!(
            settings.execution_role(),
            Some("arn:aws:iam::123456789012:role/spaces")
        );
        let idle = settings
            .jupyter_lab_app_settings()
            .and_then(|lab| lab.app_lifecycle_management())
            .and_then(|management| management.idle_settings())
            .unwrap();
        assert_eq!(idle.idle_timeout_in_minutes(), Some(120));
        assert_eq!(
            settings
                .space_storage_settings()
                .and_then(|storage| storage.default_ebs_storage_settings())
                .map(|ebs| ebs.maximum_ebs_volume_size_in_gb()),
            Some(Some(50))
        );
        assert_eq!(settings.custom_file_system_configs().len(), 1);
    }

    #[test]
    fn code_editor_settings_are_not_part_of_the_shape_and_are_refused_by_name() {
        let error = parse::<DefaultSpaceSettingsProperty>(&json!({"CodeEditorAppSettings": {}}))
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("Invalid property CodeEditorAppSettings: is not a supported property"),
            "{error}"
        );
    }

    #[test]
    fn limits_are_checked_naming_the_property() {
        let property: DefaultSpaceSettingsProperty = parse(&json!({
            "SecurityGroups": ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"]
        }))
        .unwrap();
        assert_eq!(
            property
                .to_sdk("DefaultSpaceSettings")
                .unwrap_err()
                .to_string(),
            "Invalid property DefaultSpaceSettings.SecurityGroups: expected at most 5 items, got 6"
        );
        let property: DefaultSpaceSettingsProperty =
            parse(&json!({"ExecutionRole": "spaces"})).unwrap();
        assert!(
            property
                .to_sdk("DefaultSpaceSettings")
                .unwrap_err()
                .to_string()
                .starts_with("Invalid property DefaultSpaceSettings.ExecutionRole")
        );
    }
}
