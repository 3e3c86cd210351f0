//! The properties of `Custom::StudioLifecycleConfig`, in the API's names, and the checks made on
//! them before any API call.

use aws_sdk_sagemaker::types::StudioLifecycleConfigAppType;
use cfn_custom_resource::{ResourceError, Tag};
use serde::{Deserialize, Serialize};
use studio_sagemaker::identifiers::is_studio_name;
use studio_sagemaker::lifecycle_configs::MAX_CONTENT_CHARS;
use studio_sagemaker::tagging::check_tags;

use crate::versions::MAX_BASE_NAME_CHARS;

/// `Custom::StudioLifecycleConfig`'s properties, as a template writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LifecycleConfigProperties {
    /// The base name: each version is named `<base>-v<8 hex digits>`. A change replaces the
    /// resource.
    pub studio_lifecycle_config_name: String,
    /// The script, base64-encoded, as CreateStudioLifecycleConfig takes it. A change makes a
    /// new version.
    pub studio_lifecycle_config_content: String,
    /// `JupyterServer`, `KernelGateway`, `CodeEditor` or `JupyterLab`. A change replaces the
    /// resource.
    pub studio_lifecycle_config_app_type: String,
    /// The versions' tags. A change makes a new version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl LifecycleConfigProperties {
    /// Checks every property before any call, naming the one that is wrong.
    pub fn validate(&self) -> Result<(), ResourceError> {
        let name = self.studio_lifecycle_config_name.as_str();
        if !is_studio_name(name) || name.len() > MAX_BASE_NAME_CHARS {
            return Err(ResourceError::invalid_property(
                "StudioLifecycleConfigName",
                format!(
                    "1 to {MAX_BASE_NAME_CHARS} letters, digits and hyphens, starting and ending with a letter or digit (SageMaker's [a-zA-Z0-9](-*[a-zA-Z0-9]){{0,62}}, less the -v<8 hex digits> each version's name adds), got \"{name}\""
                ),
            ));
        }
        let content = self.studio_lifecycle_config_content.as_str();
        let chars = content.chars().count();
        if chars == 0 || chars > MAX_CONTENT_CHARS {
            return Err(ResourceError::invalid_property(
                "StudioLifecycleConfigContent",
                format!(
                    "1 to {MAX_CONTENT_CHARS} characters of base64 (CreateStudioLifecycleConfig's limit), got {chars}"
                ),
            ));
        }
        // "This content must be base64 encoded" (CreateStudioLifecycleConfig, API reference).
        if aws_smithy_types::base64::decode(content).is_err() {
            return Err(ResourceError::invalid_property(
                "StudioLifecycleConfigContent",
                "the script base64-encoded, as CreateStudioLifecycleConfig takes it (in a template: !Base64 of the script); it does not decode as base64",
            ));
        }
        let app_type = self.studio_lifecycle_config_app_type.as_str();
        let known = StudioLifecycleConfigAppType::values();
        if !known.contains(&app_type) {
            return Err(ResourceError::invalid_property(
                "StudioLifecycleConfigAppType",
                format!("one of {}, got \"{app_type}\"", known.join(", ")),
            ));
        }
        check_tags(&self.tags, &[])
    }

    /// The base name.
    pub fn base_name(&self) -> &str {
        &self.studio_lifecycle_config_name
    }

    /// The app type, as the SDK takes it.
    pub fn app_type(&self) -> StudioLifecycleConfigAppType {
        StudioLifecycleConfigAppType::from(self.studio_lifecycle_config_app_type.as_str())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn properties(name: &str, content: &str, app_type: &str) -> LifecycleConfigProperties {
        serde_json::from_value(json!({
            "StudioLifecycleConfigName": name,
            "StudioLifecycleConfigContent": content,
            "StudioLifecycleConfigAppType": app_type,
        }))
        .expect("the properties read")
    }

    fn refused_property(properties: &LifecycleConfigProperties) -> String {
        match properties.validate() {
            Err(ResourceError::InvalidProperty { property, .. }) => property,
            other => panic!("expected an invalid property, got {other:?}"),
        }
    }

    #[test]
    fn a_base_name_leaves_room_for_the_version_suffix() {
        let longest = "a".repeat(MAX_BASE_NAME_CHARS);
        assert!(
            properties(&longest, "ZWNobw==", "JupyterLab")
                .validate()
                .is_ok()
        );
        let too_long = "a".repeat(MAX_BASE_NAME_CHARS + 1);
        assert_eq!(
            refused_property(&properties(&too_long, "ZWNobw==", "JupyterLab")),
            "StudioLifecycleConfigName"
        );
        assert_eq!(
            refused_property(&properties("-lab", "ZWNobw==", "JupyterLab")),
            "StudioLifecycleConfigName"
        );
    }

    #[test]
    fn content_must_be_base64_within_the_apis_size() {
        assert_eq!(
            refused_property(&properties("lab", "echo hello", "JupyterLab")),
            "StudioLifecycleConfigContent"
        );
        assert_eq!(
            refused_property(&properties("lab", "", "JupyterLab")),
            "StudioLifecycleConfigContent"
        );
        let huge = "A".repeat(MAX_CONTENT_CHARS + 4);
        assert_eq!(
            refused_property(&properties("lab", &huge, "JupyterLab")),
            "StudioLifecycleConfigContent"
        );
    }

    #[test]
    fn the_app_type_is_one_the_api_knows() {
        assert_eq!(
            refused_property(&properties("lab", "ZWNobw==", "RStudioServerPro")),
            "StudioLifecycleConfigAppType"
        );
        for app_type in ["JupyterServer", "KernelGateway", "CodeEditor", "JupyterLab"] {
            assert!(properties("lab", "ZWNobw==", app_type).validate().is_ok());
        }
    }

    #[test]
    fn unknown_properties_are_refused() {
        let read = serde_json::from_value::<LifecycleConfigProperties>(json!({
            "StudioLifecycleConfigName": "lab",
            "StudioLifecycleConfigContent": "ZWNobw==",
            "StudioLifecycleConfigAppType": "JupyterLab",
            "Content": "x",
        }));
        assert!(read.is_err());
    }
}
