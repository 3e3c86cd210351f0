//! The ports on the AWS SDK clients.

use aws_sdk_cloudformation::Client as CloudFormationClient;
use aws_sdk_sagemaker::Client as SageMakerClient;
use aws_sdk_sagemaker::types::{AppType, NotebookInstanceStatus};
use aws_sdk_servicecatalog::Client as ServiceCatalogClient;
use aws_sdk_servicecatalog::types::{AccessLevelFilter, AccessLevelFilterKey};
use cfn_custom_resource::{AwsError, AwsErrorKind};
use studio_sagemaker::apps;

use crate::cleanup::owner_of;
use crate::ports::{
    App, AppActivity, AppOwner, Domain, Endpoint, Endpoints, NotebookInstance, NotebookInstances,
    Page, ProvisionedProduct, ProvisionedProducts, SageMakerTags, StackState, Stacks, StudioApps,
    Tag, Termination,
};

/// The largest page each listing asks for.
const PAGE_SIZE: i32 = 100;

/// The account's SageMaker, Service Catalog and CloudFormation clients, built once at cold start.
#[derive(Debug, Clone)]
pub struct AwsAccount {
    sagemaker: SageMakerClient,
    servicecatalog: ServiceCatalogClient,
    cloudformation: CloudFormationClient,
}

impl AwsAccount {
    /// The clients for `config`'s account and region.
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        Self::from_clients(
            SageMakerClient::new(config),
            ServiceCatalogClient::new(config),
            CloudFormationClient::new(config),
        )
    }

    /// Wraps existing clients.
    pub fn from_clients(
        sagemaker: SageMakerClient,
        servicecatalog: ServiceCatalogClient,
        cloudformation: CloudFormationClient,
    ) -> Self {
        Self {
            sagemaker,
            servicecatalog,
            cloudformation,
        }
    }
}

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

/// `None` for a "does not exist" answer.
fn unless_not_found<T>(result: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

impl StudioApps for AwsAccount {
    async fn list_domains(&self, next: Option<String>) -> Result<Page<Domain>, AwsError> {
        let output = self
            .sagemaker
            .list_domains()
            .max_results(PAGE_SIZE)
            .set_next_token(next)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("ListDomains", &error))?;
        let items = output
            .domains()
            .iter()
            .map(|domain| Domain {
                id: text(domain.domain_id()),
                arn: text(domain.domain_arn()),
                status: domain
                    .status()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
            })
            .collect();
        Ok(Page {
            items,
            next: output.next_token().map(str::to_owned),
        })
    }

    async fn describe_domain(&self, domain_id: &str) -> Result<Option<Domain>, AwsError> {
        let result = self
            .sagemaker
            .describe_domain()
            .domain_id(domain_id)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("DescribeDomain", &error));
        unless_not_found(result).map(|output| {
            output.map(|domain| Domain {
                id: text(domain.domain_id()),
                arn: text(domain.domain_arn()),
                status: domain
                    .status()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
            })
        })
    }

    async fn list_apps(
        &self,
        domain_id: &str,
        next: Option<String>,
    ) -> Result<Page<App>, AwsError> {
        let output = self
            .sagemaker
            .list_apps()
            .domain_id_equals(domain_id)
            .max_results(PAGE_SIZE)
            .set_next_token(next)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("ListApps", &error))?;
        let items = output
            .apps()
            .iter()
            .filter_map(|app| {
                Some(App {
                    domain_id: app.domain_id().unwrap_or(domain_id).to_owned(),
                    owner: owner_of(app.user_profile_name(), app.space_name())?,
                    app_type: app.app_type()?.as_str().to_owned(),
                    app_name: app.app_name()?.to_owned(),
                    status: app
                        .status()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                    creation_time: app.creation_time().copied(),
                })
            })
            .collect();
        Ok(Page {
            items,
            next: output.next_token().map(str::to_owned),
        })
    }

    async fn describe_app(&self, app: &App) -> Result<Option<AppActivity>, AwsError> {
        let request = self
            .sagemaker
            .describe_app()
            .domain_id(&app.domain_id)
            .app_type(AppType::from(app.app_type.as_str()))
            .app_name(&app.app_name);
        let request = match &app.owner {
            AppOwner::UserProfile(name) => request.user_profile_name(name),
            AppOwner::Space(name) => request.space_name(name),
        };
        let result = request
            .send()
            .await
            .map_err(|error| AwsError::from_sdk("DescribeApp", &error));
        unless_not_found(result).map(|output| {
            output.map(|app| AppActivity {
                status: app
                    .status()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
                last_user_activity: app.last_user_activity_timestamp().copied(),
                creation_time: app.creation_time().copied(),
            })
        })
    }

    async fn delete_app(&self, app: &App) -> Result<(), AwsError> {
        apps::delete_app(
            &self.sagemaker,
            &app.domain_id,
            &app.owner,
            &app.app_type,
            &app.app_name,
        )
        .await
    }
}

