//! The SageMaker calls that read and change a resource's tags.

use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::types::Tag;
use cfn_custom_resource::AwsError;

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
        .map_err(|error| AwsError::from_sdk("ListTags", &error))
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
        .map_err(|error| AwsError::from_sdk("AddTags", &error))
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
        .map_err(|error| AwsError::from_sdk("DeleteTags", &error))
}
