//! The SageMaker calls on user profiles that more than one function makes.

use aws_sdk_sagemaker::Client;
use cfn_custom_resource::AwsError;

/// DeleteUserProfile.
pub async fn delete_user_profile(
    client: &Client,
    domain_id: &str,
    user_profile_name: &str,
) -> Result<(), AwsError> {
    client
        .delete_user_profile()
        .domain_id(domain_id)
        .user_profile_name(user_profile_name)
        .send()
        .await
        .map(drop)
        .map_err(|error| AwsError::from_sdk("DeleteUserProfile", &error))
}
