//! Which spaces keep their user's work with them, and the rule every delete that would remove
//! one follows (`Custom::StudioSpace`, and the user-profile and domain deletes for the spaces
//! they remove): refuse unless the template's `DeleteSpaceData` is `"true"`, naming the spaces
//! and the property, before anything is touched.
//!
//! A JupyterLab or Code Editor space keeps its work on an EBS volume of its own
//! (`SpaceSettings.SpaceStorageSettings.EbsStorageSettings.EbsVolumeSizeInGb`, "the size of an
//! EBS storage volume for a space", SageMaker API Reference, EbsStorageSettings); the volume
//! belongs to the space and is deleted with it (issue #17's premise; public descriptions of
//! Studio: "a dedicated EC2 instance + EBS volume" per private space). Not confirmed on an AWS
//! page here that DeleteSpace deletes the volume, which is why the rule errs on the side of
//! keeping the work. A Studio Classic space (no `AppType`) keeps its work on the domain's home
//! EFS, which `HomeEfsRetention` governs instead.

use aws_sdk_sagemaker::types::AppType;

use crate::identifiers::in_domain;
use crate::ports::Space;

/// A space's ARN, `arn:<partition>:sagemaker:<region>:<account>:space/<domain id>/<name>`
/// (`Custom::StudioSpace`'s physical id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceArn {
    pub domain_id: String,
    /// The space's name as the ARN writes it.
    pub space_name: String,
}

impl SpaceArn {
    /// Reads an ARN; `None` if it is not a space's.
    pub fn parse(arn: &str) -> Option<Self> {
        let (domain_id, space_name) = in_domain(arn, "space/")?;
        Some(Self {
            domain_id: domain_id.to_owned(),
            space_name: space_name.to_owned(),
        })
    }

    /// Whether the ARN names the space `space_name` of `domain_id` (the name compared without
    /// regard to case, in case an ARN is written in lower case).
    pub fn names(&self, domain_id: &str, space_name: &str) -> bool {
        self.domain_id == domain_id && self.space_name.eq_ignore_ascii_case(space_name)
    }
}

/// The property that lets a delete remove spaces whose work goes with them.
pub const DELETE_SPACE_DATA: &str = "DeleteSpaceData";

/// Whether deleting `space` deletes its user's work: a JupyterLab or Code Editor space, whose
/// EBS volume goes with it.
pub fn keeps_its_work(space: &Space) -> bool {
    app_type_keeps_its_work(space.app_type.as_ref())
}

/// Whether a space of `app_type` keeps its work on a volume that goes with it.
pub fn app_type_keeps_its_work(app_type: Option<&AppType>) -> bool {
    matches!(app_type, Some(AppType::JupyterLab | AppType::CodeEditor))
}

/// The names of the spaces among `spaces` whose work a delete would remove, sorted.
pub fn spaces_with_work<'a>(spaces: impl IntoIterator<Item = &'a Space>) -> Vec<&'a str> {
    let mut names: Vec<&str> = spaces
        .into_iter()
        .filter(|space| keeps_its_work(space))
        .map(|space| space.space_name.as_str())
        .collect();
    names.sort_unstable();
    names
}

/// Why `deleting` (e.g. "Deleting user profile alice of domain d-…") refuses to remove the
/// spaces `names`: the message every refusal gives, naming them and [`DELETE_SPACE_DATA`].
pub fn refusal(deleting: &str, names: &[&str]) -> String {
    format!(
        "{deleting} would delete the JupyterLab/Code Editor space(s) {}, and with each its EBS volume and the work on it; nothing was deleted. Copy the work elsewhere, or set {DELETE_SPACE_DATA} to \"true\" to delete the space(s) and their data",
        names.join(", ")
    )
}

/// Refuses (a permanent `ResourceError`, [`refusal`]) a delete that would remove a space of
/// `spaces` whose work goes with it, unless `delete_space_data`.
#[cfg(feature = "custom-resource")]
pub fn refuse_deleting_work<'a>(
    deleting: &str,
    spaces: impl IntoIterator<Item = &'a Space>,
    delete_space_data: bool,
) -> Result<(), cfn_custom_resource::ResourceError> {
    if delete_space_data {
        return Ok(());
    }
    let names = spaces_with_work(spaces);
    if names.is_empty() {
        Ok(())
    } else {
        Err(cfn_custom_resource::ResourceError::permanent(refusal(
            deleting, &names,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sagemaker::types::SpaceStatus;

    fn space(name: &str, app_type: Option<AppType>) -> Space {
        Space {
            space_name: name.to_owned(),
            status: SpaceStatus::InService,
            owner_user_profile_name: None,
            sharing_type: None,
            app_type,
        }
    }

    #[test]
    fn a_space_arn_names_its_domain_and_space_and_nothing_else_parses() {
        let arn = SpaceArn::parse(
            "arn:aws:sagemaker:us-east-1:123456789012:space/d-abcdef123456/team-lab",
        )
        .unwrap();
        assert!(arn.names("d-abcdef123456", "Team-Lab"));
        assert!(
            SpaceArn::parse(
                "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-abcdef123456/alice"
            )
            .is_none()
        );
        assert!(SpaceArn::parse("studio-space-2026/12/02/[$LATEST]abc").is_none());
    }

    #[test]
    fn jupyterlab_and_code_editor_spaces_keep_their_work_and_classic_ones_do_not() {
        assert!(keeps_its_work(&space("a", Some(AppType::JupyterLab))));
        assert!(keeps_its_work(&space("b", Some(AppType::CodeEditor))));
        assert!(!keeps_its_work(&space("c", Some(AppType::JupyterServer))));
        assert!(!keeps_its_work(&space("d", None)));
    }

    #[test]
    fn the_refusal_names_the_spaces_with_work_in_order_and_the_property() {
        let spaces = [
            space("zed", Some(AppType::CodeEditor)),
            space("classic", None),
            space("lab", Some(AppType::JupyterLab)),
        ];
        let names = spaces_with_work(&spaces);
        assert_eq!(names, ["lab", "zed"]);
        let message = refusal("Deleting user profile alice", &names);
        assert!(message.starts_with("Deleting user profile alice would delete"));
        assert!(message.contains("space(s) lab, zed"));
        assert!(message.contains("set DeleteSpaceData to \"true\""));
    }
}
