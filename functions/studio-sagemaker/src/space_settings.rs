//! A space's `SpaceSettings` (CreateSpace, UpdateSpace) from the properties CloudFormation
//! sends, in the SageMaker API's shape with its field names and limits (botocore model
//! `sagemaker/2017-07-24/service-2.json`, shape `SpaceSettings`).
//!
//! Supported: `AppType`, `JupyterLabAppSettings` (`DefaultResourceSpec`, `CodeRepositories`,
//! `AppLifecycleManagement.IdleSettings.IdleTimeoutInMinutes`), `CodeEditorAppSettings`
//! (`DefaultResourceSpec`, `AppLifecycleManagement`), `JupyterServerAppSettings`
//! (`DefaultResourceSpec`, `LifecycleConfigArns`, `CodeRepositories`),
//! `KernelGatewayAppSettings` (`DefaultResourceSpec`, `LifecycleConfigArns`, `CustomImages`),
//! `SpaceStorageSettings.EbsStorageSettings.EbsVolumeSizeInGb`, `CustomFileSystems` and
//! `RemoteAccess`. A field outside them (`SpaceManagedResources`, which makes SageMaker create
//! a user profile of its own, above all) is refused by name, never dropped; so is a field the
//! app type's shape does not have (`CustomImages` in `JupyterLabAppSettings`, say).

use aws_sdk_sagemaker::types::{
    AppType, CodeRepository, CustomFileSystem, CustomImage, EbsStorageSettings, EfsFileSystem,
    FSxLustreFileSystem, FeatureStatus, JupyterServerAppSettings, KernelGatewayAppSettings,
    ResourceSpec, S3FileSystem, SpaceAppLifecycleManagement, SpaceCodeEditorAppSettings,
    SpaceIdleSettings, SpaceJupyterLabAppSettings, SpaceSettings, SpaceStorageSettings,
};
use cfn_custom_resource::ResourceError;
use cfn_custom_resource::properties::{integer, optional_integer, optional_string_list};
use serde::{Deserialize, Serialize};

use crate::user_settings::{self, AppSettingsProperty, ResourceSpecProperty, enum_value, in_range};
pub use crate::user_settings::{CodeRepositoryProperty, CustomImageProperty};

/// The most custom file systems of a space (`CustomFileSystems`, max 5).
pub const MAX_CUSTOM_FILE_SYSTEMS: usize = 5;
/// `SpaceEbsVolumeSizeInGb`: 5 to 16384.
pub const EBS_VOLUME_SIZE_IN_GB: (i32, i32) = (5, 16_384);

/// `SpaceSettings` as written in a template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SpaceSettingsProperty {
    /// `JupyterLab`, `CodeEditor`, … (UpdateSpace cannot change it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_type: Option<String>,
    /// JupyterLab.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jupyter_lab_app_settings: Option<SpaceAppSettingsProperty>,
    /// Code Editor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_editor_app_settings: Option<SpaceAppSettingsProperty>,
    /// Studio Classic's Jupyter server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jupyter_server_app_settings: Option<SpaceAppSettingsProperty>,
    /// Kernel gateways.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_gateway_app_settings: Option<SpaceAppSettingsProperty>,
    /// The space's EBS volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space_storage_settings: Option<SpaceStorageProperty>,
    /// EFS, FSx for Lustre or S3 file systems to mount (at most 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_file_systems: Option<Vec<CustomFileSystemProperty>>,
    /// `ENABLED` or `DISABLED`: connecting from a local IDE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_access: Option<String>,
}

/// The app settings of a space: the union of the four shapes' fields, each checked against the
/// app it is given for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SpaceAppSettingsProperty {
    /// The default instance and image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_resource_spec: Option<ResourceSpecProperty>,
    /// Git repositories (JupyterLab, Jupyter server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_repositories: Option<Vec<CodeRepositoryProperty>>,
    /// Lifecycle configurations (Jupyter server, kernel gateway).
    #[serde(
        default,
        deserialize_with = "optional_string_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub lifecycle_config_arns: Option<Vec<String>>,
    /// Custom images (kernel gateway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_images: Option<Vec<CustomImageProperty>>,
    /// Idle shutdown (JupyterLab, Code Editor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_lifecycle_management: Option<SpaceAppLifecycleManagementProperty>,
}

/// `SpaceAppLifecycleManagement`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SpaceAppLifecycleManagementProperty {
    /// `SpaceIdleSettings`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_settings: Option<SpaceIdleSettingsProperty>,
}

