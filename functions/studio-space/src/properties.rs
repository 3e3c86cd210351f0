//! `Custom::StudioSpace`'s properties, in CreateSpace's names (SageMaker API Reference,
//! CreateSpace; botocore model shapes `CreateSpaceRequest`, `OwnershipSettings`,
//! `SpaceSharingSettings`, `SpaceSettings`), and the checks made before any call.

use aws_sdk_sagemaker::types::{SharingType, SpaceSettings};
use cfn_custom_resource::properties::boolean;
use cfn_custom_resource::{ResourceError, Tag};
use serde::{Deserialize, Deserializer, Serialize};
use studio_sagemaker::identifiers::{NAME_RULE, is_domain_id, is_studio_name};
use studio_sagemaker::ports::IdleShutdownApp;
use studio_sagemaker::space_settings::SpaceSettingsProperty;
use studio_sagemaker::tagging::check_tags;

/// `SpaceDisplayName` (`NonEmptyString64`): 1 to 64 characters, not only white space.
pub const MAX_DISPLAY_NAME: usize = 64;

/// The resource's properties.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SpaceProperties {
    /// The domain (a change replaces the space).
    pub domain_id: String,
    /// The space's name (a change replaces the space).
    pub space_name: String,
    /// The name Studio shows (in place).
    #[serde(
        default,
        deserialize_with = "optional_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub space_display_name: Option<String>,
    /// The owner (fixed once the space exists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_settings: Option<OwnershipSettingsProperty>,
    /// `Private` or `Shared` (fixed once the space exists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space_sharing_settings: Option<SpaceSharingSettingsProperty>,
    /// The API's `SpaceSettings` (in place, but `AppType`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space_settings: Option<SpaceSettingsProperty>,
    /// Tags (in place).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// `"true"` lets a delete remove a JupyterLab/Code Editor space, whose work is on an EBS
    /// volume that goes with it; by default such a delete fails, naming it.
    #[serde(
        default,
        deserialize_with = "boolean",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub delete_space_data: bool,
}

/// `OwnershipSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct OwnershipSettingsProperty {
    /// The profile that owns the space.
    pub owner_user_profile_name: String,
}

/// `SpaceSharingSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SpaceSharingSettingsProperty {
    /// `Private` or `Shared`.
    pub sharing_type: String,
}

/// A string property where an empty string (what a template's empty parameter becomes) means
/// "not given".
fn optional_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(deserializer)?;
    Ok((!text.trim().is_empty()).then_some(text))
}

impl SpaceProperties {
    /// The owner's profile name, if the space has an owner.
    pub fn owner(&self) -> Option<&str> {
        self.ownership_settings
            .as_ref()
            .map(|ownership| ownership.owner_user_profile_name.as_str())
    }

    /// `SpaceSharingSettings.SharingType`, checked.
    pub fn sharing_type(&self) -> Result<Option<SharingType>, ResourceError> {
        let Some(sharing) = &self.space_sharing_settings else {
            return Ok(None);
        };
        match sharing.sharing_type.as_str() {
            "Private" => Ok(Some(SharingType::Private)),
            "Shared" => Ok(Some(SharingType::Shared)),
            other => Err(ResourceError::invalid_property(
                "SpaceSharingSettings.SharingType",
                format!("expected Private or Shared, got \"{other}\""),
            )),
        }
    }

    /// `SpaceSettings.AppType` as written, if given.
    pub fn app_type(&self) -> Option<&str> {
        self.space_settings
            .as_ref()
            .and_then(|settings| settings.app_type.as_deref())
    }

    /// The EBS volume size asked for, if any.
    pub fn ebs_volume_size_in_gb(&self) -> Option<i32> {
        self.space_settings
            .as_ref()
            .and_then(SpaceSettingsProperty::ebs_volume_size_in_gb)
    }

