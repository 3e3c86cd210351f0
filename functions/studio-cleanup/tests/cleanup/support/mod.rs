//! What the integration tests share: an emulator, the real `studio-cleanup` binary under the
//! local Lambda service, SDK clients to arrange and inspect the emulated account, and helpers
//! that create Studio domains, apps, notebook instances, endpoints and provisioned products the
//! way a team would.

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, SystemTime};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_sagemaker::config::Credentials;
use aws_sdk_sagemaker::types::{
    AppType, AuthMode, InstanceType, ProductionVariant, ProductionVariantInstanceType, Tag,
    UserSettings,
};
use aws_sdk_servicecatalog::types::{
    PrincipalType, ProductType, ProvisioningArtifactProperties, ProvisioningArtifactType,
};
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde_json::{Value, json};
use studio_catalog_harness::cleanup;
use studio_catalog_harness::emulator::AwsEmulator;
use studio_catalog_harness::lambda::{FunctionSpec, LocalLambda};
use studio_catalog_harness::servicecatalog;
use studio_cleanup::Report;
use studio_cleanup::notices::DETAIL_TYPE_REPORT;

pub(crate) const BINARY: &str = env!("CARGO_BIN_EXE_studio-cleanup");
pub(crate) const FUNCTION: &str = "studio-cleanup";
pub(crate) const ROLE: &str = "arn:aws:iam::123456789012:role/studio-execution";
/// Statuses really pass through `Pending`/`Deleting`.
pub(crate) const TRANSITION_SECONDS: f64 = 0.3;
const WAIT: Duration = Duration::from_secs(20);

pub(crate) type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The tags an expiry time in the past, in the future, and a malformed one.
pub(crate) const EXPIRED: (&str, &str) = ("expires-at", "2024-01-01T00:00:00Z");
pub(crate) const NOT_YET: (&str, &str) = ("expires-at", "2099-12-31T23:59:59+01:00");
pub(crate) const MALFORMED: (&str, &str) = ("expires-at", "2024-01-01 at noon");
pub(crate) const EXEMPT: (&str, &str) = ("cleanup", "exempt");
/// Who the account root's credentials act as in Service Catalog (moto's default identity).
pub(crate) const EMULATOR_DEFAULT_PRINCIPAL: &str = "arn:aws:iam::123456789012:user/moto";

/// One emulated account and the function that cleans it.
pub(crate) struct CleanupUnderTest {
    pub lambda: LocalLambda,
    pub sagemaker: aws_sdk_sagemaker::Client,
    pub servicecatalog: aws_sdk_servicecatalog::Client,
    pub cloudformation: aws_sdk_cloudformation::Client,
    counter: std::sync::atomic::AtomicUsize,
    /// Last: dropped after the functions, so nothing of this test reaches the next lease.
    pub aws: AwsEmulator,
}

/// The clients a test arranges with: another access key than the function's, so that the
/// function only sees other users' provisioned products if it searches at the account level.
/// It is another of the account root's keys: the emulator enforces IAM (the harness's default)
/// and refuses a key it does not know, as AWS does; the root is allowed everything, as an admin
/// arranging the account is.
pub(crate) async fn arranging_config(aws: &AwsEmulator, region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(aws.endpoint_url())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "secret",
            None,
            None,
            "tests",
        ))
        .load()
        .await
}

/// A function spec for the emulator: the emulator's AWS environment, JSON logs, and `env`.
/// Unless `env` sets `WARNING_GRACE_MINUTES`, it acts on the first run (a grace of 0): the tests
/// of warn-then-act set it.
pub(crate) fn function(
    aws: &AwsEmulator,
    name: &str,
    env: &[(&str, &str)],
    timeout: Duration,
) -> FunctionSpec {
    env.iter().fold(
        FunctionSpec::new(name, BINARY)
            .envs(aws.aws_env())
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("WARNING_GRACE_MINUTES", "0")
            .timeout(timeout),
        |spec, (key, value)| spec.env(*key, *value),
    )
}

impl CleanupUnderTest {
    /// An emulator and the function with `env` (over the emulator's AWS environment).
    pub(crate) async fn start(env: &[(&str, &str)]) -> Result<Self, Box<dyn std::error::Error>> {
        Self::start_with_timeout(env, Duration::from_secs(60)).await
    }