/// `SpaceIdleSettings`: a space has only the timeout (its bounds are the domain's and the
/// owner's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SpaceIdleSettingsProperty {
    /// 60 to 525600.
    #[serde(
        default,
        deserialize_with = "optional_integer",
        skip_serializing_if = "Option::is_none"
    )]
    pub idle_timeout_in_minutes: Option<i32>,
}

/// `SpaceStorageSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SpaceStorageProperty {
    /// `EbsStorageSettings`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ebs_storage_settings: Option<SpaceEbsStorageProperty>,
}

/// `EbsStorageSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SpaceEbsStorageProperty {
    /// 5 to 16384.
    #[serde(deserialize_with = "integer")]
    pub ebs_volume_size_in_gb: i32,
}

/// `CustomFileSystem`: exactly one of its members.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CustomFileSystemProperty {
    /// An EFS file system.
    #[serde(
        default,
        rename = "EFSFileSystem",
        skip_serializing_if = "Option::is_none"
    )]
    pub efs_file_system: Option<FileSystemIdProperty>,
    /// An FSx for Lustre file system.
    #[serde(
        default,
        rename = "FSxLustreFileSystem",
        skip_serializing_if = "Option::is_none"
    )]
    pub fsx_lustre_file_system: Option<FileSystemIdProperty>,
    /// An S3 location.
    #[serde(
        default,
        rename = "S3FileSystem",
        skip_serializing_if = "Option::is_none"
    )]
    pub s3_file_system: Option<S3FileSystemProperty>,
}

/// `EFSFileSystem` / `FSxLustreFileSystem`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct FileSystemIdProperty {
    /// `fs-` and at least 8 hexadecimal digits (11 to 21 characters).
    pub file_system_id: String,
}

/// `S3FileSystem`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct S3FileSystemProperty {
    /// `s3://bucket/prefix`.
    #[serde(rename = "S3Uri")]
    pub s3_uri: String,
}

/// Which app settings a space's shape has, and which of their fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SpaceApp {
    JupyterLab,
    CodeEditor,
    JupyterServer,
    KernelGateway,
}

impl SpaceApp {
    fn property(self) -> &'static str {
        match self {
            Self::JupyterLab => "JupyterLabAppSettings",
            Self::CodeEditor => "CodeEditorAppSettings",
            Self::JupyterServer => "JupyterServerAppSettings",
            Self::KernelGateway => "KernelGatewayAppSettings",
        }
    }

    /// The fields of the app's shape besides `DefaultResourceSpec`.
    fn has(self, field: &str) -> bool {
        let fields: &[&str] = match self {
            Self::JupyterLab => &["CodeRepositories", "AppLifecycleManagement"],
            Self::CodeEditor => &["AppLifecycleManagement"],
            Self::JupyterServer => &["LifecycleConfigArns", "CodeRepositories"],
            Self::KernelGateway => &["LifecycleConfigArns", "CustomImages"],
        };
        fields.contains(&field)
    }
}

impl SpaceSettingsProperty {
    /// `SpaceStorageSettings.EbsStorageSettings.EbsVolumeSizeInGb`, if given.
    pub fn ebs_volume_size_in_gb(&self) -> Option<i32> {
        self.space_storage_settings
            .as_ref()
            .and_then(|storage| storage.ebs_storage_settings.as_ref())
            .map(|ebs| ebs.ebs_volume_size_in_gb)
    }

    /// The settings UpdateSpace may send: everything but `AppType`, which "you can't change"
    /// (UpdateSpace, API reference) and which a change of replaces the space.
    pub fn without_app_type(&self) -> Self {
        Self {
            app_type: None,
            ..self.clone()
        }
    }

