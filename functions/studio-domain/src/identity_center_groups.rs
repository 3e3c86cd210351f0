//! `IdentityCenterGroups` (issue #17): IAM Identity Center groups assigned to an `SSO` domain's
//! application, so that their members see Studio in the AWS access portal.
//!
//! The SageMaker Developer Guide, "IAM Identity Center Groups in a domain", adds a group to a
//! domain in these steps: DescribeDomain for `SingleSignOnApplicationArn`, then sso-admin
//! `CreateApplicationAssignment` with the group's id and `PrincipalType` `GROUP`. The rules — a
//! group found by its `displayName` in the application's identity store, an assignment made only
//! where there is none, "already gone" taken as done — are `studio_sagemaker::identity_center`'s.
//!
//! Which assignments are the domain's: each group whose assignment the domain made carries the
//! domain tag `studio-catalog:sso-group:<GroupId>` = `created` ([`SSO_GROUP_TAG_PREFIX`]). An
//! assignment that was there already (an administrator's) is not marked and never removed. Only
//! marked ones are removed: by an update that takes the group out of `IdentityCenterGroups`, and
//! by the delete, before DeleteDomain — what becomes of the application and its assignments when
//! SageMaker deletes the domain is not documented (the DeleteDomain reference does not say), so
//! the delete does not leave it to SageMaker.
//!
//! Not covered: an assignment made by an attempt that failed before it could write its tag (a
//! throttled AddTags, say). The next attempt finds the assignment and cannot tell it from an
//! administrator's, so it is kept: access stays rather than being taken from someone.

use aws_sdk_sagemaker::types::Tag;
use cfn_custom_resource::ResourceError;
use studio_sagemaker::identity_center::{
    self, Assignment, AssignmentError, IdentityCenter, Principal, PrincipalKind,
    SSO_ASSIGNMENT_CREATED,
};
use tracing::info;

use crate::StudioDomain;
use crate::ports::{Domain, StudioDomains};

/// The property, for messages.
const PROPERTY: &str = "IdentityCenterGroups";

/// Key prefix of the domain tags that record the groups whose assignment the domain made; the
/// group's `GroupId` follows (Identity Store `GroupId`: at most 47 of hex digits and hyphens, so
/// the key stays within SageMaker's 128 characters). The value is `created`.
pub const SSO_GROUP_TAG_PREFIX: &str = "studio-catalog:sso-group:";

/// The key of the tag that marks `group_id`'s assignment as the domain's.
pub fn group_tag_key(group_id: &str) -> String {
    format!("{SSO_GROUP_TAG_PREFIX}{group_id}")
}

fn group_tag(group_id: &str) -> Tag {
    Tag::builder()
        .key(group_tag_key(group_id))
        .value(SSO_ASSIGNMENT_CREATED)
        .build()
}

/// The groups whose assignment `tags` (a domain's) say the domain made.
pub fn created_groups(tags: &[Tag]) -> Vec<Principal> {
    tags.iter()
        .filter(|tag| tag.value() == Some(SSO_ASSIGNMENT_CREATED))
        .filter_map(|tag| tag.key()?.strip_prefix(SSO_GROUP_TAG_PREFIX))
        .filter(|id| !id.is_empty())
        .map(|id| Principal {
            kind: PrincipalKind::Group,
            id: id.to_owned(),
        })
        .collect()
}

/// The application groups are assigned to: refused, naming the property, for a domain without
/// one (SageMaker returns `SingleSignOnApplicationArn` "only for domains created after October
/// 1, 2023", DescribeDomain; such a domain's groups are assigned in the console).
fn application_of(domain: &Domain) -> Result<&str, ResourceError> {
    domain
        .single_sign_on_application_arn
        .as_deref()
        .ok_or_else(|| {
            ResourceError::invalid_property(
                PROPERTY,
                format!(
                    "domain {} has no IAM Identity Center application to assign groups to (DescribeDomain returns no SingleSignOnApplicationArn, which SageMaker gives only for SSO domains created after October 1, 2023). Expected no groups: assign them in the IAM Identity Center console",
                    domain.domain_id
                ),
            )
        })
}

