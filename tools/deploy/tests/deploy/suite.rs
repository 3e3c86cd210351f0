//! The deploy against the local emulator (moto's CloudFormation): `package` stages dummy zips
//! and the real templates in S3, `deploy` creates then updates the core stack from them, and
//! shares the portfolio with an organisational unit.
//!
//! What this proves and what it does not: see tools/deploy/README.md.

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use hyper::Method;
use serde_json::{Value, json};
use studio_catalog_deploy::{
    aws::s3_client,
    deploy::{DeployError, DeploySettings, SuiteDeployment, SuiteRequest, deploy_suite},
    package::{
        ArtifactStore, FunctionCode, PRODUCT_TEMPLATES, PackageManifest, PackageRequest, functions,
        stage,
    },
    report::TextReporter,
    share::{NodeType, OrganizationNode, PortfolioShares, ShareOutcome, share_portfolio},
    template::{parameter_attribute, parameter_names},
};
use studio_catalog_harness::{ACCOUNT_ID, REGION, emulator::AwsEmulator};

pub(crate) const BUCKET: &str = "studio-catalog-artifacts-test";
const CORE_STACK: &str = "studio-catalog-core";

/// The functions the core stack deploys (the presigned-URL one is deployed per domain).
pub(crate) const CORE_FUNCTIONS: [&str; 4] = [
    "studio-domain",
    "studio-user-profile",
    "lakeformation-grant",
    "studio-cleanup",
];

pub(crate) async fn sdk_config(aws: &AwsEmulator) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(aws.endpoint_url())
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await
}

pub(crate) fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// A directory laid out like `target/lambda`, one small zip per function; each zip has a
/// different size (`salt` changes them all), so the deployed functions show which one they got.
pub(crate) fn dummy_zips(name: &str, salt: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "studio-catalog-deploy-it-{name}-{}",
        std::process::id()
    ));
    let names = functions(&workspace_root())
        .unwrap()
        .into_iter()
        .map(|f| f.name);
    for (index, function) in names.enumerate() {
        let function_dir = dir.join(&function);
        std::fs::create_dir_all(&function_dir).unwrap();
        // Not a real archive: moto stores the object and reports its size, nothing more.
        let body = format!("{salt}:{function}:{}", "x".repeat(index * 7));
        std::fs::write(function_dir.join("bootstrap.zip"), body).unwrap();
    }
    dir
}

fn zip_size(dir: &std::path::Path, function: &str) -> i64 {
    std::fs::metadata(dir.join(function).join("bootstrap.zip"))
        .unwrap()
        .len() as i64
}

/// Stages cargo-lambda's zips in `lambda_dir`.
pub(crate) async fn package(
    config: &SdkConfig,
    lambda_dir: PathBuf,
    create_bucket: bool,
) -> PackageManifest {
    package_code(
        config,
        FunctionCode::CargoLambdaZips(lambda_dir),
        create_bucket,
    )
    .await
}

/// Stages the functions' `code` and the templates in the emulator's S3.
async fn package_code(
    config: &SdkConfig,
    code: FunctionCode,
    create_bucket: bool,
) -> PackageManifest {
    let mut request = PackageRequest::new(workspace_root(), BUCKET, REGION);
    request.code = code;
    request.create_bucket = create_bucket;
    let mut log = Vec::new();
    stage(&s3_client(config), &request, &mut log).await.unwrap()
}

/// The bytes of the staged object `key`.
async fn staged_object(s3: &aws_sdk_s3::Client, key: &str) -> Vec<u8> {
    let object = s3
        .get_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .unwrap();
    object.body.collect().await.unwrap().into_bytes().to_vec()
}

