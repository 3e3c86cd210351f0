//! Tags: what a template may set (SageMaker's `Tag` shape), how the tags a resource should
//! carry are brought onto it (a diff against its live tags), and how a tagging error is read.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use lambda_support::{AwsError, AwsErrorKind};

use crate::ownership::RESERVED_KEYS;
#[cfg(feature = "custom-resource")]
pub use template::{TagChanges, check_tag_value, check_tags, update_tags};

/// At most this many tags on a SageMaker resource (`TagList`, `max` 50, in the SageMaker API
/// model).
pub const MAX_TAGS: usize = 50;
/// Tags the suite sets on what it creates: the four ownership tags and `studiouserid`.
pub const SUITE_TAGS: usize = RESERVED_KEYS.len() + 1;
/// At most this many tags a template may give.
pub const MAX_TEMPLATE_TAGS: usize = MAX_TAGS - SUITE_TAGS;

/// An error of AddTags, ListTags or DeleteTags, classified.
///
/// These operations document no error of their own (the API reference lists none), and for a
/// resource that is gone — a `Deleted` app, a profile deleted a moment ago — SageMaker answers
/// `ValidationException`, not `ResourceNotFound` (aws/amazon-sagemaker-feedback#108: "list-tags
/// throws a ValidationException for the deleted application"; same for add-tags). Every ARN the
/// suite tags comes from SageMaker itself, so a validation error here means "gone": it is
/// classified as [`AwsErrorKind::NotFound`], in this one place.
pub fn tagging_error<E>(operation: &'static str, error: &SdkError<E, Response>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut error = AwsError::from_sdk(operation, error);
    if error.code.as_deref() == Some("ValidationException") {
        error.kind = AwsErrorKind::NotFound;
    }
    error
}