impl<S: StudioDomains, I: IdentityCenter> StudioDomain<S, I> {
    /// Assigns each of `groups` to the domain's application, unless it is assigned already, and
    /// marks on the domain each assignment this call made. A group the directory lacks fails,
    /// naming the property and the group (the groups before it stay assigned and marked: the
    /// rollback's delete or update removes them).
    pub(crate) async fn assign_groups(
        &self,
        domain: &Domain,
        groups: &[String],
    ) -> Result<(), ResourceError> {
        if groups.is_empty() {
            return Ok(());
        }
        let application_arn = application_of(domain)?;
        for group in groups {
            match identity_center::assign(
                &self.identity_center,
                application_arn,
                PrincipalKind::Group,
                group,
            )
            .await
            {
                Ok(Assignment::Created(principal)) => {
                    self.studio
                        .add_tags(&domain.domain_arn, vec![group_tag(&principal.id)])
                        .await?;
                    info!(%application_arn, %group, group_id = %principal.id, "assigned the group to the domain's IAM Identity Center application");
                }
                Ok(Assignment::Existing(principal)) => {
                    info!(%application_arn, %group, group_id = %principal.id, "the group was assigned already; the domain leaves that assignment as it is");
                }
                Err(error @ AssignmentError::NoSuchPrincipal { .. }) => {
                    return Err(ResourceError::invalid_property(
                        PROPERTY,
                        format!(
                            "{group} is not a group of domain {}'s IAM Identity Center: {error}. Expected the display name of a group in that directory",
                            domain.domain_id
                        ),
                    ));
                }
                Err(AssignmentError::Aws(error)) => return Err(error.into()),
            }
        }
        Ok(())
    }

    /// An update from `old_groups` to `groups`: a group taken out is unassigned (and its tag
    /// deleted) if the domain's tags say the domain made its assignment; a group added is
    /// assigned as on create; the others are not touched.
    pub(crate) async fn change_groups(
        &self,
        domain: &Domain,
        groups: &[String],
        old_groups: &[String],
    ) -> Result<(), ResourceError> {
        let removed: Vec<&String> = old_groups
            .iter()
            .filter(|group| !groups.contains(group))
            .collect();
        let added: Vec<String> = groups
            .iter()
            .filter(|group| !old_groups.contains(group))
            .cloned()
            .collect();
        // A domain without an application never assigned a group: nothing to take back.
        if let (false, Some(application_arn)) = (
            removed.is_empty(),
            domain.single_sign_on_application_arn.as_deref(),
        ) {
            let created = created_groups(&self.studio.list_tags(&domain.domain_arn).await?);
            if !created.is_empty() {
                let identity_store_id = self
                    .identity_center
                    .identity_store_of(application_arn)
                    .await?;
                for group in removed {
                    let Some(id) = self
                        .identity_center
                        .principal_id(&identity_store_id, PrincipalKind::Group, group)
                        .await?
                    else {
                        info!(%group, "the group is no longer in the directory; nothing to unassign");
                        continue;
                    };
                    let principal = Principal {
                        kind: PrincipalKind::Group,
                        id,
                    };
                    if !created.contains(&principal) {
                        info!(%group, group_id = %principal.id, "the domain did not make this group's assignment; it stays");
                        continue;
                    }
                    let unassigned = identity_center::unassign_principal(
                        &self.identity_center,
                        application_arn,
                        &principal,
                    )
                    .await?;
                    self.studio
                        .delete_tags(&domain.domain_arn, vec![group_tag_key(&principal.id)])
                        .await?;
                    info!(%application_arn, %group, group_id = %principal.id, unassigned, "removed the group the domain had assigned");
                }
            }
        }
        self.assign_groups(domain, &added).await
    }

