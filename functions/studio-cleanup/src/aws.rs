//! The cleanup's own ports on the AWS SDK clients. Studio's (domains, apps, tags) are the
//! suite's adapter, [`studio_sagemaker::aws::SageMakerStudio`], which the cleanup takes as it is.

use aws_sdk_cloudformation::Client as CloudFormationClient;
use aws_sdk_sagemaker::Client as SageMakerClient;
use aws_sdk_sagemaker::types::NotebookInstanceStatus;
use aws_sdk_servicecatalog::Client as ServiceCatalogClient;
use aws_sdk_servicecatalog::types::{AccessLevelFilter, AccessLevelFilterKey};
use lambda_support::{AwsError, AwsErrorKind};

use aws_sdk_eventbridge::Client as EventBridgeClient;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_ssm::Client as SsmClient;
use aws_sdk_ssm::types::ParameterType;

use crate::notices::{DETAIL_TYPE_REPORT, EVENT_SOURCE, Notice, RunReport};
use crate::ports::{
    Endpoint, Endpoints, Events, NotebookInstance, NotebookInstances, Page, ProvisionedProduct,
    ProvisionedProducts, StackState, Stacks, Termination, WarningLedger, tag,
};

/// The largest page each listing asks for.
const PAGE_SIZE: i32 = 100;

/// The account's SageMaker, Service Catalog, CloudFormation, EventBridge and SSM clients, built
/// once at cold start.
#[derive(Debug, Clone)]
pub struct AwsAccount {
    sagemaker: SageMakerClient,
    servicecatalog: ServiceCatalogClient,
    cloudformation: CloudFormationClient,
    eventbridge: EventBridgeClient,
    ssm: SsmClient,
}

impl AwsAccount {
    /// The clients for `config`'s account and region.
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        Self {
            sagemaker: SageMakerClient::new(config),
            servicecatalog: ServiceCatalogClient::new(config),
            cloudformation: CloudFormationClient::new(config),
            eventbridge: EventBridgeClient::new(config),
            ssm: SsmClient::new(config),
        }
    }

    /// The same, sharing an existing SageMaker client.
    pub fn with_sagemaker(config: &aws_config::SdkConfig, sagemaker: SageMakerClient) -> Self {
        Self {
            sagemaker,
            ..Self::new(config)
        }
    }
}

impl AwsAccount {
    /// One PutEvents of `entries` (`(detail type, detail JSON)`) with the cleanup's source on
    /// `bus`; how many EventBridge refused (`FailedEntryCount`: the call succeeds even then).
    async fn put_entries(
        &self,
        bus: &str,
        entries: Vec<(&str, String)>,
    ) -> Result<usize, AwsError> {
        let count = entries.len();
        let entries = entries.into_iter().map(|(detail_type, detail)| {
            PutEventsRequestEntry::builder()
                .event_bus_name(bus)
                .source(EVENT_SOURCE)
                .detail_type(detail_type)
                .detail(detail)
                .build()
        });
        let output = self
            .eventbridge
            .put_events()
            .set_entries(Some(entries.collect()))
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("PutEvents", &error))?;
        Ok(usize::try_from(output.failed_entry_count()).unwrap_or(count))
    }
}

impl Events for AwsAccount {
    async fn put_notices(&self, bus: &str, notices: &[Notice]) -> Result<usize, AwsError> {
        let entries = notices
            .iter()
            .map(|notice| {
                let detail = serde_json::to_string(&notice.detail).unwrap_or_default();
                (notice.detail_type.as_str(), detail)
            })
            .collect();
        self.put_entries(bus, entries).await
    }

    async fn put_report(&self, bus: &str, report: &RunReport) -> Result<usize, AwsError> {
        let detail = serde_json::to_string(report).unwrap_or_default();
        self.put_entries(bus, vec![(DETAIL_TYPE_REPORT, detail)])
            .await
    }
}

/// `<path>/<id>`.
fn parameter_name(path: &str, id: &str) -> String {
    format!("{path}/{id}")
}

