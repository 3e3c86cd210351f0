//! `UserSettings` (a domain's `DefaultUserSettings`, a profile's `UserSettings`) from the
//! properties CloudFormation sends, in the SageMaker API's shape with its field names.
//!
//! All of the shape's members are supported, Studio Classic's and Canvas's included
//! (`TensorBoardAppSettings`, `RSessionAppSettings`, `RStudioServerProAppSettings`,
//! `CanvasAppSettings`); a field outside the shape is refused with a `Reason` that names it,
//! rather than silently dropped. List limits are the API's (botocore `sagemaker/2017-07-24/service-2.json`
//! and the API reference's `UserSettings` page: `SecurityGroups` at most 5,
//! `CustomFileSystemConfigs` at most 10, `CodeRepositories` at most 10, `CustomImages` at most
//! 200, `EmrSettings` role lists at most 5, `HiddenSageMakerImageVersionAliases` at most 5 with at
//! most 20 `VersionAliases`), checked before any call and named by their full path.

use aws_sdk_sagemaker::types::{
    AppInstanceType, AppLifecycleManagement, AppType, AutoMountHomeEfs, CodeEditorAppSettings,
    CodeRepository, CustomFileSystemConfig, CustomImage, CustomPosixUserConfig,
    DefaultEbsStorageSettings, DefaultSpaceStorageSettings, EfsFileSystemConfig, EmrSettings,
    ExecutionRoleSessionNameMode, FSxLustreFileSystemConfig, HiddenSageMakerImage, IdleSettings,
    JupyterLabAppSettings, JupyterServerAppSettings, KernelGatewayAppSettings, LifecycleManagement,
    MlTools, NotebookOutputOption, RSessionAppSettings, ResourceSpec, S3FileSystemConfig,
    SageMakerImageName, SharingSettings, StudioWebPortal, StudioWebPortalSettings,
    TensorBoardAppSettings, UserSettings,
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
    /// `Enabled`, `Disabled` or `DefaultAsDomain`; spelt `AutoMountHomeEFS` as in the API.
    #[serde(
        default,
        rename = "AutoMountHomeEFS",
        skip_serializing_if = "Option::is_none"
    )]
    pub auto_mount_home_efs: Option<String>,
    /// The POSIX identity for file system operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_posix_user_config: Option<CustomPosixUserConfigProperty>,
    /// Custom file systems (EFS, FSx for Lustre, S3), at most 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_file_system_configs: Option<Vec<CustomFileSystemConfigProperty>>,
    /// What Studio's web portal hides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub studio_web_portal_settings: Option<StudioWebPortalSettingsProperty>,
    /// Studio Classic's TensorBoard (`DefaultResourceSpec` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tensor_board_app_settings: Option<AppSettingsProperty>,
    /// RStudio sessions (`DefaultResourceSpec`, `CustomImages`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r_session_app_settings: Option<AppSettingsProperty>,
    /// The user's access to RStudio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r_studio_server_pro_app_settings:
        Option<crate::canvas_settings::RStudioServerProAppSettingsProperty>,
    /// SageMaker Canvas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canvas_app_settings: Option<crate::canvas_settings::CanvasAppSettingsProperty>,
}

/// `CustomPosixUserConfig`: `Uid` 10000 to 4000000, `Gid` 1001 to 4000000 (both required).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CustomPosixUserConfigProperty {
    /// The user id.
    #[serde(deserialize_with = "cfn_custom_resource::properties::integer")]
    pub uid: i64,
    /// The group id.
    #[serde(deserialize_with = "cfn_custom_resource::properties::integer")]
    pub gid: i64,
}

/// `CustomFileSystemConfig`, a union: exactly one of its members.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomFileSystemConfigProperty {
    /// An EFS file system.
    #[serde(
        default,
        rename = "EFSFileSystemConfig",
        skip_serializing_if = "Option::is_none"
    )]
    pub efs_file_system_config: Option<FileSystemProperty>,
    /// An FSx for Lustre file system.
    #[serde(
        default,
        rename = "FSxLustreFileSystemConfig",
        skip_serializing_if = "Option::is_none"
    )]
    pub fsx_lustre_file_system_config: Option<FileSystemProperty>,
    /// An S3 prefix.
    #[serde(
        default,
        rename = "S3FileSystemConfig",
        skip_serializing_if = "Option::is_none"
    )]
    pub s3_file_system_config: Option<S3FileSystemProperty>,
}

/// `EFSFileSystemConfig` and `FSxLustreFileSystemConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct FileSystemProperty {
    /// `fs-` and at least 8 hex digits.
    pub file_system_id: String,
    /// A path starting with `/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_system_path: Option<String>,
}

/// `S3FileSystemConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct S3FileSystemProperty {
    /// Where it is mounted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_path: Option<String>,
    /// `s3://bucket/prefix`.
    pub s3_uri: String,
}

/// `StudioWebPortalSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StudioWebPortalSettingsProperty {
    /// `MlTools` values.
    #[serde(
        default,
        deserialize_with = "optional_string_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub hidden_ml_tools: Option<Vec<String>>,
    /// `AppType` values.
    #[serde(
        default,
        deserialize_with = "optional_string_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub hidden_app_types: Option<Vec<String>>,
    /// `AppInstanceType` values.
    #[serde(
        default,
        deserialize_with = "optional_string_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub hidden_instance_types: Option<Vec<String>>,
    /// Image version aliases hidden per SageMaker image, at most 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden_sage_maker_image_version_aliases: Option<Vec<HiddenImageProperty>>,
    /// `STATIC` or `USER_IDENTITY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_session_name_mode: Option<String>,
}

/// `HiddenSageMakerImage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct HiddenImageProperty {
    /// `sagemaker_distribution`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sage_maker_image_name: Option<String>,
    /// `major.minor` aliases, at most 20.
    #[serde(
        default,
        deserialize_with = "optional_string_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub version_aliases: Option<Vec<String>>,
}

/// `CustomImage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CustomImageProperty {
    /// The SageMaker image's name.
    pub image_name: String,
    /// Its version (latest when left out).
    #[serde(
        default,
        deserialize_with = "optional_integer",
        skip_serializing_if = "Option::is_none"
    )]
    pub image_version_number: Option<i32>,
    /// The app image config.
    pub app_image_config_name: String,
}

/// `CodeRepository`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CodeRepositoryProperty {
    /// An `https://` Git URL.
    pub repository_url: String,
}

/// `EmrSettings` (JupyterLab).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct EmrSettingsProperty {
    /// Roles Studio may assume to reach EMR, at most 5.
    #[serde(
        default,
        deserialize_with = "optional_string_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub assumable_role_arns: Option<Vec<String>>,
    /// Runtime roles for EMR jobs, at most 5.
    #[serde(
        default,
        deserialize_with = "optional_string_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub execution_role_arns: Option<Vec<String>>,
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
    /// Custom images (kernel gateway, JupyterLab, Code Editor), at most 200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_images: Option<Vec<CustomImageProperty>>,
    /// Git repositories (Jupyter server, JupyterLab), at most 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_repositories: Option<Vec<CodeRepositoryProperty>>,
    /// EMR roles (JupyterLab only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emr_settings: Option<EmrSettingsProperty>,
    /// The built-in lifecycle configuration (JupyterLab and Code Editor only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub built_in_lifecycle_config_arn: Option<String>,
}

