//! The properties of `Custom::StudioUserProfile`, and the checks made on them before any API
//! call.

use aws_sdk_sagemaker::types::UserSettings;
use cfn_custom_resource::{ResourceError, Tag};
use serde::{Deserialize, Deserializer, Serialize};
use studio_sagemaker::STUDIO_USER_ID_TAG;
use studio_sagemaker::identifiers::{NAME_RULE, is_domain_id, is_role_arn, is_studio_name};
use studio_sagemaker::tagging::{check_tag_value, check_tags};
use studio_sagemaker::user_settings::UserSettingsProperty;

/// `Custom::StudioUserProfile`'s properties, as a template writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UserProfileProperties {
    /// The Studio domain, `d-…`.
    pub domain_id: String,
    /// The profile's name (SageMaker's [`NAME_RULE`]).
    pub user_profile_name: String,
    /// The identity the profile belongs to: the value of its `studiouserid` tag. Default: the
    /// profile's name.
    #[serde(
        default,
        deserialize_with = "optional_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub studio_user_id: Option<String>,
    /// The profile's execution role. Default: the domain's.
    #[serde(
        default,
        deserialize_with = "optional_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub execution_role_arn: Option<String>,
    /// `UserSettings` in the API's shape, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_settings: Option<UserSettingsProperty>,
    /// `UserName` (SSO domains only).
    #[serde(
        default,
        deserialize_with = "optional_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub single_sign_on_user_identifier: Option<String>,
    /// The user's IAM Identity Center user name (SSO domains only).
    #[serde(
        default,
        deserialize_with = "optional_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub single_sign_on_user_value: Option<String>,
    /// More tags for the profile.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// `"true"` lets a delete remove the shared spaces the profile owns (and their apps), which
    /// SageMaker requires before it deletes the profile. Others may be working in them, so by
    /// default a delete with such spaces fails at once, naming them.
    #[serde(
        default,
        deserialize_with = "cfn_custom_resource::properties::boolean",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub delete_shared_spaces: bool,
    /// `"true"` lets a delete remove the JupyterLab/Code Editor spaces the profile owns, whose
    /// work is on an EBS volume that goes with each space; by default such a delete fails at
    /// once, naming them (`studio_sagemaker::spaces`).
    #[serde(
        default,
        deserialize_with = "cfn_custom_resource::properties::boolean",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub delete_space_data: bool,
}

/// A string property where an empty string (what a template's empty parameter becomes) means
/// "not given".
fn optional_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(deserializer)?;
    let trimmed = text.trim();
    Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
}

impl UserProfileProperties {
    /// Checks every property the API would check, and more, so that nothing is created from
    /// properties SageMaker or IAM would refuse.
    pub fn validate(&self) -> Result<(), ResourceError> {
        check_domain_id(&self.domain_id)?;
        check_user_profile_name(&self.user_profile_name)?;
        if let Some(id) = &self.studio_user_id {
            check_tag_value("StudioUserId", id)?;
        }
        if let Some(role) = &self.execution_role_arn {
            check_role_arn("ExecutionRoleArn", role)?;
        }
        let settings_role = self
            .user_settings
            .as_ref()
            .and_then(|settings| settings.execution_role.as_deref());
        if let Some(role) = settings_role {
            check_role_arn("UserSettings.ExecutionRole", role)?;
        }
        if let (Some(role), Some(settings_role)) = (&self.execution_role_arn, settings_role)
            && role != settings_role
        {
            return Err(ResourceError::invalid_property(
                "ExecutionRoleArn",
                format!(
                    "differs from UserSettings.ExecutionRole (\"{role}\" and \"{settings_role}\"); give the role once, in ExecutionRoleArn"
                ),
            ));
        }
        match (
            &self.single_sign_on_user_identifier,
            &self.single_sign_on_user_value,
        ) {
            (Some(_), None) => {
                return Err(ResourceError::invalid_property(
                    "SingleSignOnUserValue",
                    "is required with SingleSignOnUserIdentifier",
                ));
            }
            (None, Some(_)) => {
                return Err(ResourceError::invalid_property(
                    "SingleSignOnUserIdentifier",
                    "is required with SingleSignOnUserValue (it is \"UserName\")",
                ));
            }
            _ => {}
        }
        // IAM compares tag keys in conditions without regard to case.
        check_tags(
            &self.tags,
            &[(
                STUDIO_USER_ID_TAG,
                "is set from StudioUserId; give the identity there",
            )],
        )?;
        self.user_settings()?;
        Ok(())
    }

    /// The `studiouserid` tag's value.
    pub fn studio_user_id(&self) -> &str {
        self.studio_user_id
            .as_deref()
            .unwrap_or(&self.user_profile_name)
    }