    /// The idle timeout asked for, per app whose settings carry one (JupyterLab, Code Editor):
    /// its property path and minutes.
    pub fn idle_timeouts(&self) -> Vec<(IdleShutdownApp, &'static str, i32)> {
        let Some(settings) = &self.space_settings else {
            return Vec::new();
        };
        [
            (
                IdleShutdownApp::JupyterLab,
                "SpaceSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings.IdleTimeoutInMinutes",
                &settings.jupyter_lab_app_settings,
            ),
            (
                IdleShutdownApp::CodeEditor,
                "SpaceSettings.CodeEditorAppSettings.AppLifecycleManagement.IdleSettings.IdleTimeoutInMinutes",
                &settings.code_editor_app_settings,
            ),
        ]
        .into_iter()
        .filter_map(|(app, path, app_settings)| {
            let minutes = app_settings
                .as_ref()?
                .app_lifecycle_management
                .as_ref()?
                .idle_settings
                .as_ref()?
                .idle_timeout_in_minutes?;
            Some((app, path, minutes))
        })
        .collect()
    }

    /// CreateSpace's `SpaceSettings`.
    pub fn space_settings(&self) -> Result<Option<SpaceSettings>, ResourceError> {
        self.space_settings
            .as_ref()
            .map(|settings| settings.to_sdk("SpaceSettings"))
            .transpose()
    }

    /// UpdateSpace's `SpaceSettings`: all of them but `AppType`, which UpdateSpace cannot change.
    pub fn updated_space_settings(&self) -> Result<Option<SpaceSettings>, ResourceError> {
        self.space_settings
            .as_ref()
            .map(|settings| settings.without_app_type().to_sdk("SpaceSettings"))
            .transpose()
    }

    /// Whether UpdateSpace has something to change: the display name or the settings.
    pub fn settings_differ(&self, old: &Self) -> bool {
        self.space_display_name != old.space_display_name
            || self.space_settings != old.space_settings
    }

