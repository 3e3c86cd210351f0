//! The domain's guardrails a user profile may only tighten, once: what Studio hides from users
//! (`DefaultUserSettings.StudioWebPortalSettings`: `HiddenInstanceTypes`, `HiddenMlTools`,
//! `HiddenAppTypes`) and the largest EBS volume a user may give a space
//! (`DefaultUserSettings.SpaceStorageSettings.DefaultEbsStorageSettings.MaximumEbsVolumeSizeInGb`).
//!
//! A profile's `UserSettings` take the place of the domain's `DefaultUserSettings` for that
//! profile (SageMaker API Reference, CreateUserProfile `UserSettings`, CreateDomain
//! `DefaultUserSettings`: "the default settings to use to create a user profile"), so a profile
//! that names a hidden list hides only what that list names: it must repeat every entry the
//! domain hides. Not confirmed whether Studio merges a profile's `StudioWebPortalSettings` with
//! the domain's field by field; the rule assumes it does not (a list the profile leaves out
//! while giving `StudioWebPortalSettings` is refused where the domain's is not empty), which is
//! safe either way. SageMaker itself accepts a profile that hides less (nothing in the API
//! reference refuses it), so the suite's functions refuse it before CreateUserProfile or
//! UpdateUserProfile.

use std::future::Future;

use lambda_support::AwsError;

use crate::aws::{SageMakerStudio, none_if_not_found};

/// What a domain's `DefaultUserSettings` hide and bound, as DescribeDomain reports it; empty
/// lists and `None` where the domain sets nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainGuardrails {
    /// `StudioWebPortalSettings.HiddenInstanceTypes`.
    pub hidden_instance_types: Vec<String>,
    /// `StudioWebPortalSettings.HiddenMlTools`.
    pub hidden_ml_tools: Vec<String>,
    /// `StudioWebPortalSettings.HiddenAppTypes`.
    pub hidden_app_types: Vec<String>,
    /// `SpaceStorageSettings.DefaultEbsStorageSettings.MaximumEbsVolumeSizeInGb`.
    pub maximum_ebs_volume_size_in_gb: Option<i32>,
}

impl DomainGuardrails {
    /// Whether the domain hides anything or bounds the EBS size.
    pub fn is_empty(&self) -> bool {
        self.hidden_instance_types.is_empty()
            && self.hidden_ml_tools.is_empty()
            && self.hidden_app_types.is_empty()
            && self.maximum_ebs_volume_size_in_gb.is_none()
    }
}

/// Reads a domain's guardrails (DescribeDomain).
pub trait GuardrailSettings: Send + Sync {
    /// The domain's guardrails; `None` if there is no such domain.
    fn domain_guardrails(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Option<DomainGuardrails>, AwsError>> + Send;
}

impl GuardrailSettings for SageMakerStudio {
    async fn domain_guardrails(
        &self,
        domain_id: &str,
    ) -> Result<Option<DomainGuardrails>, AwsError> {
        match self
            .client()
            .describe_domain()
            .domain_id(domain_id)
            .send()
            .await
        {
            Ok(output) => {
                let settings = output.default_user_settings();
                let portal = settings.and_then(|s| s.studio_web_portal_settings());
                Ok(Some(DomainGuardrails {
                    hidden_instance_types: portal
                        .map(|p| {
                            p.hidden_instance_types()
                                .iter()
                                .map(|t| t.as_str().to_owned())
                                .collect()
                        })
                        .unwrap_or_default(),
                    hidden_ml_tools: portal
                        .map(|p| {
                            p.hidden_ml_tools()
                                .iter()
                                .map(|t| t.as_str().to_owned())
                                .collect()
                        })
                        .unwrap_or_default(),
                    hidden_app_types: portal
                        .map(|p| {
                            p.hidden_app_types()
                                .iter()
                                .map(|t| t.as_str().to_owned())
                                .collect()
                        })
                        .unwrap_or_default(),
                    maximum_ebs_volume_size_in_gb: settings
                        .and_then(|s| s.space_storage_settings())
                        .and_then(|s| s.default_ebs_storage_settings())
                        .and_then(|ebs| ebs.maximum_ebs_volume_size_in_gb()),
                }))
            }
            Err(error) => none_if_not_found(AwsError::from_sdk("DescribeDomain", &error)),
        }
    }
}

#[cfg(any(test, feature = "test-util"))]
impl GuardrailSettings for crate::memory::MemoryStudio {
    async fn domain_guardrails(
        &self,
        domain_id: &str,
    ) -> Result<Option<DomainGuardrails>, AwsError> {
        let mut state = self.call("DescribeDomain", domain_id)?;
        state.settle();
        if !state.domains.contains_key(domain_id) {
            return Ok(None);
        }
        Ok(Some(
            state
                .domain_guardrails
                .get(domain_id)
                .cloned()
                .unwrap_or_default(),
        ))
    }
}

/// A profile setting that loosens one of its domain's guardrails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{property}: {expected}")]
pub struct Loosened {
    /// The profile's property, as the template writes it (`UserSettings.…`).
    pub property: String,
    /// What it must be instead.
    pub expected: String,
}

#[cfg(feature = "custom-resource")]
mod check {
    use cfn_custom_resource::ResourceError;

