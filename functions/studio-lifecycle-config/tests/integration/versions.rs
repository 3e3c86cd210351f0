//! A stack's life: the config made, a profile listing it, an edit (a new version; the old one
//! kept while the profile lists it), the profile moved to the new ARN, the old version retired by
//! the next update, a delete refused while the profile lists the current one, then done.

use serde_json::json;
use studio_catalog_harness::cloudformation::CfnRequest;

use super::{RESOURCE_TYPE, World, properties};

#[tokio::test]
async fn an_edit_makes_a_new_version_and_the_old_one_is_retired_once_the_profile_moved_on() {
    let world = World::start().await;
    let v1 = properties(
        "#!/bin/bash\npip install jupyterlab-git\n",
        &json!([{"Key": "team", "Value": "a"}]),
    );
    let create = CfnRequest::create(RESOURCE_TYPE, "LabSetup", v1.clone());
    let created = world.send(&create).await;
    assert!(created.is_success(), "{:?}", created.reason);
    let physical_id = created.physical_resource_id.clone();
    assert_eq!(
        physical_id,
        "studio-lifecycle-config/team-a-lab-setup/JupyterLab"
    );
    let arn_1 = created.data("StudioLifecycleConfigArn").unwrap().to_owned();
    let name_1 = created
        .data("StudioLifecycleConfigName")
        .unwrap()
        .to_owned();
    assert!(
        arn_1.ends_with(&format!(":studio-lifecycle-config/{name_1}")),
        "{arn_1}"
    );
    world.profile_lists("alice", &[&arn_1]).await;

    // The edit: a new version; the old one stays while alice lists it, and the update succeeds.
    let v2 = properties(
        "#!/bin/bash\npip install jupyterlab-git jupyterlab-lsp\n",
        &json!([{"Key": "team", "Value": "a"}]),
    );
    let edited = world
        .send(&create.update(&physical_id, v2.clone(), v1.clone()))
        .await;
    assert!(edited.is_success(), "{:?}", edited.reason);
    assert_eq!(
        edited.physical_resource_id, physical_id,
        "the physical id is stable"
    );
    let arn_2 = edited.data("StudioLifecycleConfigArn").unwrap().to_owned();
    let name_2 = edited.data("StudioLifecycleConfigName").unwrap().to_owned();
    assert_ne!(arn_2, arn_1);
    assert!(
        world.config_exists(&name_1).await,
        "kept while alice lists it"
    );
    assert!(
        edited
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("kept while in use"),
        "{:?}",
        edited.reason
    );

    // CloudFormation moves the profile to the new ARN; the next update retires v1.
    world.profile_lists("alice", &[&arn_2]).await;
    let v3 = properties(
        "#!/bin/bash\npip install jupyterlab-git jupyterlab-lsp\n",
        &json!([{"Key": "team", "Value": "a"}, {"Key": "owner", "Value": "alice"}]),
    );
    let retagged = world
        .send(&create.update(&physical_id, v3.clone(), v2))
        .await;
    assert!(retagged.is_success(), "{:?}", retagged.reason);
    let name_3 = retagged
        .data("StudioLifecycleConfigName")
        .unwrap()
        .to_owned();
    assert!(
        !world.config_exists(&name_1).await,
        "v1 is retired: nothing lists it"
    );
    assert!(
        world.config_exists(&name_2).await,
        "v2 is kept: alice lists it"
    );
    let arn_3 = retagged
        .data("StudioLifecycleConfigArn")
        .unwrap()
        .to_owned();
    let tags = world.resource.aws().sagemaker_tags(&arn_3).await.unwrap();
    assert!(
        tags.contains(&("owner".to_owned(), "alice".to_owned())),
        "{tags:?}"
    );

    // The delete is refused while alice lists the current version, naming her profile.
    world.profile_lists("alice", &[&arn_3]).await;
    let refused = world.send(&create.delete(&physical_id, v3.clone())).await;
    assert!(refused.is_failed());
    let reason = refused.reason.clone().unwrap_or_default();
    assert!(
        reason.contains(&format!(
            "{name_3} (the current version) is listed by user profile alice of domain {}",
            world.domain_id
        )),
        "{reason}"
    );
    assert!(world.config_exists(&name_3).await);

    world.profile_lists("alice", &[]).await;
    let deleted = world.send(&create.delete(&physical_id, v3)).await;
    assert!(deleted.is_success(), "{:?}", deleted.reason);
    for name in [name_1, name_2, name_3] {
        assert!(!world.config_exists(&name).await, "{name} is deleted");
    }
}
