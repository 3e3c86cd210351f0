//! `org-rollout` against the emulator (IAM enforced): an organisation of the harness account
//! (its management account) with OUs of member accounts, two regions; each stack instance is a
//! real stack of the staged core.yaml in its member account and region.
//!
//! One organisation for every scenario (the rollout, an account joining an OU, a new package
//! version, a launch in a member account, failures within and beyond the tolerance, the
//! delete), so the test runs the core stack a few dozen times, not hundreds.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use studio_catalog_deploy::{
    Error,
    cli::{self, Command, OrgRolloutArgs},
    org_rollout::RolloutError,
    org_rollout_with_config,
    package::PackageManifest,
};
use studio_catalog_harness::{ACCOUNT_ID, REGION, emulator::AwsEmulator};

use crate::suite::{BUCKET, dummy_zips, package, sdk_config};

const SECOND_REGION: &str = "eu-west-1";
const LAUNCH_ROLE: &str = "studio-catalog-launch";

/// Runs `org-rollout` with `line` (the manifest, endpoint and regions added); its outcome and
/// what it printed.
async fn org_rollout(
    config: &SdkConfig,
    manifest: &PackageManifest,
    line: &str,
) -> (Result<(), Error>, String) {
    let path = std::env::temp_dir().join(format!(
        "org-rollout-manifest-{}-{}.json",
        std::process::id(),
        manifest.version
    ));
    manifest.write_to(&path).unwrap();
    let mut words: Vec<String> = vec!["org-rollout".into(), "--manifest".into()];
    words.push(path.display().to_string());
    words.extend(line.split_whitespace().map(str::to_owned));
    let Command::OrgRollout(args) = cli::parse(words).unwrap() else {
        panic!("an org-rollout command");
    };
    let mut args: OrgRolloutArgs = *args;
    args.poll_interval = Duration::from_millis(100);
    args.timeout = Duration::from_secs(120);
    let mut out = Vec::new();
    let outcome = org_rollout_with_config(&args, config.clone(), &mut out, false).await;
    (outcome, String::from_utf8(out).unwrap())
}

/// The organisation: OUs `a` (two accounts), `b` (one), `f` (three, one of them with an IAM
/// name the core creates) and `g` (three, two of them so).
struct Organization {
    organizations: aws_sdk_organizations::Client,
    root: String,
    ous: [String; 4],
    accounts: [Vec<String>; 4],
}

async fn new_account(
    organizations: &aws_sdk_organizations::Client,
    root: &str,
    ou: &str,
    n: usize,
) -> String {
    let account = organizations
        .create_account()
        .account_name(format!("member-{n}"))
        .email(format!("member-{n}-{}@example.com", std::process::id()))
        .send()
        .await
        .unwrap()
        .create_account_status()
        .and_then(|s| s.account_id())
        .unwrap()
        .to_owned();
    organizations
        .move_account()
        .account_id(&account)
        .source_parent_id(root)
        .destination_parent_id(ou)
        .send()
        .await
        .unwrap();
    account
}

async fn organization(config: &SdkConfig) -> Organization {
    let organizations = aws_sdk_organizations::Client::new(config);
    organizations
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let root = organizations.list_roots().send().await.unwrap().roots()[0]
        .id()
        .unwrap()
        .to_owned();
    let mut ous = Vec::new();
    let mut accounts = Vec::new();
    let mut n = 0;
    for (name, count) in [("a", 2), ("b", 1), ("f", 3), ("g", 3)] {
        let ou = organizations
            .create_organizational_unit()
            .parent_id(&root)
            .name(name)
            .send()
            .await
            .unwrap()
            .organizational_unit()
            .unwrap()
            .id()
            .unwrap()
            .to_owned();
        let mut members = Vec::new();
        for _ in 0..count {
            n += 1;
            members.push(new_account(&organizations, &root, &ou, n).await);
        }
        members.sort();
        ous.push(ou);
        accounts.push(members);
    }
    Organization {
        organizations,
        root,
        ous: ous.try_into().unwrap(),
        accounts: accounts.try_into().unwrap(),
    }
}

