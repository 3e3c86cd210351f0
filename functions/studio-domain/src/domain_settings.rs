//! `Custom::StudioDomain`'s `DomainSettings`: the members of the API's `DomainSettings` that
//! CreateDomain takes and UpdateDomain's `DomainSettingsForUpdate` changes in place
//! (`DockerSettings`, `ExecutionRoleIdentityConfig`, `IpAddressType`,
//! `RStudioServerProDomainSettings`, `AmazonQSettings`, `TrustedIdentityPropagationSettings`).
//! The domain's security groups are the resource's `SecurityGroupIds`, so
//! `DomainSettings.SecurityGroupIds` is refused by name, as is `UnifiedStudioSettings` (set up
//! by SageMaker Unified Studio, not by a template).
//!
//! Removing a member on update sends the API's default (see [`DomainSettingsProperty::for_update`]).

use aws_sdk_sagemaker::types::{
    AmazonQSettings, DockerSettings, ExecutionRoleIdentityConfig, FeatureStatus, IpAddressType,
    RStudioServerProDomainSettings, RStudioServerProDomainSettingsForUpdate,
    TrustedIdentityPropagationSettings,
};
use cfn_custom_resource::ResourceError;
use cfn_custom_resource::properties::optional_string_list;
use serde::{Deserialize, Serialize};
use studio_sagemaker::canvas_settings::RStudioServerProDomainSettingsProperty;

/// `DomainSettings` as written in a template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DomainSettingsProperty {
    /// Docker access from the domain's apps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_settings: Option<DockerSettingsProperty>,
    /// `USER_PROFILE_NAME` or `DISABLED`: the profile name as `sts:SourceIdentity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_identity_config: Option<String>,
    /// `ipv4` or `dualstack`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address_type: Option<String>,
    /// The domain's RStudio (a licence through AWS License Manager is SageMaker's business).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r_studio_server_pro_domain_settings: Option<RStudioServerProDomainSettingsProperty>,
    /// Amazon Q Developer in the domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amazon_q_settings: Option<AmazonQSettingsProperty>,
    /// Trusted identity propagation (IAM Identity Center identities to AWS services).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_identity_propagation_settings: Option<TrustedIdentityPropagationProperty>,
}

/// `AmazonQSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AmazonQSettingsProperty {
    /// `ENABLED` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The Amazon Q profile (`arn:<partition>:codewhisperer:<region>:<account>:profile/...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q_profile_arn: Option<String>,
}

/// `TrustedIdentityPropagationSettings` (`Status` required).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TrustedIdentityPropagationProperty {
    /// `ENABLED` or `DISABLED`.
    pub status: String,
}

/// `DockerSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DockerSettingsProperty {
    /// `ENABLED` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_docker_access: Option<String>,
    /// Accounts trusted in VPC-only mode: at most 20 twelve-digit ids.
    #[serde(
        default,
        deserialize_with = "optional_string_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub vpc_only_trusted_accounts: Option<Vec<String>>,
    /// `ENABLED` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rootless_docker: Option<String>,
}

/// The defaults a removed member goes back to on update:
/// - `IpAddressType`: `ipv4` ("If not specified, defaults to ipv4", API reference,
///   `DomainSettings`).
/// - `DockerSettings.RootlessDocker`: `DISABLED` ("Default value is DISABLED", the SDKs'
///   `DockerSettings` docs from the service model).
/// - `DockerSettings.EnableDockerAccess` and `ExecutionRoleIdentityConfig`: `DISABLED`, the
///   off value of their enums; the API reference states no default for them (not confirmed).
/// - `DockerSettings.VpcOnlyTrustedAccounts`: an empty list.
/// - `AmazonQSettings.Status` and `TrustedIdentityPropagationSettings.Status`: `DISABLED`, the
///   off value (the API reference: "When disabled, standard IAM role-based access is used";
///   no default stated for either: not confirmed).
/// - `RStudioServerProDomainSettings` has no off value (its `DomainExecutionRoleArn` is
///   required): taking it away is refused naming it.
const IP_ADDRESS_TYPE_DEFAULT: &str = "ipv4";
const DISABLED: &str = "DISABLED";

