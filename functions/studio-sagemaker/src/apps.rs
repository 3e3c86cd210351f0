//! Studio apps and spaces as ListApps and ListSpaces report them, and the SageMaker calls that
//! list every page of them and delete them.

use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::types::AppType;
use cfn_custom_resource::AwsError;

/// Who owns an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppOwner {
    /// A user profile's app (Studio Classic).
    UserProfile(String),
    /// A space's app.
    Space(String),
}

impl AppOwner {
    /// The profile or space name.
    pub fn name(&self) -> &str {
        match self {
            Self::UserProfile(name) | Self::Space(name) => name,
        }
    }
}

impl std::fmt::Display for AppOwner {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UserProfile(name) => write!(formatter, "user profile {name}"),
            Self::Space(name) => write!(formatter, "space {name}"),
        }
    }
}

/// An app as ListApps reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// `JupyterLab`, `KernelGateway`, …
    pub app_type: String,
    /// The app's name.
    pub app_name: String,
    /// Its profile or space.
    pub owner: AppOwner,
    /// `Pending`, `InService`, `Deleting`, `Deleted`, `Failed`.
    pub status: String,
}

/// A space as ListSpaces reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Space {
    /// The name.
    pub space_name: String,
    /// `Pending`, `InService`, `Updating`, `Deleting`, `Failed`, …
    pub status: String,
    /// The profile that owns it, if it has an owner.
    pub owner_user_profile_name: Option<String>,
    /// `Private` or `Shared`, if set.
    pub sharing_type: Option<String>,
}

impl Space {
    /// Whether `owner` owns the space, private or shared. SageMaker deletes a user profile only
    /// once every space it owns is deleted: "all spaces owned by the user profile must be
    /// deleted" (DeleteUserProfile, API reference).
    pub fn is_owned_by(&self, owner: &str) -> bool {
        self.owner_user_profile_name.as_deref() == Some(owner)
    }

    /// Whether the space is `owner`'s private space.
    pub fn is_private_to(&self, owner: &str) -> bool {
        self.sharing_type.as_deref() == Some("Private") && self.is_owned_by(owner)
    }
}

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

/// ListApps, every page: the domain's apps, or only `owner`'s.
///
/// An app with a (non-empty) space name is the space's; any other is its user profile's.
pub async fn list_apps(
    client: &Client,
    domain_id: &str,
    owner: Option<&AppOwner>,
) -> Result<Vec<App>, AwsError> {
    let request = client.list_apps().domain_id_equals(domain_id);
    let request = match owner {
        None => request,
        Some(AppOwner::UserProfile(name)) => request.user_profile_name_equals(name),
        Some(AppOwner::Space(name)) => request.space_name_equals(name),
    };
    let apps = request
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|error| AwsError::from_sdk("ListApps", &error))?;
    Ok(apps
        .into_iter()
        .map(|app| App {
            app_type: app
                .app_type()
                .map(|kind| kind.as_str().to_owned())
                .unwrap_or_default(),
            app_name: text(app.app_name()),
            owner: match app.space_name() {
                Some(space) if !space.is_empty() => AppOwner::Space(space.to_owned()),
                _ => AppOwner::UserProfile(text(app.user_profile_name())),
            },
            status: app
                .status()
                .map(|status| status.as_str().to_owned())
                .unwrap_or_default(),
        })
        .collect())
}

/// DeleteApp of `owner`'s app `app_type`/`app_name`.
pub async fn delete_app(
    client: &Client,
    domain_id: &str,
    owner: &AppOwner,
    app_type: &str,
    app_name: &str,
) -> Result<(), AwsError> {
    let request = client
        .delete_app()
        .domain_id(domain_id)
        .app_type(AppType::from(app_type))
        .app_name(app_name);
    let request = match owner {
        AppOwner::UserProfile(name) => request.user_profile_name(name),
        AppOwner::Space(name) => request.space_name(name),
    };
    request
        .send()
        .await
        .map(drop)
        .map_err(|error| AwsError::from_sdk("DeleteApp", &error))
}