/// The SDK configuration of an administrator (a role allowed everything) of member `account`,
/// made as the emulator lets a test arrange another account: IAM evaluation off only while the
/// role is made.
async fn member_admin(
    aws: &AwsEmulator,
    config: &SdkConfig,
    account: &str,
    region: &str,
) -> SdkConfig {
    aws.set_iam_enforcement(false).await.unwrap();
    let sts = aws_sdk_sts::Client::new(config);
    let bootstrap = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/bootstrap"))
        .role_session_name("bootstrap")
        .send()
        .await
        .unwrap();
    let as_config = |credentials: &aws_sdk_sts::types::Credentials, region: &str| {
        aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(aws.endpoint_url())
            .credentials_provider(aws_sdk_s3::config::SharedCredentialsProvider::new(
                aws_sdk_s3::config::Credentials::new(
                    credentials.access_key_id(),
                    credentials.secret_access_key(),
                    Some(credentials.session_token().to_owned()),
                    None,
                    "member-admin",
                ),
            ))
            .build()
    };
    let bootstrap_config = as_config(bootstrap.credentials().unwrap(), REGION);
    let iam = aws_sdk_iam::Client::new(&bootstrap_config);
    let name = format!("admin-{}", std::process::id());
    let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "sts:AssumeRole"}]});
    let arn = match iam
        .create_role()
        .role_name(&name)
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
    {
        Ok(made) => made.role().unwrap().arn().to_owned(),
        Err(_) => format!("arn:aws:iam::{account}:role/{name}"),
    };
    let admin = serde_json::json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    iam.put_role_policy()
        .role_name(&name)
        .policy_name("admin")
        .policy_document(admin.to_string())
        .send()
        .await
        .unwrap();
    let session = aws_sdk_sts::Client::new(&bootstrap_config)
        .assume_role()
        .role_arn(arn)
        .role_session_name("admin")
        .send()
        .await
        .unwrap();
    aws.set_iam_enforcement(true).await.unwrap();
    as_config(session.credentials().unwrap(), region)
}

/// Gives `account` the IAM name the core stack creates account-wide (its product role
/// boundary), as an account that made one by hand would have: its core stack then fails.
async fn break_account(aws: &AwsEmulator, config: &SdkConfig, account: &str) {
    let admin = member_admin(aws, config, account, REGION).await;
    let policy = serde_json::json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]});
    aws_sdk_iam::Client::new(&admin)
        .create_policy()
        .policy_name("studio-catalog-product-role-boundary")
        .path("/studio-catalog/")
        .policy_document(policy.to_string())
        .send()
        .await
        .unwrap();
}

async fn instances(
    cloudformation: &aws_sdk_cloudformation::Client,
    stack_set: &str,
) -> Vec<(String, String, String, String)> {
    let listed = cloudformation
        .list_stack_instances()
        .stack_set_name(stack_set)
        .send()
        .await
        .unwrap();
    let mut found: Vec<_> = listed
        .summaries()
        .iter()
        .map(|s| {
            (
                s.account().unwrap().to_owned(),
                s.region().unwrap().to_owned(),
                s.status().unwrap().as_str().to_owned(),
                s.stack_instance_status()
                    .and_then(|d| d.detailed_status())
                    .map(|d| d.as_str().to_owned())
                    .unwrap_or_default(),
            )
        })
        .collect();
    found.sort();
    found
}

