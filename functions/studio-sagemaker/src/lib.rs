//! What the Studio functions share about the SageMaker API: user settings from CloudFormation
//! properties, tags, the tags by which the suite recognises what it created, and the calls on
//! apps, spaces, tags and user profiles that more than one function makes.

pub mod apps;
pub mod identifiers;
pub mod ownership;
pub mod tagging;
pub mod user_profiles;
pub mod user_settings;

use aws_sdk_sagemaker::types::Tag as SageMakerTag;
use cfn_custom_resource::Tag;

/// The tag that attribute-based access control keys on: a profile's owner identity.
pub const STUDIO_USER_ID_TAG: &str = "studiouserid";

/// CloudFormation-style tags as SageMaker tags.
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
