//! `Custom::StudioDomain`'s properties, named as in the SageMaker API.

use cfn_custom_resource::properties::{boolean, optional_string_list, string_list};
use cfn_custom_resource::{ResourceError, Tag};
use serde::{Deserialize, Serialize};
use studio_sagemaker::default_space_settings::DefaultSpaceSettingsProperty;
use studio_sagemaker::identifiers::{NAME_RULE, is_role_arn, is_studio_name};
use studio_sagemaker::ownership::RESERVED_KEYS;
use studio_sagemaker::tagging::{MAX_TAGS, check_tags};
use studio_sagemaker::user_settings::UserSettingsProperty;

use crate::domain_settings::DomainSettingsProperty;
use crate::identity_center_groups::SSO_GROUP_TAG_PREFIX;

/// `AppSecurityGroupManagement` (CreateDomain, UpdateDomain).
pub const APP_SECURITY_GROUP_MANAGEMENT: [&str; 2] = ["Service", "Customer"];
/// `HomeEfsFileSystemCreation` (CreateDomain, UpdateDomain).
pub const HOME_EFS_FILE_SYSTEM_CREATION: [&str; 2] = ["Enabled", "Disabled"];
/// The longest group `DisplayName` (Identity Store API Reference, Group: "The length limit is
/// 1,024 characters").
pub const MAX_GROUP_DISPLAY_NAME: usize = 1024;

/// What happens to the users' home EFS when the domain is deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum HomeEfsRetention {
    /// Keep it (the default: users' work is never thrown away unless the template says so).
    #[default]
    Retain,
    /// Delete it with the domain.
    Delete,
}

/// How users sign in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthMode {
    /// IAM users and roles (the default).
    #[default]
    #[serde(rename = "IAM")]
    Iam,
    /// IAM Identity Center.
    #[serde(rename = "SSO")]
    Sso,
}

impl AuthMode {
    /// As the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Iam => "IAM",
            Self::Sso => "SSO",
        }
    }
}

/// Network access for the domain's apps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppNetworkAccessType {
    /// Through SageMaker's internet access.
    PublicInternetOnly,
    /// Only through the VPC.
    VpcOnly,
}

impl AppNetworkAccessType {
    /// As the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PublicInternetOnly => "PublicInternetOnly",
            Self::VpcOnly => "VpcOnly",
        }
    }
}

/// Whether the domain's custom tags reach what Studio creates in it (`TagPropagation`:
/// "Indicates whether custom tag propagation is supported for the domain. Defaults to
/// DISABLED", SageMaker API Reference, CreateDomain / UpdateDomain; the developer guide's
/// "Custom tag propagation": tags of the domain, profile or space are added to the apps and
/// other resources Studio creates from them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TagPropagation {
    /// Tags propagate.
    #[serde(rename = "ENABLED")]
    Enabled,
    /// They do not (SageMaker's default).
    #[default]
    #[serde(rename = "DISABLED")]
    Disabled,
}

impl TagPropagation {
    /// As the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "ENABLED",
            Self::Disabled => "DISABLED",
        }
    }
}