async fn function_sha(member: &SdkConfig, name: &str) -> String {
    aws_sdk_lambda::Client::new(member)
        .get_function()
        .function_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{name}: {:?}", e.into_service_error()))
        .configuration()
        .unwrap()
        .code_sha256()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_organisation_rollout_reaches_every_member_account_and_region_and_is_undone() {
    // Given the suite staged, and an organisation whose management account is the harness's
    let aws = AwsEmulator::builder().lease().await.unwrap();
    let config = sdk_config(&aws).await;
    let manifest = package(&config, dummy_zips("org-v1", "v1"), true).await;
    let org = organization(&config).await;
    let [a, b, f, g] = org.ous.clone();
    let admin_arn = format!("arn:aws:iam::{ACCOUNT_ID}:role/CloudAdmin");
    let main = format!(
        "--organizational-unit {a} --organizational-unit {b} --target-region {REGION} \
         --target-region {SECOND_REGION} --portfolio-parameter CloudAdminRoleArn={admin_arn} \
         --failure-tolerance-percentage 100 --max-concurrent-percentage 100 --report-calls"
    );

    // When the suite is rolled out to OUs a and b in two regions
    let (outcome, report) = org_rollout(&config, &manifest, &main).await;
    outcome.unwrap_or_else(|e| panic!("{e}\n{report}"));

    // Then every instance is CURRENT, and the output said so instance by instance
    let cloudformation = aws_sdk_cloudformation::Client::new(&config);
    let members: Vec<String> = org.accounts[0]
        .iter()
        .chain(&org.accounts[1])
        .cloned()
        .collect();
    let found = instances(&cloudformation, "studio-catalog-member").await;
    assert_eq!(found.len(), members.len() * 2, "{found:?}\n{report}");
    assert!(found.iter().all(|i| i.2 == "CURRENT"), "{found:?}");
    for account in &members {
        assert!(
            report.contains(&format!("  {account}  {SECOND_REGION}")),
            "{report}"
        );
    }
    assert!(
        report.contains("trusted access with AWS Organizations is off: activating it"),
        "{report}"
    );
    // --report-calls: the tool's own calls, per operation (one CreateStackSet)
    assert!(report.contains("API calls: "), "{report}");
    assert!(
        report
            .lines()
            .any(|l| l.to_lowercase().split_whitespace().collect::<Vec<_>>()
                == ["cloudformation", "createstackset", "1"]),
        "{report}"
    );
    // the core's functions exist in a member account in both regions, each region reading its
    // code from its own bucket
    let member = &org.accounts[0][0];
    let home_admin = member_admin(&aws, &config, member, REGION).await;
    let second_admin = member_admin(&aws, &config, member, SECOND_REGION).await;
    for admin in [&home_admin, &second_admin] {
        for function in crate::suite::CORE_FUNCTIONS {
            function_sha(admin, &format!("studio-catalog-{function}")).await;
        }
    }
    // one set of parameters for every region, no overrides: CodeBucket the packaged bucket read
    // as <bucket>-<region>, the account-wide IAM resources made in the first region
    let parameters = |list: &[aws_sdk_cloudformation::types::Parameter]| -> Vec<(String, String)> {
        list.iter()
            .map(|p| {
                (
                    p.parameter_key().unwrap_or_default().to_owned(),
                    p.parameter_value().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let stack_set = cloudformation
        .describe_stack_set()
        .stack_set_name("studio-catalog-member")
        .send()
        .await
        .unwrap();
    let set_parameters = parameters(stack_set.stack_set().unwrap().parameters());
    for expected in [
        ("CodeBucket", BUCKET),
        ("CodeBucketPerRegion", "true"),
        ("AccountWideResources", REGION),
    ] {
        assert!(
            set_parameters.contains(&(expected.0.into(), expected.1.into())),
            "{set_parameters:?}"
        );
    }
    for region in [REGION, SECOND_REGION] {
        let instance = cloudformation
            .describe_stack_instance()
            .stack_set_name("studio-catalog-member")
            .stack_instance_account(member)
            .stack_instance_region(region)
            .send()
            .await
            .unwrap();
        let overrides = parameters(instance.stack_instance().unwrap().parameter_overrides());
        assert!(overrides.is_empty(), "{region}: {overrides:?}");
    }
    let s3 = studio_catalog_deploy::aws::s3_client(&config);
    for region in [REGION, SECOND_REGION] {
        let regional = format!("{BUCKET}-{region}");
        for key in manifest.function_keys.values() {
            s3.head_object()
                .bucket(&regional)
                .key(key)
                .send()
                .await
                .unwrap_or_else(|e| panic!("s3://{regional}/{key}: {e:?}"));
        }
    }
    // the portfolio is shared with the OUs, no member has accepted yet
    assert!(
        report.contains(&format!(
            "0 of {} member accounts have accepted",
            members.len()
        )),
        "{report}"
    );

    // When an account joins OU b
    let joined = new_account(&org.organizations, &org.root, &b, 99).await;
    // Then auto-deployment alone gives it a correct core in both regions, no second run
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let found = instances(&cloudformation, "studio-catalog-member").await;
        let its: Vec<_> = found.iter().filter(|i| i.0 == joined).collect();
        if its.len() == 2
            && its
                .iter()
                .all(|i| !matches!(i.3.as_str(), "PENDING" | "RUNNING"))
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{found:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let found = instances(&cloudformation, "studio-catalog-member").await;
    assert_eq!(
        found
            .iter()
            .filter(|i| i.0 == joined && i.2 == "CURRENT")
            .count(),
        2,
        "{found:?}"
    );
    for region in [REGION, SECOND_REGION] {
        let admin = member_admin(&aws, &config, &joined, region).await;
        for function in crate::suite::CORE_FUNCTIONS {
            function_sha(&admin, &format!("studio-catalog-{function}")).await;
        }
    }
    // and a new package version reaches every member, the joined one too, in one UpdateStackSet:
    // the function code changes
    let before = function_sha(&home_admin, "studio-catalog-studio-domain").await;
    let v2 = package(&config, dummy_zips("org-v2", "v2"), false).await;
    assert_ne!(v2.version, manifest.version);
    let (outcome, report) = org_rollout(&config, &v2, &main).await;
    outcome.unwrap_or_else(|e| panic!("{e}\n{report}"));
    let after = function_sha(&home_admin, "studio-catalog-studio-domain").await;
    assert_ne!(before, after, "{report}");
    let found = instances(&cloudformation, "studio-catalog-member").await;
    assert_eq!(
        found
            .iter()
            .filter(|i| i.0 == joined && i.2 == "CURRENT")
            .count(),
        2,
        "{found:?}\n{report}"
    );
    assert!(report.contains("updating it (UpdateStackSet)"), "{report}");
    assert!(!report.contains("UpdateStackInstances"), "{report}");

    // When the member accepts the share and launches the grant product with its own launch role
    let catalog = aws_sdk_servicecatalog::Client::new(&home_admin);
    let portfolio = cloudformation
        .describe_stacks()
        .stack_name("studio-catalog-portfolio")
        .send()
        .await
        .unwrap();
    let output = |key: &str| {
        portfolio.stacks()[0]
            .outputs()
            .iter()
            .find(|o| o.output_key() == Some(key))
            .and_then(|o| o.output_value())
            .unwrap()
            .to_owned()
    };
    let portfolio_id = output("PortfolioId");
    let product_id = output("DataAccessGrantProductId");
    catalog
        .accept_portfolio_share()
        .portfolio_id(&portfolio_id)
        .portfolio_share_type(aws_sdk_servicecatalog::types::PortfolioShareType::AwsOrganizations)
        .send()
        .await
        .unwrap();
    let me = aws_sdk_sts::Client::new(&home_admin)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    let role_arn = me
        .arn()
        .unwrap()
        .replace(":sts::", ":iam::")
        .replace("assumed-role/", "role/");
    let role_arn = role_arn.rsplit_once('/').unwrap().0.to_owned();
    catalog
        .associate_principal_with_portfolio()
        .portfolio_id(&portfolio_id)
        .principal_arn(&role_arn)
        .principal_type(aws_sdk_servicecatalog::types::PrincipalType::Iam)
        .send()
        .await
        .unwrap();
    let artifact = catalog
        .list_provisioning_artifacts()
        .product_id(&product_id)
        .send()
        .await
        .unwrap()
        .provisioning_artifact_details()
        .last()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let analyst = format!("arn:aws:iam::{member}:role/studio-catalog/products/studio-sc-analyst");
    let record = catalog
        .provision_product()
        .product_id(&product_id)
        .provisioning_artifact_id(&artifact)
        .provisioned_product_name("grant-in-member")
        .provision_token("grant-in-member")
        .provisioning_parameters(
            aws_sdk_servicecatalog::types::ProvisioningParameter::builder()
                .key("PrincipalArn")
                .value(&analyst)
                .build(),
        )
        .provisioning_parameters(
            aws_sdk_servicecatalog::types::ProvisioningParameter::builder()
                .key("DatabaseName")
                .value("sales")
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{:?}", e.into_service_error()));
    let pp = record
        .record_detail()
        .unwrap()
        .provisioned_product_id()
        .unwrap()
        .to_owned();
    // Then its stack runs in the member account under the member's launch role from core
    let stack_name = format!("SC-{member}-{pp}");
    let member_cloudformation = aws_sdk_cloudformation::Client::new(&home_admin);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let stack = loop {
        if let Ok(found) = member_cloudformation
            .describe_stacks()
            .stack_name(&stack_name)
            .send()
            .await
        {
            break found.stacks()[0].clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no stack {stack_name}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        stack.role_arn(),
        Some(format!("arn:aws:iam::{member}:role/{LAUNCH_ROLE}").as_str())
    );
    // and the rollout now reports that member as accepted
    let (outcome, report) = org_rollout(&config, &v2, &main).await;
    outcome.unwrap_or_else(|e| panic!("{e}\n{report}"));
    assert!(report.contains(&format!("{member}  accepted")), "{report}");

    // When OU f is rolled out with a tolerance of one failed account, one account having an
    // IAM name the core creates
    break_account(&aws, &config, &org.accounts[2][1]).await;
    let (outcome, report) = org_rollout(
        &config,
        &v2,
        &format!(
            "--organizational-unit {f} --target-region {REGION} --stack-set-name within \
             --skip-portfolio --failure-tolerance-count 1"
        ),
    )
    .await;
    // Then it exits with an error saying so, the failed instance's reason printed, the others
    // CURRENT
    let error = outcome.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Rollout(RolloutError::InstancesNotCurrent { count: 1, .. })
        ),
        "{error}\n{report}"
    );
    assert!(
        error.to_string().contains("within the failure tolerance"),
        "{error}"
    );
    assert!(
        report.contains(&format!("  {}  {REGION}  FAILED", org.accounts[2][1])),
        "{report}"
    );
    assert!(report.contains("already exists"), "{report}");
    let found = instances(&cloudformation, "within").await;
    assert_eq!(
        found.iter().filter(|i| i.2 == "CURRENT").count(),
        2,
        "{found:?}"
    );

    // When OU g, two of whose three accounts are so, is rolled out with no tolerance
    break_account(&aws, &config, &org.accounts[3][0]).await;
    break_account(&aws, &config, &org.accounts[3][2]).await;
    let (outcome, report) = org_rollout(
        &config,
        &v2,
        &format!(
            "--organizational-unit {g} --target-region {REGION} --stack-set-name beyond --skip-portfolio"
        ),
    )
    .await;
    // Then the operation failed and the instances not started were cancelled
    let error = outcome.unwrap_err();
    assert!(
        matches!(&error, Error::Rollout(RolloutError::OperationFailed { status, .. }) if status == "FAILED"),
        "{error}\n{report}"
    );
    let found = instances(&cloudformation, "beyond").await;
    assert!(found.iter().any(|i| i.3 == "FAILED"), "{found:?}");
    assert!(found.iter().any(|i| i.3 == "CANCELLED"), "{found:?}");
    assert!(report.contains("CANCELLED"), "{report}");

    // When the main rollout is deleted
    let (outcome, report) = org_rollout(&config, &v2, "--delete").await;
    outcome.unwrap_or_else(|e| panic!("{e}\n{report}"));
    // Then it said first what stays, the instances and the stack set are gone, and the
    // member's product stack is still there
    let said = report.find("It leaves").unwrap();
    let deleting = report.find("deleting ").unwrap();
    assert!(said < deleting, "{report}");
    assert!(report.contains("SC-* product"), "{report}");
    let gone = cloudformation
        .describe_stack_set()
        .stack_set_name("studio-catalog-member")
        .send()
        .await;
    assert!(
        gone.is_err()
            || gone
                .unwrap()
                .stack_set()
                .and_then(|s| s.status())
                .map(|s| s.as_str())
                == Some("DELETED")
    );
    assert!(
        member_cloudformation
            .describe_stacks()
            .stack_name(&stack_name)
            .send()
            .await
            .is_ok(),
        "the member's product stack stays"
    );
}