fn pairs(parameters: &[(&str, &str)]) -> Vec<(String, String)> {
    parameters
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Runs the deploy; returns its outcome and the text it reported.
async fn try_deploy(
    config: &SdkConfig,
    manifest: &PackageManifest,
    request: &SuiteRequest,
) -> (Result<SuiteDeployment, DeployError>, String) {
    let settings = DeploySettings {
        poll_interval: Duration::from_millis(200),
        timeout: Duration::from_secs(120),
    };
    let mut reporter = TextReporter::new(Vec::new(), false);
    let client = aws_sdk_cloudformation::Client::new(config);
    let outcome = deploy_suite(&client, manifest, request, settings, &mut reporter).await;
    (outcome, String::from_utf8(reporter.into_inner()).unwrap())
}

fn core_only(parameters: &[(&str, &str)]) -> SuiteRequest {
    SuiteRequest {
        core_stack_name: CORE_STACK.into(),
        portfolio_stack_name: None,
        core_parameters: pairs(parameters),
        portfolio_parameters: Vec::new(),
    }
}

async fn deploy_core(
    config: &SdkConfig,
    manifest: &PackageManifest,
    parameters: &[(&str, &str)],
) -> (SuiteDeployment, String) {
    let (outcome, report) = try_deploy(config, manifest, &core_only(parameters)).await;
    match outcome {
        Ok(deployment) => (deployment, report),
        Err(error) => panic!("deploy failed: {error}\n{report}"),
    }
}

/// SSM's `GetParameter`, through the emulator's awsJson call (this crate has no SSM client).
async fn ssm_parameter(aws: &AwsEmulator, name: &str) -> String {
    let answer = aws
        .call_json_as("ssm", "AmazonSSM.GetParameter", &json!({ "Name": name }))
        .await
        .unwrap();
    answer["Parameter"]["Value"].as_str().unwrap().to_owned()
}

/// EventBridge Scheduler's `GetSchedule` (REST; this crate has no Scheduler client).
async fn schedule(aws: &AwsEmulator, name: &str) -> Value {
    aws.call_rest(
        "scheduler",
        Method::GET,
        &format!("/schedules/{name}"),
        None,
    )
    .await
    .unwrap()
}

fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:studio-catalog-{name}")
}