/// The properties of `Custom::StudioDomain`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DomainProperties {
    /// The domain's name (a change replaces the domain).
    pub domain_name: String,
    /// The VPC (a change replaces the domain).
    pub vpc_id: String,
    /// The subnets (updated in place).
    #[serde(deserialize_with = "string_list")]
    pub subnet_ids: Vec<String>,
    /// The default execution role for users and spaces.
    pub default_execution_role_arn: String,
    /// `IAM` or `SSO` (a change replaces the domain).
    #[serde(default)]
    pub auth_mode: AuthMode,
    /// `PublicInternetOnly` or `VpcOnly` (updated in place).
    #[serde(default)]
    pub app_network_access_type: Option<AppNetworkAccessType>,
    /// KMS key for the home EFS (a change replaces the domain).
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// Security groups for the domain's traffic (updated in place).
    #[serde(default, deserialize_with = "optional_string_list")]
    pub security_group_ids: Option<Vec<String>>,
    /// Default user settings, in the API's shape (updated in place).
    #[serde(default)]
    pub default_user_settings: Option<UserSettingsProperty>,
    /// Defaults of the shared spaces users create, in the API's shape (updated in place).
    #[serde(default)]
    pub default_space_settings: Option<DefaultSpaceSettingsProperty>,
    /// `DockerSettings`, `ExecutionRoleIdentityConfig`, `IpAddressType` (updated in place).
    #[serde(default)]
    pub domain_settings: Option<DomainSettingsProperty>,
    /// `Service` or `Customer` (updated in place).
    #[serde(default)]
    pub app_security_group_management: Option<String>,
    /// `Enabled` or `Disabled`: whether the home EFS is made (updated in place, never from
    /// `Enabled` to `Disabled`).
    #[serde(default)]
    pub home_efs_file_system_creation: Option<String>,
    /// Tags (updated in place).
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// `ENABLED` or `DISABLED` (SageMaker's default when left out); updated in place.
    #[serde(default)]
    pub tag_propagation: Option<TagPropagation>,
    /// `Retain` (default) or `Delete`: the users' home EFS when the domain is deleted.
    #[serde(default)]
    pub home_efs_retention: HomeEfsRetention,
    /// `"true"` lets a delete remove the domain's user profiles; otherwise a delete with
    /// profiles left fails and names them.
    #[serde(default, deserialize_with = "boolean")]
    pub delete_user_profiles: bool,
    /// `"true"` lets a delete remove the domain's JupyterLab/Code Editor spaces, whose work is
    /// on an EBS volume that goes with each space; by default such a delete fails at once,
    /// naming them (`studio_sagemaker::spaces`).
    #[serde(default, deserialize_with = "boolean")]
    pub delete_space_data: bool,
    /// IAM Identity Center groups, by display name, assigned to an `SSO` domain's application so
    /// that their members see Studio in the access portal (updated in place; empty = none).
    #[serde(default, deserialize_with = "string_list")]
    pub identity_center_groups: Vec<String>,
}

fn has_prefix_and_id(value: &str, prefix: &str) -> bool {
    value
        .strip_prefix(prefix)
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|byte| byte.is_ascii_alphanumeric()))
}