    use super::{DomainGuardrails, GuardrailSettings, Loosened};
    use crate::user_settings::UserSettingsProperty;

    /// Whether `settings` set anything the domain's guardrails bound (so the domain must be
    /// read).
    pub fn touches_guardrails(settings: &UserSettingsProperty) -> bool {
        settings.studio_web_portal_settings.is_some() || settings.space_storage_settings.is_some()
    }

    /// The rule: a profile's hidden lists contain every entry of the domain's, and its maximum
    /// EBS size is at most the domain's. Settings the profile leaves out inherit the domain's
    /// and pass.
    pub fn check_tightens(
        domain_id: &str,
        domain: &DomainGuardrails,
        settings: &UserSettingsProperty,
    ) -> Result<(), Loosened> {
        if let Some(portal) = &settings.studio_web_portal_settings {
            for (field, domains, profiles) in [
                (
                    "HiddenInstanceTypes",
                    &domain.hidden_instance_types,
                    &portal.hidden_instance_types,
                ),
                (
                    "HiddenMlTools",
                    &domain.hidden_ml_tools,
                    &portal.hidden_ml_tools,
                ),
                (
                    "HiddenAppTypes",
                    &domain.hidden_app_types,
                    &portal.hidden_app_types,
                ),
            ] {
                let given = profiles.as_deref().unwrap_or_default();
                let missing: Vec<&str> = domains
                    .iter()
                    .filter(|hidden| !given.contains(hidden))
                    .map(String::as_str)
                    .collect();
                if !missing.is_empty() {
                    return Err(Loosened {
                        property: format!("UserSettings.StudioWebPortalSettings.{field}"),
                        expected: format!(
                            "a list that hides everything domain {domain_id} hides ({}); it would show {}. A user profile may only hide more. Nothing was done",
                            domains.join(", "),
                            missing.join(", ")
                        ),
                    });
                }
            }
        }
        if let (Some(max), Some(ebs)) = (
            domain.maximum_ebs_volume_size_in_gb,
            settings
                .space_storage_settings
                .as_ref()
                .and_then(|storage| storage.default_ebs_storage_settings.as_ref()),
        ) && ebs.maximum_ebs_volume_size_in_gb > max
        {
            return Err(Loosened {
                property: "UserSettings.SpaceStorageSettings.DefaultEbsStorageSettings.MaximumEbsVolumeSizeInGb".to_owned(),
                expected: format!(
                    "at most {max} GB, domain {domain_id}'s MaximumEbsVolumeSizeInGb (it is {}). A user profile may only lower it. Nothing was done",
                    ebs.maximum_ebs_volume_size_in_gb
                ),
            });
        }
        Ok(())
    }

    /// Reads the domain (only if `settings` touch its guardrails) and applies
    /// [`check_tightens`]: FAILED naming the property, before any create or update.
    pub async fn refuse_loosened_guardrails(
        studio: &impl GuardrailSettings,
        domain_id: &str,
        settings: Option<&UserSettingsProperty>,
    ) -> Result<(), ResourceError> {
        let Some(settings) = settings.filter(|settings| touches_guardrails(settings)) else {
            return Ok(());
        };
        let Some(domain) = studio.domain_guardrails(domain_id).await? else {
            return Err(ResourceError::permanent(format!(
                "DescribeDomain found no domain {domain_id}. Check DomainId: the domain {domain_id} must exist"
            )));
        };
        check_tightens(domain_id, &domain, settings).map_err(|loosened| {
            ResourceError::invalid_property(loosened.property, loosened.expected)
        })
    }
}

#[cfg(feature = "custom-resource")]
pub use check::{check_tightens, refuse_loosened_guardrails, touches_guardrails};

#[cfg(all(test, feature = "custom-resource"))]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::user_settings::UserSettingsProperty;

    fn settings(value: serde_json::Value) -> UserSettingsProperty {
        serde_json::from_value(value).unwrap()
    }

