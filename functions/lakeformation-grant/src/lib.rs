//! `Custom::LakeFormationGrant`: one principal's Lake Formation permissions on one resource,
//! updated in place.
//!
//! The native `AWS::LakeFormation::PrincipalPermissions` replaces itself on every change:
//! revoke, then grant — an access gap, and failures when grants run concurrently. This
//! resource instead:
//!
//! - **creates** with GrantPermissions, under a physical id derived from the principal and the
//!   object granted on, so a duplicate delivery converges on the same grant;
//! - **updates** a change of `Principal` or of the object (another table, database...) as a
//!   replacement: the new grant first, under a new id; CloudFormation then deletes (revokes)
//!   the old one. Any other change — permissions, grant options, the columns of the same
//!   table, the values of the same LF-tag — is made in place under the same id: the new grant
//!   first, then the revokes of what it no longer has (see [`grant::plan_update`]);
//! - **deletes** with RevokePermissions; nothing left to revoke, or an object that no longer
//!   exists, is success;
//! - retries what is transient (throttling, `ConcurrentModificationException`,
//!   `OperationTimeoutException`) and, for about two minutes, `Invalid principal` — IAM
//!   propagation right after the role was created;
//! - validates before calling AWS: exactly one resource shape, known permission names that fit
//!   the kind of resource (SELECT only on columns, no SELECT on a database, ...; one table,
//!   [`grant::GrantResource::permissions_that_fit`]), column names or a column wildcard but not
//!   both. An update whose new permissions do not fit fails before granting anything;
//! - refuses, from the core stack's configuration ([`config::GrantPolicy`]), a permission or a
//!   grant option it does not allow and a principal that is not one of the products' roles of
//!   this account — on create and on update, before any Lake Formation call (#14 section 4).
//!
//! Attributes: `Principal`, `ResourceType` (`TABLE`, `TABLE_WITH_COLUMNS`, `DATABASE`, ...).

pub mod aws;
pub mod config;
pub mod grant;
#[cfg(test)]
mod memory;
pub mod ports;
pub mod properties;

use cfn_custom_resource::{
    AwsError, AwsErrorKind, Completed, CustomResource, CustomResourceRequest, Progress,
    ResourceError,
};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use crate::config::GrantPolicy;
use crate::grant::{Grant, UpdatePlan, plan_update};
use crate::ports::{Grants, LakeFormationError};
use crate::properties::GrantProperties;

/// How many times GrantPermissions is tried while Lake Formation answers `Invalid principal`:
/// with the protocol's polling (0.5 s doubling to 15 s), about two minutes, what IAM takes to
/// propagate a new role.
pub const MAX_PRINCIPAL_ATTEMPTS: u32 = 12;

/// What a grant step carries to the next one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GrantState {
    /// GrantPermissions calls answered `Invalid principal` so far.
    pub principal_attempts: u32,
}

/// The custom resource, over any [`Grants`].
#[derive(Debug)]
pub struct LakeFormationGrant<G> {
    grants: G,
    policy: GrantPolicy,
}

impl<G: Grants> LakeFormationGrant<G> {
    /// A resource granting through `grants` what `policy` allows.
    pub fn new(grants: G, policy: GrantPolicy) -> Self {
        Self { grants, policy }
    }

    /// The properties as a grant the core stack allows, checked before any call.
    fn allowed(&self, properties: &GrantProperties, account: &str) -> Result<Grant, ResourceError> {
        let grant = Grant::from_properties(properties)?;
        self.policy.check(&grant, account).inspect_err(|error| {
            warn!(principal = %grant.principal, permissions = ?grant.permissions, grantable = ?grant.grantable, %error, "refused by the core stack's grant policy");
        })?;
        Ok(grant)
    }