    /// The execution role asked for, from `ExecutionRoleArn` or `UserSettings.ExecutionRole`;
    /// `None` means the domain's.
    pub fn execution_role(&self) -> Option<&str> {
        self.execution_role_arn.as_deref().or_else(|| {
            self.user_settings
                .as_ref()
                .and_then(|settings| settings.execution_role.as_deref())
        })
    }

    /// `UserSettings` for the API, with the execution role in it; `None` when there is nothing
    /// to set.
    pub fn user_settings(&self) -> Result<Option<UserSettings>, ResourceError> {
        self.user_settings_with_role(self.execution_role())
    }

    /// `UserSettings` for the API with `role` as the execution role.
    pub fn user_settings_with_role(
        &self,
        role: Option<&str>,
    ) -> Result<Option<UserSettings>, ResourceError> {
        let mut settings = self.effective_settings();
        settings.execution_role = role.map(str::to_owned);
        if settings == UserSettingsProperty::default() {
            return Ok(None);
        }
        settings.to_sdk("UserSettings").map(Some)
    }

    /// `UserSettings` for UpdateUserProfile from `old` to these properties, with `role` as the
    /// execution role: what `old` had and these lack is reset (lists and structures sent empty,
    /// `AutoMountHomeEFS` as `DefaultAsDomain`; a value with no documented default refused),
    /// since UpdateUserProfile keeps a member it is not given.
    pub fn user_settings_for_update(
        &self,
        old: &Self,
        role: Option<&str>,
    ) -> Result<Option<UserSettings>, ResourceError> {
        let mut settings = self
            .effective_settings()
            .resetting_removed(&old.effective_settings(), "UserSettings")?;
        settings.execution_role = role.map(str::to_owned);
        if settings == UserSettingsProperty::default() {
            return Ok(None);
        }
        settings.to_sdk("UserSettings").map(Some)
    }

    /// Whether UpdateUserProfile must run to go from `old` to these properties.
    pub fn settings_differ(&self, old: &Self) -> bool {
        self.effective_settings() != old.effective_settings()
    }

    /// `UserSettings` as given, with the execution role from either place.
    fn effective_settings(&self) -> UserSettingsProperty {
        let mut settings = self.user_settings.clone().unwrap_or_default();
        settings.execution_role = self.execution_role().map(str::to_owned);
        settings
    }

    /// The single sign-on identity, which SageMaker cannot change on an existing profile.
    pub fn single_sign_on(&self) -> (Option<&str>, Option<&str>) {
        (
            self.single_sign_on_user_identifier.as_deref(),
            self.single_sign_on_user_value.as_deref(),
        )
    }
}

fn check_domain_id(id: &str) -> Result<(), ResourceError> {
    if is_domain_id(id) {
        Ok(())
    } else {
        Err(ResourceError::invalid_property(
            "DomainId",
            format!("must be a Studio domain id like d-xxxxxxxxxxxx, got \"{id}\""),
        ))
    }
}

fn check_user_profile_name(name: &str) -> Result<(), ResourceError> {
    if is_studio_name(name) {
        Ok(())
    } else {
        Err(ResourceError::invalid_property(
            "UserProfileName",
            format!(
                "must match {NAME_RULE} (letters, digits and hyphens, 1 to 63 characters, starting and ending with a letter or digit), got \"{name}\""
            ),
        ))
    }
}