    /// The same, with the function's timeout.
    pub(crate) async fn start_with_timeout(
        env: &[(&str, &str)],
        timeout: Duration,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let aws = AwsEmulator::builder()
            .transition_seconds(TRANSITION_SECONDS)
            .lease()
            .await?;
        let lambda = LocalLambda::start(vec![function(&aws, FUNCTION, env, timeout)]).await?;
        let config = arranging_config(&aws, studio_catalog_harness::REGION).await;
        Ok(Self {
            sagemaker: aws_sdk_sagemaker::Client::new(&config),
            servicecatalog: aws_sdk_servicecatalog::Client::new(&config),
            cloudformation: aws_sdk_cloudformation::Client::new(&config),
            aws,
            lambda,
            counter: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    pub(crate) fn unique(&self, prefix: &str) -> String {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{prefix}-{n}")
    }

    /// Invokes the function synchronously with `event`; its report.
    pub(crate) async fn invoke(&self, event: Value) -> Result<Report, Box<dyn std::error::Error>> {
        let result = self.lambda.invoke(FUNCTION, event).await?;
        let payload = result.into_payload()?;
        Ok(serde_json::from_value(payload)?)
    }

    /// Invokes with the scheduler's sample event.
    pub(crate) async fn scheduled_run(&self) -> Result<Report, Box<dyn std::error::Error>> {
        self.invoke(scheduler_event()).await
    }

    /// The warnings and actions the function published (the emulator's record of PutEvents, by
    /// its source; the run reports apart: [`Self::published_reports`]).
    pub(crate) async fn published_events(&self) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
        let events = cleanup::published_events(&self.aws, None).await?;
        Ok(events
            .into_iter()
            .filter(|e| e["DetailType"] != DETAIL_TYPE_REPORT)
            .collect())
    }

    /// The run reports the bus received (`Studio Cleanup Report`), oldest first.
    pub(crate) async fn published_reports(&self) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
        Ok(cleanup::published_events(&self.aws, Some(DETAIL_TYPE_REPORT)).await?)
    }

    /// The tags of `arn`, as a map.
    pub(crate) async fn tags_of(
        &self,
        arn: &str,
    ) -> Result<HashMap<String, String>, Box<dyn std::error::Error>> {
        let output = self.sagemaker.list_tags().resource_arn(arn).send().await?;
        Ok(output
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_owned(),
                    t.value().unwrap_or_default().to_owned(),
                )
            })
            .collect())
    }

    // ---- Studio -------------------------------------------------------------------------

    /// A domain (tagged managed if `managed`), `InService`; returns its id.
    pub(crate) async fn domain(&self, managed: bool) -> Result<String, Box<dyn std::error::Error>> {
        self.domain_with_defaults(
            managed,
            UserSettings::builder().execution_role(ROLE).build(),
        )
        .await
    }

    /// A domain with `defaults` as its `DefaultUserSettings`, `InService`; returns its id.
    pub(crate) async fn domain_with_defaults(
        &self,
        managed: bool,
        defaults: UserSettings,
    ) -> Result<String, Box<dyn std::error::Error>> {
        let mut request = self
            .sagemaker
            .create_domain()
            .domain_name(self.unique("team"))
            .auth_mode(AuthMode::Iam)
            .default_user_settings(defaults)
            .subnet_ids("subnet-0123456789abcdef0")
            .vpc_id("vpc-0123456789abcdef0");
        if managed {
            request = request.tags(tag("studio-catalog:managed", "true"));
        }
        // Boxed: CreateDomain's request future is large.
        let id = Box::pin(request.send())
            .await?
            .domain_id()
            .unwrap_or_default()
            .to_owned();
        wait_until("domain InService", || async {
            let domain = self
                .sagemaker
                .describe_domain()
                .domain_id(&id)
                .send()
                .await?;
            Ok(domain.status().map(|s| s.as_str()) == Some("InService"))
        })
        .await?;
        Ok(id)
    }

    /// A user profile, `InService`.
    pub(crate) async fn user_profile(&self, domain_id: &str, name: &str) -> TestResult {
        self.user_profile_with(domain_id, name, &[], None).await
    }

    /// A user profile tagged `tags`, with its own `settings`, `InService`.
    pub(crate) async fn user_profile_with(
        &self,
        domain_id: &str,
        name: &str,
        tags: &[(&str, &str)],
        settings: Option<UserSettings>,
    ) -> TestResult {
        self.sagemaker
            .create_user_profile()
            .domain_id(domain_id)
            .user_profile_name(name)
            .set_tags(Some(tags.iter().map(|(k, v)| tag(k, v)).collect()))
            .set_user_settings(settings)
            .send()
            .await?;
        wait_until("profile InService", || async {
            let profile = self
                .sagemaker
                .describe_user_profile()
                .domain_id(domain_id)
                .user_profile_name(name)
                .send()
                .await?;
            Ok(profile.status().map(|s| s.as_str()) == Some("InService"))
        })
        .await
    }

    /// A shared space, `InService`.
    pub(crate) async fn space(&self, domain_id: &str, name: &str) -> TestResult {
        self.space_with(domain_id, name, &[], None).await
    }

    /// A shared space tagged `tags`, with `settings`, `InService`.
    pub(crate) async fn space_with(
        &self,
        domain_id: &str,
        name: &str,
        tags: &[(&str, &str)],
        settings: Option<aws_sdk_sagemaker::types::SpaceSettings>,
    ) -> TestResult {
        self.sagemaker
            .create_space()
            .domain_id(domain_id)
            .space_name(name)
            .set_tags(Some(tags.iter().map(|(k, v)| tag(k, v)).collect()))
            .set_space_settings(settings)
            .send()
            .await?;
        wait_until("space InService", || async {
            let space = self
                .sagemaker
                .describe_space()
                .domain_id(domain_id)
                .space_name(name)
                .send()
                .await?;
            Ok(space.status().map(|s| s.as_str()) == Some("InService"))
        })
        .await
    }

    /// An app of a user profile (or, with `space`, of a space), `InService`, created
    /// `age_minutes` ago (backdated through the emulator's control endpoint); returns its ARN.
    pub(crate) async fn app(
        &self,
        domain_id: &str,
        owner: Owner<'_>,
        app_type: AppType,
        app_name: &str,
        age_minutes: u64,
        tags: &[(&str, &str)],
    ) -> Result<String, Box<dyn std::error::Error>> {
        let mut request = self
            .sagemaker
            .create_app()
            .domain_id(domain_id)
            .app_type(app_type.clone())
            .app_name(app_name)
            .set_tags(Some(tags.iter().map(|(k, v)| tag(k, v)).collect()));
        request = match owner {
            Owner::Profile(name) => request.user_profile_name(name),
            Owner::Space(name) => request.space_name(name),
        };
        let arn = request
            .send()
            .await?
            .app_arn()
            .unwrap_or_default()
            .to_owned();
        self.wait_app_status(domain_id, owner, app_type, app_name, "InService")
            .await?;
        self.aws
            .set_creation_time(&arn, &minutes_ago(age_minutes))
            .await?;
        Ok(arn)
    }

    /// An app's status (`Deleted` stays listed a while).
    pub(crate) async fn app_status(
        &self,
        domain_id: &str,
        owner: Owner<'_>,
        app_type: AppType,
        app_name: &str,
    ) -> Result<String, Box<dyn std::error::Error>> {
        let request = self
            .sagemaker
            .describe_app()
            .domain_id(domain_id)
            .app_type(app_type)
            .app_name(app_name);
        let request = match owner {
            Owner::Profile(name) => request.user_profile_name(name),
            Owner::Space(name) => request.space_name(name),
        };
        Ok(request
            .send()
            .await?
            .status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default())
    }

    pub(crate) async fn wait_app_status(
        &self,
        domain_id: &str,
        owner: Owner<'_>,
        app_type: AppType,
        app_name: &str,
        status: &str,
    ) -> TestResult {
        wait_until(&format!("app {app_name} {status}"), || async {
            let now = self
                .app_status(domain_id, owner, app_type.clone(), app_name)
                .await?;
            Ok(now == status)
        })
        .await
    }

    // ---- notebook instances and endpoints -------------------------------------------------

    /// A notebook instance, `InService`; returns its name.
    pub(crate) async fn notebook_instance(
        &self,
        tags: &[(&str, &str)],
    ) -> Result<String, Box<dyn std::error::Error>> {
        let name = self.unique("notebook");
        self.sagemaker
            .create_notebook_instance()
            .notebook_instance_name(&name)
            .instance_type(InstanceType::MlT3Medium)
            .role_arn(ROLE)
            .set_tags(Some(tags.iter().map(|(k, v)| tag(k, v)).collect()))
            .send()
            .await?;
        self.wait_notebook_status(&name, "InService").await?;
        Ok(name)
    }

    pub(crate) async fn notebook_status(
        &self,
        name: &str,
    ) -> Result<String, Box<dyn std::error::Error>> {
        let notebook = self
            .sagemaker
            .describe_notebook_instance()
            .notebook_instance_name(name)
            .send()
            .await?;
        Ok(notebook
            .notebook_instance_status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default())
    }

    pub(crate) async fn wait_notebook_status(&self, name: &str, status: &str) -> TestResult {
        wait_until(&format!("notebook {name} {status}"), || async {
            Ok(self.notebook_status(name).await? == status)
        })
        .await
    }

    /// An endpoint (with its model and configuration), `InService`; returns its name.
    pub(crate) async fn endpoint(
        &self,
        tags: &[(&str, &str)],
    ) -> Result<String, Box<dyn std::error::Error>> {
        let model = self.unique("model");
        self.sagemaker
            .create_model()
            .model_name(&model)
            .execution_role_arn(ROLE)
            .primary_container(
                aws_sdk_sagemaker::types::ContainerDefinition::builder()
                    .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1")
                    .build(),
            )
            .send()
            .await?;
        let endpoint_config = self.unique("endpoint-config");
        self.sagemaker
            .create_endpoint_config()
            .endpoint_config_name(&endpoint_config)
            .production_variants(
                ProductionVariant::builder()
                    .variant_name("all")
                    .model_name(&model)
                    .initial_instance_count(1)
                    .instance_type(ProductionVariantInstanceType::MlM5Xlarge)
                    .build(),
            )
            .send()
            .await?;
        let name = self.unique("endpoint");
        self.sagemaker
            .create_endpoint()
            .endpoint_name(&name)
            .endpoint_config_name(&endpoint_config)
            .set_tags(Some(tags.iter().map(|(k, v)| tag(k, v)).collect()))
            .send()
            .await?;
        wait_until("endpoint InService", || async {
            Ok(self.endpoint_status(&name).await? == "InService")
        })
        .await?;
        Ok(name)
    }

    /// An endpoint's status, or `gone`.
    pub(crate) async fn endpoint_status(
        &self,
        name: &str,
    ) -> Result<String, Box<dyn std::error::Error>> {
        match self
            .sagemaker
            .describe_endpoint()
            .endpoint_name(name)
            .send()
            .await
        {
            Ok(endpoint) => Ok(endpoint
                .endpoint_status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default()),
            Err(error) if format!("{error:?}").contains("Could not find endpoint") => {
                Ok("gone".to_owned())
            }
            Err(error) => Err(error.into()),
        }
    }

    // ---- Service Catalog ------------------------------------------------------------------

    /// A provisioned product of a fresh product, `AVAILABLE`; returns its id.
    pub(crate) async fn provisioned_product(
        &self,
        tags: &[(&str, &str)],
    ) -> Result<String, Box<dyn std::error::Error>> {
        // Service Catalog reads a product's template when the product is created; it imports
        // this one from a stack (`ImportFromPhysicalId`), which needs no S3 client.
        let template = self
            .cloudformation
            .create_stack()
            .stack_name(self.unique("studio-notebook-template"))
            .template_body(
                r#"{"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}"#,
            )
            .send()
            .await?;
        let product = self
            .servicecatalog
            .create_product()
            .name(self.unique("studio-notebook-product"))
            .owner("platform team")
            .product_type(ProductType::CloudFormationTemplate)
            .provisioning_artifact_parameters(
                ProvisioningArtifactProperties::builder()
                    .name("v1")
                    .info(
                        "ImportFromPhysicalId",
                        template.stack_id().unwrap_or_default(),
                    )
                    .r#type(ProvisioningArtifactType::CloudFormationTemplate)
                    .build(),
            )
            .idempotency_token(self.unique("token"))
            .send()
            .await?;
        let product_id = product
            .product_view_detail()
            .and_then(|d| d.product_view_summary())
            .and_then(|s| s.product_id())
            .unwrap_or_default()
            .to_owned();
        // A product is launched through a portfolio associated with the caller (its launch
        // path); the arranging credentials are the account root's, which Service Catalog sees as
        // the emulator's default identity.
        let portfolio = self
            .servicecatalog
            .create_portfolio()
            .display_name(self.unique("studio-notebooks"))
            .provider_name("platform team")
            .idempotency_token(self.unique("portfolio"))
            .send()
            .await?;
        let portfolio_id = portfolio
            .portfolio_detail()
            .and_then(|d| d.id())
            .unwrap_or_default()
            .to_owned();
        self.servicecatalog
            .associate_product_with_portfolio()
            .product_id(&product_id)
            .portfolio_id(&portfolio_id)
            .send()
            .await?;
        self.servicecatalog
            .associate_principal_with_portfolio()
            .portfolio_id(&portfolio_id)
            .principal_arn(EMULATOR_DEFAULT_PRINCIPAL)
            .principal_type(PrincipalType::Iam)
            .send()
            .await?;
        let described = self
            .servicecatalog
            .describe_product()
            .id(&product_id)
            .send()
            .await?;
        let artifact = described
            .provisioning_artifacts()
            .first()
            .and_then(|a| a.id())
            .unwrap_or_default()
            .to_owned();
        let tags = servicecatalog::tags(tags)?;
        let record = self
            .servicecatalog
            .provision_product()
            .product_id(&product_id)
            .provisioning_artifact_id(&artifact)
            .provisioned_product_name(self.unique("notebook-stack"))
            .provision_token(self.unique("provision"))
            .set_tags(Some(tags))
            .send()
            .await?;
        let id = record
            .record_detail()
            .and_then(|r| r.provisioned_product_id())
            .unwrap_or_default()
            .to_owned();
        wait_until("provisioned product AVAILABLE", || async {
            Ok(self.provisioned_product_status(&id).await? == "AVAILABLE")
        })
        .await?;
        Ok(id)
    }

    /// A provisioned product's status, or `gone` once terminated.
    pub(crate) async fn provisioned_product_status(
        &self,
        id: &str,
    ) -> Result<String, Box<dyn std::error::Error>> {
        let status = servicecatalog::provisioned_product_status(&self.servicecatalog, id).await?;
        Ok(status.unwrap_or_else(|| "gone".to_owned()))
    }

    /// The provisioned product's ARN and stack.
    pub(crate) async fn provisioned_product_arn_and_stack(
        &self,
        id: &str,
    ) -> Result<(String, String), Box<dyn std::error::Error>> {
        let found = self
            .servicecatalog
            .search_provisioned_products()
            .access_level_filter(servicecatalog::account_wide())
            .filters(
                aws_sdk_servicecatalog::types::ProvisionedProductViewFilterBy::SearchQuery,
                vec![format!("id:{id}")],
            )
            .send()
            .await?;
        let product = found.provisioned_products().first().ok_or("not found")?;
        Ok((
            product.arn().unwrap_or_default().to_owned(),
            product.physical_id().unwrap_or_default().to_owned(),
        ))
    }
}