/// Whether `text` uses only the characters SageMaker's `TagKey` and `TagValue` shapes allow,
/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]*` (SageMaker API model): letters, spaces, numbers and
/// `_.:/=+-@`.
pub fn is_tag_text(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_alphanumeric() || "_.:/=+-@".contains(c) || (c.is_whitespace() && !c.is_control())
    })
}

/// What reads a template's `Tags` (the protocol's [`Tag`](cfn_custom_resource::Tag) property
/// type) and answers a custom resource's [`ResourceError`](cfn_custom_resource::ResourceError).
#[cfg(feature = "custom-resource")]
mod template {
    use aws_sdk_sagemaker::types::Tag as SageMakerTag;
    use cfn_custom_resource::{AwsError, ResourceError, Tag};
    use tracing::info;

    use super::{MAX_TAGS, MAX_TEMPLATE_TAGS, SUITE_TAGS, is_tag_text};
    use crate::ownership::{RESERVED_KEYS, tag_value};
    use crate::ports::Tags;
    use crate::sagemaker_tags;

    /// Checks `value` as a `TagValue`: at most 256 characters of [`is_tag_text`]; `property` names
    /// it in the error.
    pub fn check_tag_value(property: &str, value: &str) -> Result<(), ResourceError> {
        if value.chars().count() > 256 || !is_tag_text(value) {
            return Err(ResourceError::invalid_property(
                property,
                format!(
                    "must be a tag value: at most 256 letters, numbers, spaces and _.:/=+-@, got \"{value}\""
                ),
            ));
        }
        Ok(())
    }

    /// Checks a template's `Tags` before any call: at most [`MAX_TEMPLATE_TAGS`]; each key 1 to
    /// 128 characters and each value at most 256 of [`is_tag_text`] (SageMaker's `TagKey` and
    /// `TagValue`); no `aws:` key (reserved by AWS), none of the suite's ownership keys, none of
    /// `set_elsewhere` (a key the resource sets from another property, with that property's
    /// advice), none twice. Keys are compared without regard to case where IAM does (conditions).
    pub fn check_tags(tags: &[Tag], set_elsewhere: &[(&str, &str)]) -> Result<(), ResourceError> {
        if tags.len() > MAX_TEMPLATE_TAGS {
            return Err(ResourceError::invalid_property(
                "Tags",
                format!(
                    "at most {MAX_TEMPLATE_TAGS} tags (SageMaker allows {MAX_TAGS}, and {SUITE_TAGS} are the suite's own), got {}",
                    tags.len()
                ),
            ));
        }
        for (index, tag) in tags.iter().enumerate() {
            let property = format!("Tags[{index}].Key");
            let key = tag.key.as_str();
            if key.is_empty() || key.chars().count() > 128 || !is_tag_text(key) {
                return Err(ResourceError::invalid_property(
                    property,
                    format!(
                        "must be a tag key: 1 to 128 letters, numbers, spaces and _.:/=+-@, got \"{key}\""
                    ),
                ));
            }
            if key.to_ascii_lowercase().starts_with("aws:") {
                return Err(ResourceError::invalid_property(
                    property,
                    format!("\"{key}\": the prefix aws: is reserved by AWS"),
                ));
            }
            if let Some((_, advice)) = set_elsewhere
                .iter()
                .find(|(reserved, _)| key.eq_ignore_ascii_case(reserved))
            {
                return Err(ResourceError::invalid_property(
                    property,
                    format!("\"{key}\" {advice}"),
                ));
            }
            if RESERVED_KEYS
                .iter()
                .any(|reserved| key.eq_ignore_ascii_case(reserved))
            {
                return Err(ResourceError::invalid_property(
                    property,
                    format!("\"{key}\" is reserved for the suite's ownership tags"),
                ));
            }
            if tags[..index].iter().any(|earlier| earlier.key == tag.key) {
                return Err(ResourceError::invalid_property(
                    property,
                    format!("\"{key}\" is given twice"),
                ));
            }
            check_tag_value(&format!("Tags[{index}].Value"), &tag.value)?;
        }
        Ok(())
    }

    /// What AddTags and DeleteTags must do to bring a resource's live tags to what the stack wants.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct TagChanges {
        /// Keys to delete: the stack set them before, wants them no more, and they are live.
        pub removed: Vec<String>,
        /// Tags to add or overwrite: wanted, and live with another value or not at all.
        pub changed: Vec<Tag>,
    }

    impl TagChanges {
        /// Diffs `desired` (what the stack wants now) against `live` (ListTags): a tag whose live
        /// value differs (or that is missing, changed by hand) is set again, which repairs drift;
        /// a key of `previously_desired` that is no longer desired is deleted if live. A tag the
        /// stack never set is left alone, and so are the ownership tags.
        pub fn between(desired: &[Tag], previously_desired: &[Tag], live: &[SageMakerTag]) -> Self {
            let owned = |key: &str| RESERVED_KEYS.contains(&key);
            let removed = previously_desired
                .iter()
                .map(|tag| tag.key.clone())
                .filter(|key| !desired.iter().any(|tag| &tag.key == key))
                .filter(|key| !owned(key) && tag_value(live, key).is_some())
                .collect();
            let changed = desired
                .iter()
                .filter(|tag| !owned(&tag.key))
                .filter(|tag| tag_value(live, &tag.key) != Some(tag.value.as_str()))
                .cloned()
                .collect();
            Self { removed, changed }
        }
    }

    /// Brings the live tags of `arn` to `desired` ([`TagChanges::between`]): ListTags, then
    /// DeleteTags of what was removed, then AddTags of what changed; no call for no change.
    pub async fn update_tags<T: Tags>(
        studio: &T,
        arn: &str,
        desired: &[Tag],
        previously_desired: &[Tag],
    ) -> Result<(), AwsError> {
        let live = studio.list_tags(arn).await?;
        let TagChanges { removed, changed } =
            TagChanges::between(desired, previously_desired, &live);
        if !removed.is_empty() {
            info!(?removed, "removing tags");
            studio.delete_tags(arn, removed).await?;
        }
        if !changed.is_empty() {
            let keys: Vec<&str> = changed.iter().map(|tag| tag.key.as_str()).collect();
            info!(?keys, "adding or changing tags");
            studio.add_tags(arn, sagemaker_tags(&changed)).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::SageMakerStudio;
    use crate::ports::Tags;
    use aws_sdk_sagemaker::Client;
    use aws_sdk_sagemaker::operation::list_tags::ListTagsError;
    use aws_smithy_mocks::{mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    fn error(code: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).message("").build()
    }

    #[tokio::test]
    async fn tags_of_a_resource_that_is_gone_answer_validation_exception_and_count_as_not_found() {
        let rule = mock!(Client::list_tags)
            .then_error(|| ListTagsError::generic(error("ValidationException")));
        let client = SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, [&rule]));

        let error = client.list_tags(
            "arn:aws:sagemaker:us-east-1:123456789012:app/d-abcdef123456/alice/kernelgateway/k1",
        )
        .await
        .expect_err("gone");

        assert!(error.is_not_found(), "{error:?}");
        assert_eq!(error.operation, "ListTags");
    }

    #[tokio::test]
    async fn other_tagging_errors_keep_their_kind() {
        let rule = mock!(Client::list_tags)
            .then_error(|| ListTagsError::generic(error("AccessDeniedException")));
        let client = SageMakerStudio::new(mock_client!(aws_sdk_sagemaker, [&rule]));

        let error = client
            .list_tags("arn:aws:sagemaker:us-east-1:123456789012:domain/d-abcdef123456")
            .await
            .expect_err("denied");

        assert_eq!(error.kind, AwsErrorKind::AccessDenied);
    }
}

#[cfg(all(test, feature = "custom-resource"))]
mod template_tests {
    use super::*;
    use cfn_custom_resource::Tag;

    fn tag(key: &str, value: &str) -> Tag {
        Tag {
            key: key.to_owned(),
            value: value.to_owned(),
        }
    }

    fn check(tags: &[Tag]) -> String {
        check_tags(tags, &[("studiouserid", "is set from StudioUserId")])
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn reserved_duplicate_aws_and_malformed_tags_are_refused_naming_the_tag() {
        for (tags, expected) in [
            (
                vec![tag("studio-catalog:stack-id", "x")],
                "Invalid property Tags[0].Key: \"studio-catalog:stack-id\" is reserved",
            ),
            (
                vec![tag("team", "a"), tag("team", "b")],
                "Invalid property Tags[1].Key: \"team\" is given twice",
            ),
            (
                vec![tag("aws:cloudformation:stack-name", "x")],
                "Invalid property Tags[0].Key: \"aws:cloudformation:stack-name\": the prefix aws: is reserved",
            ),
            (
                vec![tag("StudioUserId", "mallory")],
                "Invalid property Tags[0].Key: \"StudioUserId\" is set from StudioUserId",
            ),
            (
                vec![tag("team", "a#b")],
                "Invalid property Tags[0].Value: must be a tag value",
            ),
            (
                vec![tag("", "a")],
                "Invalid property Tags[0].Key: must be a tag key",
            ),
            (
                vec![tag(&"k".repeat(129), "a")],
                "Invalid property Tags[0].Key: must be a tag key",
            ),
            (
                vec![tag("team", &"v".repeat(257))],
                "Invalid property Tags[0].Value: must be a tag value",
            ),
        ] {
            let reason = check(&tags);
            assert!(reason.starts_with(expected), "{reason}");
        }
        assert_eq!(
            check(&[tag("cost centre", "é_.:/=+-@ 1"), tag("team", "")]),
            ""
        );
    }

    #[test]
    fn too_many_tags_are_refused() {
        let tags: Vec<Tag> = (0..46).map(|i| tag(&format!("k{i}"), "v")).collect();
        assert!(
            check(&tags).starts_with("Invalid property Tags: at most 45 tags"),
            "{}",
            check(&tags)
        );
        assert_eq!(check(&tags[..45]), "");
    }

    #[test]
    fn the_tag_diff_repairs_live_tags_and_leaves_others_and_ownership_alone() {
        let live = crate::sagemaker_tags(&[
            tag("team", "fraud"),
            tag("project", "p0"),
            tag("added-by-hand", "yes"),
            tag("old", "1"),
            tag(crate::ownership::STACK_ID_TAG, "arn:stack"),
        ]);
        let desired = [
            tag("team", "fraud"),
            tag("project", "p1"),
            tag("tier", "gold"),
        ];
        let previously = [
            tag("team", "fraud"),
            tag("project", "p0"),
            tag("old", "1"),
            tag("gone", "x"),
        ];

        let changes = TagChanges::between(&desired, &previously, &live);

        assert_eq!(changes.removed, vec!["old"]);
        assert_eq!(
            changes.changed,
            vec![tag("project", "p1"), tag("tier", "gold")]
        );
        assert_eq!(
            TagChanges::between(&desired[..1], &desired[..1], &live),
            TagChanges::default()
        );
    }
}
