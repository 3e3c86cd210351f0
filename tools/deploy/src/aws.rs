//! The ports implemented on the AWS SDK clients.

use std::collections::BTreeMap;

use aws_sdk_cloudformation::{
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    types::{Capability, Parameter},
};
use aws_sdk_s3::{
    primitives::ByteStream,
    types::{BucketLocationConstraint, CreateBucketConfiguration},
};
use aws_smithy_types::date_time::Format;

use crate::{
    deploy::{
        EventPage, ParameterValue, StackApiError, StackEvent, StackRequest, StackState, Stacks,
        TemplateSummary, UpdateStarted,
    },
    org_rollout::{
        Amount, CallAs, InstanceState, OperationPreferences, OperationState, StackSetRequest,
        StackSets,
    },
    package::{ArtifactStore, StoreError},
    share::{
        MemberAccountShare, NodeType, OrganizationNode, OrganizationsAccess, PortfolioShares,
        SHARE_PRINCIPALS, SHARE_TAG_OPTIONS, ShareApiError, ShareErrorDetail, ShareStatus,
    },
};

/// An S3 client for `config`: path-style addressing when an endpoint override is set (local
/// emulators serve every bucket on one host).
pub fn s3_client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let s3_config = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(config.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(s3_config)
}

/// What an SDK error says: its AWS error code, if any, and its message (else the whole error
/// context, e.g. a connection failure).
fn code_and_message<E, R>(error: &SdkError<E, R>) -> (Option<String>, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let message = error
        .message()
        .map_or_else(|| DisplayErrorContext(error).to_string(), str::to_owned);
    (error.code().map(str::to_owned), message)
}

fn api_error<E, R>(operation: &'static str, error: &SdkError<E, R>) -> StackApiError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let (code, message) = code_and_message(error);
    StackApiError {
        operation,
        code,
        message,
    }
}

fn share_api_error<E, R>(operation: &'static str, error: &SdkError<E, R>) -> ShareApiError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let (code, message) = code_and_message(error);
    ShareApiError {
        operation,
        code,
        message,
    }
}

fn store_error<E, R>(operation: &'static str, error: &SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let message = match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => DisplayErrorContext(error).to_string(),
    };
    StoreError { operation, message }
}

impl ArtifactStore for aws_sdk_s3::Client {
    async fn ensure_bucket(&self, bucket: &str) -> Result<(), StoreError> {
        if self.head_bucket().bucket(bucket).send().await.is_ok() {
            return Ok(());
        }
        let region = self.config().region().map(ToString::to_string);
        let mut create = self.create_bucket().bucket(bucket);
        if let Some(region) = region.filter(|r| r != "us-east-1") {
            create = create.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region.as_str()))
                    .build(),
            );
        }
        match create.send().await {
            Ok(_) => Ok(()),
            Err(error) if error.code() == Some("BucketAlreadyOwnedByYou") => Ok(()),
            Err(error) => Err(store_error("CreateBucket", &error)),
        }
    }

    async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<(), StoreError> {
        // Unsigned payload (`x-amz-content-sha256: UNSIGNED-PAYLOAD`, S3 API reference,
        // "Signature Calculations for the Authorization Header: Transferring Payload in a Single
        // Chunk"): the request is still signed, and the SDK's CRC32 checksum (flexible checksums,
        // sent by default) still lets S3 check the body; hashing 250 MB of local debug zips with
        // SHA-256 in a debug build was most of `package --from-binaries`' time (perf: ~60%).
        self.put_object()
            .bucket(bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .customize()
            .disable_payload_signing()
            .send()
            .await
            .map(drop)
            .map_err(|error| store_error("PutObject", &error))
    }
}

