//! The SageMaker calls that read and change a resource's tags.

use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::types::Tag;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use cfn_custom_resource::{AwsError, AwsErrorKind};

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

/// ListTags of the resource `arn`, every page.
pub async fn list_tags(client: &Client, arn: &str) -> Result<Vec<Tag>, AwsError> {
    client
        .list_tags()
        .resource_arn(arn)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|error| tagging_error("ListTags", &error))
}

/// AddTags (adds or overwrites).
pub async fn add_tags(client: &Client, arn: &str, tags: Vec<Tag>) -> Result<(), AwsError> {
    client
        .add_tags()
        .resource_arn(arn)
        .set_tags(Some(tags))
        .send()
        .await
        .map(drop)
        .map_err(|error| tagging_error("AddTags", &error))
}

/// DeleteTags.
pub async fn delete_tags(client: &Client, arn: &str, keys: Vec<String>) -> Result<(), AwsError> {
    client
        .delete_tags()
        .resource_arn(arn)
        .set_tag_keys(Some(keys))
        .send()
        .await
        .map(drop)
        .map_err(|error| tagging_error("DeleteTags", &error))
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let client = mock_client!(aws_sdk_sagemaker, [&rule]);

        let error = list_tags(
            &client,
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
        let client = mock_client!(aws_sdk_sagemaker, [&rule]);

        let error = list_tags(
            &client,
            "arn:aws:sagemaker:us-east-1:123456789012:domain/d-abcdef123456",
        )
        .await
        .expect_err("denied");

        assert_eq!(error.kind, AwsErrorKind::AccessDenied);
    }
}