/// ListSpaces in the domain, every page.
pub async fn list_spaces(client: &Client, domain_id: &str) -> Result<Vec<Space>, AwsError> {
    let spaces = client
        .list_spaces()
        .domain_id_equals(domain_id)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|error| AwsError::from_sdk("ListSpaces", &error))?;
    Ok(spaces
        .into_iter()
        .map(|space| Space {
            space_name: text(space.space_name()),
            status: space
                .status()
                .map(|status| status.as_str().to_owned())
                .unwrap_or_default(),
            owner_user_profile_name: space
                .ownership_settings_summary()
                .and_then(|ownership| ownership.owner_user_profile_name())
                .map(str::to_owned),
            sharing_type: space
                .space_sharing_settings_summary()
                .and_then(|sharing| sharing.sharing_type())
                .map(|kind| kind.as_str().to_owned()),
        })
        .collect())
}

/// DeleteSpace.
pub async fn delete_space(
    client: &Client,
    domain_id: &str,
    space_name: &str,
) -> Result<(), AwsError> {
    client
        .delete_space()
        .domain_id(domain_id)
        .space_name(space_name)
        .send()
        .await
        .map(drop)
        .map_err(|error| AwsError::from_sdk("DeleteSpace", &error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sagemaker::operation::delete_app::DeleteAppOutput;
    use aws_sdk_sagemaker::operation::list_apps::ListAppsOutput;
    use aws_sdk_sagemaker::types::{AppDetails, AppStatus};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    #[tokio::test]
    async fn an_app_without_a_space_name_is_its_user_profiles() {
        let listed = mock!(Client::list_apps)
            .match_requests(|input| {
                input.domain_id_equals() == Some("d-abcdef123456")
                    && input.user_profile_name_equals().is_none()
                    && input.space_name_equals().is_none()
            })
            .then_output(|| {
                ListAppsOutput::builder()
                    .apps(
                        AppDetails::builder()
                            .user_profile_name("alice")
                            .space_name("")
                            .app_type(AppType::KernelGateway)
                            .app_name("k1")
                            .status(AppStatus::Deleting)
                            .build(),
                    )
                    .apps(
                        AppDetails::builder()
                            .space_name("team")
                            .app_type(AppType::JupyterLab)
                            .app_name("default")
                            .status(AppStatus::InService)
                            .build(),
                    )
                    .build()
            });
        let client = mock_client!(aws_sdk_sagemaker, [&listed]);

        let apps = list_apps(&client, "d-abcdef123456", None).await.unwrap();

        assert_eq!(
            apps,
            vec![
                App {
                    app_type: "KernelGateway".into(),
                    app_name: "k1".into(),
                    owner: AppOwner::UserProfile("alice".into()),
                    status: "Deleting".into(),
                },
                App {
                    app_type: "JupyterLab".into(),
                    app_name: "default".into(),
                    owner: AppOwner::Space("team".into()),
                    status: "InService".into(),
                },
            ]
        );
    }

    #[tokio::test]
    async fn a_spaces_app_is_deleted_by_its_space_name() {
        let deleted = mock!(Client::delete_app)
            .match_requests(|input| {
                input.space_name() == Some("team")
                    && input.user_profile_name().is_none()
                    && input.app_type() == Some(&AppType::JupyterLab)
                    && input.app_name() == Some("default")
            })
            .then_output(|| DeleteAppOutput::builder().build());
        let client = mock_client!(aws_sdk_sagemaker, RuleMode::MatchAny, [&deleted]);

        delete_app(
            &client,
            "d-abcdef123456",
            &AppOwner::Space("team".into()),
            "JupyterLab",
            "default",
        )
        .await
        .unwrap();

        assert_eq!(deleted.num_calls(), 1);
    }

    #[test]
    fn an_owner_names_its_profile_or_space() {
        assert_eq!(AppOwner::UserProfile("alice".into()).name(), "alice");
        assert_eq!(AppOwner::Space("team".into()).to_string(), "space team");
    }
}