#[tokio::test]
async fn the_core_stack_deploys_from_the_staged_templates_and_publishes_its_service_tokens() {
    // Given the emulator and the suite staged with dummy zips
    let aws = AwsEmulator::builder().lease().await.unwrap();
    let config = sdk_config(&aws).await;
    let zips = dummy_zips("create", "v1");
    let manifest = package(&config, zips.clone(), true).await;

    // When the core stack is deployed
    let (deployment, report) = deploy_core(&config, &manifest, &[("CleanupDryRun", "true")]).await;

    // Then it completed, with the ServiceTokens and the rest as outputs
    let core = &deployment.core;
    assert_eq!(core.status, "CREATE_COMPLETE", "{report}");
    assert!(deployment.portfolio.is_none());
    assert_eq!(
        core.outputs["StudioDomainServiceToken"],
        function_arn("studio-domain")
    );
    assert_eq!(
        core.outputs["StudioUserProfileServiceToken"],
        function_arn("studio-user-profile")
    );
    assert_eq!(
        core.outputs["LakeFormationGrantServiceToken"],
        function_arn("lakeformation-grant")
    );
    assert_eq!(
        core.outputs["StudioCleanupFunctionArn"],
        function_arn("studio-cleanup")
    );
    assert!(
        core.outputs["LakeFormationGrantRoleArn"]
            .starts_with(&format!("arn:aws:iam::{ACCOUNT_ID}:role/{CORE_STACK}-"))
    );
    assert_eq!(core.outputs["NamePrefix"], "studio-catalog");
    assert_eq!(core.outputs["ProductRolePrefix"], "studio-sc-");
    assert!(
        report.contains("==> studio-catalog-core: create"),
        "{report}"
    );
    assert!(report.contains("CREATE_COMPLETE"), "{report}");
    assert!(report.contains("StudioDomainServiceToken"), "{report}");

    // and the product templates find the suite in SSM
    for (name, output) in [
        ("studio-domain", "StudioDomainServiceToken"),
        ("studio-user-profile", "StudioUserProfileServiceToken"),
        ("lakeformation-grant", "LakeFormationGrantServiceToken"),
    ] {
        let value = ssm_parameter(&aws, &format!("/studio-catalog/service-tokens/{name}")).await;
        assert_eq!(value, core.outputs[output], "{name}");
    }
    assert_eq!(
        ssm_parameter(&aws, "/studio-catalog/config/product-role-prefix").await,
        "studio-sc-"
    );
    assert_eq!(
        ssm_parameter(&aws, "/studio-catalog/code/bucket").await,
        BUCKET
    );
    assert_eq!(
        ssm_parameter(&aws, "/studio-catalog/code/studio-presigned-url").await,
        manifest.function_keys["studio-presigned-url"]
    );
    // cargo lambda's zips are arm64 (the release cross build)
    assert_eq!(
        ssm_parameter(&aws, "/studio-catalog/code/function-architecture").await,
        "arm64"
    );
    assert_eq!(core.outputs["FunctionArchitecture"], "arm64");

    // and each function runs its own staged zip, as a custom runtime
    let lambda = aws_sdk_lambda::Client::new(&config);
    for function in CORE_FUNCTIONS {
        let got = lambda
            .get_function()
            .function_name(format!("studio-catalog-{function}"))
            .send()
            .await
            .unwrap();
        let configuration = got.configuration().unwrap();
        assert_eq!(
            configuration.code_size(),
            zip_size(&zips, function),
            "{function}"
        );
        assert_eq!(
            configuration.runtime().map(|r| r.as_str()),
            Some("provided.al2023")
        );
        assert_eq!(configuration.handler(), Some("bootstrap"));
        assert_eq!(configuration.timeout(), Some(900));
        // on the architecture the zips were built for (cargo lambda's: arm64)
        let architectures: Vec<&str> = configuration
            .architectures()
            .iter()
            .map(|a| a.as_str())
            .collect();
        assert_eq!(architectures, ["arm64"], "{function}");
        assert!(
            got.code()
                .and_then(|c| c.location())
                .is_some_and(|l| l.ends_with(&manifest.function_keys[function])),
            "{function}: {:?}",
            got.code()
        );
    }

    // and only CloudFormation, from this account and for Service Catalog's stacks (the core
    // stack's CustomResourceStackNames default, SC-*), may invoke the custom-resource functions
    for function in [
        "studio-domain",
        "studio-user-profile",
        "lakeformation-grant",
    ] {
        let policy = lambda
            .get_policy()
            .function_name(format!("studio-catalog-{function}"))
            .send()
            .await
            .unwrap();
        let policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
        let statements = policy["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1, "{function}: {policy}");
        let statement = &statements[0];
        assert_eq!(
            statement["Principal"]["Service"],
            "cloudformation.amazonaws.com"
        );
        assert_eq!(statement["Action"], "lambda:InvokeFunction");
        assert_eq!(
            statement["Condition"]["StringEquals"]["AWS:SourceAccount"], ACCOUNT_ID,
            "{function}: {policy}"
        );
        assert_eq!(
            statement["Condition"]["ArnLike"]["AWS:SourceArn"],
            format!("arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/SC-*/*"),
            "{function}: {policy}"
        );
    }

    // and the cleanup runs on its schedule with the settings given
    let cleanup = lambda
        .get_function_configuration()
        .function_name("studio-catalog-studio-cleanup")
        .send()
        .await
        .unwrap();
    let environment: BTreeMap<String, String> = cleanup
        .environment()
        .and_then(|e| e.variables())
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect();
    assert_eq!(environment["DRY_RUN"], "true");
    // Issue #15: the idle rule is gone (the function refuses IDLE_APP_MINUTES); the new
    // rules' defaults come from core.yaml's parameters.
    assert!(!environment.contains_key("IDLE_APP_MINUTES"));
    assert_eq!(environment["IDLE_SHUTDOWN_DRIFT"], "report");
    assert_eq!(environment["MAX_APP_LIFETIME_HOURS"], "");
    assert_eq!(environment["WARNING_GRACE_MINUTES"], "60");
    assert_eq!(
        environment["WARNING_PARAMETER_PATH"],
        "/studio-catalog/cleanup/warnings"
    );
    assert_eq!(environment["EVENT_BUS_NAME"], "default");
    assert_eq!(environment["METRICS_NAMESPACE"], "StudioCatalog/Cleanup");
    assert_eq!(environment["EXPIRES_AT_TAG_KEY"], "expires-at");
    assert_eq!(environment["EXEMPT_TAG_KEY"], "cleanup");
    assert_eq!(environment["CONCURRENCY"], "8");
    assert_eq!(environment["DOMAIN_IDS"], "");
    let schedule_arn = &core.outputs["CleanupScheduleArn"];
    let schedule_name = schedule_arn.rsplit('/').next().unwrap();
    let schedule = schedule(&aws, schedule_name).await;
    assert_eq!(schedule["Arn"], schedule_arn.as_str());
    assert_eq!(schedule["ScheduleExpression"], "rate(60 minutes)");
    assert_eq!(schedule["State"], "ENABLED");
    assert_eq!(
        schedule["Target"]["Arn"],
        function_arn("studio-cleanup").as_str()
    );
}

#[tokio::test]
async fn a_new_package_updates_the_code_and_keeps_the_parameters_given_before() {
    // Given a core stack deployed with a parameter
    let aws = AwsEmulator::builder().lease().await.unwrap();
    let config = sdk_config(&aws).await;
    let first = package(&config, dummy_zips("update-1", "v1"), true).await;
    deploy_core(&config, &first, &[("CleanupDryRun", "true")]).await;

    // When new code is staged and deployed without parameters
    let zips = dummy_zips("update-2", "version-two");
    let second = package(&config, zips.clone(), false).await;
    let (deployment, report) = deploy_core(&config, &second, &[]).await;

    // Then the stack was updated to the new zips, the earlier parameter kept
    assert_ne!(first.version, second.version);
    assert_eq!(deployment.core.status, "UPDATE_COMPLETE", "{report}");
    assert!(
        report.contains("==> studio-catalog-core: update"),
        "{report}"
    );
    let lambda = aws_sdk_lambda::Client::new(&config);
    let domain = lambda
        .get_function_configuration()
        .function_name("studio-catalog-studio-domain")
        .send()
        .await
        .unwrap();
    assert_eq!(domain.code_size(), zip_size(&zips, "studio-domain"));
    let cleanup = lambda
        .get_function_configuration()
        .function_name("studio-catalog-studio-cleanup")
        .send()
        .await
        .unwrap();
    let dry_run = cleanup
        .environment()
        .and_then(|e| e.variables())
        .and_then(|v| v.get("DRY_RUN"))
        .cloned();
    assert_eq!(dry_run.as_deref(), Some("true"));
}

#[tokio::test]
async fn deploying_the_same_package_again_changes_nothing() {
    // Given a deployed core stack
    let aws = AwsEmulator::builder().lease().await.unwrap();
    let config = sdk_config(&aws).await;
    let manifest = package(&config, dummy_zips("same", "v1"), true).await;
    let (first, _) = deploy_core(&config, &manifest, &[]).await;

    // When the same package is deployed again
    let (again, report) = deploy_core(&config, &manifest, &[]).await;

    // Then the stack is reported unchanged, with its outputs
    assert!(!again.core.changed, "{report}");
    assert_eq!(again.core.outputs, first.core.outputs);
    assert!(report.contains("no changes"), "{report}");
}

#[tokio::test]
async fn the_staged_objects_are_readable_where_the_templates_point() {
    // Given the suite staged in the emulator's S3
    let aws = AwsEmulator::builder().lease().await.unwrap();
    let config = sdk_config(&aws).await;
    let manifest = package(&config, dummy_zips("objects", "v1"), true).await;
    let s3 = s3_client(&config);

    // Then every template URL names an object of the bucket, under the one prefix
    for (file, url) in &manifest.template_urls {
        let key = url
            .strip_prefix(&format!("https://{BUCKET}.s3.{REGION}.amazonaws.com/"))
            .unwrap_or_else(|| panic!("{url}"));
        assert!(key.starts_with(&format!("{}/", manifest.prefix)), "{key}");
        assert!(!staged_object(&s3, key).await.is_empty(), "{file}");
    }
    // and staging again into the now existing bucket is harmless
    s3.ensure_bucket(BUCKET).await.unwrap();
}

/// A directory laid out like `target/debug`: one small "binary" per function.
fn dummy_binaries(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "studio-catalog-deploy-it-binaries-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for function in functions(&workspace_root()).unwrap() {
        let body = format!("\x7fELF stand-in for {}", function.name);
        std::fs::write(dir.join(&function.name), body).unwrap();
    }
    dir
}