/// Which members of [`AppSettingsProperty`] each app's settings shape has (botocore
/// `JupyterServerAppSettings`, `KernelGatewayAppSettings`, `JupyterLabAppSettings`,
/// `CodeEditorAppSettings`, `TensorBoardAppSettings`: `DefaultResourceSpec` only,
/// `RSessionAppSettings`: `DefaultResourceSpec` and `CustomImages`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum App {
    JupyterServer,
    KernelGateway,
    JupyterLab,
    CodeEditor,
    TensorBoard,
    RSession,
}

impl App {
    const ALL: [Self; 6] = [
        Self::JupyterServer,
        Self::KernelGateway,
        Self::JupyterLab,
        Self::CodeEditor,
        Self::TensorBoard,
        Self::RSession,
    ];

    fn has(self, member: &str) -> bool {
        let members: &[&str] = match self {
            Self::JupyterServer => &["LifecycleConfigArns", "CodeRepositories"],
            Self::KernelGateway => &["LifecycleConfigArns", "CustomImages"],
            Self::TensorBoard => &[],
            Self::RSession => &["CustomImages"],
            Self::JupyterLab => &[
                "LifecycleConfigArns",
                "CustomImages",
                "CodeRepositories",
                "AppLifecycleManagement",
                "EmrSettings",
                "BuiltInLifecycleConfigArn",
            ],
            Self::CodeEditor => &[
                "LifecycleConfigArns",
                "CustomImages",
                "AppLifecycleManagement",
                "BuiltInLifecycleConfigArn",
            ],
        };
        members.contains(&member)
    }

    fn settings_name(self) -> &'static str {
        match self {
            Self::JupyterServer => "JupyterServerAppSettings",
            Self::KernelGateway => "KernelGatewayAppSettings",
            Self::JupyterLab => "JupyterLabAppSettings",
            Self::CodeEditor => "CodeEditorAppSettings",
            Self::TensorBoard => "TensorBoardAppSettings",
            Self::RSession => "RSessionAppSettings",
        }
    }
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
    /// The image version by alias (e.g. `2.6`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sage_maker_image_version_alias: Option<String>,
    /// A lifecycle configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_config_arn: Option<String>,
    /// A SageMaker training plan (reserved GPU capacity), or `None` to detach one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_plan_arn: Option<String>,
}