/// IAM's rule for a role ARN: `arn:<partition>:iam::<account>:role/<path and name>`.
fn check_role_arn(property: &str, arn: &str) -> Result<(), ResourceError> {
    if is_role_arn(arn) {
        Ok(())
    } else {
        Err(ResourceError::invalid_property(
            property,
            format!(
                "must be an IAM role ARN like arn:aws:iam::123456789012:role/name, got \"{arn}\""
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfn_custom_resource::properties::parse;
    use serde_json::json;

    fn properties(extra: &serde_json::Value) -> UserProfileProperties {
        let mut value = json!({"DomainId": "d-abcdef123456", "UserProfileName": "alice"});
        if let (Some(map), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
            map.extend(extra.clone());
        }
        parse(&value).unwrap()
    }

    #[test]
    fn an_invalid_user_profile_name_is_refused_naming_the_rule() {
        let error = properties(&json!({"UserProfileName": "alice_smith"}))
            .validate()
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Invalid property UserProfileName: must match [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62} (letters, digits and hyphens, 1 to 63 characters, starting and ending with a letter or digit), got \"alice_smith\""
        );
    }

    #[test]
    fn the_studio_user_id_defaults_to_the_profile_name() {
        assert_eq!(properties(&json!({})).studio_user_id(), "alice");
        assert_eq!(
            properties(&json!({"StudioUserId": "alice@example.com"})).studio_user_id(),
            "alice@example.com"
        );
    }

    #[test]
    fn empty_optional_strings_mean_not_given() {
        let parsed = properties(&json!({"ExecutionRoleArn": "", "StudioUserId": " "}));
        assert_eq!(parsed.execution_role_arn, None);
        assert_eq!(parsed.studio_user_id(), "alice");
    }

    #[test]
    fn the_execution_role_goes_into_the_user_settings() {
        let parsed = properties(&json!({
            "ExecutionRoleArn": "arn:aws:iam::123456789012:role/studio-alice",
            "UserSettings": {"StudioWebPortal": "ENABLED"}
        }));
        parsed.validate().unwrap();
        let settings = parsed.user_settings().unwrap().unwrap();
        assert_eq!(
            settings.execution_role(),
            Some("arn:aws:iam::123456789012:role/studio-alice")
        );
        assert!(settings.studio_web_portal().is_some());
        assert_eq!(properties(&json!({})).user_settings().unwrap(), None);
    }

    #[test]
    fn two_different_execution_roles_are_refused() {
        let error = properties(&json!({
            "ExecutionRoleArn": "arn:aws:iam::123456789012:role/a",
            "UserSettings": {"ExecutionRole": "arn:aws:iam::123456789012:role/b"}
        }))
        .validate()
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("Invalid property ExecutionRoleArn: differs"),
            "{error}"
        );
    }

    #[test]
    fn an_execution_role_that_is_not_a_role_arn_is_refused() {
        let error = properties(&json!({"ExecutionRoleArn": "studio-alice"}))
            .validate()
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("Invalid property ExecutionRoleArn: must be an IAM role ARN"),
            "{error}"
        );
    }

    #[test]
    fn the_studio_user_id_tag_cannot_be_set_through_tags() {
        let error = properties(&json!({"Tags": [{"Key": "StudioUserId", "Value": "mallory"}]}))
            .validate()
            .unwrap_err();
        assert!(
            error.to_string().starts_with(
                "Invalid property Tags[0].Key: \"StudioUserId\" is set from StudioUserId"
            ),
            "{error}"
        );
    }

    #[test]
    fn template_tags_are_checked_by_the_shared_tag_rule() {
        let error = properties(&json!({"Tags": [{"Key": "team", "Value": "a#b"}]}))
            .validate()
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("Invalid property Tags[0].Value: must be a tag value"),
            "{error}"
        );
    }

    #[test]
    fn single_sign_on_properties_come_together() {
        let error = properties(&json!({"SingleSignOnUserValue": "alice"}))
            .validate()
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("Invalid property SingleSignOnUserIdentifier: is required"),
            "{error}"
        );
        properties(
            &json!({"SingleSignOnUserIdentifier": "UserName", "SingleSignOnUserValue": "alice"}),
        )
        .validate()
        .unwrap();
    }

    #[test]
    fn a_malformed_domain_id_is_refused() {
        let error = properties(&json!({"DomainId": "my-domain"}))
            .validate()
            .unwrap_err();
        assert!(
            error.to_string().starts_with("Invalid property DomainId"),
            "{error}"
        );
    }

    #[test]
    fn settings_differ_when_the_role_or_the_settings_change() {
        let base = properties(&json!({"ExecutionRoleArn": "arn:aws:iam::123456789012:role/a"}));
        let same_role_in_settings = properties(&json!({
            "UserSettings": {"ExecutionRole": "arn:aws:iam::123456789012:role/a"}
        }));
        assert!(!base.settings_differ(&base.clone()));
        assert!(!base.settings_differ(&same_role_in_settings));
        assert!(base.settings_differ(&properties(&json!({}))));
        let tagged = properties(&json!({
            "ExecutionRoleArn": "arn:aws:iam::123456789012:role/a",
            "Tags": [{"Key": "team", "Value": "x"}]
        }));
        assert!(!tagged.settings_differ(&base));
    }

    #[test]
    fn an_update_resets_what_the_old_settings_had_and_the_new_lack() {
        let old = properties(&json!({"UserSettings": {
            "AutoMountHomeEFS": "Disabled",
            "StudioWebPortalSettings": {"HiddenAppTypes": ["JupyterServer"]},
            "StudioWebPortal": "ENABLED"
        }}));
        let new = properties(&json!({"UserSettings": {"StudioWebPortal": "ENABLED"}}));
        let settings = new.user_settings_for_update(&old, None).unwrap().unwrap();
        assert_eq!(
            settings.auto_mount_home_efs(),
            Some(&aws_sdk_sagemaker::types::AutoMountHomeEfs::DefaultAsDomain),
            "a profile's AutoMountHomeEFS goes back to the domain's"
        );
        assert!(
            settings
                .studio_web_portal_settings()
                .is_some_and(|portal| portal.hidden_app_types().is_empty()),
            "a removed structure is sent empty"
        );
        let error = properties(&json!({}))
            .user_settings_for_update(&old, None)
            .unwrap_err();
        assert!(
            error.to_string().starts_with(
                "Invalid property UserSettings.StudioWebPortal: cannot be taken away once set"
            ),
            "{error}"
        );
    }
}