impl WarningLedger for AwsAccount {
    async fn list_warnings_page(
        &self,
        path: &str,
        next: Option<String>,
    ) -> Result<Page<(String, String)>, AwsError> {
        let output = self
            .ssm
            .get_parameters_by_path()
            .path(path)
            .recursive(false)
            // GetParametersByPath answers at most 10 parameters a page (API reference).
            .max_results(10)
            .set_next_token(next)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("GetParametersByPath", &error))?;
        let warnings = output.parameters().iter().filter_map(|parameter| {
            let name = parameter.name()?;
            let id = name.rsplit('/').next()?.to_owned();
            Some((id, text(parameter.value())))
        });
        Ok(page(warnings, output.next_token()))
    }

    async fn put_warning(&self, path: &str, id: &str, value: &str) -> Result<(), AwsError> {
        self.ssm
            .put_parameter()
            .name(parameter_name(path, id))
            .value(value)
            .r#type(ParameterType::String)
            .overwrite(true)
            .description("studio-cleanup: a warning before terminating this provisioned product")
            .send()
            .await
            .map(drop)
            .map_err(|error| AwsError::from_sdk("PutParameter", &error))
    }

    async fn delete_warning(&self, path: &str, id: &str) -> Result<(), AwsError> {
        match self
            .ssm
            .delete_parameter()
            .name(parameter_name(path, id))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(error) => {
                let error = AwsError::from_sdk("DeleteParameter", &error);
                // ParameterNotFound: already gone, as wanted.
                if error.code.as_deref() == Some("ParameterNotFound") {
                    Ok(())
                } else {
                    Err(error)
                }
            }
        }
    }
}

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

/// A page of `items`, followed by the page `next_token` names (an empty token is no page).
fn page<T>(items: impl IntoIterator<Item = T>, next_token: Option<&str>) -> Page<T> {
    Page {
        items: items.into_iter().collect(),
        next_token: next_token
            .filter(|token| !token.is_empty())
            .map(str::to_owned),
    }
}

/// A status as answered; an answer without one reads as an unknown status (which no rule acts
/// on).
fn status<S: Clone + for<'a> From<&'a str>>(answered: Option<&S>) -> S {
    answered.cloned().unwrap_or_else(|| S::from(""))
}

impl NotebookInstances for AwsAccount {
    async fn list_in_service_notebook_instances(
        &self,
        next: Option<String>,
    ) -> Result<Page<NotebookInstance>, AwsError> {
        let output = self
            .sagemaker
            .list_notebook_instances()
            .status_equals(NotebookInstanceStatus::InService)
            .max_results(PAGE_SIZE)
            .set_next_token(next)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("ListNotebookInstances", &error))?;
        let notebooks = output.notebook_instances().iter().filter_map(|notebook| {
            Some(NotebookInstance {
                name: notebook.notebook_instance_name()?.to_owned(),
                arn: notebook.notebook_instance_arn()?.to_owned(),
                status: status(notebook.notebook_instance_status()),
                instance_type: notebook
                    .instance_type()
                    .map(|instance_type| instance_type.as_str().to_owned()),
            })
        });
        Ok(page(notebooks, output.next_token()))
    }

    async fn stop_notebook_instance(&self, name: &str) -> Result<(), AwsError> {
        self.sagemaker
            .stop_notebook_instance()
            .notebook_instance_name(name)
            .send()
            .await
            .map(drop)
            .map_err(|error| AwsError::from_sdk("StopNotebookInstance", &error))
    }
}

impl Endpoints for AwsAccount {
    async fn list_endpoints(&self, next: Option<String>) -> Result<Page<Endpoint>, AwsError> {
        let output = self
            .sagemaker
            .list_endpoints()
            .max_results(PAGE_SIZE)
            .set_next_token(next)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("ListEndpoints", &error))?;
        let endpoints = output.endpoints().iter().filter_map(|endpoint| {
            Some(Endpoint {
                name: endpoint.endpoint_name()?.to_owned(),
                arn: endpoint.endpoint_arn()?.to_owned(),
                status: status(endpoint.endpoint_status()),
            })
        });
        Ok(page(endpoints, output.next_token()))
    }

    async fn delete_endpoint(&self, name: &str) -> Result<(), AwsError> {
        self.sagemaker
            .delete_endpoint()
            .endpoint_name(name)
            .send()
            .await
            .map(drop)
            .map_err(|error| AwsError::from_sdk("DeleteEndpoint", &error))
    }
}