    fn domain() -> DomainGuardrails {
        DomainGuardrails {
            hidden_instance_types: vec!["ml.p4d.24xlarge".into(), "ml.g5.48xlarge".into()],
            hidden_ml_tools: vec!["AutoMl".into()],
            hidden_app_types: vec![],
            maximum_ebs_volume_size_in_gb: Some(100),
        }
    }

    #[test]
    fn a_profile_hiding_more_than_the_domain_passes() {
        let profile = settings(json!({"StudioWebPortalSettings": {
            "HiddenInstanceTypes": ["ml.g5.48xlarge", "ml.p4d.24xlarge", "ml.m5.24xlarge"],
            "HiddenMlTools": ["AutoMl", "Training"],
        }}));
        assert_eq!(check_tightens("d-1", &domain(), &profile), Ok(()));
    }

    #[test]
    fn a_profile_showing_an_instance_type_the_domain_hides_is_refused_naming_it() {
        let profile = settings(json!({"StudioWebPortalSettings": {
            "HiddenInstanceTypes": ["ml.p4d.24xlarge"],
            "HiddenMlTools": ["AutoMl"],
        }}));
        let loosened = check_tightens("d-1", &domain(), &profile).unwrap_err();
        assert_eq!(
            loosened.property,
            "UserSettings.StudioWebPortalSettings.HiddenInstanceTypes"
        );
        assert!(
            loosened.expected.contains("it would show ml.g5.48xlarge"),
            "{}",
            loosened.expected
        );
    }

    #[test]
    fn a_profile_portal_settings_leaving_out_a_list_the_domain_sets_is_refused() {
        let profile = settings(json!({"StudioWebPortalSettings": {
            "HiddenInstanceTypes": ["ml.p4d.24xlarge", "ml.g5.48xlarge"],
        }}));
        let loosened = check_tightens("d-1", &domain(), &profile).unwrap_err();
        assert_eq!(
            loosened.property,
            "UserSettings.StudioWebPortalSettings.HiddenMlTools"
        );
        assert!(
            loosened.expected.contains("(AutoMl)"),
            "{}",
            loosened.expected
        );
    }

    #[test]
    fn a_profile_without_portal_or_storage_settings_inherits_and_passes() {
        let profile = settings(json!({"ExecutionRole": "arn:aws:iam::123456789012:role/r"}));
        assert!(!touches_guardrails(&profile));
        assert_eq!(check_tightens("d-1", &domain(), &profile), Ok(()));
    }

    #[test]
    fn a_profile_maximum_ebs_size_above_the_domains_is_refused_and_at_most_passes() {
        let larger = settings(
            json!({"SpaceStorageSettings": {"DefaultEbsStorageSettings": {
            "DefaultEbsVolumeSizeInGb": "5", "MaximumEbsVolumeSizeInGb": "101"}}}),
        );
        let loosened = check_tightens("d-1", &domain(), &larger).unwrap_err();
        assert_eq!(
            loosened.property,
            "UserSettings.SpaceStorageSettings.DefaultEbsStorageSettings.MaximumEbsVolumeSizeInGb"
        );
        assert!(
            loosened.expected.starts_with("at most 100 GB"),
            "{}",
            loosened.expected
        );
        let equal = settings(
            json!({"SpaceStorageSettings": {"DefaultEbsStorageSettings": {
            "DefaultEbsVolumeSizeInGb": "5", "MaximumEbsVolumeSizeInGb": "100"}}}),
        );
        assert_eq!(check_tightens("d-1", &domain(), &equal), Ok(()));
    }

    #[test]
    fn a_domain_without_a_maximum_bounds_no_ebs_size() {
        let profile = settings(
            json!({"SpaceStorageSettings": {"DefaultEbsStorageSettings": {
            "DefaultEbsVolumeSizeInGb": "5", "MaximumEbsVolumeSizeInGb": "16384"}}}),
        );
        assert_eq!(
            check_tightens("d-1", &DomainGuardrails::default(), &profile),
            Ok(())
        );
    }

    #[tokio::test]
    async fn the_domain_is_read_only_when_the_profile_touches_a_guardrail_and_a_missing_one_is_refused()
     {
        let studio = crate::memory::MemoryStudio::default();
        refuse_loosened_guardrails(&studio, "d-missing", Some(&settings(json!({}))))
            .await
            .unwrap();
        assert!(studio.calls().is_empty());
        let error = refuse_loosened_guardrails(
            &studio,
            "d-missing",
            Some(&settings(
                json!({"StudioWebPortalSettings": {"HiddenMlTools": ["AutoMl"]}}),
            )),
        )
        .await
        .unwrap_err();
        assert!(
            error.to_string().contains("found no domain d-missing"),
            "{error}"
        );
        assert_eq!(studio.calls(), ["DescribeDomain d-missing"]);
    }
}