/// The `StudioResourceSpecTrainingPlanArn` shape (botocore): a training plan ARN,
/// `arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:training-plan/...`, or `None`, at most 2048.
/// The model's note that it "is supported for JupyterLab and CodeEditor app types" is left to
/// SageMaker (not confirmed how it refuses another app).
fn is_training_plan_arn(arn: &str) -> bool {
    let plan = || {
        let rest = arn.strip_prefix("arn:aws")?;
        let (partition, rest) = rest.split_once(':')?;
        let rest = rest.strip_prefix("sagemaker:")?;
        let (region, rest) = rest.split_once(':')?;
        let (account, _) = rest.split_once(":training-plan/")?;
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
    };
    arn.len() <= 2048 && (arn == "None" || plan() == Some(true))
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
pub(crate) fn enum_value<T: for<'a> From<&'a str>>(
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

pub(crate) fn in_range(
    property: &str,
    value: i32,
    low: i32,
    high: i32,
) -> Result<i32, ResourceError> {
    if (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(ResourceError::invalid_property(
            property,
            format!("expected a whole number from {low} to {high}, got {value}"),
        ))
    }
}

/// At most `max` items in the list at `path`.
/// `CustomImages` (of a user's, a domain's default or a space's app settings), at most 200: each
/// `ImageName` an image name (dots allowed) and `AppImageConfigName` a Studio name, `ImageVersionNumber` 0 or more (botocore
/// `CustomImages`, `CustomImage`). The one rule for every shape that has them.
pub(crate) fn custom_images(
    path: &str,
    images: &[CustomImageProperty],
) -> Result<Vec<CustomImage>, ResourceError> {
    check_count(path, images.len(), 200)?;
    images
        .iter()
        .enumerate()
        .map(|(index, image)| {
            use crate::identifiers::{IMAGE_NAME_RULE, NAME_RULE, is_image_name, is_studio_name};
            let image_name: (&str, &String, fn(&str) -> bool, &str) = (
                "ImageName",
                &image.image_name,
                is_image_name,
                IMAGE_NAME_RULE,
            );
            let config_name: (&str, &String, fn(&str) -> bool, &str) = (
                "AppImageConfigName",
                &image.app_image_config_name,
                is_studio_name,
                NAME_RULE,
            );
            for (field, value, follows, rule) in [image_name, config_name] {
                if !follows(value) {
                    return Err(ResourceError::invalid_property(
                        format!("{path}[{index}].{field}"),
                        format!("must match {rule}, got \"{value}\""),
                    ));
                }
            }
            if let Some(version) = image.image_version_number
                && version < 0
            {
                return Err(ResourceError::invalid_property(
                    format!("{path}[{index}].ImageVersionNumber"),
                    format!("must be 0 or more, got {version}"),
                ));
            }
            Ok(CustomImage::builder()
                .image_name(&image.image_name)
                .set_image_version_number(image.image_version_number)
                .app_image_config_name(&image.app_image_config_name)
                .build())
        })
        .collect()
}

/// `CodeRepositories`, at most 10, each `RepositoryUrl` matching botocore's
/// `https://([.\-_a-zA-Z0-9]+/?){3,1016}` and at most 1024 characters. The one rule for every
/// shape that has them.
pub(crate) fn code_repositories(
    path: &str,
    repositories: &[CodeRepositoryProperty],
) -> Result<Vec<CodeRepository>, ResourceError> {
    check_count(path, repositories.len(), 10)?;
    repositories
        .iter()
        .enumerate()
        .map(|(index, repository)| {
            let url = &repository.repository_url;
            let valid = url.len() <= 1024
                && url.strip_prefix("https://").is_some_and(|rest| {
                    rest.len() >= 3
                        && rest
                            .bytes()
                            .all(|byte| byte.is_ascii_alphanumeric() || b".-_/".contains(&byte))
                });
            if !valid {
                return Err(ResourceError::invalid_property(
                    format!("{path}[{index}].RepositoryUrl"),
                    format!("expected an https:// URL of letters, digits and ._-/, got \"{url}\""),
                ));
            }
            Ok(CodeRepository::builder().repository_url(url).build())
        })
        .collect()
}

pub(crate) fn check_count(path: &str, count: usize, max: usize) -> Result<(), ResourceError> {
    if count > max {
        return Err(ResourceError::invalid_property(
            path,
            format!("expected at most {max} items, got {count}"),
        ));
    }
    Ok(())
}

/// Each value of a list of enum values, checked and converted.
fn enum_list<T: for<'a> From<&'a str>>(
    path: &str,
    values: &[String],
    allowed: &[&str],
) -> Result<Vec<T>, ResourceError> {
    values
        .iter()
        .enumerate()
        .map(|(index, value)| enum_value(&format!("{path}[{index}]"), value, allowed))
        .collect()
}

/// `SecurityGroups` (`UserSettings`, `DefaultSpaceSettings`): at most 5 ids of `[-0-9a-zA-Z]+`,
/// each at most 32 characters.
pub(crate) fn security_groups(
    path: &str,
    groups: Option<&Vec<String>>,
) -> Result<Option<Vec<String>>, ResourceError> {
    let Some(groups) = groups else {
        return Ok(None);
    };
    check_count(path, groups.len(), 5)?;
    if let Some((index, bad)) = groups.iter().enumerate().find(|(_, id)| {
        id.is_empty()
            || id.len() > 32
            || !id
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
    }) {
        return Err(ResourceError::invalid_property(
            format!("{path}[{index}]"),
            format!("expected a security group id like sg-0abc1234, got \"{bad}\""),
        ));
    }
    Ok(Some(groups.clone()))
}

/// `CustomFileSystemConfigs`: at most 10 (the API's limit in `UserSettings` and
/// `DefaultSpaceSettings`), each exactly one of its union's members.
pub(crate) fn custom_file_systems(
    path: &str,
    configs: Option<&Vec<CustomFileSystemConfigProperty>>,
) -> Result<Option<Vec<CustomFileSystemConfig>>, ResourceError> {
    let Some(configs) = configs else {
        return Ok(None);
    };
    check_count(path, configs.len(), 10)?;
    configs
        .iter()
        .enumerate()
        .map(|(index, config)| config.to_sdk(&format!("{path}[{index}]")))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

impl CustomFileSystemConfigProperty {
    fn to_sdk(&self, path: &str) -> Result<CustomFileSystemConfig, ResourceError> {
        match (
            &self.efs_file_system_config,
            &self.fsx_lustre_file_system_config,
            &self.s3_file_system_config,
        ) {
            (Some(efs), None, None) => {
                let path = format!("{path}.EFSFileSystemConfig");
                Ok(CustomFileSystemConfig::EfsFileSystemConfig(
                    EfsFileSystemConfig::builder()
                        .file_system_id(efs.file_system_id(&path)?)
                        .set_file_system_path(efs.file_system_path(&path)?)
                        .build(),
                ))
            }
            (None, Some(fsx), None) => {
                let path = format!("{path}.FSxLustreFileSystemConfig");
                Ok(CustomFileSystemConfig::FSxLustreFileSystemConfig(
                    FSxLustreFileSystemConfig::builder()
                        .file_system_id(fsx.file_system_id(&path)?)
                        .set_file_system_path(fsx.file_system_path(&path)?)
                        .build(),
                ))
            }
            (None, None, Some(s3)) => {
                if !s3.s3_uri.starts_with("s3://") || s3.s3_uri.len() > 1024 {
                    return Err(ResourceError::invalid_property(
                        format!("{path}.S3FileSystemConfig.S3Uri"),
                        format!("expected an s3:// URI, got \"{}\"", s3.s3_uri),
                    ));
                }
                Ok(CustomFileSystemConfig::S3FileSystemConfig(
                    S3FileSystemConfig::builder()
                        .s3_uri(&s3.s3_uri)
                        .set_mount_path(s3.mount_path.clone())
                        .build(),
                ))
            }
            _ => Err(ResourceError::invalid_property(
                path,
                "expected exactly one of EFSFileSystemConfig, FSxLustreFileSystemConfig and S3FileSystemConfig",
            )),
        }
    }
}

impl FileSystemProperty {
    /// `FileSystemId`: `fs-` and at least 8 lowercase hex digits, 11 to 21 characters.
    fn file_system_id(&self, path: &str) -> Result<String, ResourceError> {
        let id = &self.file_system_id;
        let hex = id.strip_prefix("fs-").unwrap_or_default();
        if (11..=21).contains(&id.len())
            && hex
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
        {
            Ok(id.clone())
        } else {
            Err(ResourceError::invalid_property(
                format!("{path}.FileSystemId"),
                format!("expected a file system id like fs-0123456789abcdef0, got \"{id}\""),
            ))
        }
    }

    /// `FileSystemPath`: `/` and no whitespace, at most 256 characters.
    fn file_system_path(&self, path: &str) -> Result<Option<String>, ResourceError> {
        match &self.file_system_path {
            Some(value)
                if !value.starts_with('/')
                    || value.len() > 256
                    || value.chars().any(char::is_whitespace) =>
            {
                Err(ResourceError::invalid_property(
                    format!("{path}.FileSystemPath"),
                    format!("expected an absolute path without spaces, got \"{value}\""),
                ))
            }
            other => Ok(other.clone()),
        }
    }
}

impl CustomPosixUserConfigProperty {
    /// `Uid` 10000 to 4000000, `Gid` 1001 to 4000000 (botocore `Uid`, `Gid`).
    pub(crate) fn to_sdk(&self, path: &str) -> Result<CustomPosixUserConfig, ResourceError> {
        let check = |name: &str, value: i64, low: i64| {
            if (low..=4_000_000).contains(&value) {
                Ok(value)
            } else {
                Err(ResourceError::invalid_property(
                    format!("{path}.{name}"),
                    format!("expected a whole number from {low} to 4000000, got {value}"),
                ))
            }
        };
        Ok(CustomPosixUserConfig::builder()
            .uid(check("Uid", self.uid, 10_000)?)
            .gid(check("Gid", self.gid, 1001)?)
            .build())
    }
}

impl StudioWebPortalSettingsProperty {
    fn to_sdk(&self, path: &str) -> Result<StudioWebPortalSettings, ResourceError> {
        let tools = self
            .hidden_ml_tools
            .as_deref()
            .map(|tools| {
                enum_list::<MlTools>(&format!("{path}.HiddenMlTools"), tools, MlTools::values())
            })
            .transpose()?;
        let apps = self
            .hidden_app_types
            .as_deref()
            .map(|apps| {
                enum_list::<AppType>(&format!("{path}.HiddenAppTypes"), apps, AppType::values())
            })
            .transpose()?;
        let instances = self
            .hidden_instance_types
            .as_deref()
            .map(|types| {
                enum_list::<AppInstanceType>(
                    &format!("{path}.HiddenInstanceTypes"),
                    types,
                    AppInstanceType::values(),
                )
            })
            .transpose()?;
        let images = self
            .hidden_sage_maker_image_version_aliases
            .as_deref()
            .map(|images| {
                let path = format!("{path}.HiddenSageMakerImageVersionAliases");
                check_count(&path, images.len(), 5)?;
                images
                    .iter()
                    .enumerate()
                    .map(|(index, image)| image.to_sdk(&format!("{path}[{index}]")))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let mode = self
            .execution_role_session_name_mode
            .as_deref()
            .map(|mode| {
                enum_value::<ExecutionRoleSessionNameMode>(
                    &format!("{path}.ExecutionRoleSessionNameMode"),
                    mode,
                    ExecutionRoleSessionNameMode::values(),
                )
            })
            .transpose()?;
        Ok(StudioWebPortalSettings::builder()
            .set_hidden_ml_tools(tools)
            .set_hidden_app_types(apps)
            .set_hidden_instance_types(instances)
            .set_hidden_sage_maker_image_version_aliases(images)
            .set_execution_role_session_name_mode(mode)
            .build())
    }
}

impl HiddenImageProperty {
    /// `VersionAliases`: at most 20 of `major.minor`.
    fn to_sdk(&self, path: &str) -> Result<HiddenSageMakerImage, ResourceError> {
        let name = self
            .sage_maker_image_name
            .as_deref()
            .map(|name| {
                enum_value::<SageMakerImageName>(
                    &format!("{path}.SageMakerImageName"),
                    name,
                    SageMakerImageName::values(),
                )
            })
            .transpose()?;
        if let Some(aliases) = &self.version_aliases {
            let path = format!("{path}.VersionAliases");
            check_count(&path, aliases.len(), 20)?;
            if let Some((index, bad)) = aliases
                .iter()
                .enumerate()
                .find(|(_, alias)| !is_major_minor(alias))
            {
                return Err(ResourceError::invalid_property(
                    format!("{path}[{index}]"),
                    format!("expected a major.minor version like 2.6, got \"{bad}\""),
                ));
            }
        }
        Ok(HiddenSageMakerImage::builder()
            .set_sage_maker_image_name(name)
            .set_version_aliases(self.version_aliases.clone())
            .build())
    }
}

/// `ImageVersionAliasPattern`: `(0|[1-9]\d*)\.(0|[1-9]\d*)`.
fn is_major_minor(alias: &str) -> bool {
    let number = |part: &str| {
        !part.is_empty()
            && part.bytes().all(|byte| byte.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'))
    };
    alias
        .split_once('.')
        .is_some_and(|(major, minor)| number(major) && number(minor))
}

/// The parts of an app's settings, checked; each app's SDK type is built from them.
#[derive(Debug, Default)]
struct AppParts {
    default_resource_spec: Option<ResourceSpec>,
    lifecycle_config_arns: Option<Vec<String>>,
    custom_images: Option<Vec<CustomImage>>,
    code_repositories: Option<Vec<CodeRepository>>,
    app_lifecycle_management: Option<AppLifecycleManagement>,
    emr_settings: Option<EmrSettings>,
    built_in_lifecycle_config_arn: Option<String>,
}

impl AppSettingsProperty {
    /// The members this app's settings have, checked; a member the app's shape lacks is
    /// refused by name.
    fn parts(&self, path: &str, app: App) -> Result<AppParts, ResourceError> {
        let given = [
            ("LifecycleConfigArns", self.lifecycle_config_arns.is_some()),
            ("CustomImages", self.custom_images.is_some()),
            ("CodeRepositories", self.code_repositories.is_some()),
            (
                "AppLifecycleManagement",
                self.app_lifecycle_management.is_some(),
            ),
            ("EmrSettings", self.emr_settings.is_some()),
            (
                "BuiltInLifecycleConfigArn",
                self.built_in_lifecycle_config_arn.is_some(),
            ),
        ];
        if let Some((member, _)) = given
            .iter()
            .find(|(member, given)| *given && !app.has(member))
        {
            let having: Vec<&str> = App::ALL
                .into_iter()
                .filter(|other| other.has(member))
                .map(App::settings_name)
                .collect();
            return Err(ResourceError::invalid_property(
                format!("{path}.{member}"),
                format!(
                    "is not a member of {}; only {} have it",
                    app.settings_name(),
                    having.join(" and ")
                ),
            ));
        }
        let custom_images = self
            .custom_images
            .as_deref()
            .map(|images| custom_images(&format!("{path}.CustomImages"), images))
            .transpose()?;
        let code_repositories = self
            .code_repositories
            .as_deref()
            .map(|repositories| {
                code_repositories(&format!("{path}.CodeRepositories"), repositories)
            })
            .transpose()?;
        let emr_settings = self
            .emr_settings
            .as_ref()
            .map(|emr| {
                let path = format!("{path}.EmrSettings");
                for (name, roles) in [
                    ("AssumableRoleArns", &emr.assumable_role_arns),
                    ("ExecutionRoleArns", &emr.execution_role_arns),
                ] {
                    if let Some(roles) = roles {
                        check_count(&format!("{path}.{name}"), roles.len(), 5)?;
                        if let Some((index, bad)) = roles
                            .iter()
                            .enumerate()
                            .find(|(_, role)| !crate::identifiers::is_role_arn(role))
                        {
                            return Err(ResourceError::invalid_property(
                                format!("{path}.{name}[{index}]"),
                                format!("expected an IAM role ARN, got \"{bad}\""),
                            ));
                        }
                    }
                }
                Ok(EmrSettings::builder()
                    .set_assumable_role_arns(emr.assumable_role_arns.clone())
                    .set_execution_role_arns(emr.execution_role_arns.clone())
                    .build())
            })
            .transpose()?;
        Ok(AppParts {
            default_resource_spec: resource_spec(path, self)?,
            lifecycle_config_arns: self.lifecycle_config_arns.clone(),
            custom_images,
            code_repositories,
            app_lifecycle_management: lifecycle_management(path, self)?,
            emr_settings,
            built_in_lifecycle_config_arn: self.built_in_lifecycle_config_arn.clone(),
        })
    }

    /// As `JupyterServerAppSettings`.
    pub(crate) fn jupyter_server(
        &self,
        path: &str,
    ) -> Result<JupyterServerAppSettings, ResourceError> {
        let parts = self.parts(path, App::JupyterServer)?;
        Ok(JupyterServerAppSettings::builder()
            .set_default_resource_spec(parts.default_resource_spec)
            .set_lifecycle_config_arns(parts.lifecycle_config_arns)
            .set_code_repositories(parts.code_repositories)
            .build())
    }

    /// As `KernelGatewayAppSettings`.
    pub(crate) fn kernel_gateway(
        &self,
        path: &str,
    ) -> Result<KernelGatewayAppSettings, ResourceError> {
        let parts = self.parts(path, App::KernelGateway)?;
        Ok(KernelGatewayAppSettings::builder()
            .set_default_resource_spec(parts.default_resource_spec)
            .set_lifecycle_config_arns(parts.lifecycle_config_arns)
            .set_custom_images(parts.custom_images)
            .build())
    }

    /// As `JupyterLabAppSettings`.
    pub(crate) fn jupyter_lab(&self, path: &str) -> Result<JupyterLabAppSettings, ResourceError> {
        let parts = self.parts(path, App::JupyterLab)?;
        Ok(JupyterLabAppSettings::builder()
            .set_default_resource_spec(parts.default_resource_spec)
            .set_lifecycle_config_arns(parts.lifecycle_config_arns)
            .set_custom_images(parts.custom_images)
            .set_code_repositories(parts.code_repositories)
            .set_app_lifecycle_management(parts.app_lifecycle_management)
            .set_emr_settings(parts.emr_settings)
            .set_built_in_lifecycle_config_arn(parts.built_in_lifecycle_config_arn)
            .build())
    }

    /// As `TensorBoardAppSettings` (`DefaultResourceSpec` only).
    fn tensor_board(&self, path: &str) -> Result<TensorBoardAppSettings, ResourceError> {
        let parts = self.parts(path, App::TensorBoard)?;
        Ok(TensorBoardAppSettings::builder()
            .set_default_resource_spec(parts.default_resource_spec)
            .build())
    }

    /// As `RSessionAppSettings` (`DefaultResourceSpec`, `CustomImages`).
    fn r_session(&self, path: &str) -> Result<RSessionAppSettings, ResourceError> {
        let parts = self.parts(path, App::RSession)?;
        Ok(RSessionAppSettings::builder()
            .set_default_resource_spec(parts.default_resource_spec)
            .set_custom_images(parts.custom_images)
            .build())
    }

    /// As `CodeEditorAppSettings`.
    fn code_editor(&self, path: &str) -> Result<CodeEditorAppSettings, ResourceError> {
        let parts = self.parts(path, App::CodeEditor)?;
        Ok(CodeEditorAppSettings::builder()
            .set_default_resource_spec(parts.default_resource_spec)
            .set_lifecycle_config_arns(parts.lifecycle_config_arns)
            .set_custom_images(parts.custom_images)
            .set_app_lifecycle_management(parts.app_lifecycle_management)
            .set_built_in_lifecycle_config_arn(parts.built_in_lifecycle_config_arn)
            .build())
    }
}

impl SpaceStorageSettingsProperty {
    /// As `DefaultSpaceStorageSettings` (sizes 5 to 16384 GB).
    pub(crate) fn to_sdk(&self, path: &str) -> Result<DefaultSpaceStorageSettings, ResourceError> {
        let ebs = self
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
        Ok(DefaultSpaceStorageSettings::builder()
            .set_default_ebs_storage_settings(ebs)
            .build())
    }
}

impl UserSettingsProperty {
    /// The SDK's `UserSettings`; `property` is the property's name for error messages.
    pub fn to_sdk(&self, property: &str) -> Result<UserSettings, ResourceError> {
        let mut settings = UserSettings::builder()
            .set_execution_role(self.execution_role.clone())
            .set_security_groups(security_groups(
                &format!("{property}.SecurityGroups"),
                self.security_groups.as_ref(),
            )?)
            .set_default_landing_uri(self.default_landing_uri.clone())
            .set_custom_file_system_configs(custom_file_systems(
                &format!("{property}.CustomFileSystemConfigs"),
                self.custom_file_system_configs.as_ref(),
            )?);
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
            settings = settings.jupyter_server_app_settings(
                app.jupyter_server(&format!("{property}.JupyterServerAppSettings"))?,
            );
        }
        if let Some(app) = &self.kernel_gateway_app_settings {
            settings = settings.kernel_gateway_app_settings(
                app.kernel_gateway(&format!("{property}.KernelGatewayAppSettings"))?,
            );
        }
        if let Some(app) = &self.jupyter_lab_app_settings {
            settings = settings.jupyter_lab_app_settings(
                app.jupyter_lab(&format!("{property}.JupyterLabAppSettings"))?,
            );
        }
        if let Some(app) = &self.code_editor_app_settings {
            settings = settings.code_editor_app_settings(
                app.code_editor(&format!("{property}.CodeEditorAppSettings"))?,
            );
        }
        if let Some(app) = &self.tensor_board_app_settings {
            settings = settings.tensor_board_app_settings(
                app.tensor_board(&format!("{property}.TensorBoardAppSettings"))?,
            );
        }
        if let Some(app) = &self.r_session_app_settings {
            settings = settings
                .r_session_app_settings(app.r_session(&format!("{property}.RSessionAppSettings"))?);
        }
        if let Some(app) = &self.r_studio_server_pro_app_settings {
            settings = settings.r_studio_server_pro_app_settings(
                app.to_sdk(&format!("{property}.RStudioServerProAppSettings"))?,
            );
        }
        if let Some(app) = &self.canvas_app_settings {
            settings =
                settings.canvas_app_settings(app.to_sdk(&format!("{property}.CanvasAppSettings"))?);
        }
        if let Some(storage) = &self.space_storage_settings {
            settings = settings.space_storage_settings(
                storage.to_sdk(&format!("{property}.SpaceStorageSettings"))?,
            );
        }
        if let Some(portal) = &self.studio_web_portal {
            settings = settings.studio_web_portal(enum_value(
                &format!("{property}.StudioWebPortal"),
                portal,
                StudioWebPortal::values(),
            )?);
        }
        if let Some(portal) = &self.studio_web_portal_settings {
            settings = settings.studio_web_portal_settings(
                portal.to_sdk(&format!("{property}.StudioWebPortalSettings"))?,
            );
        }
        if let Some(mount) = &self.auto_mount_home_efs {
            settings = settings.auto_mount_home_efs(enum_value(
                &format!("{property}.AutoMountHomeEFS"),
                mount,
                AutoMountHomeEfs::values(),
            )?);
        }
        if let Some(posix) = &self.custom_posix_user_config {
            settings = settings.custom_posix_user_config(
                posix.to_sdk(&format!("{property}.CustomPosixUserConfig"))?,
            );
        }
        Ok(settings.build())
    }
}

/// What an update sends for a member the old properties had and the new ones do not: the
/// API has no "unset", and UpdateDomain keeps a member it is not given, so leaving it out
/// would keep the old value. A list goes back to empty and a structure to an empty one (the
/// state of a domain created without them); a single value the API documents no default for
/// cannot be restored, so taking it away is refused naming it. Not confirmed against
/// SageMaker itself that an empty structure clears what it held (the emulator replaces each
/// member given, as UpdateDomain's member docs describe).
pub(crate) fn refuse_removed_values(
    property: &str,
    removed: &[(&str, bool)],
) -> Result<(), ResourceError> {
    if let Some((member, _)) = removed.iter().find(|(_, gone)| *gone) {
        return Err(ResourceError::invalid_property(
            format!("{property}.{member}"),
            "cannot be taken away once set: the API documents no default to restore, and an update without it keeps the old value; set the value you want instead",
        ));
    }
    Ok(())
}

fn gone<T>(new: &Option<T>, old: &Option<T>) -> bool {
    new.is_none() && old.is_some()
}

impl UserSettingsProperty {
    /// These settings with what `old` had and these lack reset (see [`refuse_removed_values`]),
    /// for UpdateDomain's `DefaultUserSettings` (`property` `DefaultUserSettings`) or
    /// UpdateUserProfile's `UserSettings` (`UserSettings`). On a profile, `AutoMountHomeEFS`
    /// taken away goes back to `DefaultAsDomain` ("only supported for user profiles", API
    /// reference, `UserSettings`); on a domain it has no documented default.
    pub fn resetting_removed(&self, old: &Self, property: &str) -> Result<Self, ResourceError> {
        let profile = property == "UserSettings";
        let mut this = self.clone();
        if profile && this.auto_mount_home_efs.is_none() && old.auto_mount_home_efs.is_some() {
            this.auto_mount_home_efs = Some("DefaultAsDomain".to_owned());
        }
        let this = &this;
        this.reset_collections(old, property)
    }

    fn reset_collections(&self, old: &Self, property: &str) -> Result<Self, ResourceError> {
        refuse_removed_values(
            property,
            &[
                (
                    "DefaultLandingUri",
                    gone(&self.default_landing_uri, &old.default_landing_uri),
                ),
                (
                    "StudioWebPortal",
                    gone(&self.studio_web_portal, &old.studio_web_portal),
                ),
                (
                    "AutoMountHomeEFS",
                    gone(&self.auto_mount_home_efs, &old.auto_mount_home_efs),
                ),
                (
                    "CustomPosixUserConfig",
                    gone(
                        &self.custom_posix_user_config,
                        &old.custom_posix_user_config,
                    ),
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
        empty(&mut reset.sharing_settings, &old.sharing_settings);
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
            &mut reset.code_editor_app_settings,
            &old.code_editor_app_settings,
        );
        empty(
            &mut reset.space_storage_settings,
            &old.space_storage_settings,
        );
        empty(
            &mut reset.custom_file_system_configs,
            &old.custom_file_system_configs,
        );
        empty(
            &mut reset.studio_web_portal_settings,
            &old.studio_web_portal_settings,
        );
        empty(
            &mut reset.tensor_board_app_settings,
            &old.tensor_board_app_settings,
        );
        empty(
            &mut reset.r_session_app_settings,
            &old.r_session_app_settings,
        );
        empty(
            &mut reset.r_studio_server_pro_app_settings,
            &old.r_studio_server_pro_app_settings,
        );
        empty(&mut reset.canvas_app_settings, &old.canvas_app_settings);
        Ok(reset)
    }
}

/// `DefaultResourceSpec` of `app` (also a space's app settings, `crate::space_settings`).
pub(crate) fn resource_spec(
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
    if let Some(alias) = &spec.sage_maker_image_version_alias
        && (alias.is_empty()
            || alias.len() > 128
            || !alias
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b".-+".contains(&byte)))
    {
        return Err(ResourceError::invalid_property(
            format!("{path}.DefaultResourceSpec.SageMakerImageVersionAlias"),
            format!("expected a version alias like 2.6 or 2.6.1, got \"{alias}\""),
        ));
    }
    if let Some(plan) = spec
        .training_plan_arn
        .as_deref()
        .filter(|plan| !is_training_plan_arn(plan))
    {
        return Err(ResourceError::invalid_property(
            format!("{path}.DefaultResourceSpec.TrainingPlanArn"),
            format!(
                "expected a training plan ARN (arn:aws:sagemaker:<region>:<account>:training-plan/<name>) or None, got \"{plan}\""
            ),
        ));
    }
    Ok(Some(
        ResourceSpec::builder()
            .set_instance_type(instance_type)
            .set_sage_maker_image_arn(spec.sage_maker_image_arn.clone())
            .set_sage_maker_image_version_arn(spec.sage_maker_image_version_arn.clone())
            .set_sage_maker_image_version_alias(spec.sage_maker_image_version_alias.clone())
            .set_lifecycle_config_arn(spec.lifecycle_config_arn.clone())
            .set_training_plan_arn(spec.training_plan_arn.clone())
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
            .map(|value| {
                let (min, max) = crate::ports::API_IDLE_TIMEOUT_MINUTES;
                in_range(&format!("{path}.{name}"), value, min, max)
            })
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
        let error =
            parse::<UserSettingsProperty>(&json!({"UnifiedStudioSettings": {}})).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("Invalid property UnifiedStudioSettings: is not a supported property"),
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
    fn refusal(settings: &serde_json::Value) -> String {
        match parse::<UserSettingsProperty>(settings)
            .and_then(|property| property.to_sdk("UserSettings"))
        {
            Ok(_) => String::new(),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn auto_mount_home_efs_is_spelt_as_the_api_spells_it() {
        let property: UserSettingsProperty =
            parse(&json!({"AutoMountHomeEFS": "Disabled"})).unwrap();
        let settings = property.to_sdk("UserSettings").unwrap();
        assert_eq!(
            settings.auto_mount_home_efs(),
            Some(&AutoMountHomeEfs::Disabled)
        );
        assert!(
            refusal(&json!({"AutoMountHomeEfs": "Disabled"}))
                .starts_with("Invalid property AutoMountHomeEfs: is not a supported property"),
        );
    }

    #[test]
    fn studio_web_portal_settings_become_the_sdk_shape_and_bad_values_are_named() {
        let property: UserSettingsProperty = parse(&json!({"StudioWebPortalSettings": {
            "HiddenAppTypes": ["JupyterServer", "Canvas"],
            "HiddenInstanceTypes": ["ml.p4d.24xlarge"],
            "HiddenMlTools": ["AutoMl"],
            "HiddenSageMakerImageVersionAliases": [{"SageMakerImageName": "sagemaker_distribution", "VersionAliases": ["1.9", "2.0"]}]
        }}))
        .unwrap();
        let portal = property.to_sdk("UserSettings").unwrap();
        let portal = portal.studio_web_portal_settings().unwrap();
        assert_eq!(
            portal.hidden_app_types(),
            [AppType::JupyterServer, AppType::Canvas]
        );
        assert_eq!(
            portal.hidden_instance_types(),
            [AppInstanceType::from("ml.p4d.24xlarge")]
        );
        assert_eq!(portal.hidden_ml_tools(), [MlTools::AutoMl]);
        assert_eq!(
            portal.hidden_sage_maker_image_version_aliases()[0].version_aliases(),
            ["1.9", "2.0"]
        );
        assert!(
            refusal(&json!({"StudioWebPortalSettings": {"HiddenAppTypes": ["JupyterLab", "Excel"]}}))
                .starts_with("Invalid property UserSettings.StudioWebPortalSettings.HiddenAppTypes[1]: expected one of")
        );
        assert_eq!(
            refusal(
                &json!({"StudioWebPortalSettings": {"HiddenSageMakerImageVersionAliases": [{"VersionAliases": ["2.6.1"]}]}})
            ),
            "Invalid property UserSettings.StudioWebPortalSettings.HiddenSageMakerImageVersionAliases[0].VersionAliases[0]: expected a major.minor version like 2.6, got \"2.6.1\""
        );
        let six = vec![json!({"VersionAliases": ["1.0"]}); 6];
        assert_eq!(
            refusal(
                &json!({"StudioWebPortalSettings": {"HiddenSageMakerImageVersionAliases": six}})
            ),
            "Invalid property UserSettings.StudioWebPortalSettings.HiddenSageMakerImageVersionAliases: expected at most 5 items, got 6"
        );
    }

    #[test]
    fn at_most_five_security_groups_are_accepted_naming_the_property() {
        assert_eq!(
            refusal(&json!({"SecurityGroups": ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5"]})),
            ""
        );
        assert_eq!(
            refusal(&json!({"SecurityGroups": ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"]})),
            "Invalid property UserSettings.SecurityGroups: expected at most 5 items, got 6"
        );
        assert!(
            refusal(&json!({"SecurityGroups": ["sg 1"]}))
                .starts_with("Invalid property UserSettings.SecurityGroups[0]")
        );
    }

    #[test]
    fn custom_file_systems_are_a_union_of_at_most_ten() {
        let efs = json!({"EFSFileSystemConfig": {"FileSystemId": "fs-0123456789abcdef0", "FileSystemPath": "/team"}});
        let property: UserSettingsProperty = parse(&json!({"CustomFileSystemConfigs": [
            efs,
            {"FSxLustreFileSystemConfig": {"FileSystemId": "fs-0123456789abcdef1"}},
            {"S3FileSystemConfig": {"S3Uri": "s3://bucket/prefix", "MountPath": "/mnt/s3"}}
        ]}))
        .unwrap();
        let settings = property.to_sdk("UserSettings").unwrap();
        let systems = settings.custom_file_system_configs();
        assert_eq!(
            systems[0]
                .as_efs_file_system_config()
                .unwrap()
                .file_system_path(),
            Some("/team")
        );
        assert!(systems[1].is_f_sx_lustre_file_system_config());
        assert_eq!(
            systems[2].as_s3_file_system_config().unwrap().s3_uri(),
            Some("s3://bucket/prefix")
        );
        assert_eq!(
            refusal(&json!({"CustomFileSystemConfigs": vec![efs.clone(); 11]})),
            "Invalid property UserSettings.CustomFileSystemConfigs: expected at most 10 items, got 11"
        );
        assert_eq!(
            refusal(&json!({"CustomFileSystemConfigs": vec![efs; 10]})),
            ""
        );
        assert!(
            refusal(&json!({"CustomFileSystemConfigs": [{}]})).starts_with(
                "Invalid property UserSettings.CustomFileSystemConfigs[0]: expected exactly one of"
            )
        );
        assert!(
            refusal(&json!({"CustomFileSystemConfigs": [{"EFSFileSystemConfig": {"FileSystemId": "fs-1"}}]}))
                .starts_with("Invalid property UserSettings.CustomFileSystemConfigs[0].EFSFileSystemConfig.FileSystemId")
        );
    }

    #[test]
    fn a_custom_posix_user_outside_the_api_ranges_is_refused() {
        let property: UserSettingsProperty =
            parse(&json!({"CustomPosixUserConfig": {"Uid": "200001", "Gid": "1001"}})).unwrap();
        let posix = property.to_sdk("UserSettings").unwrap();
        assert_eq!(
            posix.custom_posix_user_config().unwrap().uid(),
            Some(200_001)
        );
        assert_eq!(
            refusal(&json!({"CustomPosixUserConfig": {"Uid": "9999", "Gid": "1001"}})),
            "Invalid property UserSettings.CustomPosixUserConfig.Uid: expected a whole number from 10000 to 4000000, got 9999"
        );
    }

    #[test]
    fn app_settings_take_the_members_of_their_own_shape_only() {
        let property: UserSettingsProperty = parse(&json!({
            "JupyterLabAppSettings": {
                "CustomImages": [{"ImageName": "team-image", "AppImageConfigName": "team-config", "ImageVersionNumber": "3"}],
                "CodeRepositories": [{"RepositoryUrl": "https://github.com/example/repo.git"}],
                "EmrSettings": {"AssumableRoleArns": ["arn:aws:iam::123456789012:role/emr-access"]},
                "BuiltInLifecycleConfigArn": "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/built-in",
                "DefaultResourceSpec": {"SageMakerImageVersionAlias": "2.6.1"}
            },
            "CodeEditorAppSettings": {"CustomImages": [{"ImageName": "editor", "AppImageConfigName": "editor-config"}]},
            "KernelGatewayAppSettings": {"CustomImages": [{"ImageName": "kernel", "AppImageConfigName": "kernel-config"}]},
            "JupyterServerAppSettings": {"CodeRepositories": [{"RepositoryUrl": "https://github.com/example/classic.git"}]}
        }))
        .unwrap();
        let settings = property.to_sdk("UserSettings").unwrap();
        let lab = settings.jupyter_lab_app_settings().unwrap();
        assert_eq!(lab.custom_images()[0].image_version_number(), Some(3));
        assert_eq!(
            lab.code_repositories()[0].repository_url(),
            Some("https://github.com/example/repo.git")
        );
        assert_eq!(
            lab.emr_settings().unwrap().assumable_role_arns(),
            ["arn:aws:iam::123456789012:role/emr-access"]
        );
        assert!(lab.built_in_lifecycle_config_arn().is_some());
        assert_eq!(
            lab.default_resource_spec()
                .unwrap()
                .sage_maker_image_version_alias(),
            Some("2.6.1")
        );
        assert_eq!(
            settings.code_editor_app_settings().unwrap().custom_images()[0].image_name(),
            Some("editor")
        );
        assert_eq!(
            refusal(
                &json!({"CodeEditorAppSettings": {"CodeRepositories": [{"RepositoryUrl": "https://github.com/a/b.git"}]}})
            ),
            "Invalid property UserSettings.CodeEditorAppSettings.CodeRepositories: is not a member of CodeEditorAppSettings; only JupyterServerAppSettings and JupyterLabAppSettings have it"
        );
        assert!(
            refusal(&json!({"KernelGatewayAppSettings": {"AppLifecycleManagement": {}}})).starts_with(
                "Invalid property UserSettings.KernelGatewayAppSettings.AppLifecycleManagement: is not a member of KernelGatewayAppSettings"
            )
        );
        let eleven = vec![json!({"RepositoryUrl": "https://github.com/a/b.git"}); 11];
        assert_eq!(
            refusal(&json!({"JupyterLabAppSettings": {"CodeRepositories": eleven}})),
            "Invalid property UserSettings.JupyterLabAppSettings.CodeRepositories: expected at most 10 items, got 11"
        );
        let roles = vec!["arn:aws:iam::123456789012:role/r"; 6];
        assert_eq!(
            refusal(
                &json!({"JupyterLabAppSettings": {"EmrSettings": {"ExecutionRoleArns": roles}}})
            ),
            "Invalid property UserSettings.JupyterLabAppSettings.EmrSettings.ExecutionRoleArns: expected at most 5 items, got 6"
        );
    }

    #[test]
    fn a_removed_list_or_structure_is_reset_and_a_removed_value_is_refused() {
        let old: UserSettingsProperty = parse(&json!({
            "SecurityGroups": ["sg-1"],
            "StudioWebPortalSettings": {"HiddenAppTypes": ["JupyterServer"]},
            "StudioWebPortal": "ENABLED"
        }))
        .unwrap();
        let new: UserSettingsProperty = parse(&json!({"StudioWebPortal": "ENABLED"})).unwrap();
        let reset = new
            .resetting_removed(&old, "DefaultUserSettings")
            .unwrap()
            .to_sdk("DefaultUserSettings")
            .unwrap();
        assert_eq!(reset.security_groups(), [] as [String; 0]);
        assert!(reset.security_groups.is_some(), "sent, as an empty list");
        assert!(
            reset
                .studio_web_portal_settings()
                .is_some_and(|portal| portal.hidden_app_types().is_empty())
        );
        let error = UserSettingsProperty::default()
            .resetting_removed(&old, "DefaultUserSettings")
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("Invalid property DefaultUserSettings.StudioWebPortal: cannot be taken away once set"),
            "{error}"
        );
    }

    /// The Studio Classic and Canvas settings, as a template writes them.
    fn classic_and_canvas() -> serde_json::Value {
        json!({
            "TensorBoardAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}},
            "RSessionAppSettings": {
                "DefaultResourceSpec": {"InstanceType": "ml.t3.large"},
                "CustomImages": [{"ImageName": "r-image", "AppImageConfigName": "r-config", "ImageVersionNumber": "2"}]
            },
            "RStudioServerProAppSettings": {"AccessStatus": "ENABLED", "UserGroup": "R_STUDIO_USER"},
            "CanvasAppSettings": {
                "TimeSeriesForecastingSettings": {"Status": "ENABLED"},
                "DirectDeploySettings": {"Status": "DISABLED"},
                "WorkspaceSettings": {"S3ArtifactPath": "s3://bucket/canvas"}
            }
        })
    }

    #[test]
    fn studio_classic_and_canvas_settings_round_trip_to_the_sdk_shape() {
        let property: UserSettingsProperty = parse(&classic_and_canvas()).unwrap();
        assert_eq!(
            parse::<UserSettingsProperty>(&serde_json::to_value(&property).unwrap()).unwrap(),
            property,
            "what is stored reads back the same"
        );
        let settings = property.to_sdk("UserSettings").unwrap();
        assert_eq!(
            settings
                .tensor_board_app_settings()
                .and_then(|app| app.default_resource_spec())
                .and_then(|spec| spec.instance_type()),
            Some(&AppInstanceType::MlT3Medium)
        );
        let r_session = settings.r_session_app_settings().unwrap();
        assert_eq!(r_session.custom_images()[0].image_version_number(), Some(2));
        assert_eq!(
            settings
                .r_studio_server_pro_app_settings()
                .and_then(|app| app.access_status())
                .map(|status| status.as_str()),
            Some("ENABLED")
        );
        assert_eq!(
            settings
                .canvas_app_settings()
                .and_then(|canvas| canvas.workspace_settings())
                .and_then(|workspace| workspace.s3_artifact_path()),
            Some("s3://bucket/canvas")
        );
    }

    #[test]
    fn members_outside_tensor_board_and_r_session_shapes_are_refused_by_name() {
        assert_eq!(
            refusal(
                &json!({"TensorBoardAppSettings": {"LifecycleConfigArns": ["arn:aws:sagemaker:eu-west-1:123456789012:studio-lifecycle-config/x"]}})
            ),
            "Invalid property UserSettings.TensorBoardAppSettings.LifecycleConfigArns: is not a member of TensorBoardAppSettings; only JupyterServerAppSettings and KernelGatewayAppSettings and JupyterLabAppSettings and CodeEditorAppSettings have it"
        );
        assert!(
            refusal(&json!({"RSessionAppSettings": {"CodeRepositories": []}})).starts_with(
                "Invalid property UserSettings.RSessionAppSettings.CodeRepositories: is not a member of RSessionAppSettings"
            )
        );
        assert_eq!(
            refusal(
                &json!({"JupyterLabAppSettings": {"CustomImages": [{"ImageName": "team..image", "AppImageConfigName": "c"}]}})
            ),
            "Invalid property UserSettings.JupyterLabAppSettings.CustomImages[0].ImageName: must match [a-zA-Z0-9]([-.]?[a-zA-Z0-9]){0,62}, got \"team..image\""
        );
        assert!(
            refusal(&json!({"JupyterLabAppSettings": {"CustomImages": [{"ImageName": "team.image", "AppImageConfigName": "team.config"}]}}))
                .starts_with("Invalid property UserSettings.JupyterLabAppSettings.CustomImages[0].AppImageConfigName: must match [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
        );
        assert_eq!(
            refusal(
                &json!({"JupyterLabAppSettings": {"CustomImages": [{"ImageName": "team.image", "AppImageConfigName": "team-config"}]}})
            ),
            ""
        );
        let image = json!({"ImageName": "r", "AppImageConfigName": "c"});
        assert_eq!(
            refusal(&json!({"RSessionAppSettings": {"CustomImages": vec![image; 201]}})),
            "Invalid property UserSettings.RSessionAppSettings.CustomImages: expected at most 200 items, got 201"
        );
        assert!(
            refusal(&json!({"TensorBoardAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.nope"}}}))
                .starts_with("Invalid property UserSettings.TensorBoardAppSettings.DefaultResourceSpec.InstanceType")
        );
        assert!(
            refusal(&json!({"CanvasAppSettings": {"KendraSettings": {"Status": "yes"}}}))
                .starts_with(
                    "Invalid property UserSettings.CanvasAppSettings.KendraSettings.Status"
                )
        );
    }

    #[test]
    fn studio_classic_and_canvas_settings_change_in_place_and_reset_when_removed() {
        let old: UserSettingsProperty = parse(&classic_and_canvas()).unwrap();
        let mut changed = classic_and_canvas();
        changed["CanvasAppSettings"]["DirectDeploySettings"]["Status"] = json!("ENABLED");
        changed["RStudioServerProAppSettings"]["UserGroup"] = json!("R_STUDIO_ADMIN");
        let new: UserSettingsProperty = parse(&changed).unwrap();
        let sent = new
            .resetting_removed(&old, "UserSettings")
            .unwrap()
            .to_sdk("UserSettings")
            .unwrap();
        assert_eq!(
            sent.canvas_app_settings()
                .and_then(|canvas| canvas.direct_deploy_settings())
                .and_then(|deploy| deploy.status())
                .map(|status| status.as_str()),
            Some("ENABLED")
        );
        assert_eq!(
            sent.r_studio_server_pro_app_settings()
                .and_then(|app| app.user_group())
                .map(|group| group.as_str()),
            Some("R_STUDIO_ADMIN")
        );
        let removed = UserSettingsProperty::default()
            .resetting_removed(&old, "UserSettings")
            .unwrap()
            .to_sdk("UserSettings")
            .unwrap();
        assert!(
            removed
                .tensor_board_app_settings()
                .is_some_and(|app| app.default_resource_spec().is_none()),
            "sent as an empty structure"
        );
        assert!(
            removed
                .r_session_app_settings()
                .is_some_and(|app| app.custom_images().is_empty())
        );
        assert!(
            removed
                .canvas_app_settings()
                .is_some_and(|canvas| canvas.workspace_settings().is_none())
        );
        assert!(
            removed
                .r_studio_server_pro_app_settings()
                .is_some_and(|app| app.access_status().is_none())
        );
    }

    #[test]
    fn a_training_plan_is_sent_and_a_malformed_one_is_refused_by_path() {
        let plan = "arn:aws:sagemaker:eu-west-1:123456789012:training-plan/gpu-week";
        let property: UserSettingsProperty = parse(&json!({
            "JupyterLabAppSettings": {"DefaultResourceSpec": {"TrainingPlanArn": plan}}
        }))
        .unwrap();
        let settings = property.to_sdk("UserSettings").unwrap();
        assert_eq!(
            settings
                .jupyter_lab_app_settings()
                .and_then(|app| app.default_resource_spec())
                .and_then(|spec| spec.training_plan_arn()),
            Some(plan)
        );
        assert_eq!(
            refusal(
                &json!({"CodeEditorAppSettings": {"DefaultResourceSpec": {"TrainingPlanArn": "None"}}})
            ),
            "",
            "None detaches a plan"
        );
        assert!(
            refusal(&json!({"CodeEditorAppSettings": {"DefaultResourceSpec": {"TrainingPlanArn": "gpu-week"}}}))
                .starts_with("Invalid property UserSettings.CodeEditorAppSettings.DefaultResourceSpec.TrainingPlanArn: expected a training plan ARN")
        );
    }
}