    /// The properties a space cannot change once it exists, beyond its name and domain
    /// (CreateSpace sets them; UpdateSpace takes only `SpaceSettings` and `SpaceDisplayName`, and
    /// "you can't edit the app type of a space", API reference): the first that differs.
    pub fn fixed_property_changed(&self, old: &Self) -> Option<&'static str> {
        if self.owner() != old.owner() {
            Some("OwnershipSettings.OwnerUserProfileName")
        } else if self.space_sharing_settings != old.space_sharing_settings {
            Some("SpaceSharingSettings.SharingType")
        } else if self.app_type() != old.app_type() {
            Some("SpaceSettings.AppType")
        } else {
            None
        }
    }

    /// Checks everything that needs no call: SageMaker's name and id rules, the display name,
    /// ownership and sharing together (a private space needs its owner), the settings' shape
    /// and limits, the tags.
    pub fn validate(&self) -> Result<(), ResourceError> {
        if !is_domain_id(&self.domain_id) {
            return Err(ResourceError::invalid_property(
                "DomainId",
                format!(
                    "expected a domain id like d-abcdef123456, got \"{}\"",
                    self.domain_id
                ),
            ));
        }
        if !is_studio_name(&self.space_name) {
            return Err(ResourceError::invalid_property(
                "SpaceName",
                format!("must match {NAME_RULE}, got \"{}\"", self.space_name),
            ));
        }
        if let Some(display_name) = &self.space_display_name
            && display_name.chars().count() > MAX_DISPLAY_NAME
        {
            return Err(ResourceError::invalid_property(
                "SpaceDisplayName",
                format!(
                    "at most {MAX_DISPLAY_NAME} characters, got {}",
                    display_name.chars().count()
                ),
            ));
        }
        if let Some(owner) = self.owner()
            && !is_studio_name(owner)
        {
            return Err(ResourceError::invalid_property(
                "OwnershipSettings.OwnerUserProfileName",
                format!("must match {NAME_RULE}, got \"{owner}\""),
            ));
        }
        // A private or shared space is owned by a profile; OwnershipSettings and
        // SpaceSharingSettings come together (CreateSpace, API reference: a space "used for
        // real time collaboration" or private; the emulator refuses one without the other).
        match (self.owner(), self.sharing_type()?) {
            (None, Some(sharing_type)) => {
                return Err(ResourceError::invalid_property(
                    "OwnershipSettings.OwnerUserProfileName",
                    format!("a {sharing_type} space needs the user profile that owns it"),
                ));
            }
            (Some(_), None) => {
                return Err(ResourceError::invalid_property(
                    "SpaceSharingSettings.SharingType",
                    "a space with an owner is Private or Shared",
                ));
            }
            _ => {}
        }
        self.space_settings()?;
        check_tags(&self.tags, &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfn_custom_resource::properties::parse;
    use serde_json::{Value, json};

    fn properties(value: &Value) -> Result<SpaceProperties, ResourceError> {
        let properties: SpaceProperties = parse(value)?;
        properties.validate()?;
        Ok(properties)
    }

    fn private_space() -> Value {
        json!({
            "DomainId": "d-abcdef123456",
            "SpaceName": "alice-lab",
            "OwnershipSettings": {"OwnerUserProfileName": "alice"},
            "SpaceSharingSettings": {"SharingType": "Private"},
            "SpaceSettings": {"AppType": "JupyterLab"}
        })
    }

    #[test]
    fn the_sample_events_properties_are_valid() {
        for event in [
            include_str!("../../../events/studio-space/create.json"),
            include_str!("../../../events/studio-space/update.json"),
            include_str!("../../../events/studio-space/delete.json"),
        ] {
            let mut event: Value = serde_json::from_str(event).unwrap();
            let mut props = event["ResourceProperties"].take();
            let object = props.as_object_mut().unwrap();
            object.remove("ServiceToken");
            object.remove("ServiceTimeout");
            properties(&props).unwrap();
        }
    }

    #[test]
    fn a_shared_space_without_an_owner_is_refused_naming_the_owner() {
        let mut value = private_space();
        value.as_object_mut().unwrap().remove("OwnershipSettings");
        let reason = properties(&value).unwrap_err().to_string();
        assert!(
            reason.contains("OwnershipSettings.OwnerUserProfileName"),
            "{reason}"
        );
    }

    #[test]
    fn an_owner_without_a_sharing_type_is_refused_naming_it() {
        let mut value = private_space();
        value
            .as_object_mut()
            .unwrap()
            .remove("SpaceSharingSettings");
        let reason = properties(&value).unwrap_err().to_string();
        assert!(
            reason.contains("SpaceSharingSettings.SharingType"),
            "{reason}"
        );
    }

    #[test]
    fn a_sharing_type_other_than_private_or_shared_is_refused() {
        let mut value = private_space();
        value["SpaceSharingSettings"]["SharingType"] = json!("Public");
        let reason = properties(&value).unwrap_err().to_string();
        assert!(reason.contains("expected Private or Shared"), "{reason}");
    }

    #[test]
    fn a_space_name_outside_sagemakers_rule_is_refused() {
        let mut value = private_space();
        value["SpaceName"] = json!("-lab");
        let reason = properties(&value).unwrap_err().to_string();
        assert!(reason.contains("SpaceName"), "{reason}");
    }

    #[test]
    fn a_display_name_over_64_characters_is_refused() {
        let mut value = private_space();
        value["SpaceDisplayName"] = json!("x".repeat(65));
        let reason = properties(&value).unwrap_err().to_string();
        assert!(reason.contains("SpaceDisplayName"), "{reason}");
    }

    #[test]
    fn delete_space_data_defaults_to_false_and_takes_cloudformation_strings() {
        assert!(!properties(&private_space()).unwrap().delete_space_data);
        let mut value = private_space();
        value["DeleteSpaceData"] = json!("true");
        assert!(properties(&value).unwrap().delete_space_data);
    }

    #[test]
    fn owner_sharing_type_and_app_type_are_fixed_once_the_space_exists() {
        let old = properties(&private_space()).unwrap();
        let mut new = old.clone();
        new.ownership_settings = Some(OwnershipSettingsProperty {
            owner_user_profile_name: "bob".into(),
        });
        assert_eq!(
            new.fixed_property_changed(&old),
            Some("OwnershipSettings.OwnerUserProfileName")
        );
        let mut new = old.clone();
        new.space_settings.as_mut().unwrap().app_type = Some("CodeEditor".into());
        assert_eq!(
            new.fixed_property_changed(&old),
            Some("SpaceSettings.AppType")
        );
        let mut new = old.clone();
        new.space_display_name = Some("Lab".into());
        assert_eq!(new.fixed_property_changed(&old), None);
        assert!(new.settings_differ(&old));
    }
}