impl DomainProperties {
    /// Checks what serde cannot: the API's patterns and limits. Nothing is called before this.
    pub fn validate(&self) -> Result<(), ResourceError> {
        if !is_studio_name(&self.domain_name) {
            return Err(ResourceError::invalid_property(
                "DomainName",
                format!(
                    "must match {NAME_RULE} (letters, digits and inner hyphens, at most 63 characters), got \"{}\"",
                    self.domain_name
                ),
            ));
        }
        if !has_prefix_and_id(&self.vpc_id, "vpc-") {
            return Err(ResourceError::invalid_property(
                "VpcId",
                format!(
                    "expected a VPC id like vpc-0abc1234, got \"{}\"",
                    self.vpc_id
                ),
            ));
        }
        if self.subnet_ids.is_empty() || self.subnet_ids.len() > 16 {
            return Err(ResourceError::invalid_property(
                "SubnetIds",
                format!("expected 1 to 16 subnet ids, got {}", self.subnet_ids.len()),
            ));
        }
        if let Some(bad) = self
            .subnet_ids
            .iter()
            .find(|id| !has_prefix_and_id(id, "subnet-"))
        {
            return Err(ResourceError::invalid_property(
                "SubnetIds",
                format!("expected subnet ids like subnet-0abc1234, got \"{bad}\""),
            ));
        }
        if let Some(groups) = &self.security_group_ids {
            if groups.len() > 3 {
                return Err(ResourceError::invalid_property(
                    "SecurityGroupIds",
                    format!(
                        "expected at most 3 security group ids, got {}",
                        groups.len()
                    ),
                ));
            }
            if let Some(bad) = groups.iter().find(|id| !has_prefix_and_id(id, "sg-")) {
                return Err(ResourceError::invalid_property(
                    "SecurityGroupIds",
                    format!("expected security group ids like sg-0abc1234, got \"{bad}\""),
                ));
            }
        }
        if !is_role_arn(&self.default_execution_role_arn) {
            return Err(ResourceError::invalid_property(
                "DefaultExecutionRoleArn",
                format!(
                    "expected an IAM role ARN like arn:aws:iam::123456789012:role/name, got \"{}\"",
                    self.default_execution_role_arn
                ),
            ));
        }
        if let Some(settings) = &self.default_user_settings
            && settings
                .execution_role
                .as_deref()
                .is_some_and(|role| role != self.default_execution_role_arn)
        {
            return Err(ResourceError::invalid_property(
                "DefaultUserSettings.ExecutionRole",
                "must be left out or equal DefaultExecutionRoleArn (set the role in one place)",
            ));
        }
        if let Some(settings) = &self.default_user_settings {
            check_idle_bounds(settings)?;
            settings.to_sdk("DefaultUserSettings")?;
        }
        if let Some(settings) = &self.default_space_settings {
            settings.to_sdk("DefaultSpaceSettings")?;
        }
        if let Some(settings) = &self.domain_settings {
            settings.validate()?;
        }
        for (name, value, allowed) in [
            (
                "AppSecurityGroupManagement",
                &self.app_security_group_management,
                APP_SECURITY_GROUP_MANAGEMENT,
            ),
            (
                "HomeEfsFileSystemCreation",
                &self.home_efs_file_system_creation,
                HOME_EFS_FILE_SYSTEM_CREATION,
            ),
        ] {
            if let Some(value) = value
                && !allowed.contains(&value.as_str())
            {
                return Err(ResourceError::invalid_property(
                    name,
                    format!("expected one of {}, got \"{value}\"", allowed.join(", ")),
                ));
            }
        }
        check_tags(&self.tags, &[])?;
        // The domain's record of the groups it assigned: a template's tag of that form would
        // make a delete remove an assignment the domain never made.
        if let Some((index, tag)) = self.tags.iter().enumerate().find(|(_, tag)| {
            tag.key
                .to_ascii_lowercase()
                .starts_with(SSO_GROUP_TAG_PREFIX)
        }) {
            return Err(ResourceError::invalid_property(
                format!("Tags[{index}].Key"),
                format!(
                    "\"{}\": the prefix {SSO_GROUP_TAG_PREFIX} is reserved for the IAM Identity Center groups the domain assigns (IdentityCenterGroups)",
                    tag.key
                ),
            ));
        }
        self.check_identity_center_groups()?;
        Ok(())
    }

    /// `IdentityCenterGroups`: only on an `SSO` domain (an `IAM` domain has no IAM Identity
    /// Center application: DescribeDomain `SingleSignOnApplicationArn`, "The ARN of the
    /// application managed by SageMaker AI in IAM Identity Center"); each a group `DisplayName`
    /// (Identity Store API Reference, Group: 1 to 1,024 characters of letters, accented
    /// characters, symbols, numbers, punctuation, tab, new line, carriage return, space and
    /// nonbreaking space — checked here as no other control character), none twice; and room
    /// for the tag each group this domain assigns gets ([`crate::identity_center_groups`]):
    /// SageMaker allows [`MAX_TAGS`] tags on a domain, and the suite's ownership tags and the
    /// template's take their share.
    fn check_identity_center_groups(&self) -> Result<(), ResourceError> {
        const PROPERTY: &str = "IdentityCenterGroups";
        let groups = &self.identity_center_groups;
        if groups.is_empty() {
            return Ok(());
        }
        if self.auth_mode != AuthMode::Sso {
            return Err(ResourceError::invalid_property(
                PROPERTY,
                format!(
                    "expected only with AuthMode SSO (an {} domain has no IAM Identity Center application to assign groups to), got {} group(s)",
                    self.auth_mode.as_str(),
                    groups.len()
                ),
            ));
        }
        for (index, group) in groups.iter().enumerate() {
            let length = group.chars().count();
            if length == 0
                || length > MAX_GROUP_DISPLAY_NAME
                || group
                    .chars()
                    .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            {
                return Err(ResourceError::invalid_property(
                    format!("{PROPERTY}[{index}]"),
                    format!(
                        "expected the display name of an IAM Identity Center group (1 to {MAX_GROUP_DISPLAY_NAME} characters, no control characters but tab, new line and carriage return), got \"{group}\""
                    ),
                ));
            }
            if groups[..index].contains(group) {
                return Err(ResourceError::invalid_property(
                    format!("{PROPERTY}[{index}]"),
                    format!("\"{group}\" is given twice"),
                ));
            }
        }
        let room = MAX_TAGS.saturating_sub(RESERVED_KEYS.len() + self.tags.len());
        if groups.len() > room {
            return Err(ResourceError::invalid_property(
                PROPERTY,
                format!(
                    "expected at most {room} groups, got {}: the domain records each group it assigns in a tag, and SageMaker allows {MAX_TAGS} tags on a domain, of which the suite's ownership tags take {} and Tags {}",
                    groups.len(),
                    RESERVED_KEYS.len(),
                    self.tags.len()
                ),
            ));
        }
        Ok(())
    }