    /// Grants `grant` in full; done under `physical_id`.
    async fn grant(
        &self,
        grant: &Grant,
        physical_id: String,
        state: Option<GrantState>,
    ) -> Result<Progress<GrantState>, ResourceError> {
        if let Some(waiting) = self.grant_or_wait(grant, state).await? {
            return Ok(waiting);
        }
        info!(
            principal = %grant.principal,
            resource_type = grant.resource.resource_type(),
            permissions = ?grant.permissions,
            grantable = ?grant.grantable,
            physical_resource_id = %physical_id,
            "granted"
        );
        Ok(Progress::Done(completed(grant, physical_id)))
    }

    /// GrantPermissions; `Some` if it must be tried again later (IAM propagation).
    async fn grant_or_wait(
        &self,
        grant: &Grant,
        state: Option<GrantState>,
    ) -> Result<Option<Progress<GrantState>>, ResourceError> {
        match self.grants.grant(grant).await {
            Ok(()) => Ok(None),
            Err(LakeFormationError::InvalidPrincipal(error)) => {
                let attempts = state.unwrap_or_default().principal_attempts + 1;
                if attempts >= MAX_PRINCIPAL_ATTEMPTS {
                    return Err(ResourceError::permanent(format!(
                        "{error}. Lake Formation still does not accept the principal after {attempts} attempts over about two minutes: check that Principal names an existing IAM role or user"
                    )));
                }
                warn!(principal = %grant.principal, attempts, "principal not known to Lake Formation yet; waiting for IAM");
                Ok(Some(Progress::waiting(
                    GrantState {
                        principal_attempts: attempts,
                    },
                    format!(
                        "IAM to make {} known to Lake Formation (Invalid principal)",
                        grant.principal
                    ),
                )))
            }
            Err(LakeFormationError::NotFound(error)) => Err(ResourceError::permanent(format!(
                "{error}. The {} to grant on must exist in the Data Catalog before the grant",
                object_name(grant)
            ))),
            Err(LakeFormationError::NothingToRevoke(error) | LakeFormationError::Failed(error)) => {
                Err(failure(error))
            }
        }
    }

    /// RevokePermissions; what is not held (any more) counts as revoked. Returns whether
    /// something was revoked.
    async fn revoke(&self, grant: &Grant) -> Result<bool, ResourceError> {
        match self.grants.revoke(grant).await {
            Ok(()) => {
                info!(
                    principal = %grant.principal,
                    resource_type = grant.resource.resource_type(),
                    permissions = ?grant.permissions,
                    grantable = ?grant.grantable,
                    "revoked"
                );
                Ok(true)
            }
            Err(
                LakeFormationError::NothingToRevoke(error)
                | LakeFormationError::NotFound(error)
                | LakeFormationError::InvalidPrincipal(error),
            ) => {
                info!(principal = %grant.principal, %error, "nothing to revoke");
                Ok(false)
            }
            Err(LakeFormationError::Failed(error)) => Err(failure(error)),
        }
    }
}