impl ProvisionedProducts for AwsAccount {
    async fn search_provisioned_products(
        &self,
        next: Option<String>,
    ) -> Result<Page<ProvisionedProduct>, AwsError> {
        // The account level: every user's products, not only the function role's own.
        let account = AccessLevelFilter::builder()
            .key(AccessLevelFilterKey::Account)
            .value("self")
            .build();
        let output = self
            .servicecatalog
            .search_provisioned_products()
            .access_level_filter(account)
            .page_size(PAGE_SIZE)
            .set_page_token(next)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("SearchProvisionedProducts", &error))?;
        let products = output.provisioned_products().iter().filter_map(|product| {
            Some(ProvisionedProduct {
                id: product.id()?.to_owned(),
                name: text(product.name()),
                arn: product.arn()?.to_owned(),
                status: status(product.status()),
                product_type: text(product.r#type()),
                physical_id: product.physical_id().map(str::to_owned),
                last_record_id: product.last_record_id().map(str::to_owned),
                tags: product
                    .tags()
                    .iter()
                    .map(|found| tag(found.key(), found.value()))
                    .collect(),
            })
        });
        Ok(page(products, output.next_page_token()))
    }

    async fn terminate_provisioned_product(
        &self,
        termination: &Termination,
    ) -> Result<String, AwsError> {
        let output = self
            .servicecatalog
            .terminate_provisioned_product()
            .provisioned_product_id(&termination.provisioned_product_id)
            .terminate_token(&termination.terminate_token)
            .ignore_errors(termination.ignore_errors)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("TerminateProvisionedProduct", &error))?;
        Ok(text(
            output.record_detail().and_then(|record| record.record_id()),
        ))
    }
}