#[tokio::test]
async fn a_package_from_binaries_deploys_zipped_bootstraps_for_this_machine_s_architecture() {
    // Given the functions' binaries built for this machine, staged with --from-binaries
    let aws = AwsEmulator::builder().lease().await.unwrap();
    let config = sdk_config(&aws).await;
    let manifest = package_code(
        &config,
        FunctionCode::Binaries(dummy_binaries("deploy")),
        true,
    )
    .await;
    let machine = match std::env::consts::ARCH {
        "aarch64" => "arm64",
        "x86_64" => "x86_64",
        other => panic!("Lambda runs no {other}"),
    };

    // When the core stack is deployed from it
    let (deployment, report) = deploy_core(&config, &manifest, &[]).await;

    // Then the stack runs this machine's architecture and publishes it for the domain product
    assert_eq!(deployment.core.status, "CREATE_COMPLETE", "{report}");
    assert_eq!(manifest.architecture.lambda_name(), machine);
    assert_eq!(deployment.core.outputs["FunctionArchitecture"], machine);
    assert_eq!(
        ssm_parameter(&aws, "/studio-catalog/code/function-architecture").await,
        machine
    );
    // and each function's code is the staged zip: one executable `bootstrap`, the binary
    let s3 = s3_client(&config);
    let lambda = aws_sdk_lambda::Client::new(&config);
    for function in CORE_FUNCTIONS {
        let key = &manifest.function_keys[function];
        let zip = staged_object(&s3, key).await;
        let size = zip.len() as i64;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        assert_eq!(archive.len(), 1, "{function}");
        let mut bootstrap = archive.by_name("bootstrap").unwrap();
        assert_eq!(bootstrap.unix_mode(), Some(0o100_755), "{function}");
        let mut binary = String::new();
        std::io::Read::read_to_string(&mut bootstrap, &mut binary).unwrap();
        assert_eq!(binary, format!("\x7fELF stand-in for {function}"));

        let configuration = lambda
            .get_function_configuration()
            .function_name(format!("studio-catalog-{function}"))
            .send()
            .await
            .unwrap();
        assert_eq!(configuration.code_size(), size, "{function}");
        let architectures: Vec<&str> = configuration
            .architectures()
            .iter()
            .map(|a| a.as_str())
            .collect();
        assert_eq!(architectures, [machine], "{function}");
    }
}