fn one_of(path: &str, value: &str, allowed: &[&str]) -> Result<(), ResourceError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ResourceError::invalid_property(
            path,
            format!("expected one of {}, got \"{value}\"", allowed.join(", ")),
        ))
    }
}

/// What UpdateDomain's `DomainSettingsForUpdate` carries for these members.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DomainSettingsChange {
    /// New Docker settings.
    pub docker_settings: Option<DockerSettings>,
    /// New `ExecutionRoleIdentityConfig`.
    pub execution_role_identity_config: Option<ExecutionRoleIdentityConfig>,
    /// New `IpAddressType`.
    pub ip_address_type: Option<IpAddressType>,
    /// CreateDomain's RStudio settings.
    pub r_studio_for_create: Option<RStudioServerProDomainSettings>,
    /// UpdateDomain's RStudio settings.
    pub r_studio_for_update: Option<RStudioServerProDomainSettingsForUpdate>,
    /// New `AmazonQSettings`.
    pub amazon_q_settings: Option<AmazonQSettings>,
    /// New `TrustedIdentityPropagationSettings`.
    pub trusted_identity_propagation_settings: Option<TrustedIdentityPropagationSettings>,
}

const R_STUDIO: &str = "DomainSettings.RStudioServerProDomainSettings";

/// The `QProfileArn` shape: `arn:[-.a-z0-9]{1,63}:codewhisperer:([-.a-z0-9]{0,63}:){2}` and
/// 1 to 1023 of `[a-zA-Z0-9-_:/]`.
fn is_q_profile_arn(arn: &str) -> bool {
    let part = |text: &str, low: usize| {
        (low..=63).contains(&text.len())
            && text.bytes().all(|byte| {
                byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"-.".contains(&byte)
            })
    };
    let mut pieces = arn.splitn(6, ':');
    let (
        Some("arn"),
        Some(partition),
        Some("codewhisperer"),
        Some(region),
        Some(account),
        Some(rest),
    ) = (
        pieces.next(),
        pieces.next(),
        pieces.next(),
        pieces.next(),
        pieces.next(),
        pieces.next(),
    )
    else {
        return false;
    };
    part(partition, 1)
        && part(region, 0)
        && part(account, 0)
        && (1..=1023).contains(&rest.len())
        && rest
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-_:/".contains(&byte))
}

impl AmazonQSettingsProperty {
    fn to_sdk(&self) -> AmazonQSettings {
        AmazonQSettings::builder()
            .set_status(self.status.as_deref().map(FeatureStatus::from))
            .set_q_profile_arn(self.q_profile_arn.clone())
            .build()
    }
}

fn trusted_identity(status: &str) -> TrustedIdentityPropagationSettings {
    TrustedIdentityPropagationSettings::builder()
        .status(FeatureStatus::from(status))
        .build()
}

