//! Whether the domain signs its users in through IAM Identity Center (`AuthMode` `SSO`).
//!
//! On such a domain CreatePresignedDomainUrl cannot sign anyone in ("Creates a URL for a
//! specified UserProfile in a Domain. [...] This operation can only be called when the
//! authentication mode equals IAM", SageMaker API Reference, CreatePresignedDomainUrl, as in
//! botocore's `sagemaker/2017-07-24` model): its users
//! open Studio from the IAM Identity Center AWS access portal. The function asks only when a
//! sign-in is about to be refused (no profile tagged for the caller, or CreatePresignedDomainUrl
//! refused the request), so that a sign-in that works costs no extra call; the answer is kept for
//! the life of the instance, since a domain's `AuthMode` cannot change (UpdateDomain has no
//! `AuthMode`; CloudFormation replaces a domain whose `AuthMode` changes).

use std::future::Future;

use aws_sdk_sagemaker::types::AuthMode;
use lambda_support::AwsError;
use studio_sagemaker::aws::SageMakerStudio;

/// Reading a domain's authentication mode.
pub trait DomainAuthModes: Send + Sync {
    /// DescribeDomain's `AuthMode`; `None` if the domain does not exist.
    fn domain_auth_mode(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Option<AuthMode>, AwsError>> + Send;
}

impl DomainAuthModes for SageMakerStudio {
    async fn domain_auth_mode(&self, domain_id: &str) -> Result<Option<AuthMode>, AwsError> {
        match self
            .client()
            .describe_domain()
            .domain_id(domain_id)
            .send()
            .await
        {
            Ok(domain) => Ok(domain.auth_mode),
            Err(error) => {
                let error = AwsError::from_sdk("DescribeDomain", &error);
                if error.is_not_found() {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }
}

#[cfg(test)]
mod memory {
    //! The in-memory Studio's domains carry no `AuthMode`: they are all `IAM` domains, as the
    //! suite's products create them. The `SSO` case is tested against the emulator
    //! (`tests/integration/sign_in.rs`).

    use studio_sagemaker::{memory::MemoryStudio, ports::Domains};

    use super::{AuthMode, AwsError, DomainAuthModes};

    impl DomainAuthModes for MemoryStudio {
        async fn domain_auth_mode(&self, domain_id: &str) -> Result<Option<AuthMode>, AwsError> {
            Ok(self
                .describe_domain(domain_id)
                .await?
                .map(|_| AuthMode::Iam))
        }
    }
}