#[tokio::test]
async fn the_portfolio_deploys_after_the_core_stack_with_a_launch_constraint_on_every_product() {
    // Given the suite staged in the emulator
    let aws = AwsEmulator::builder().lease().await.unwrap();
    let config = sdk_config(&aws).await;
    let manifest = package(&config, dummy_zips("portfolio", "v1"), true).await;
    let admin = format!("arn:aws:iam::{ACCOUNT_ID}:role/CloudAdmin");

    // When both stacks are deployed
    let request = SuiteRequest {
        portfolio_stack_name: Some("studio-catalog-portfolio".into()),
        portfolio_parameters: pairs(&[("CloudAdminRoleArn", &admin)]),
        ..core_only(&[])
    };
    let (outcome, report) = try_deploy(&config, &manifest, &request).await;

    // Then the portfolio holds its products (every `*ProductId` output), each launched with the
    // launch role
    let deployment = outcome.unwrap_or_else(|error| panic!("{error}\n{report}"));
    let core = deployment.core.clone();
    let portfolio = deployment.portfolio.expect("portfolio deployed");
    assert_eq!(portfolio.status, "CREATE_COMPLETE", "{report}");
    assert!(
        report.contains("==> studio-catalog-portfolio: create"),
        "{report}"
    );
    let portfolio_id = &portfolio.outputs["PortfolioId"];
    let products: Vec<&String> = portfolio
        .outputs
        .iter()
        .filter(|(key, _)| key.ends_with("ProductId"))
        .map(|(_, id)| id)
        .collect();
    assert!(products.len() >= 3, "{:?}", portfolio.outputs);
    for product in &products {
        let described = aws
            .call_json_as(
                "servicecatalog",
                "AWS242ServiceCatalogService.DescribeProduct",
                &json!({ "Id": product }),
            )
            .await
            .unwrap();
        // The provisioning artefact is named after the staged version.
        assert_eq!(
            described["ProvisioningArtifacts"][0]["Name"],
            manifest.version.as_str()
        );
    }
    let links = aws
        .control(Method::GET, "/cloudformation/servicecatalog", None)
        .await
        .unwrap();
    let constraints: Vec<&Value> = links["Constraints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["PortfolioId"] == portfolio_id.as_str())
        .collect();
    assert_eq!(constraints.len(), products.len(), "{links}");
    for product in &products {
        assert!(
            constraints
                .iter()
                .any(|c| c["ProductId"] == product.as_str()
                    && c["LocalRoleName"] == "studio-catalog-launch"),
            "{product}: {links}"
        );
    }
    assert_eq!(
        links["PrincipalAssociations"],
        json!([{ "PortfolioId": portfolio_id, "PrincipalARN": admin }])
    );
    // the launch role is the core stack's (#16: every member account's core has one)
    assert_eq!(
        core.outputs["LaunchRoleArn"],
        format!("arn:aws:iam::{ACCOUNT_ID}:role/studio-catalog-launch")
    );
}

#[tokio::test]
async fn a_failed_deploy_names_the_failing_resource_and_the_next_deploy_starts_over() {
    // Given the suite staged in the emulator
    let aws = AwsEmulator::builder().lease().await.unwrap();
    let config = sdk_config(&aws).await;
    let manifest = package(&config, dummy_zips("failure", "v1"), true).await;

    // When the core stack is deployed with function code from a bucket that does not exist
    let (outcome, report) = try_deploy(
        &config,
        &manifest,
        &core_only(&[("CodeBucket", "no-such-code-bucket")]),
    )
    .await;

    // Then the deploy fails, naming the function and S3's reason
    let error = outcome.expect_err("the deploy should fail");
    let DeployError::StackFailed {
        status, failures, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(status, "ROLLBACK_COMPLETE");
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].resource_type, "AWS::Lambda::Function");
    assert!(failures[0].reason.contains("NoSuchBucket"), "{failures:?}");
    assert!(report.contains("FAILED, ROLLBACK_COMPLETE"), "{report}");
    assert!(report.contains(&failures[0].reason), "{report}");
    assert!(error.to_string().contains("NoSuchBucket"));

    // and the next deploy replaces the rolled-back stack
    let (deployment, report) = deploy_core(&config, &manifest, &[]).await;
    assert_eq!(deployment.core.status, "CREATE_COMPLETE", "{report}");
    assert!(report.contains("deleting it first"), "{report}");
}