fn sdk_parameters(parameters: &[ParameterValue]) -> Vec<Parameter> {
    parameters
        .iter()
        .map(|parameter| match parameter {
            ParameterValue::Value { key, value } => Parameter::builder()
                .parameter_key(key)
                .parameter_value(value)
                .build(),
            ParameterValue::Previous { key } => Parameter::builder()
                .parameter_key(key)
                .use_previous_value(true)
                .build(),
        })
        .collect()
}

/// The capabilities the suite's templates need (they create IAM roles, some named).
fn capabilities() -> Vec<Capability> {
    vec![Capability::CapabilityIam, Capability::CapabilityNamedIam]
}

impl Stacks for aws_sdk_cloudformation::Client {
    async fn describe_stack(&self, stack_name: &str) -> Result<Option<StackState>, StackApiError> {
        let output = match self.describe_stacks().stack_name(stack_name).send().await {
            Ok(output) => output,
            Err(error)
                if error.code() == Some("ValidationError")
                    && error
                        .message()
                        .is_some_and(|m| m.contains("does not exist")) =>
            {
                return Ok(None);
            }
            Err(error) => return Err(api_error("DescribeStacks", &error)),
        };
        let Some(stack) = output.stacks().first() else {
            return Ok(None);
        };
        Ok(Some(StackState {
            stack_id: stack.stack_id().unwrap_or(stack_name).to_owned(),
            status: stack
                .stack_status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            status_reason: stack.stack_status_reason().map(str::to_owned),
            parameters: stack
                .parameters()
                .iter()
                .filter_map(|p| {
                    Some((
                        p.parameter_key()?.to_owned(),
                        p.parameter_value().unwrap_or_default().to_owned(),
                    ))
                })
                .collect(),
            outputs: stack
                .outputs()
                .iter()
                .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
                .collect::<BTreeMap<_, _>>(),
        }))
    }

    async fn template_summary(&self, template_url: &str) -> Result<TemplateSummary, StackApiError> {
        let output = self
            .get_template_summary()
            .template_url(template_url)
            .send()
            .await
            .map_err(|error| api_error("GetTemplateSummary", &error))?;
        Ok(TemplateSummary {
            parameters: output
                .parameters()
                .iter()
                .filter_map(|p| {
                    Some((
                        p.parameter_key()?.to_owned(),
                        p.default_value().map(str::to_owned),
                    ))
                })
                .collect(),
            resource_count: output.resource_types().len(),
        })
    }

    async fn create_stack(&self, request: &StackRequest) -> Result<String, StackApiError> {
        let output = self
            .create_stack()
            .stack_name(&request.stack_name)
            .template_url(&request.template_url)
            .set_parameters(Some(sdk_parameters(&request.parameters)))
            .set_capabilities(Some(capabilities()))
            .client_request_token(&request.client_request_token)
            .send()
            .await
            .map_err(|error| api_error("CreateStack", &error))?;
        Ok(output.stack_id().unwrap_or(&request.stack_name).to_owned())
    }

    async fn update_stack(&self, request: &StackRequest) -> Result<UpdateStarted, StackApiError> {
        match self
            .update_stack()
            .stack_name(&request.stack_name)
            .template_url(&request.template_url)
            .set_parameters(Some(sdk_parameters(&request.parameters)))
            .set_capabilities(Some(capabilities()))
            .client_request_token(&request.client_request_token)
            .send()
            .await
        {
            Ok(_) => Ok(UpdateStarted::Started),
            Err(error) => {
                let error = api_error("UpdateStack", &error);
                if error.is_no_updates() {
                    Ok(UpdateStarted::NoChanges)
                } else {
                    Err(error)
                }
            }
        }
    }

    async fn delete_stack(&self, stack: &str) -> Result<(), StackApiError> {
        self.delete_stack()
            .stack_name(stack)
            .send()
            .await
            .map(drop)
            .map_err(|error| api_error("DeleteStack", &error))
    }