    /// The properties whose change needs a new domain, by name, if any changed.
    pub fn replacement_reason(&self, old: &Self) -> Option<&'static str> {
        if self.domain_name != old.domain_name {
            Some("DomainName")
        } else if self.vpc_id != old.vpc_id {
            Some("VpcId")
        } else if self.auth_mode != old.auth_mode {
            Some("AuthMode")
        } else if self.kms_key_id != old.kms_key_id {
            Some("KmsKeyId")
        } else {
            None
        }
    }
}

/// Refuses a default idle timeout outside the bounds the same settings give users
/// (`MinIdleTimeoutInMinutes` <= `IdleTimeoutInMinutes` <= `MaxIdleTimeoutInMinutes`), and a
/// minimum above the maximum: Min and Max are "the minimum/maximum value in minutes that custom
/// idle shutdown can be set to by the user" (SageMaker API Reference, IdleSettings), so a
/// default outside them is one no user could choose. Not confirmed that SageMaker itself refuses
/// it; the domain product's launch form cannot compare numbers, so the function does.
fn check_idle_bounds(settings: &UserSettingsProperty) -> Result<(), ResourceError> {
    let apps = [
        ("JupyterLabAppSettings", &settings.jupyter_lab_app_settings),
        ("CodeEditorAppSettings", &settings.code_editor_app_settings),
    ];
    for (app, app_settings) in apps {
        let Some(idle) = app_settings
            .as_ref()
            .and_then(|app| app.app_lifecycle_management.as_ref())
            .and_then(|management| management.idle_settings.as_ref())
        else {
            continue;
        };
        let path = format!("DefaultUserSettings.{app}.AppLifecycleManagement.IdleSettings");
        if let (Some(min), Some(max)) = (
            idle.min_idle_timeout_in_minutes,
            idle.max_idle_timeout_in_minutes,
        ) && min > max
        {
            return Err(ResourceError::invalid_property(
                format!("{path}.MinIdleTimeoutInMinutes"),
                format!("{min} is above MaxIdleTimeoutInMinutes {max}"),
            ));
        }
        if let Some(timeout) = idle.idle_timeout_in_minutes {
            if let Some(min) = idle.min_idle_timeout_in_minutes
                && timeout < min
            {
                return Err(ResourceError::invalid_property(
                    format!("{path}.IdleTimeoutInMinutes"),
                    format!("{timeout} is below MinIdleTimeoutInMinutes {min}"),
                ));
            }
            if let Some(max) = idle.max_idle_timeout_in_minutes
                && timeout > max
            {
                return Err(ResourceError::invalid_property(
                    format!("{path}.IdleTimeoutInMinutes"),
                    format!("{timeout} is above MaxIdleTimeoutInMinutes {max}"),
                ));
            }
        }
    }
    Ok(())
}