/// Deploys both stacks, then shares the portfolio with `nodes`, as `deploy` does.
async fn deploy_and_share(
    config: &SdkConfig,
    manifest: &PackageManifest,
    nodes: &[OrganizationNode],
) -> (String, Vec<ShareOutcome>, String) {
    let admin = format!("arn:aws:iam::{ACCOUNT_ID}:role/CloudAdmin");
    let request = SuiteRequest {
        portfolio_stack_name: Some("studio-catalog-portfolio".into()),
        portfolio_parameters: pairs(&[("CloudAdminRoleArn", &admin)]),
        ..core_only(&[])
    };
    let settings = DeploySettings {
        poll_interval: Duration::from_millis(100),
        timeout: Duration::from_secs(60),
    };
    let mut reporter = TextReporter::new(Vec::new(), false);
    let cloudformation = aws_sdk_cloudformation::Client::new(config);
    let deployment = deploy_suite(&cloudformation, manifest, &request, settings, &mut reporter)
        .await
        .unwrap_or_else(|error| panic!("deploy failed: {error}"));
    let portfolio_id =
        deployment.portfolio.expect("portfolio deployed").outputs["PortfolioId"].clone();
    let outcomes = share_portfolio(
        &aws_sdk_servicecatalog::Client::new(config),
        &portfolio_id,
        nodes,
        settings,
        &mut reporter,
    )
    .await;
    let report = String::from_utf8(reporter.into_inner()).unwrap();
    let outcomes = outcomes.unwrap_or_else(|error| panic!("share failed: {error}\n{report}"));
    (portfolio_id, outcomes, report)
}