impl<G: Grants + 'static> CustomResource for LakeFormationGrant<G> {
    type Properties = GrantProperties;
    type State = GrantState;

    fn owns_physical_id(&self, physical_resource_id: &str) -> bool {
        grant::is_physical_id(physical_resource_id)
    }

    async fn create(
        &self,
        request: &CustomResourceRequest,
        properties: &GrantProperties,
        state: Option<GrantState>,
    ) -> Result<Progress<GrantState>, ResourceError> {
        let grant = self.allowed(properties, account_of(request))?;
        let physical_id = grant.physical_id(account_of(request));
        self.grant(&grant, physical_id, state).await
    }

    async fn update(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &GrantProperties,
        old_properties: &GrantProperties,
        state: Option<GrantState>,
    ) -> Result<Progress<GrantState>, ResourceError> {
        let account = account_of(request);
        // Checked before anything is granted or revoked: a refused update leaves the grant
        // as it was (no access gap, no partial change).
        let new = self.allowed(properties, account)?;
        let plan = match Grant::from_granted_properties(old_properties) {
            // After a failed create kept by a stack without rollback, the id is a placeholder:
            // nothing exists to change in place.
            _ if !grant::is_physical_id(physical_resource_id) => UpdatePlan::Replace,
            Ok(old) => plan_update(&old, &new, account),
            // What cannot be read cannot be changed in place.
            Err(_) => UpdatePlan::Replace,
        };
        match plan {
            UpdatePlan::Replace => {
                let physical_id = new.physical_id(account);
                info!(new_physical_resource_id = %physical_id, "another principal or object: replacing");
                self.grant(&new, physical_id, state).await
            }
            UpdatePlan::InPlace {
                revokes,
                grant_again,
            } => {
                if let Some(waiting) = self.grant_or_wait(&new, state).await? {
                    return Ok(waiting);
                }
                for revoke in &revokes {
                    self.revoke(revoke).await?;
                }
                // What the old grant covered was revoked whole: restore the new one.
                if grant_again && self.grant_or_wait(&new, None).await?.is_some() {
                    return Err(ResourceError::retryable(
                        "Lake Formation answered Invalid principal for a principal it had just accepted",
                    ));
                }
                info!(
                    principal = %new.principal,
                    permissions = ?new.permissions,
                    grantable = ?new.grantable,
                    revokes = revokes.len(),
                    "updated in place"
                );
                Ok(Progress::Done(completed(
                    &new,
                    physical_resource_id.to_owned(),
                )))
            }
        }
    }

    async fn delete(
        &self,
        request: &CustomResourceRequest,
        physical_resource_id: &str,
        properties: &GrantProperties,
        _state: Option<GrantState>,
    ) -> Result<Progress<GrantState>, ResourceError> {
        // What was granted: a permission that does not fit the resource was never held.
        let grant = Grant::from_granted_properties(properties)?;
        let expected = grant.physical_id(account_of(request));
        if expected != physical_resource_id {
            warn!(%expected, "the physical id is not the one these properties give; revoking what the properties name");
        }
        let revoked = !grant.is_empty() && self.revoke(&grant).await?;
        let reason = if revoked {
            format!("Revoked from {}", grant.principal)
        } else {
            "Nothing to revoke: the grant or what it was on no longer exists".to_owned()
        };
        Ok(Progress::Done(
            Completed::new(physical_resource_id).with_reason(reason),
        ))
    }
}

/// The stack's account (the default Data Catalog), from its ARN.
fn account_of(request: &CustomResourceRequest) -> &str {
    request.stack_id.split(':').nth(4).unwrap_or_default()
}

fn completed(grant: &Grant, physical_id: String) -> Completed {
    let permissions = grant
        .permissions
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    Completed::new(physical_id)
        .with_data("Principal", grant.principal.clone())
        .with_data("ResourceType", grant.resource.resource_type())
        .with_reason(format!(
            "Granted {permissions} on {} to {}",
            grant.resource.resource_type(),
            grant.principal
        ))
}

fn object_name(grant: &Grant) -> &'static str {
    match grant.resource {
        grant::GrantResource::Catalog { .. } => "catalog",
        grant::GrantResource::Database { .. } | grant::GrantResource::Table { name: None, .. } => {
            "database"
        }
        grant::GrantResource::Table { .. } | grant::GrantResource::TableWithColumns { .. } => {
            "table (and its database)"
        }
        grant::GrantResource::DataLocation { .. } => "registered data location",
        grant::GrantResource::DataCellsFilter { .. } => "data cells filter",
        grant::GrantResource::LfTag { .. } | grant::GrantResource::LfTagPolicy { .. } => {
            "LF-tag (key and values)"
        }
    }
}

/// A Lake Formation failure as CloudFormation's `Reason`, or a retry if it is transient.
fn failure(error: AwsError) -> ResourceError {
    if error.kind == AwsErrorKind::AccessDenied {
        return ResourceError::permanent(format!(
            "{error}. The function's execution role must be a Lake Formation data lake administrator, or hold these permissions with grant option, and be allowed lakeformation:GrantPermissions and lakeformation:RevokePermissions"
        ));
    }
    ResourceError::from(error)
}

#[cfg(test)]
mod tests;