    async fn stack_events(
        &self,
        stack: &str,
        next_token: Option<String>,
    ) -> Result<EventPage, StackApiError> {
        let output = self
            .describe_stack_events()
            .stack_name(stack)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|error| api_error("DescribeStackEvents", &error))?;
        Ok(EventPage {
            events: output
                .stack_events()
                .iter()
                .map(|event| StackEvent {
                    event_id: event.event_id().unwrap_or_default().to_owned(),
                    logical_id: event.logical_resource_id().unwrap_or_default().to_owned(),
                    physical_id: event.physical_resource_id().map(str::to_owned),
                    resource_type: event.resource_type().unwrap_or_default().to_owned(),
                    status: event
                        .resource_status()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                    reason: event.resource_status_reason().map(str::to_owned),
                    timestamp: event
                        .timestamp()
                        .and_then(|t| t.fmt(Format::DateTime).ok())
                        .unwrap_or_default(),
                })
                .collect(),
            next_token: output.next_token().map(str::to_owned),
        })
    }
}

impl PortfolioShares for aws_sdk_servicecatalog::Client {
    async fn shared_with(
        &self,
        portfolio_id: &str,
        node_type: NodeType,
    ) -> Result<Vec<String>, ShareApiError> {
        use aws_sdk_servicecatalog::types::DescribePortfolioShareType;
        let share_type = match node_type {
            NodeType::Organization => DescribePortfolioShareType::Organization,
            NodeType::OrganizationalUnit => DescribePortfolioShareType::OrganizationalUnit,
        };
        let mut ids = Vec::new();
        let mut page_token = None;
        loop {
            let output = self
                .describe_portfolio_shares()
                .portfolio_id(portfolio_id)
                .r#type(share_type.clone())
                .set_page_token(page_token)
                .send()
                .await
                .map_err(|error| share_api_error("DescribePortfolioShares", &error))?;
            ids.extend(
                output
                    .portfolio_share_details()
                    .iter()
                    .filter_map(|d| d.principal_id().map(str::to_owned)),
            );
            match output.next_page_token().filter(|t| !t.is_empty()) {
                Some(next) => page_token = Some(next.to_owned()),
                None => return Ok(ids),
            }
        }
    }

    async fn create_share(
        &self,
        portfolio_id: &str,
        node: &OrganizationNode,
    ) -> Result<String, ShareApiError> {
        use aws_sdk_servicecatalog::types::{OrganizationNode as SdkNode, OrganizationNodeType};
        let node_type = match node.node_type() {
            NodeType::Organization => OrganizationNodeType::Organization,
            NodeType::OrganizationalUnit => OrganizationNodeType::OrganizationalUnit,
        };
        let output = self
            .create_portfolio_share()
            .portfolio_id(portfolio_id)
            .organization_node(
                SdkNode::builder()
                    .r#type(node_type)
                    .value(node.value())
                    .build(),
            )
            .share_tag_options(SHARE_TAG_OPTIONS)
            .share_principals(SHARE_PRINCIPALS)
            .send()
            .await
            .map_err(|error| share_api_error("CreatePortfolioShare", &error))?;
        output
            .portfolio_share_token()
            .map(str::to_owned)
            .ok_or_else(|| ShareApiError {
                operation: "CreatePortfolioShare",
                code: None,
                message: "the answer has no PortfolioShareToken".into(),
            })
    }