impl SageMakerTags for AwsAccount {
    async fn list_tags(&self, arn: &str, next: Option<String>) -> Result<Page<Tag>, AwsError> {
        let output = self
            .sagemaker
            .list_tags()
            .resource_arn(arn)
            .set_next_token(next)
            .send()
            .await
            .map_err(|error| studio_sagemaker::tagging::tagging_error("ListTags", &error))?;
        let items = output
            .tags()
            .iter()
            .filter_map(|tag| Some(Tag::new(tag.key()?, tag.value().unwrap_or_default())))
            .collect();
        Ok(Page {
            items,
            next: output.next_token().map(str::to_owned),
        })
    }
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
        let items = output
            .notebook_instances()
            .iter()
            .filter_map(|notebook| {
                Some(NotebookInstance {
                    name: notebook.notebook_instance_name()?.to_owned(),
                    arn: notebook.notebook_instance_arn()?.to_owned(),
                    status: notebook
                        .notebook_instance_status()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                })
            })
            .collect();
        Ok(Page {
            items,
            next: output.next_token().map(str::to_owned),
        })
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
        let items = output
            .endpoints()
            .iter()
            .filter_map(|endpoint| {
                Some(Endpoint {
                    name: endpoint.endpoint_name()?.to_owned(),
                    arn: endpoint.endpoint_arn()?.to_owned(),
                    status: endpoint
                        .endpoint_status()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                })
            })
            .collect();
        Ok(Page {
            items,
            next: output.next_token().map(str::to_owned),
        })
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
        let items = output
            .provisioned_products()
            .iter()
            .filter_map(|product| {
                Some(ProvisionedProduct {
                    id: product.id()?.to_owned(),
                    name: text(product.name()),
                    arn: product.arn()?.to_owned(),
                    status: product
                        .status()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                    product_type: text(product.r#type()),
                    physical_id: product.physical_id().map(str::to_owned),
                    last_record_id: product.last_record_id().map(str::to_owned),
                    tags: product
                        .tags()
                        .iter()
                        .map(|tag| Tag::new(tag.key(), tag.value()))
                        .collect(),
                })
            })
            .collect();
        Ok(Page {
            items,
            next: output
                .next_page_token()
                .filter(|token| !token.is_empty())
                .map(str::to_owned),
        })
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
                status: stack
                    .stack_status()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
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
    use aws_sdk_sagemaker::types::{AppDetails, AppStatus};
    use aws_sdk_servicecatalog::operation::search_provisioned_products::SearchProvisionedProductsOutput;
    use aws_sdk_servicecatalog::operation::terminate_provisioned_product::TerminateProvisionedProductOutput;
    use aws_sdk_servicecatalog::types::{
        ProvisionedProductAttribute, ProvisionedProductStatus, RecordDetail,
    };
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    fn account(
        sagemaker: SageMakerClient,
        servicecatalog: ServiceCatalogClient,
        cloudformation: CloudFormationClient,
    ) -> AwsAccount {
        AwsAccount::from_clients(sagemaker, servicecatalog, cloudformation)
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
        App {
            domain_id: "d-abc".into(),
            owner: AppOwner::Space("team".into()),
            app_type: "JupyterLab".into(),
            app_name: "default".into(),
            status: "InService".into(),
            creation_time: None,
        }
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
        let account = account(client, no_servicecatalog(), no_cloudformation());

        let page = account
            .list_apps("d-abc", Some("p2".into()))
            .await
            .expect("listed");
        assert_eq!(page.next.as_deref(), Some("p3"));
        assert_eq!(page.items[0].owner, AppOwner::Space("team".into()));
        assert_eq!(page.items[0].domain_id, "d-abc");
        assert_eq!(page.items[1].owner, AppOwner::UserProfile("alice".into()));
        assert_eq!(page.items[1].status, "Deleted");
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
        let account = account(client, no_servicecatalog(), no_cloudformation());

        assert_eq!(account.describe_app(&app()).await.expect("answered"), None);
        account
            .delete_app(&app())
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
        assert_eq!(page.next, None, "an empty token is the last page");
        assert_eq!(
            page.items[0].tags,
            vec![Tag::new("expires-at", "2020-01-01T00:00:00Z")]
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
                status: "CREATE_COMPLETE".into(),
                termination_protection: true
            })
        );
    }
}