#[tokio::test]
async fn the_portfolio_is_shared_with_an_organizational_unit_once() {
    // Given the suite staged in the emulator
    let aws = AwsEmulator::builder().lease().await.unwrap();
    let config = sdk_config(&aws).await;
    let manifest = package(&config, dummy_zips("share", "v1"), true).await;
    let ou = OrganizationNode::organizational_unit("ou-ab12-cdef3456").unwrap();

    // When the suite is deployed with a share to an OU
    let (portfolio_id, outcomes, report) =
        deploy_and_share(&config, &manifest, std::slice::from_ref(&ou)).await;

    // Then the portfolio is shared with the OU, with its tag options, after the share completed
    assert!(
        matches!(&outcomes[..], [ShareOutcome::Shared { node, .. }] if *node == ou),
        "{outcomes:?}"
    );
    assert!(report.contains("IN_PROGRESS"), "{report}");
    assert!(report.contains("COMPLETED"), "{report}");
    // after enabling Service Catalog's Organizations access, which the emulator starts without
    assert!(
        report.contains("AWS Organizations access is disabled: enabling it"),
        "{report}"
    );
    let catalog = aws_sdk_servicecatalog::Client::new(&config);
    assert_eq!(
        catalog
            .get_aws_organizations_access_status()
            .send()
            .await
            .unwrap()
            .access_status(),
        Some(&aws_sdk_servicecatalog::types::AccessStatus::Enabled)
    );
    let shares = catalog
        .describe_portfolio_shares()
        .portfolio_id(&portfolio_id)
        .r#type(aws_sdk_servicecatalog::types::DescribePortfolioShareType::OrganizationalUnit)
        .send()
        .await
        .unwrap();
    let [detail] = shares.portfolio_share_details() else {
        panic!("{shares:?}");
    };
    assert_eq!(detail.principal_id(), Some("ou-ab12-cdef3456"));
    assert!(detail.share_tag_options());
    assert_eq!(
        catalog
            .shared_with(&portfolio_id, NodeType::OrganizationalUnit)
            .await
            .unwrap(),
        ["ou-ab12-cdef3456"]
    );

    // and a second deploy finds the share and does not create it again
    let (again_id, outcomes, report) =
        deploy_and_share(&config, &manifest, std::slice::from_ref(&ou)).await;
    assert_eq!(again_id, portfolio_id);
    assert_eq!(outcomes, [ShareOutcome::AlreadyShared(ou)]);
    assert!(report.contains("already shared"), "{report}");
    assert_eq!(
        aws.call_count("servicecatalog", "CreatePortfolioShare")
            .await
            .unwrap(),
        1
    );
    // and, with nothing left to share, makes no Organizations access call either
    assert_eq!(
        aws.call_count("servicecatalog", "EnableAWSOrganizationsAccess")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        aws.call_count("servicecatalog", "GetAWSOrganizationsAccessStatus")
            .await
            .unwrap(),
        3,
        "two by the first deploy (before and after enabling), one by this test"
    );
}