    /// The SDK's `SpaceSettings`, every field checked against the model's limits;
    /// `property` names the property in error messages.
    pub fn to_sdk(&self, property: &str) -> Result<SpaceSettings, ResourceError> {
        let mut settings = SpaceSettings::builder();
        if let Some(app_type) = &self.app_type {
            settings = settings.app_type(enum_value::<AppType>(
                &format!("{property}.AppType"),
                app_type,
                AppType::values(),
            )?);
        }
        if let Some(app) = &self.jupyter_lab_app_settings {
            let path = app_path(property, SpaceApp::JupyterLab, app)?;
            settings = settings.jupyter_lab_app_settings(
                SpaceJupyterLabAppSettings::builder()
                    .set_default_resource_spec(resource_spec(&path, app)?)
                    .set_code_repositories(code_repositories(&path, app)?)
                    .set_app_lifecycle_management(lifecycle_management(&path, app)?)
                    .build(),
            );
        }
        if let Some(app) = &self.code_editor_app_settings {
            let path = app_path(property, SpaceApp::CodeEditor, app)?;
            settings = settings.code_editor_app_settings(
                SpaceCodeEditorAppSettings::builder()
                    .set_default_resource_spec(resource_spec(&path, app)?)
                    .set_app_lifecycle_management(lifecycle_management(&path, app)?)
                    .build(),
            );
        }
        if let Some(app) = &self.jupyter_server_app_settings {
            let path = app_path(property, SpaceApp::JupyterServer, app)?;
            settings = settings.jupyter_server_app_settings(
                JupyterServerAppSettings::builder()
                    .set_default_resource_spec(resource_spec(&path, app)?)
                    .set_lifecycle_config_arns(app.lifecycle_config_arns.clone())
                    .set_code_repositories(code_repositories(&path, app)?)
                    .build(),
            );
        }
        if let Some(app) = &self.kernel_gateway_app_settings {
            let path = app_path(property, SpaceApp::KernelGateway, app)?;
            settings = settings.kernel_gateway_app_settings(
                KernelGatewayAppSettings::builder()
                    .set_default_resource_spec(resource_spec(&path, app)?)
                    .set_lifecycle_config_arns(app.lifecycle_config_arns.clone())
                    .set_custom_images(custom_images(&path, app)?)
                    .build(),
            );
        }
        if let Some(storage) = &self.space_storage_settings {
            let ebs = storage
                .ebs_storage_settings
                .as_ref()
                .map(|ebs| {
                    let (low, high) = EBS_VOLUME_SIZE_IN_GB;
                    let size = in_range(
                        &format!(
                            "{property}.SpaceStorageSettings.EbsStorageSettings.EbsVolumeSizeInGb"
                        ),
                        ebs.ebs_volume_size_in_gb,
                        low,
                        high,
                    )?;
                    Ok::<_, ResourceError>(
                        EbsStorageSettings::builder()
                            .ebs_volume_size_in_gb(size)
                            .build(),
                    )
                })
                .transpose()?;
            settings = settings.space_storage_settings(
                SpaceStorageSettings::builder()
                    .set_ebs_storage_settings(ebs)
                    .build(),
            );
        }
        if let Some(file_systems) = &self.custom_file_systems {
            settings = settings.set_custom_file_systems(Some(custom_file_systems(
                &format!("{property}.CustomFileSystems"),
                file_systems,
            )?));
        }
        if let Some(remote_access) = &self.remote_access {
            settings = settings.remote_access(enum_value::<FeatureStatus>(
                &format!("{property}.RemoteAccess"),
                remote_access,
                FeatureStatus::values(),
            )?);
        }
        Ok(settings.build())
    }
}

/// The app's property path, once its fields are checked against the app's shape.
fn app_path(
    property: &str,
    app: SpaceApp,
    settings: &SpaceAppSettingsProperty,
) -> Result<String, ResourceError> {
    let path = format!("{property}.{}", app.property());
    let given = [
        ("CodeRepositories", settings.code_repositories.is_some()),
        (
            "LifecycleConfigArns",
            settings.lifecycle_config_arns.is_some(),
        ),
        ("CustomImages", settings.custom_images.is_some()),
        (
            "AppLifecycleManagement",
            settings.app_lifecycle_management.is_some(),
        ),
    ];
    if let Some((field, _)) = given
        .iter()
        .find(|(field, given)| *given && !app.has(field))
    {
        return Err(ResourceError::invalid_property(
            format!("{path}.{field}"),
            format!("is not part of a space's {}", app.property()),
        ));
    }
    Ok(path)
}

/// The ResourceSpec rule is the user settings' (one rule for both shapes).
fn resource_spec(
    path: &str,
    app: &SpaceAppSettingsProperty,
) -> Result<Option<ResourceSpec>, ResourceError> {
    let with_spec = AppSettingsProperty {
        default_resource_spec: app.default_resource_spec.clone(),
        ..AppSettingsProperty::default()
    };
    user_settings::resource_spec(path, &with_spec)
}

