//! Tags that record which stack and which request created a resource, so that a duplicate
//! delivery of a create finds its resource again instead of creating a second one, and so that
//! a delete can check the resource is the stack's own.
//!
//! The keys and [`tag_value`] are protocol-free (the cleanup looks for [`MANAGED_TAG`]); what
//! reads a CloudFormation request is behind feature `custom-resource`.

use aws_sdk_sagemaker::types::Tag;
#[cfg(feature = "custom-resource")]
use cfn_custom_resource::CustomResourceRequest;

/// The stack that owns the resource (its ARN).
pub const STACK_ID_TAG: &str = "studio-catalog:stack-id";
/// The resource's logical id in that stack.
pub const LOGICAL_ID_TAG: &str = "studio-catalog:logical-id";
/// The CloudFormation request that created it.
pub const REQUEST_ID_TAG: &str = "studio-catalog:request-id";
/// Marks a resource managed by this suite (what `studio-cleanup` looks for).
pub const MANAGED_TAG: &str = "studio-catalog:managed";

/// Keys reserved for the suite; a template may not set them.
pub const RESERVED_KEYS: [&str; 4] = [STACK_ID_TAG, LOGICAL_ID_TAG, REQUEST_ID_TAG, MANAGED_TAG];

/// The ownership tags for a resource created by `request`.
#[cfg(feature = "custom-resource")]
pub fn ownership_tags(request: &CustomResourceRequest) -> Vec<Tag> {
    [
        (STACK_ID_TAG, request.stack_id.as_str()),
        (LOGICAL_ID_TAG, request.logical_resource_id.as_str()),
        (REQUEST_ID_TAG, request.request_id.as_str()),
        (MANAGED_TAG, "true"),
    ]
    .into_iter()
    .map(|(key, value)| Tag::builder().key(key).value(value).build())
    .collect()
}

/// Whether `tags` say the resource was created by `request` (a duplicate delivery of it).
#[cfg(feature = "custom-resource")]
pub fn created_by(tags: &[Tag], request: &CustomResourceRequest) -> bool {
    tag_value(tags, REQUEST_ID_TAG) == Some(request.request_id.as_str())
        && tag_value(tags, STACK_ID_TAG) == Some(request.stack_id.as_str())
        && tag_value(tags, LOGICAL_ID_TAG) == Some(request.logical_resource_id.as_str())
}

/// Whether `tags` name another stack as the owner. A resource without ownership tags is not
/// claimed by anyone else.
#[cfg(feature = "custom-resource")]
pub fn owned_by_another_stack(tags: &[Tag], request: &CustomResourceRequest) -> bool {
    tag_value(tags, STACK_ID_TAG).is_some_and(|owner| owner != request.stack_id)
}

/// The value of tag `key`.
pub fn tag_value<'a>(tags: &'a [Tag], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|tag| tag.key() == Some(key))
        .and_then(|tag| tag.value())
}