#[tokio::test]
async fn a_suite_packaged_for_another_name_prefix_deploys_under_it_and_its_products_find_it() {
    // Given the suite staged for NamePrefix acme (review item 8 of issue #13: Service Catalog
    // passes no value for the products' SSM parameters, so their defaults must be acme's)
    let aws = AwsEmulator::builder().lease().await.unwrap();
    let config = sdk_config(&aws).await;
    let mut request = PackageRequest::new(workspace_root(), BUCKET, REGION);
    request.code = FunctionCode::CargoLambdaZips(dummy_zips("acme", "v1"));
    request.create_bucket = true;
    request.name_prefix = Some("acme".into());
    let manifest = stage(&s3_client(&config), &request, &mut Vec::new())
        .await
        .unwrap();
    assert_eq!(manifest.name_prefix, "acme");

    // When both stacks are deployed, no NamePrefix given
    let admin = format!("arn:aws:iam::{ACCOUNT_ID}:role/CloudAdmin");
    let suite = SuiteRequest {
        portfolio_stack_name: Some("studio-catalog-portfolio".into()),
        portfolio_parameters: pairs(&[("CloudAdminRoleArn", &admin)]),
        ..core_only(&[])
    };
    let (outcome, report) = try_deploy(&config, &manifest, &suite).await;
    let deployment = outcome.unwrap_or_else(|error| panic!("{error}\n{report}"));

    // Then the core stack runs under acme and the portfolio's launch role follows it
    assert_eq!(deployment.core.outputs["NamePrefix"], "acme");
    assert_eq!(
        deployment.core.outputs["StudioDomainServiceToken"],
        format!("arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:acme-studio-domain")
    );
    assert!(deployment.portfolio.is_some(), "portfolio deployed");
    assert_eq!(
        deployment.core.outputs["LaunchRoleArn"],
        format!("arn:aws:iam::{ACCOUNT_ID}:role/acme-launch")
    );
    // and every SSM parameter a staged product template reads by default exists, as the core
    // stack published it
    let s3 = s3_client(&config);
    let mut read = 0;
    for (file, _) in PRODUCT_TEMPLATES {
        let key = format!("{}/{file}", manifest.prefix);
        let template = String::from_utf8(staged_object(&s3, &key).await).unwrap();
        for name in parameter_names(&template).unwrap() {
            let kind = parameter_attribute(&template, &name, "Type").unwrap();
            if kind.as_deref() != Some("AWS::SSM::Parameter::Value<String>") {
                continue;
            }
            let default = parameter_attribute(&template, &name, "Default")
                .unwrap()
                .unwrap();
            assert!(default.starts_with("/acme/"), "{file}: {name} = {default}");
            let value = ssm_parameter(&aws, &default).await;
            assert!(!value.is_empty(), "{file}: {default}");
            read += 1;
        }
    }
    assert!(read >= 9, "{read} SSM parameters read by the products");
    assert_eq!(
        ssm_parameter(&aws, "/acme/service-tokens/studio-domain").await,
        deployment.core.outputs["StudioDomainServiceToken"]
    );
    assert_eq!(ssm_parameter(&aws, "/acme/code/bucket").await, BUCKET);

    // and CloudFormation resolves a staged product template's SSM parameters with their defaults,
    // as a launch does (Service Catalog passes none), where the template as written fails
    let cloudformation = aws_sdk_cloudformation::Client::new(&config);
    // A role as the products make them (the grant product takes no other principal).
    let analyst =
        format!("arn:aws:iam::{ACCOUNT_ID}:role/studio-catalog/products/studio-sc-analyst");
    let grant = |stack: &str| {
        cloudformation
            .create_stack()
            .stack_name(stack)
            .parameters(parameter("PrincipalArn", &analyst))
            .parameters(parameter("DatabaseName", "sales"))
    };
    let as_written =
        std::fs::read_to_string(workspace_root().join("templates/data-access-grant.yaml")).unwrap();
    let refused = grant("grant-as-written")
        .template_body(as_written)
        .send()
        .await
        .expect_err("the product template as written reads /studio-catalog/...");
    let message = format!("{:?}", refused.into_service_error());
    assert!(
        message.contains(
            "Unable to fetch parameters [/studio-catalog/service-tokens/lakeformation-grant]"
        ),
        "{message}"
    );
    let staged_url = &manifest.template_urls["templates/data-access-grant.yaml"];
    let created = grant("grant-staged")
        .template_url(staged_url)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{:?}", error.into_service_error()));
    let stack_id = created.stack_id().unwrap().to_owned();
    // CloudFormation sends the grant to acme's function, the ServiceToken it read from SSM
    // (the dummy code never answers: the emulator's reset at the end of the lease abandons the
    // waiting stack)
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let request = loop {
        let sent = aws
            .control(
                Method::GET,
                "/cloudformation/custom-resource-requests",
                None,
            )
            .await
            .unwrap();
        let ours = sent["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["StackId"] == stack_id.as_str())
            .cloned();
        if let Some(request) = ours {
            break request;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no custom-resource request from {stack_id}: {sent}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(request["ResourceType"], "Custom::LakeFormationGrant");
    assert_eq!(
        request["ServiceToken"],
        format!("arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:acme-lakeformation-grant").as_str()
    );
}

fn parameter(key: &str, value: &str) -> aws_sdk_cloudformation::types::Parameter {
    aws_sdk_cloudformation::types::Parameter::builder()
        .parameter_key(key)
        .parameter_value(value)
        .build()
}

#[tokio::test]
async fn a_name_prefix_other_than_the_packaged_one_is_refused_and_nothing_is_deployed() {
    // Given the suite staged for core.yaml's default prefix
    let aws = AwsEmulator::builder().lease().await.unwrap();
    let config = sdk_config(&aws).await;
    let manifest = package(&config, dummy_zips("mismatch", "v1"), true).await;

    // When the core stack is deployed with another NamePrefix
    let (outcome, _) = try_deploy(&config, &manifest, &core_only(&[("NamePrefix", "acme")])).await;

    // Then the deploy is refused, naming both, and CloudFormation was not called
    let error = outcome.expect_err("a NamePrefix the templates were not packaged for");
    let message = error.to_string();
    assert!(
        matches!(error, DeployError::NamePrefixMismatch { .. }),
        "{message}"
    );
    assert!(message.contains("NamePrefix=acme"), "{message}");
    assert!(message.contains("(studio-catalog)"), "{message}");
    for operation in ["GetTemplateSummary", "DescribeStacks", "CreateStack"] {
        assert_eq!(
            aws.call_count("cloudformation", operation).await.unwrap(),
            0,
            "{operation}"
        );
    }
    // while the packaged one deploys (and is counted)
    let (deployment, report) =
        deploy_core(&config, &manifest, &[("NamePrefix", "studio-catalog")]).await;
    assert_eq!(deployment.core.status, "CREATE_COMPLETE", "{report}");
    assert_eq!(
        aws.call_count("cloudformation", "CreateStack")
            .await
            .unwrap(),
        1
    );
}