/// Whether `id` has the shape of a domain id SageMaker creates (`d-` and 12 lowercase letters
/// or digits): what a physical id of this resource looks like. Input is checked with the wider
/// API pattern, [`studio_sagemaker::identifiers::is_domain_id`].
pub fn is_created_domain_id(id: &str) -> bool {
    id.strip_prefix("d-").is_some_and(|rest| {
        rest.len() == 12
            && rest
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfn_custom_resource::properties::parse;
    use serde_json::{Value, json};

    fn valid() -> Value {
        json!({
            "DomainName": "team-a",
            "VpcId": "vpc-0abc1234",
            "SubnetIds": ["subnet-0abc1234"],
            "DefaultExecutionRoleArn": "arn:aws:iam::123456789012:role/studio-default",
        })
    }

    fn with(key: &str, value: Value) -> Value {
        let mut properties = valid();
        properties[key] = value;
        properties
    }

    fn reason(properties: &Value) -> String {
        match parse::<DomainProperties>(properties).and_then(|p| p.validate().map(|()| p)) {
            Ok(_) => String::new(),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn defaults_keep_home_directories_and_profiles() {
        let properties: DomainProperties = parse(&valid()).unwrap();
        properties.validate().unwrap();
        assert_eq!(properties.home_efs_retention, HomeEfsRetention::Retain);
        assert!(!properties.delete_user_profiles);
        assert_eq!(properties.auth_mode, AuthMode::Iam);
    }

    #[test]
    fn a_domain_name_outside_the_rule_is_refused_naming_it() {
        assert!(
            reason(&with("DomainName", json!("-bad")))
                .starts_with("Invalid property DomainName: must match")
        );
        assert!(
            reason(&with("DomainName", json!("a".repeat(64))))
                .starts_with("Invalid property DomainName")
        );
        assert_eq!(reason(&with("DomainName", json!("a-b--c"))), "");
    }

    #[test]
    fn malformed_network_properties_are_refused_naming_them() {
        assert!(reason(&with("VpcId", json!("vpc"))).starts_with("Invalid property VpcId"));
        assert!(
            reason(&with("SubnetIds", json!([])))
                .starts_with("Invalid property SubnetIds: expected 1 to 16")
        );
        assert!(reason(&with("SubnetIds", json!(["sub-1"]))).contains("subnet ids like"));
        assert!(
            reason(&with("SecurityGroupIds", json!(["sg-1", "x"])))
                .starts_with("Invalid property SecurityGroupIds")
        );
        assert!(reason(&with("AuthMode", json!("LDAP"))).starts_with("Invalid property AuthMode"));
        assert!(
            reason(&with("TagPropagation", json!("Enabled")))
                .starts_with("Invalid property TagPropagation")
        );
        assert!(
            reason(&with("HomeEfsRetention", json!("Keep")))
                .starts_with("Invalid property HomeEfsRetention")
        );
        assert!(
            reason(&with("DeleteUserProfiles", json!("maybe")))
                .starts_with("Invalid property DeleteUserProfiles")
        );
    }

    fn idle(timeout: u32, min: u32, max: u32) -> Value {
        json!({"CodeEditorAppSettings": {"AppLifecycleManagement": {"IdleSettings": {
            "LifecycleManagement": "ENABLED",
            "IdleTimeoutInMinutes": timeout.to_string(),
            "MinIdleTimeoutInMinutes": min.to_string(),
            "MaxIdleTimeoutInMinutes": max.to_string(),
        }}}})
    }

    #[test]
    fn a_default_idle_timeout_outside_the_users_bounds_is_refused_naming_it() {
        assert_eq!(reason(&with("DefaultUserSettings", idle(120, 60, 480))), "");
        assert_eq!(
            reason(&with("DefaultUserSettings", idle(600, 60, 480))),
            "Invalid property DefaultUserSettings.CodeEditorAppSettings.AppLifecycleManagement.IdleSettings.IdleTimeoutInMinutes: 600 is above MaxIdleTimeoutInMinutes 480"
        );
        assert!(
            reason(&with("DefaultUserSettings", idle(90, 120, 480)))
                .ends_with("IdleTimeoutInMinutes: 90 is below MinIdleTimeoutInMinutes 120")
        );
        assert!(
            reason(&with("DefaultUserSettings", idle(120, 480, 120)))
                .ends_with("MinIdleTimeoutInMinutes: 480 is above MaxIdleTimeoutInMinutes 120")
        );
    }

    #[test]
    fn an_execution_role_that_is_not_a_role_arn_is_refused() {
        assert!(
            reason(&with("DefaultExecutionRoleArn", json!("studio-role")))
                .starts_with("Invalid property DefaultExecutionRoleArn")
        );
        assert!(
            reason(&with(
                "DefaultExecutionRoleArn",
                json!("arn:aws:iam::123456789012:user/bob")
            ))
            .starts_with("Invalid property DefaultExecutionRoleArn")
        );
    }

    #[test]
    fn reserved_tag_keys_are_refused() {
        let tags = json!([{"Key": "studio-catalog:stack-id", "Value": "x"}]);
        assert!(
            reason(&with("Tags", tags)).starts_with(
                "Invalid property Tags[0].Key: \"studio-catalog:stack-id\" is reserved"
            )
        );
    }

    #[test]
    fn identity_center_groups_are_checked_before_any_call_naming_the_property() {
        let sso = |groups: Value| {
            let mut properties = with("AuthMode", json!("SSO"));
            properties["IdentityCenterGroups"] = groups;
            properties
        };
        assert_eq!(reason(&sso(json!(["data-science", "Data Science"]))), "");
        assert_eq!(reason(&sso(json!([]))), "");
        let parsed: DomainProperties = parse(&sso(json!("a, b"))).unwrap();
        assert_eq!(
            parsed.identity_center_groups,
            ["a", "b"],
            "a joined list is split"
        );
        assert_eq!(
            reason(&sso(json!(["a", ""]))),
            "Invalid property IdentityCenterGroups[1]: expected the display name of an IAM Identity Center group (1 to 1024 characters, no control characters but tab, new line and carriage return), got \"\""
        );
        assert!(
            reason(&sso(json!(["a\u{0}b"])))
                .starts_with("Invalid property IdentityCenterGroups[0]")
        );
        assert!(
            reason(&sso(json!(["x".repeat(1025)])))
                .starts_with("Invalid property IdentityCenterGroups[0]")
        );
        assert_eq!(
            reason(&sso(json!(["a", "b", "a"]))),
            "Invalid property IdentityCenterGroups[2]: \"a\" is given twice"
        );
        let many: Vec<String> = (0..47).map(|n| format!("group-{n}")).collect();
        assert!(reason(&sso(json!(many))).starts_with(
            "Invalid property IdentityCenterGroups: expected at most 46 groups, got 47"
        ));
        assert!(
            reason(&with("IdentityCenterGroups", json!(["a"]))).starts_with(
                "Invalid property IdentityCenterGroups: expected only with AuthMode SSO"
            )
        );
        let tags = json!([{"Key": "Studio-Catalog:SSO-Group:1234", "Value": "created"}]);
        assert!(
            reason(&with("Tags", tags))
                .starts_with("Invalid property Tags[0].Key: \"Studio-Catalog:SSO-Group:1234\": the prefix studio-catalog:sso-group: is reserved")
        );
    }

    #[test]
    fn identity_changes_replace_and_settings_changes_do_not() {
        let old: DomainProperties = parse(&valid()).unwrap();
        let renamed: DomainProperties = parse(&with("DomainName", json!("team-b"))).unwrap();
        let resubnetted: DomainProperties =
            parse(&with("SubnetIds", json!(["subnet-1", "subnet-2"]))).unwrap();
        let retagged: DomainProperties =
            parse(&with("Tags", json!([{"Key": "team", "Value": "a"}]))).unwrap();
        let propagating: DomainProperties =
            parse(&with("TagPropagation", json!("ENABLED"))).unwrap();
        assert_eq!(propagating.tag_propagation, Some(TagPropagation::Enabled));
        assert_eq!(propagating.replacement_reason(&old), None);
        assert_eq!(renamed.replacement_reason(&old), Some("DomainName"));
        assert_eq!(resubnetted.replacement_reason(&old), None);
        assert_eq!(retagged.replacement_reason(&old), None);
    }

    #[test]
    fn only_domain_ids_are_recognised_as_domain_ids() {
        assert!(is_created_domain_id("d-abcdef012345"));
        assert!(!is_created_domain_id("d-ABCDEF012345"));
        assert!(!is_created_domain_id("2026/11/23/[$LATEST]abc"));
        assert!(!is_created_domain_id("d-short"));
    }
}
