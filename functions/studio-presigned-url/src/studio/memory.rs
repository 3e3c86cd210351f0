//! The sign-in's own call, CreatePresignedDomainUrl, on the suite's in-memory Studio
//! ([`studio_sagemaker::memory::MemoryStudio`]), and the little set-up its unit tests share.
//!
//! The call is recorded in the Studio's call log as `CreatePresignedDomainUrl <request as
//! JSON>`, so that [`presigned`] reads the requests back; like SageMaker, it answers
//! `ResourceNotFound` for a user profile that does not exist (the one error the SageMaker API
//! model, `sagemaker/2017-07-24/service-2.json`, lists for CreatePresignedDomainUrl).

use aws_sdk_sagemaker::types::Tag;
use lambda_support::AwsError;
use studio_sagemaker::memory::{self, MemoryStudio};

use super::{PresignRequest, PresignedUrl, PresignedUrls};

const OPERATION: &str = "CreatePresignedDomainUrl";

/// An empty Studio whose statuses stay as the test sets them.
pub(crate) fn held_studio() -> MemoryStudio {
    let studio = MemoryStudio::default();
    studio.hold_statuses();
    studio
}

/// Tags from `(key, value)` pairs.
pub(crate) fn tags(pairs: &[(&str, &str)]) -> Vec<Tag> {
    pairs
        .iter()
        .map(|(key, value)| Tag::builder().key(*key).value(*value).build())
        .collect()
}

/// The CreatePresignedDomainUrl requests made, in order.
pub(crate) fn presigned(studio: &MemoryStudio) -> Vec<PresignRequest> {
    studio
        .calls()
        .iter()
        .filter_map(|call| call.strip_prefix(OPERATION)?.strip_prefix(' '))
        .map(|request| serde_json::from_str(request).expect("a recorded request"))
        .collect()
}

impl PresignedUrls for MemoryStudio {
    async fn create_presigned_domain_url(
        &self,
        request: &PresignRequest,
    ) -> Result<PresignedUrl, AwsError> {
        let detail = serde_json::to_string(request).expect("a request serializes");
        let state = self.call(OPERATION, &detail)?;
        let key = (request.domain_id.clone(), request.user_profile_name.clone());
        if !state.profiles.contains_key(&key) {
            return Err(memory::not_found(
                OPERATION,
                &format!("UserProfile {}", request.user_profile_name),
            ));
        }
        drop(state);
        Ok(PresignedUrl::new(format!(
            "https://{}.studio.us-east-1.sagemaker.aws/auth?token=secret-{}-{}",
            request.domain_id,
            request.user_profile_name,
            self.count(OPERATION)
        )))
    }
}