impl Stacks for AwsAccount {
    async fn describe_stack(&self, stack_id: &str) -> Result<Option<StackState>, AwsError> {
        let result = self
            .cloudformation
            .describe_stacks()
            .stack_name(stack_id)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("DescribeStacks", &error));
        match result {
            Ok(output) => Ok(output.stacks().first().map(|stack| StackState {
                status: status(stack.stack_status()),
                termination_protection: stack.enable_termination_protection().unwrap_or(false),
            })),
            // CloudFormation answers ValidationError "Stack with id … does not exist".
            Err(error)
                if error.kind == AwsErrorKind::Invalid
                    && error.message.contains("does not exist") =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_cloudformation::operation::describe_stacks::{
        DescribeStacksError, DescribeStacksOutput,
    };
    use aws_sdk_cloudformation::types::{Stack, StackStatus};
    use aws_sdk_sagemaker::operation::delete_app::DeleteAppError;
    use aws_sdk_sagemaker::operation::describe_app::DescribeAppError;
    use aws_sdk_sagemaker::operation::list_apps::ListAppsOutput;
    use aws_sdk_sagemaker::types::error::ResourceNotFound;
    use aws_sdk_sagemaker::types::{AppDetails, AppStatus, AppType};
    use aws_sdk_servicecatalog::operation::search_provisioned_products::SearchProvisionedProductsOutput;
    use aws_sdk_servicecatalog::operation::terminate_provisioned_product::TerminateProvisionedProductOutput;
    use aws_sdk_servicecatalog::types::{
        ProvisionedProductAttribute, ProvisionedProductStatus, RecordDetail,
    };
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;
    use studio_sagemaker::aws::SageMakerStudio;
    use studio_sagemaker::ports::{App, AppOwner, Apps};

    use super::*;

    fn account(
        sagemaker: SageMakerClient,
        servicecatalog: ServiceCatalogClient,
        cloudformation: CloudFormationClient,
    ) -> AwsAccount {
        AwsAccount {
            sagemaker,
            servicecatalog,
            cloudformation,
            eventbridge: mock_client!(aws_sdk_eventbridge, []),
            ssm: mock_client!(aws_sdk_ssm, []),
        }
    }

    fn no_sagemaker() -> SageMakerClient {
        mock_client!(aws_sdk_sagemaker, [])
    }

    fn no_servicecatalog() -> ServiceCatalogClient {
        mock_client!(aws_sdk_servicecatalog, [])
    }

    fn no_cloudformation() -> CloudFormationClient {
        mock_client!(aws_sdk_cloudformation, [])
    }

    fn app() -> App {
        App::new(
            AppOwner::Space("team".into()),
            AppType::JupyterLab,
            "default",
            AppStatus::InService,
        )
    }

    #[tokio::test]
    async fn list_apps_reads_space_and_profile_owners_and_passes_the_page_token() {
        let page = mock!(SageMakerClient::list_apps)
            .match_requests(|r| {
                r.domain_id_equals() == Some("d-abc") && r.next_token() == Some("p2")
            })
            .then_output(|| {
                ListAppsOutput::builder()
                    .apps(
                        AppDetails::builder()
                            .space_name("team")
                            .app_type(AppType::JupyterLab)
                            .app_name("default")
                            .status(AppStatus::InService)
                            .build(),
                    )
                    .apps(
                        AppDetails::builder()
                            .user_profile_name("alice")
                            .app_type(AppType::KernelGateway)
                            .app_name("datascience-1")
                            .status(AppStatus::Deleted)
                            .build(),
                    )
                    .next_token("p3")
                    .build()
            });
        let client = mock_client!(aws_sdk_sagemaker, [&page]);
        let studio = SageMakerStudio::new(client);

        let page = studio
            .list_apps_page("d-abc", None, Some("p2".into()))
            .await
            .expect("listed");
        assert_eq!(page.next_token.as_deref(), Some("p3"));
        assert_eq!(page.items[0].owner, AppOwner::Space("team".into()));
        assert_eq!(page.items[1].owner, AppOwner::UserProfile("alice".into()));
        assert_eq!(page.items[1].status, AppStatus::Deleted);
    }

    #[tokio::test]
    async fn a_missing_app_is_none_and_a_throttled_delete_is_retried_by_the_sdk() {
        let missing = mock!(SageMakerClient::describe_app).then_error(|| {
            DescribeAppError::ResourceNotFound(
                ResourceNotFound::builder()
                    .message("Cannot find App")
                    .meta(
                        ErrorMetadata::builder()
                            .code("ResourceNotFound")
                            .message("Cannot find App")
                            .build(),
                    )
                    .build(),
            )
        });
        let throttled = mock!(SageMakerClient::delete_app)
            .sequence()
            .error(|| {
                DeleteAppError::generic(
                    ErrorMetadata::builder()
                        .code("ThrottlingException")
                        .message("Rate exceeded")
                        .build(),
                )
            })
            .output(|| aws_sdk_sagemaker::operation::delete_app::DeleteAppOutput::builder().build())
            .build();
        let client = mock_client!(
            aws_sdk_sagemaker,
            RuleMode::MatchAny,
            [&missing, &throttled],
            |config| config.retry_config(
                aws_sdk_sagemaker::config::retry::RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(std::time::Duration::from_millis(1))
            )
        );
        let studio = SageMakerStudio::new(client);

        assert_eq!(
            studio
                .describe_app("d-abc", &app())
                .await
                .expect("answered"),
            None
        );
        studio
            .delete_app("d-abc", &app())
            .await
            .expect("retried, then deleted");
        assert_eq!(throttled.num_calls(), 2);
    }

    #[tokio::test]
    async fn products_are_searched_at_the_account_level_and_terminated_with_the_token() {
        let search = mock!(ServiceCatalogClient::search_provisioned_products)
            .match_requests(|r| {
                r.access_level_filter().is_some_and(|f| {
                    f.key() == Some(&AccessLevelFilterKey::Account) && f.value() == Some("self")
                }) && r.page_size() == Some(100)
            })
            .then_output(|| {
                SearchProvisionedProductsOutput::builder()
                    .provisioned_products(
                        ProvisionedProductAttribute::builder()
                            .id("pp-1")
                            .arn("arn:aws:servicecatalog:us-east-1:123456789012:stack/p/pp-1")
                            .status(ProvisionedProductStatus::Available)
                            .r#type("CFN_STACK")
                            .tags(
                                aws_sdk_servicecatalog::types::Tag::builder()
                                    .key("expires-at")
                                    .value("2020-01-01T00:00:00Z")
                                    .build()
                                    .expect("tag"),
                            )
                            .build(),
                    )
                    .next_page_token("")
                    .build()
            });
        let terminate = mock!(ServiceCatalogClient::terminate_provisioned_product)
            .match_requests(|r| {
                r.provisioned_product_id() == Some("pp-1")
                    && r.terminate_token() == Some("tok")
                    && r.ignore_errors() == Some(true)
            })
            .then_output(|| {
                TerminateProvisionedProductOutput::builder()
                    .record_detail(RecordDetail::builder().record_id("rec-1").build())
                    .build()
            });
        let client = mock_client!(aws_sdk_servicecatalog, [&search, &terminate]);
        let account = account(no_sagemaker(), client, no_cloudformation());

        let page = account
            .search_provisioned_products(None)
            .await
            .expect("searched");
        assert_eq!(page.next_token, None, "an empty token is the last page");
        assert_eq!(
            page.items[0].tags,
            vec![tag("expires-at", "2020-01-01T00:00:00Z")]
        );
        let record = account
            .terminate_provisioned_product(&Termination {
                provisioned_product_id: "pp-1".into(),
                terminate_token: "tok".into(),
                ignore_errors: true,
            })
            .await
            .expect("terminated");
        assert_eq!(record, "rec-1");
    }

    #[tokio::test]
    async fn a_stack_cloudformation_does_not_know_is_none() {
        let unknown = mock!(CloudFormationClient::describe_stacks)
            .match_requests(|r| r.stack_name() == Some("arn:stack/gone"))
            .then_error(|| {
                DescribeStacksError::generic(
                    ErrorMetadata::builder()
                        .code("ValidationError")
                        .message("Stack with id arn:stack/gone does not exist")
                        .build(),
                )
            });
        let protected = mock!(CloudFormationClient::describe_stacks)
            .match_requests(|r| r.stack_name() == Some("arn:stack/kept"))
            .then_output(|| {
                DescribeStacksOutput::builder()
                    .stacks(
                        Stack::builder()
                            .stack_name("kept")
                            .stack_status(StackStatus::CreateComplete)
                            .enable_termination_protection(true)
                            .build(),
                    )
                    .build()
            });
        let client = mock_client!(
            aws_sdk_cloudformation,
            RuleMode::MatchAny,
            [&unknown, &protected]
        );
        let account = account(no_sagemaker(), no_servicecatalog(), client);

        assert_eq!(
            account
                .describe_stack("arn:stack/gone")
                .await
                .expect("answered"),
            None
        );
        assert_eq!(
            account
                .describe_stack("arn:stack/kept")
                .await
                .expect("answered"),
            Some(StackState {
                status: StackStatus::CreateComplete,
                termination_protection: true
            })
        );
    }

    #[tokio::test]
    async fn notices_are_put_on_the_bus_with_the_cleanups_source_and_a_json_detail() {
        use aws_sdk_eventbridge::operation::put_events::PutEventsOutput;
        let put = mock!(EventBridgeClient::put_events)
            .match_requests(|r| {
                r.entries().len() == 1
                    && r.entries().iter().all(|e| {
                        e.source() == Some("studio-catalog.cleanup")
                            && e.detail_type() == Some("Studio Cleanup Warning")
                            && e.event_bus_name() == Some("platform")
                            && e.detail().is_some_and(|d| {
                                serde_json::from_str::<serde_json::Value>(d)
                                    .is_ok_and(|v| v["ownerIdentity"] == "alice-id")
                            })
                    })
            })
            .then_output(|| PutEventsOutput::builder().failed_entry_count(0).build());
        let account = AwsAccount {
            eventbridge: mock_client!(aws_sdk_eventbridge, [&put]),
            ..account(no_sagemaker(), no_servicecatalog(), no_cloudformation())
        };
        let notice = Notice {
            detail_type: crate::notices::DETAIL_TYPE_WARNING.to_owned(),
            detail: crate::notices::NoticeDetail {
                rule: "expired".into(),
                resource_type: "studio_app".into(),
                resource_arn: "arn".into(),
                resource_name: "k1".into(),
                domain_id: Some("d-abc".into()),
                owner_profile: Some("alice".into()),
                owner_identity: Some("alice-id".into()),
                warned_at: None,
                act_after: None,
                action: "DeleteApp".into(),
                dry_run: false,
            },
        };

        let refused = account.put_notices("platform", &[notice]).await.unwrap();

        assert_eq!(refused, 0);
        assert_eq!(put.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_warning_parameter_already_gone_is_deleted_as_wanted() {
        use aws_sdk_ssm::operation::delete_parameter::DeleteParameterError;
        use aws_sdk_ssm::types::error::ParameterNotFound;
        let gone = mock!(SsmClient::delete_parameter)
            .match_requests(|r| r.name() == Some("/studio-catalog/cleanup/warnings/pp-1"))
            .then_error(|| {
                DeleteParameterError::ParameterNotFound(
                    ParameterNotFound::builder()
                        .meta(ErrorMetadata::builder().code("ParameterNotFound").build())
                        .build(),
                )
            });
        let account = AwsAccount {
            ssm: mock_client!(aws_sdk_ssm, [&gone]),
            ..account(no_sagemaker(), no_servicecatalog(), no_cloudformation())
        };

        account
            .delete_warning("/studio-catalog/cleanup/warnings", "pp-1")
            .await
            .expect("a missing parameter is no error");
        assert_eq!(gone.num_calls(), 1);
    }
}