fn code_repositories(
    path: &str,
    app: &SpaceAppSettingsProperty,
) -> Result<Option<Vec<CodeRepository>>, ResourceError> {
    app.code_repositories
        .as_deref()
        .map(|repositories| {
            user_settings::code_repositories(&format!("{path}.CodeRepositories"), repositories)
        })
        .transpose()
}

fn custom_images(
    path: &str,
    app: &SpaceAppSettingsProperty,
) -> Result<Option<Vec<CustomImage>>, ResourceError> {
    app.custom_images
        .as_deref()
        .map(|images| user_settings::custom_images(&format!("{path}.CustomImages"), images))
        .transpose()
}

fn lifecycle_management(
    path: &str,
    app: &SpaceAppSettingsProperty,
) -> Result<Option<SpaceAppLifecycleManagement>, ResourceError> {
    let Some(management) = &app.app_lifecycle_management else {
        return Ok(None);
    };
    let idle = management
        .idle_settings
        .as_ref()
        .map(|idle| {
            let minutes = idle
                .idle_timeout_in_minutes
                .map(|value| {
                    let (min, max) = crate::ports::API_IDLE_TIMEOUT_MINUTES;
                    in_range(
                        &format!("{path}.AppLifecycleManagement.IdleSettings.IdleTimeoutInMinutes"),
                        value,
                        min,
                        max,
                    )
                })
                .transpose()?;
            Ok::<_, ResourceError>(
                SpaceIdleSettings::builder()
                    .set_idle_timeout_in_minutes(minutes)
                    .build(),
            )
        })
        .transpose()?;
    Ok(Some(
        SpaceAppLifecycleManagement::builder()
            .set_idle_settings(idle)
            .build(),
    ))
}

/// `FileSystemId`: `fs-[0-9a-f]{8,}`, 11 to 21 characters.
fn is_file_system_id(id: &str) -> bool {
    (11..=21).contains(&id.len())
        && id.strip_prefix("fs-").is_some_and(|hex| {
            hex.bytes()
                .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
        })
}