    async fn share_status(&self, token: &str) -> Result<ShareStatus, ShareApiError> {
        let output = self
            .describe_portfolio_share_status()
            .portfolio_share_token(token)
            .send()
            .await
            .map_err(|error| share_api_error("DescribePortfolioShareStatus", &error))?;
        let details = output.share_details();
        Ok(ShareStatus {
            status: output
                .status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            successful: details
                .map(|d| d.successful_shares().to_vec())
                .unwrap_or_default(),
            errors: details
                .map(|d| {
                    d.share_errors()
                        .iter()
                        .map(|e| ShareErrorDetail {
                            accounts: e.accounts().to_vec(),
                            error: e.error().map(str::to_owned),
                            message: e.message().map(str::to_owned),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    async fn organizations_access(&self) -> Result<OrganizationsAccess, ShareApiError> {
        use aws_sdk_servicecatalog::types::AccessStatus;
        let output = self
            .get_aws_organizations_access_status()
            .send()
            .await
            .map_err(|error| share_api_error("GetAWSOrganizationsAccessStatus", &error))?;
        Ok(match output.access_status() {
            Some(AccessStatus::Enabled) => OrganizationsAccess::Enabled,
            Some(AccessStatus::Disabled) => OrganizationsAccess::Disabled,
            Some(AccessStatus::UnderChange) => OrganizationsAccess::UnderChange,
            Some(other) => OrganizationsAccess::Other(other.as_str().to_owned()),
            None => OrganizationsAccess::Other("(no AccessStatus)".to_owned()),
        })
    }

    async fn member_accounts(
        &self,
        portfolio_id: &str,
    ) -> Result<Vec<MemberAccountShare>, ShareApiError> {
        use aws_sdk_servicecatalog::types::DescribePortfolioShareType;
        let mut members = Vec::new();
        let mut page_token = None;
        loop {
            let output = self
                .describe_portfolio_shares()
                .portfolio_id(portfolio_id)
                .r#type(DescribePortfolioShareType::OrganizationMemberAccount)
                .set_page_token(page_token)
                .send()
                .await
                .map_err(|error| share_api_error("DescribePortfolioShares", &error))?;
            members.extend(output.portfolio_share_details().iter().filter_map(|d| {
                Some(MemberAccountShare {
                    account_id: d.principal_id()?.to_owned(),
                    accepted: d.accepted(),
                })
            }));
            match output.next_page_token().filter(|t| !t.is_empty()) {
                Some(next) => page_token = Some(next.to_owned()),
                None => return Ok(members),
            }
        }
    }

    async fn enable_organizations_access(&self) -> Result<(), ShareApiError> {
        self.enable_aws_organizations_access()
            .send()
            .await
            .map(drop)
            .map_err(|error| share_api_error("EnableAWSOrganizationsAccess", &error))
    }
}

fn sdk_call_as(call_as: CallAs) -> aws_sdk_cloudformation::types::CallAs {
    match call_as {
        CallAs::SelfAccount => aws_sdk_cloudformation::types::CallAs::SelfValue,
        CallAs::DelegatedAdmin => aws_sdk_cloudformation::types::CallAs::DelegatedAdmin,
    }
}

fn sdk_preferences(
    preferences: &OperationPreferences,
) -> aws_sdk_cloudformation::types::StackSetOperationPreferences {
    use aws_sdk_cloudformation::types::{
        ConcurrencyMode as SdkMode, RegionConcurrencyType, StackSetOperationPreferences,
    };
    let mut builder = StackSetOperationPreferences::builder()
        .set_region_order(Some(preferences.region_order.clone()))
        .region_concurrency_type(RegionConcurrencyType::from(
            preferences.region_concurrency.as_str(),
        ))
        .concurrency_mode(SdkMode::from(preferences.concurrency_mode.as_str()));
    builder = match preferences.failure_tolerance {
        Amount::Count(n) => builder.failure_tolerance_count(i32::try_from(n).unwrap_or(i32::MAX)),
        Amount::Percentage(p) => {
            builder.failure_tolerance_percentage(i32::try_from(p).unwrap_or(100))
        }
    };
    builder = match preferences.max_concurrent {
        Amount::Count(n) => builder.max_concurrent_count(i32::try_from(n).unwrap_or(i32::MAX)),
        Amount::Percentage(p) => builder.max_concurrent_percentage(i32::try_from(p).unwrap_or(100)),
    };
    builder.build()
}

fn key_values(parameters: &[(String, String)]) -> Vec<Parameter> {
    parameters
        .iter()
        .map(|(key, value)| {
            Parameter::builder()
                .parameter_key(key)
                .parameter_value(value)
                .build()
        })
        .collect()
}

fn ou_targets(ous: &[String]) -> aws_sdk_cloudformation::types::DeploymentTargets {
    aws_sdk_cloudformation::types::DeploymentTargets::builder()
        .set_organizational_unit_ids(Some(ous.to_vec()))
        .build()
}

impl StackSets for aws_sdk_cloudformation::Client {
    async fn organizations_access(&self, call_as: CallAs) -> Result<bool, StackApiError> {
        let output = self
            .describe_organizations_access()
            .call_as(sdk_call_as(call_as))
            .send()
            .await
            .map_err(|error| api_error("DescribeOrganizationsAccess", &error))?;
        Ok(output.status().map(|s| s.as_str()) == Some("ENABLED"))
    }

    async fn activate_organizations_access(&self, call_as: CallAs) -> Result<(), StackApiError> {
        // ActivateOrganizationsAccess takes no CallAs: a delegated admin is recognised as such.
        let _ = call_as;
        self.activate_organizations_access()
            .send()
            .await
            .map(drop)
            .map_err(|error| api_error("ActivateOrganizationsAccess", &error))
    }

    async fn stack_set_exists(&self, name: &str, call_as: CallAs) -> Result<bool, StackApiError> {
        match self
            .describe_stack_set()
            .stack_set_name(name)
            .call_as(sdk_call_as(call_as))
            .send()
            .await
        {
            Ok(output) => Ok(output
                .stack_set()
                .and_then(|s| s.status())
                .is_some_and(|s| s.as_str() != "DELETED")),
            Err(error) if error.code() == Some("StackSetNotFoundException") => Ok(false),
            Err(error) => Err(api_error("DescribeStackSet", &error)),
        }
    }

    async fn create_stack_set(&self, request: &StackSetRequest) -> Result<(), StackApiError> {
        use aws_sdk_cloudformation::types::{AutoDeployment, PermissionModels};
        self.create_stack_set()
            .stack_set_name(&request.name)
            .call_as(sdk_call_as(request.call_as))
            .template_url(&request.template_url)
            .set_parameters(Some(key_values(&request.parameters)))
            .set_capabilities(Some(capabilities()))
            .permission_model(PermissionModels::ServiceManaged)
            .auto_deployment(
                AutoDeployment::builder()
                    .enabled(true)
                    .retain_stacks_on_account_removal(request.retain_stacks_on_account_removal)
                    .build(),
            )
            .description("studio-catalog member-account core (studio-catalog-deploy org-rollout)")
            .send()
            .await
            .map(drop)
            .map_err(|error| api_error("CreateStackSet", &error))
    }

    async fn update_stack_set(
        &self,
        request: &StackSetRequest,
        targets: Option<(&[String], &[String])>,
        preferences: &OperationPreferences,
        operation_id: &str,
    ) -> Result<(), StackApiError> {
        use aws_sdk_cloudformation::types::AutoDeployment;
        let (ous, regions) = targets.map_or((None, None), |(ous, regions)| {
            (Some(ou_targets(ous)), Some(regions.to_vec()))
        });
        self.update_stack_set()
            .set_deployment_targets(ous)
            .set_regions(regions)
            .stack_set_name(&request.name)
            .call_as(sdk_call_as(request.call_as))
            .template_url(&request.template_url)
            .set_parameters(Some(key_values(&request.parameters)))
            .set_capabilities(Some(capabilities()))
            .auto_deployment(
                AutoDeployment::builder()
                    .enabled(true)
                    .retain_stacks_on_account_removal(request.retain_stacks_on_account_removal)
                    .build(),
            )
            .operation_preferences(sdk_preferences(preferences))
            .operation_id(operation_id)
            .send()
            .await
            .map(drop)
            .map_err(|error| api_error("UpdateStackSet", &error))
    }

    async fn create_stack_instances(
        &self,
        name: &str,
        call_as: CallAs,
        ous: &[String],
        regions: &[String],
        preferences: &OperationPreferences,
        operation_id: &str,
    ) -> Result<(), StackApiError> {
        self.create_stack_instances()
            .stack_set_name(name)
            .call_as(sdk_call_as(call_as))
            .deployment_targets(ou_targets(ous))
            .set_regions(Some(regions.to_vec()))
            .operation_preferences(sdk_preferences(preferences))
            .operation_id(operation_id)
            .send()
            .await
            .map(drop)
            .map_err(|error| api_error("CreateStackInstances", &error))
    }

    async fn delete_stack_instances(
        &self,
        name: &str,
        call_as: CallAs,
        ous: &[String],
        regions: &[String],
        preferences: &OperationPreferences,
        operation_id: &str,
    ) -> Result<(), StackApiError> {
        self.delete_stack_instances()
            .stack_set_name(name)
            .call_as(sdk_call_as(call_as))
            .deployment_targets(ou_targets(ous))
            .set_regions(Some(regions.to_vec()))
            .retain_stacks(false)
            .operation_preferences(sdk_preferences(preferences))
            .operation_id(operation_id)
            .send()
            .await
            .map(drop)
            .map_err(|error| api_error("DeleteStackInstances", &error))
    }

    async fn delete_stack_set(&self, name: &str, call_as: CallAs) -> Result<(), StackApiError> {
        self.delete_stack_set()
            .stack_set_name(name)
            .call_as(sdk_call_as(call_as))
            .send()
            .await
            .map(drop)
            .map_err(|error| api_error("DeleteStackSet", &error))
    }

    async fn operation(
        &self,
        name: &str,
        call_as: CallAs,
        operation_id: &str,
    ) -> Result<OperationState, StackApiError> {
        let output = self
            .describe_stack_set_operation()
            .stack_set_name(name)
            .call_as(sdk_call_as(call_as))
            .operation_id(operation_id)
            .send()
            .await
            .map_err(|error| api_error("DescribeStackSetOperation", &error))?;
        let operation = output.stack_set_operation();
        Ok(OperationState {
            status: operation
                .and_then(|o| o.status())
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            status_reason: operation.and_then(|o| o.status_reason()).map(str::to_owned),
        })
    }

    async fn instances(
        &self,
        name: &str,
        call_as: CallAs,
        operation_id: Option<&str>,
    ) -> Result<Vec<InstanceState>, StackApiError> {
        use aws_sdk_cloudformation::types::{StackInstanceFilter, StackInstanceFilterName};
        let filters = operation_id.map(|id| {
            vec![
                StackInstanceFilter::builder()
                    .name(StackInstanceFilterName::LastOperationId)
                    .values(id)
                    .build(),
            ]
        });
        let mut found = Vec::new();
        let mut token = None;
        loop {
            let output = self
                .list_stack_instances()
                .stack_set_name(name)
                .call_as(sdk_call_as(call_as))
                .set_filters(filters.clone())
                .set_next_token(token)
                .send()
                .await
                .map_err(|error| api_error("ListStackInstances", &error))?;
            found.extend(output.summaries().iter().map(|s| {
                InstanceState {
                    account: s.account().unwrap_or_default().to_owned(),
                    region: s.region().unwrap_or_default().to_owned(),
                    organizational_unit: s.organizational_unit_id().map(str::to_owned),
                    status: s
                        .status()
                        .map(|v| v.as_str().to_owned())
                        .unwrap_or_default(),
                    detailed_status: s
                        .stack_instance_status()
                        .and_then(|v| v.detailed_status())
                        .map(|v| v.as_str().to_owned())
                        .unwrap_or_default(),
                    status_reason: s.status_reason().map(str::to_owned),
                }
            }));
            match output.next_token().filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next.to_owned()),
                None => return Ok(found),
            }
        }
    }
}