    /// Before DeleteDomain: removes the assignments `tags` (the domain's) say the domain made.
    /// Gone already is done, so a repeated step is harmless.
    pub(crate) async fn release_groups(
        &self,
        domain: &Domain,
        tags: &[Tag],
    ) -> Result<(), ResourceError> {
        let created = created_groups(tags);
        if created.is_empty() {
            return Ok(());
        }
        let Some(application_arn) = domain.single_sign_on_application_arn.as_deref() else {
            info!(domain_id = %domain.domain_id, "the domain has no IAM Identity Center application; no group to unassign");
            return Ok(());
        };
        for principal in &created {
            let unassigned = identity_center::unassign_principal(
                &self.identity_center,
                application_arn,
                principal,
            )
            .await?;
            info!(%application_arn, group_id = %principal.id, unassigned, "removed a group assignment the domain made");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfn_custom_resource::testing::{Run, run_steps};
    use cfn_custom_resource::{CustomResource, CustomResourceRequest, Invocation, properties};
    use serde_json::json;
    use studio_sagemaker::identity_center::memory::MemoryIdentityCenter;
    use studio_sagemaker::memory::{MemoryStudio, arn};
    use studio_sagemaker::ownership::ownership_tags;

    use crate::ports::in_memory::sso_application_arn;
    use crate::properties::DomainProperties;

    type Resource = StudioDomain<MemoryStudio, MemoryIdentityCenter>;

    /// The sample event's domain name, and so its application (`sso_application_arn`).
    const DOMAIN_NAME: &str = "risk-analytics";

    /// The sample create, made an `SSO` domain with `groups`.
    fn sso_create(groups: &[&str]) -> (CustomResourceRequest, DomainProperties) {
        let event = serde_json::from_str(include_str!("../../../events/studio-domain/create.json"))
            .unwrap();
        let mut request = Invocation::from_payload(event).unwrap().request().clone();
        request.properties["AuthMode"] = json!("SSO");
        request.properties["IdentityCenterGroups"] = json!(groups);
        let parsed = properties::parse(&request.properties).unwrap();
        (request, parsed)
    }

    /// A resource whose directory has the groups data-science, analysts and platform, and whose
    /// application (of the domain the sample create makes) exists.
    fn resource() -> Resource {
        let identity_center = MemoryIdentityCenter::default();
        identity_center.add_application(&sso_application_arn(DOMAIN_NAME));
        for group in ["data-science", "analysts", "platform"] {
            identity_center.add_principal(PrincipalKind::Group, group);
        }
        StudioDomain::new(MemoryStudio::default(), identity_center)
    }

    fn group_id(resource: &Resource, group: &str) -> String {
        resource.identity_center.state().principals[&(PrincipalKind::Group, group.to_owned())]
            .clone()
    }

    fn assigned(resource: &Resource, group: &str) -> bool {
        resource.identity_center.is_assigned_by_name(
            &sso_application_arn(DOMAIN_NAME),
            PrincipalKind::Group,
            group,
        )
    }

    /// An assignment someone else made (an administrator in the console).
    fn assign_by_hand(resource: &Resource, group: &str) {
        let id = group_id(resource, group);
        resource.identity_center.state().assignments.insert((
            sso_application_arn(DOMAIN_NAME),
            Principal {
                kind: PrincipalKind::Group,
                id,
            },
        ));
    }

    fn calls(resource: &Resource, operation: &str) -> usize {
        resource
            .identity_center
            .calls()
            .iter()
            .filter(|call| call.starts_with(operation))
            .count()
    }

    /// The domain's tags that mark a group assignment as its own, as group id -> value.
    fn group_tags(resource: &Resource, domain_id: &str) -> Vec<(String, String)> {
        resource
            .studio
            .tags(&arn(&format!("domain/{domain_id}")))
            .into_iter()
            .filter_map(|(key, value)| {
                Some((key.strip_prefix(SSO_GROUP_TAG_PREFIX)?.to_owned(), value))
            })
            .collect()
    }

    async fn create(resource: &Resource, request: &CustomResourceRequest) -> Run {
        let parsed: DomainProperties = properties::parse(&request.properties).unwrap();
        run_steps(|state| resource.create(request, &parsed, state)).await
    }

    async fn delete(
        resource: &Resource,
        request: &CustomResourceRequest,
        domain_id: &str,
        properties: &DomainProperties,
    ) {
        run_steps(|state| resource.delete(request, domain_id, properties, state))
            .await
            .completed();
    }

    #[tokio::test]
    async fn create_assigns_each_group_once_in_service_and_marks_only_what_it_made() {
        let resource = resource();
        assign_by_hand(&resource, "analysts");
        let (request, properties) = sso_create(&["data-science", "analysts"]);

        let first = resource.create(&request, &properties, None).await.unwrap();
        assert!(
            matches!(first, cfn_custom_resource::Progress::InProgress { .. }),
            "the new domain is not InService yet"
        );
        assert!(
            resource.identity_center.calls().is_empty(),
            "nothing is assigned before the domain is InService"
        );
        let done = create(&resource, &request).await.completed();

        let domain_id = done.physical_resource_id;
        assert!(assigned(&resource, "data-science"));
        assert!(assigned(&resource, "analysts"));
        assert_eq!(
            group_tags(&resource, &domain_id),
            vec![(group_id(&resource, "data-science"), "created".to_owned())],
            "the assignment that was there already is not the domain's"
        );
        assert_eq!(calls(&resource, "CreateApplicationAssignment"), 1);
        assert_eq!(
            done.data["SingleSignOnApplicationArn"],
            sso_application_arn(DOMAIN_NAME)
        );
    }

    #[tokio::test]
    async fn a_duplicate_delivery_of_the_create_assigns_once() {
        let resource = resource();
        let (request, _) = sso_create(&["data-science", "platform"]);

        let first = create(&resource, &request).await.completed();
        let again = create(&resource, &request).await.completed();

        assert_eq!(first.physical_resource_id, again.physical_resource_id);
        assert_eq!(resource.studio.count("CreateDomain"), 1);
        assert_eq!(calls(&resource, "CreateApplicationAssignment"), 2);
        assert_eq!(group_tags(&resource, &first.physical_resource_id).len(), 2);
    }

    #[tokio::test]
    async fn a_group_missing_from_the_directory_fails_naming_it_and_the_rollback_removes_the_rest()
    {
        let resource = resource();
        let (request, properties) = sso_create(&["data-science", "ghosts"]);

        let run = create(&resource, &request).await;

        let domain_id = run
            .made
            .clone()
            .expect("the FAILED answer names the domain");
        let reason = run.error().to_string();
        assert!(
            reason.starts_with(&format!(
                "Invalid property IdentityCenterGroups: ghosts is not a group of domain {domain_id}'s IAM Identity Center"
            )),
            "{reason}"
        );
        assert!(
            reason.contains("has no group whose displayName is ghosts"),
            "{reason}"
        );
        assert!(assigned(&resource, "data-science"));

        // CloudFormation's rollback deletes the domain the FAILED answer named.
        delete(&resource, &request, &domain_id, &properties).await;
        assert!(!assigned(&resource, "data-science"));
        assert_eq!(resource.studio.count("DeleteDomain"), 1);
    }

    #[tokio::test]
    async fn delete_removes_only_the_assignments_the_domain_made_before_delete_domain() {
        let resource = resource();
        assign_by_hand(&resource, "analysts");
        let (request, properties) = sso_create(&["data-science", "analysts"]);
        let domain_id = create(&resource, &request)
            .await
            .completed()
            .physical_resource_id;

        delete(&resource, &request, &domain_id, &properties).await;

        assert!(!assigned(&resource, "data-science"));
        assert!(assigned(&resource, "analysts"), "an administrator's stays");
        assert_eq!(calls(&resource, "DeleteApplicationAssignment"), 1);
        assert_eq!(
            calls(&resource, "GetGroupId"),
            2,
            "only the create looks the groups up: the delete goes by the ids its tags hold"
        );
        assert_eq!(resource.studio.count("DeleteDomain"), 1);
    }

    #[tokio::test]
    async fn a_failing_unassign_stops_the_delete_before_delete_domain() {
        let resource = resource();
        let (request, properties) = sso_create(&["data-science"]);
        let domain_id = create(&resource, &request)
            .await
            .completed()
            .physical_resource_id;
        resource.identity_center.fail_next(
            "DeleteApplicationAssignment",
            studio_sagemaker::memory::aws_error(
                "DeleteApplicationAssignment",
                "AccessDeniedException",
                cfn_custom_resource::AwsErrorKind::AccessDenied,
            ),
        );

        let error = run_steps(|state| resource.delete(&request, &domain_id, &properties, state))
            .await
            .error();

        assert!(
            error.to_string().contains("AccessDeniedException"),
            "{error}"
        );
        assert_eq!(resource.studio.count("DeleteDomain"), 0);
        assert!(assigned(&resource, "data-science"));
    }

    #[tokio::test]
    async fn an_update_assigns_the_groups_added_and_unassigns_the_removed_ones_it_made() {
        let resource = resource();
        assign_by_hand(&resource, "analysts");
        let (request, old) = sso_create(&["data-science", "analysts"]);
        let domain_id = create(&resource, &request)
            .await
            .completed()
            .physical_resource_id;
        let (_, new) = sso_create(&["platform"]);
        assert_eq!(new.replacement_reason(&old), None, "in place");

        let updated = run_steps(|state| resource.update(&request, &domain_id, &new, &old, state))
            .await
            .completed();

        assert_eq!(updated.physical_resource_id, domain_id);
        assert!(
            !assigned(&resource, "data-science"),
            "removed: the domain made it"
        );
        assert!(
            assigned(&resource, "analysts"),
            "removed, but not the domain's: it stays"
        );
        assert!(assigned(&resource, "platform"), "added");
        assert_eq!(
            group_tags(&resource, &domain_id),
            vec![(group_id(&resource, "platform"), "created".to_owned())]
        );
        assert_eq!(calls(&resource, "DeleteApplicationAssignment"), 1);
    }

    #[tokio::test]
    async fn an_update_that_keeps_the_groups_makes_no_identity_center_call() {
        let resource = resource();
        let (request, old) = sso_create(&["data-science"]);
        let domain_id = create(&resource, &request)
            .await
            .completed()
            .physical_resource_id;
        let before = resource.identity_center.calls().len();
        let mut new = old.clone();
        new.subnet_ids.truncate(1);

        run_steps(|state| resource.update(&request, &domain_id, &new, &old, state))
            .await
            .completed();

        assert_eq!(resource.identity_center.calls().len(), before);
        assert!(assigned(&resource, "data-science"));
        assert_eq!(group_tags(&resource, &domain_id).len(), 1);
    }

    #[tokio::test]
    async fn groups_on_an_iam_domain_are_refused_before_any_call() {
        let resource = resource();
        let (mut request, _) = sso_create(&["data-science"]);
        request.properties["AuthMode"] = json!("IAM");

        let error = create(&resource, &request).await.error();

        assert_eq!(
            error.to_string(),
            "Invalid property IdentityCenterGroups: expected only with AuthMode SSO (an IAM domain has no IAM Identity Center application to assign groups to), got 1 group(s)"
        );
        assert!(resource.studio.calls().is_empty());
        assert!(resource.identity_center.calls().is_empty());
    }

    #[tokio::test]
    async fn a_domain_without_an_application_fails_naming_the_property() {
        let resource = resource();
        let (request, properties) = sso_create(&["data-science"]);
        let domain_id = "d-abcdefgh1234";
        resource
            .studio
            .add_domain(domain_id, DOMAIN_NAME, ownership_tags(&request));

        let mut new = properties.clone();
        new.identity_center_groups = vec!["data-science".to_owned(), "platform".to_owned()];
        let error =
            run_steps(|state| resource.update(&request, domain_id, &new, &properties, state))
                .await
                .error();

        assert!(
            error.to_string().starts_with(
                "Invalid property IdentityCenterGroups: domain d-abcdefgh1234 has no IAM Identity Center application"
            ),
            "{error}"
        );
        assert!(resource.identity_center.calls().is_empty());
        assert_eq!(resource.studio.count("UpdateDomain"), 0);
    }

    #[tokio::test]
    async fn a_failing_identity_center_call_fails_the_create_naming_the_domain() {
        let resource = resource();
        resource.identity_center.fail_next(
            "CreateApplicationAssignment",
            studio_sagemaker::memory::aws_error(
                "CreateApplicationAssignment",
                "AccessDeniedException",
                cfn_custom_resource::AwsErrorKind::AccessDenied,
            ),
        );
        let (request, _) = sso_create(&["data-science"]);

        let run = create(&resource, &request).await;

        assert!(run.made.is_some());
        let error = run.error();
        assert!(
            error.to_string().contains("AccessDeniedException"),
            "{error}"
        );
        assert!(!assigned(&resource, "data-science"));
    }

    #[test]
    fn only_tags_marked_created_with_a_group_id_name_the_domains_groups() {
        let tag = |key: &str, value: &str| Tag::builder().key(key).value(value).build();
        let tags = [
            tag("studio-catalog:sso-group:g-1", "created"),
            tag("studio-catalog:sso-group:g-2", "existing"),
            tag("studio-catalog:sso-group:", "created"),
            tag("team", "created"),
        ];

        assert_eq!(
            created_groups(&tags),
            vec![Principal {
                kind: PrincipalKind::Group,
                id: "g-1".to_owned()
            }]
        );
        assert_eq!(group_tag_key("g-1"), "studio-catalog:sso-group:g-1");
    }
}