/// Who an app belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner<'a> {
    Profile(&'a str),
    Space(&'a str),
}

pub(crate) fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

/// RFC 3339 time `minutes` ago.
pub(crate) fn minutes_ago(minutes: u64) -> String {
    let then = SystemTime::now() - Duration::from_secs(minutes * 60);
    DateTime::from(then)
        .fmt(Format::DateTime)
        .unwrap_or_default()
}

/// The EventBridge Scheduler sample event.
pub(crate) fn scheduler_event() -> Value {
    serde_json::from_str(include_str!(
        "../../../../../events/studio-cleanup/scheduled.json"
    ))
    .unwrap_or_else(|_| json!({}))
}

/// The dry-run sample event.
pub(crate) fn dry_run_event() -> Value {
    serde_json::from_str(include_str!(
        "../../../../../events/studio-cleanup/dry-run.json"
    ))
    .unwrap_or_else(|_| json!({"DryRun": true}))
}

/// Polls `check` until it answers `true`.
pub(crate) async fn wait_until<F, Fut>(what: &str, check: F) -> TestResult
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<bool, Box<dyn std::error::Error>>>,
{
    let started = std::time::Instant::now();
    loop {
        if check().await? {
            return Ok(());
        }
        if started.elapsed() > WAIT {
            return Err(format!("timed out waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The report's actions as `arn -> action`.
pub(crate) fn actions(report: &Report) -> HashMap<String, String> {
    report
        .actions
        .iter()
        .map(|a| (a.arn.clone(), a.action.clone()))
        .collect()
}