fn custom_file_systems(
    path: &str,
    file_systems: &[CustomFileSystemProperty],
) -> Result<Vec<CustomFileSystem>, ResourceError> {
    if file_systems.len() > MAX_CUSTOM_FILE_SYSTEMS {
        return Err(ResourceError::invalid_property(
            path,
            format!(
                "at most {MAX_CUSTOM_FILE_SYSTEMS} file systems, got {}",
                file_systems.len()
            ),
        ));
    }
    file_systems
        .iter()
        .enumerate()
        .map(|(index, file_system)| {
            let path = format!("{path}[{index}]");
            let file_system_id = |member: &str, id: &FileSystemIdProperty| {
                if is_file_system_id(&id.file_system_id) {
                    Ok(id.file_system_id.clone())
                } else {
                    Err(ResourceError::invalid_property(
                        format!("{path}.{member}.FileSystemId"),
                        format!(
                            "expected fs- and 8 to 18 lower-case hexadecimal digits, got \"{}\"",
                            id.file_system_id
                        ),
                    ))
                }
            };
            let built = match (
                &file_system.efs_file_system,
                &file_system.fsx_lustre_file_system,
                &file_system.s3_file_system,
            ) {
                (Some(efs), None, None) => CustomFileSystem::EfsFileSystem(
                    EfsFileSystem::builder()
                        .file_system_id(file_system_id("EFSFileSystem", efs)?)
                        .build(),
                ),
                (None, Some(fsx), None) => CustomFileSystem::FSxLustreFileSystem(
                    FSxLustreFileSystem::builder()
                        .file_system_id(file_system_id("FSxLustreFileSystem", fsx)?)
                        .build(),
                ),
                (None, None, Some(s3)) => {
                    // `S3SchemaUri`: `(s3)://([^/]+)/?(.*)`, at most 1024.
                    let valid = s3.s3_uri.len() <= 1024
                        && s3
                            .s3_uri
                            .strip_prefix("s3://")
                            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
                    if !valid {
                        return Err(ResourceError::invalid_property(
                            format!("{path}.S3FileSystem.S3Uri"),
                            format!("expected s3://<bucket>/<prefix>, got \"{}\"", s3.s3_uri),
                        ));
                    }
                    CustomFileSystem::S3FileSystem(
                        S3FileSystem::builder()
                            .s3_uri(&s3.s3_uri)
                            .build(),
                    )
                }
                _ => {
                    return Err(ResourceError::invalid_property(
                        path,
                        "expected exactly one of EFSFileSystem, FSxLustreFileSystem and S3FileSystem",
                    ));
                }
            };
            Ok(built)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfn_custom_resource::properties::parse;
    use serde_json::json;

    fn reason(value: &serde_json::Value) -> String {
        let settings: SpaceSettingsProperty = match parse(value) {
            Ok(settings) => settings,
            Err(error) => return error.to_string(),
        };
        settings
            .to_sdk("SpaceSettings")
            .expect_err("the settings are refused")
            .to_string()
    }

    #[test]
    fn settings_written_as_cloudformation_strings_become_the_sdk_shape() {
        let settings: SpaceSettingsProperty = parse(&json!({
            "AppType": "JupyterLab",
            "JupyterLabAppSettings": {
                "DefaultResourceSpec": {"InstanceType": "ml.t3.medium"},
                "CodeRepositories": [{"RepositoryUrl": "https://github.com/org/repo"}],
                "AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": "120"}}
            },
            "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": "20"}},
            "CustomFileSystems": [{"EFSFileSystem": {"FileSystemId": "fs-0123456789abcdef0"}}],
            "RemoteAccess": "DISABLED"
        }))
        .unwrap();
        let sdk = settings.to_sdk("SpaceSettings").unwrap();
        assert_eq!(sdk.app_type(), Some(&AppType::JupyterLab));
        let lab = sdk.jupyter_lab_app_settings().unwrap();
        assert_eq!(
            lab.app_lifecycle_management()
                .and_then(|m| m.idle_settings())
                .and_then(|idle| idle.idle_timeout_in_minutes()),
            Some(120)
        );
        assert_eq!(lab.code_repositories().len(), 1);
        assert_eq!(
            sdk.space_storage_settings()
                .and_then(|storage| storage.ebs_storage_settings())
                .and_then(|ebs| ebs.ebs_volume_size_in_gb()),
            Some(20)
        );
        assert_eq!(sdk.custom_file_systems().len(), 1);
        assert_eq!(sdk.remote_access(), Some(&FeatureStatus::Disabled));
        assert_eq!(settings.ebs_volume_size_in_gb(), Some(20));
        assert_eq!(settings.without_app_type().app_type, None);
    }

    #[test]
    fn an_ebs_volume_outside_5_to_16384_gb_is_refused_naming_it() {
        let message = reason(
            &json!({"SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 4}}}),
        );
        assert!(
            message.contains(
                "SpaceSettings.SpaceStorageSettings.EbsStorageSettings.EbsVolumeSizeInGb"
            ),
            "{message}"
        );
    }

    #[test]
    fn a_field_the_apps_shape_lacks_is_refused_naming_it() {
        let message = reason(&json!({"CodeEditorAppSettings": {"CodeRepositories": []}}));
        assert!(
            message.contains("SpaceSettings.CodeEditorAppSettings.CodeRepositories"),
            "{message}"
        );
    }

    #[test]
    fn space_managed_resources_are_refused_as_unsupported() {
        let message = reason(&json!({"SpaceManagedResources": "ENABLED"}));
        assert!(message.contains("SpaceManagedResources"), "{message}");
    }

    #[test]
    fn a_custom_file_system_must_be_exactly_one_kind_with_a_valid_id() {
        let message = reason(&json!({"CustomFileSystems": [{}]}));
        assert!(
            message.contains("SpaceSettings.CustomFileSystems[0]"),
            "{message}"
        );
        let message =
            reason(&json!({"CustomFileSystems": [{"EFSFileSystem": {"FileSystemId": "fs-XYZ"}}]}));
        assert!(
            message.contains("CustomFileSystems[0].EFSFileSystem.FileSystemId"),
            "{message}"
        );
        let six = vec![json!({"S3FileSystem": {"S3Uri": "s3://bucket/a"}}); 6];
        let message = reason(&json!({ "CustomFileSystems": six }));
        assert!(message.contains("at most 5"), "{message}");
    }

    #[test]
    fn an_idle_timeout_outside_60_to_525600_minutes_is_refused_naming_it() {
        let message = reason(
            &json!({"CodeEditorAppSettings": {"AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": 30}}}}),
        );
        assert!(
            message.contains(
                "CodeEditorAppSettings.AppLifecycleManagement.IdleSettings.IdleTimeoutInMinutes"
            ),
            "{message}"
        );
    }
}
