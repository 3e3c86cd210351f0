//! What the Studio functions share about the SageMaker API, each rule once: what ids, names
//! and role ARNs look like ([`identifiers`]), user settings from CloudFormation properties
//! (`user_settings`), tags and their diff against live tags ([`tagging`]), the tags by which
//! the suite recognises what it created ([`ownership`]), waiting until `InService`
//! ([`in_service`]), lifecycle configurations and the settings that list them
//! ([`lifecycle_configs`]), and Studio itself as small traits ([`ports`]) with one SDK adapter
//! ([`aws`]) and one in-memory fake (`memory`, feature `test-util`); IAM Identity Center
//! assignments of an SSO domain's application (`identity_center`, feature `identity-center`).
//!
//! What speaks the CloudFormation custom-resource protocol — user settings and tags read from
//! a template's properties, ownership tags from a request, checks answering `ResourceError` —
//! is behind feature `custom-resource`, which the custom resources enable; without it the
//! crate depends on `lambda-support` for its AWS errors and not on `cfn-custom-resource`, so
//! the scheduled cleanup and the sign-in stay off the protocol.

pub mod aws;
#[cfg(feature = "custom-resource")]
pub mod canvas_settings;
#[cfg(feature = "custom-resource")]
pub mod default_space_settings;
pub mod guardrails;
pub mod identifiers;
#[cfg(feature = "identity-center")]
pub mod identity_center;
pub mod in_service;
pub mod lifecycle_configs;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod ownership;
pub mod ports;
#[cfg(feature = "custom-resource")]
pub mod space_settings;
pub mod spaces;
pub mod tagging;
#[cfg(feature = "custom-resource")]
pub mod user_settings;

#[cfg(feature = "custom-resource")]
use aws_sdk_sagemaker::types::Tag as SageMakerTag;
#[cfg(feature = "custom-resource")]
use cfn_custom_resource::Tag;

/// The tag that attribute-based access control keys on: a profile's owner identity.
pub const STUDIO_USER_ID_TAG: &str = "studiouserid";

/// CloudFormation-style tags as SageMaker tags.
#[cfg(feature = "custom-resource")]
pub fn sagemaker_tags(tags: &[Tag]) -> Vec<SageMakerTag> {
    tags.iter()
        .map(|tag| {
            SageMakerTag::builder()
                .key(&tag.key)
                .value(&tag.value)
                .build()
        })
        .collect()
}