impl DomainSettingsChange {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

impl DomainSettingsProperty {
    /// The API's enums and limits, named by their path, before any call.
    pub fn validate(&self) -> Result<(), ResourceError> {
        if let Some(config) = &self.execution_role_identity_config {
            one_of(
                "DomainSettings.ExecutionRoleIdentityConfig",
                config,
                ExecutionRoleIdentityConfig::values(),
            )?;
        }
        if let Some(kind) = &self.ip_address_type {
            one_of(
                "DomainSettings.IpAddressType",
                kind,
                IpAddressType::values(),
            )?;
        }
        if let Some(r_studio) = &self.r_studio_server_pro_domain_settings {
            r_studio.to_sdk(R_STUDIO)?;
        }
        if let Some(q) = &self.amazon_q_settings {
            if let Some(status) = &q.status {
                one_of(
                    "DomainSettings.AmazonQSettings.Status",
                    status,
                    FeatureStatus::values(),
                )?;
            }
            if let Some(arn) = q
                .q_profile_arn
                .as_deref()
                .filter(|arn| !is_q_profile_arn(arn))
            {
                return Err(ResourceError::invalid_property(
                    "DomainSettings.AmazonQSettings.QProfileArn",
                    format!(
                        "expected an Amazon Q profile ARN (arn:aws:codewhisperer:<region>:<account>:profile/<id>), got \"{arn}\""
                    ),
                ));
            }
        }
        if let Some(propagation) = &self.trusted_identity_propagation_settings {
            one_of(
                "DomainSettings.TrustedIdentityPropagationSettings.Status",
                &propagation.status,
                FeatureStatus::values(),
            )?;
        }
        if let Some(docker) = &self.docker_settings {
            for (name, value) in [
                ("EnableDockerAccess", &docker.enable_docker_access),
                ("RootlessDocker", &docker.rootless_docker),
            ] {
                if let Some(value) = value {
                    one_of(
                        &format!("DomainSettings.DockerSettings.{name}"),
                        value,
                        FeatureStatus::values(),
                    )?;
                }
            }
            if let Some(accounts) = &docker.vpc_only_trusted_accounts {
                let path = "DomainSettings.DockerSettings.VpcOnlyTrustedAccounts";
                if accounts.len() > 20 {
                    return Err(ResourceError::invalid_property(
                        path,
                        format!("expected at most 20 items, got {}", accounts.len()),
                    ));
                }
                if let Some((index, bad)) = accounts.iter().enumerate().find(|(_, account)| {
                    account.len() != 12 || !account.bytes().all(|byte| byte.is_ascii_digit())
                }) {
                    return Err(ResourceError::invalid_property(
                        format!("{path}[{index}]"),
                        format!("expected a 12-digit account id, got \"{bad}\""),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The members as CreateDomain sends them (only what is given).
    pub fn for_create(&self) -> Result<DomainSettingsChange, ResourceError> {
        Ok(DomainSettingsChange {
            docker_settings: self.docker_settings.as_ref().map(|docker| {
                DockerSettings::builder()
                    .set_enable_docker_access(
                        docker
                            .enable_docker_access
                            .as_deref()
                            .map(FeatureStatus::from),
                    )
                    .set_vpc_only_trusted_accounts(docker.vpc_only_trusted_accounts.clone())
                    .set_rootless_docker(docker.rootless_docker.as_deref().map(FeatureStatus::from))
                    .build()
            }),
            execution_role_identity_config: self
                .execution_role_identity_config
                .as_deref()
                .map(ExecutionRoleIdentityConfig::from),
            ip_address_type: self.ip_address_type.as_deref().map(IpAddressType::from),
            r_studio_for_create: self
                .r_studio_server_pro_domain_settings
                .as_ref()
                .map(|r_studio| r_studio.to_sdk(R_STUDIO))
                .transpose()?,
            r_studio_for_update: None,
            amazon_q_settings: self
                .amazon_q_settings
                .as_ref()
                .map(AmazonQSettingsProperty::to_sdk),
            trusted_identity_propagation_settings: self
                .trusted_identity_propagation_settings
                .as_ref()
                .map(|propagation| trusted_identity(&propagation.status)),
        })
    }

    /// What UpdateDomain sends to go from `old` to `new`: each member that changed, a removed
    /// one as the API's default (see the constants above); Docker, RStudio and Amazon Q
    /// settings are sent whole. `RStudioServerProDomainSettings` taken away is refused.
    pub fn for_update(
        new: Option<&Self>,
        old: Option<&Self>,
    ) -> Result<DomainSettingsChange, ResourceError> {
        let empty = Self::default();
        let (new, old) = (new.unwrap_or(&empty), old.unwrap_or(&empty));
        let r_studio_for_update = match (
            &new.r_studio_server_pro_domain_settings,
            &old.r_studio_server_pro_domain_settings,
        ) {
            (None, Some(_)) => {
                return Err(ResourceError::invalid_property(
                    R_STUDIO,
                    "cannot be taken away once set: UpdateDomain's RStudioServerProDomainSettingsForUpdate requires a DomainExecutionRoleArn and has no off value; replace the domain (a new DomainName) to have it without RStudio",
                ));
            }
            (Some(new), old) if Some(new) != old.as_ref() => Some(new.for_update(R_STUDIO)?),
            _ => None,
        };
        let amazon_q_settings = (new.amazon_q_settings != old.amazon_q_settings).then(|| {
            new.amazon_q_settings.as_ref().map_or_else(
                || {
                    AmazonQSettings::builder()
                        .status(FeatureStatus::from(DISABLED))
                        .build()
                },
                AmazonQSettingsProperty::to_sdk,
            )
        });
        let status = |settings: &Option<TrustedIdentityPropagationProperty>| {
            settings
                .as_ref()
                .map_or(DISABLED, |settings| settings.status.as_str())
                .to_owned()
        };
        let trusted_identity_propagation_settings =
            (status(&new.trusted_identity_propagation_settings)
                != status(&old.trusted_identity_propagation_settings))
            .then(|| trusted_identity(&status(&new.trusted_identity_propagation_settings)));
        let changed = |new: &Option<String>, old: &Option<String>, default: &str| {
            (new.as_deref().unwrap_or(default) != old.as_deref().unwrap_or(default))
                .then(|| new.as_deref().unwrap_or(default).to_owned())
        };
        let docker_settings = (new.docker_settings != old.docker_settings).then(|| {
            let docker = new.docker_settings.clone().unwrap_or_default();
            DockerSettings::builder()
                .enable_docker_access(FeatureStatus::from(
                    docker.enable_docker_access.as_deref().unwrap_or(DISABLED),
                ))
                .set_vpc_only_trusted_accounts(Some(
                    docker.vpc_only_trusted_accounts.unwrap_or_default(),
                ))
                .rootless_docker(FeatureStatus::from(
                    docker.rootless_docker.as_deref().unwrap_or(DISABLED),
                ))
                .build()
        });
        Ok(DomainSettingsChange {
            docker_settings,
            r_studio_for_create: None,
            r_studio_for_update,
            amazon_q_settings,
            trusted_identity_propagation_settings,
            execution_role_identity_config: changed(
                &new.execution_role_identity_config,
                &old.execution_role_identity_config,
                DISABLED,
            )
            .map(|value| ExecutionRoleIdentityConfig::from(value.as_str())),
            ip_address_type: changed(
                &new.ip_address_type,
                &old.ip_address_type,
                IP_ADDRESS_TYPE_DEFAULT,
            )
            .map(|value| IpAddressType::from(value.as_str())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfn_custom_resource::properties::parse;
    use serde_json::json;

    fn settings(value: &serde_json::Value) -> DomainSettingsProperty {
        parse(value).unwrap()
    }

    #[test]
    fn enums_and_limits_are_checked_naming_the_member() {
        assert!(
            settings(&json!({"IpAddressType": "ipv6"}))
                .validate()
                .unwrap_err()
                .to_string()
                .starts_with("Invalid property DomainSettings.IpAddressType: expected one of")
        );
        let accounts = vec!["123456789012"; 21];
        assert_eq!(
            settings(&json!({"DockerSettings": {"VpcOnlyTrustedAccounts": accounts}}))
                .validate()
                .unwrap_err()
                .to_string(),
            "Invalid property DomainSettings.DockerSettings.VpcOnlyTrustedAccounts: expected at most 20 items, got 21"
        );
        assert!(
            settings(&json!({"DockerSettings": {"VpcOnlyTrustedAccounts": ["1234"]}}))
                .validate()
                .unwrap_err()
                .to_string()
                .contains("VpcOnlyTrustedAccounts[0]: expected a 12-digit account id")
        );
        let refused = parse::<DomainSettingsProperty>(&json!({"SecurityGroupIds": ["sg-1"]}))
            .unwrap_err()
            .to_string();
        assert!(
            refused.starts_with("Invalid property SecurityGroupIds: is not a supported property"),
            "{refused}"
        );
    }

    #[test]
    fn create_sends_only_what_is_given() {
        let create = settings(&json!({"DockerSettings": {"EnableDockerAccess": "ENABLED"}}))
            .for_create()
            .unwrap();
        let docker = create.docker_settings.unwrap();
        assert_eq!(docker.enable_docker_access(), Some(&FeatureStatus::Enabled));
        assert_eq!(docker.rootless_docker(), None);
        assert_eq!(create.ip_address_type, None);
    }

    #[test]
    fn an_update_sends_what_changed_and_a_removed_member_as_its_default() {
        let old = settings(&json!({
            "DockerSettings": {"EnableDockerAccess": "ENABLED", "VpcOnlyTrustedAccounts": ["123456789012"]},
            "ExecutionRoleIdentityConfig": "USER_PROFILE_NAME",
            "IpAddressType": "dualstack"
        }));
        let same = DomainSettingsProperty::for_update(Some(&old), Some(&old)).unwrap();
        assert!(same.is_empty());

        let removed = DomainSettingsProperty::for_update(None, Some(&old)).unwrap();
        let docker = removed.docker_settings.unwrap();
        assert_eq!(
            docker.enable_docker_access(),
            Some(&FeatureStatus::Disabled)
        );
        assert_eq!(docker.rootless_docker(), Some(&FeatureStatus::Disabled));
        assert!(
            docker
                .vpc_only_trusted_accounts
                .as_ref()
                .is_some_and(Vec::is_empty)
        );
        assert_eq!(
            removed.execution_role_identity_config,
            Some(ExecutionRoleIdentityConfig::Disabled)
        );
        assert_eq!(removed.ip_address_type, Some(IpAddressType::Ipv4));

        let explicit_default = settings(&json!({"IpAddressType": "ipv4"}));
        assert!(
            DomainSettingsProperty::for_update(Some(&explicit_default), None)
                .unwrap()
                .is_empty(),
            "ipv4 and left out are the same setting"
        );
    }

    const Q_PROFILE: &str = "arn:aws:codewhisperer:us-east-1:123456789012:profile/ABCDEFGHIJKL";

    fn rstudio_q_and_propagation() -> serde_json::Value {
        json!({
            "RStudioServerProDomainSettings": {
                "DomainExecutionRoleArn": "arn:aws:iam::123456789012:role/rstudio",
                "RStudioConnectUrl": "https://connect.example.com",
                "DefaultResourceSpec": {"InstanceType": "system"}
            },
            "AmazonQSettings": {"Status": "ENABLED", "QProfileArn": Q_PROFILE},
            "TrustedIdentityPropagationSettings": {"Status": "ENABLED"}
        })
    }

    #[test]
    fn rstudio_amazon_q_and_trusted_identity_propagation_are_sent_on_create() {
        let property = settings(&rstudio_q_and_propagation());
        property.validate().unwrap();
        assert_eq!(
            parse::<DomainSettingsProperty>(&serde_json::to_value(&property).unwrap()).unwrap(),
            property,
            "what is stored reads back the same"
        );
        let create = property.for_create().unwrap();
        assert_eq!(
            create
                .r_studio_for_create
                .as_ref()
                .and_then(|r_studio| r_studio.r_studio_connect_url()),
            Some("https://connect.example.com")
        );
        assert_eq!(
            create
                .amazon_q_settings
                .as_ref()
                .and_then(AmazonQSettings::q_profile_arn),
            Some(Q_PROFILE)
        );
        assert_eq!(
            create
                .trusted_identity_propagation_settings
                .as_ref()
                .and_then(TrustedIdentityPropagationSettings::status),
            Some(&FeatureStatus::Enabled)
        );
    }

    #[test]
    fn rstudio_amazon_q_and_trusted_identity_propagation_limits_are_named() {
        let refusal =
            |value: serde_json::Value| settings(&value).validate().unwrap_err().to_string();
        assert!(
            refusal(json!({"AmazonQSettings": {"QProfileArn": "arn:aws:iam::123456789012:role/q"}}))
                .starts_with("Invalid property DomainSettings.AmazonQSettings.QProfileArn: expected an Amazon Q profile ARN")
        );
        assert!(
            refusal(json!({"TrustedIdentityPropagationSettings": {"Status": "On"}}))
                .starts_with("Invalid property DomainSettings.TrustedIdentityPropagationSettings.Status: expected one of")
        );
        assert!(
            refusal(json!({"RStudioServerProDomainSettings": {"DomainExecutionRoleArn": "rstudio"}}))
                .starts_with("Invalid property DomainSettings.RStudioServerProDomainSettings.DomainExecutionRoleArn: expected an IAM role ARN")
        );
        assert!(
            parse::<DomainSettingsProperty>(&json!({"TrustedIdentityPropagationSettings": {}}))
                .is_err(),
            "Status is required"
        );
        assert!(
            parse::<DomainSettingsProperty>(&json!({"UnifiedStudioSettings": {}}))
                .unwrap_err()
                .to_string()
                .starts_with("Invalid property UnifiedStudioSettings: is not a supported property")
        );
    }

    #[test]
    fn rstudio_amazon_q_and_propagation_change_in_place_and_removal_is_reset_or_refused() {
        let old = settings(&rstudio_q_and_propagation());
        let mut changed = rstudio_q_and_propagation();
        changed["RStudioServerProDomainSettings"]["RStudioPackageManagerUrl"] =
            json!("https://packages.example.com");
        changed["AmazonQSettings"]["Status"] = json!("DISABLED");
        let update =
            DomainSettingsProperty::for_update(Some(&settings(&changed)), Some(&old)).unwrap();
        assert_eq!(
            update
                .r_studio_for_update
                .as_ref()
                .and_then(|r_studio| r_studio.r_studio_package_manager_url()),
            Some("https://packages.example.com")
        );
        assert_eq!(
            update
                .amazon_q_settings
                .as_ref()
                .and_then(AmazonQSettings::status),
            Some(&FeatureStatus::Disabled)
        );
        assert_eq!(
            update.trusted_identity_propagation_settings, None,
            "unchanged"
        );

        let mut without_q = rstudio_q_and_propagation();
        without_q.as_object_mut().unwrap().remove("AmazonQSettings");
        without_q
            .as_object_mut()
            .unwrap()
            .remove("TrustedIdentityPropagationSettings");
        let removed =
            DomainSettingsProperty::for_update(Some(&settings(&without_q)), Some(&old)).unwrap();
        assert_eq!(
            removed
                .amazon_q_settings
                .as_ref()
                .and_then(AmazonQSettings::status),
            Some(&FeatureStatus::Disabled)
        );
        assert_eq!(
            removed
                .trusted_identity_propagation_settings
                .as_ref()
                .and_then(TrustedIdentityPropagationSettings::status),
            Some(&FeatureStatus::Disabled)
        );
        assert_eq!(removed.r_studio_for_update, None, "unchanged");

        let error = DomainSettingsProperty::for_update(None, Some(&old)).unwrap_err();
        assert!(
            error.to_string().starts_with(
                "Invalid property DomainSettings.RStudioServerProDomainSettings: cannot be taken away once set"
            ),
            "{error}"
        );
    }
}
