//! How the versions of one `Custom::StudioLifecycleConfig` are named, and its physical id.
//!
//! SageMaker has no update call for a lifecycle config (they are immutable:
//! `StudioLifecycleConfigDetails.LastModifiedTime` "is equivalent to CreationTime"), so each
//! content or tags the template gives is a version of its own, named `<base>-v<digest>`: the
//! digest is 8 hex digits of FNV-1a (32 bits) over the app type, the content and the sorted tags,
//! so the same properties always name the same version (a repeated step, a rollback, an update
//! back to earlier content find it again) and the name stays within SageMaker's 63 characters.
//! FNV-1a is written out here because the name must not change with the toolchain
//! (`std`'s hasher makes no such promise) and no hashing crate is in the workspace.
//!
//! The physical id, `studio-lifecycle-config/<base>/<AppType>`, stays the same across versions;
//! a new base name or app type is a new id, which CloudFormation takes as a replacement.

use crate::properties::LifecycleConfigProperties;

/// `-v` and 8 hex digits.
const SUFFIX_CHARS: usize = 10;
/// At most this many characters of base name (SageMaker's 63, less the suffix).
pub const MAX_BASE_NAME_CHARS: usize = 63 - SUFFIX_CHARS;
/// What every physical id of this resource starts with.
const PHYSICAL_ID_PREFIX: &str = "studio-lifecycle-config/";

/// The name of the version `properties` describe.
pub fn version_name(properties: &LifecycleConfigProperties) -> String {
    let mut tags: Vec<(&str, &str)> = properties
        .tags
        .iter()
        .map(|tag| (tag.key.as_str(), tag.value.as_str()))
        .collect();
    tags.sort_unstable();
    let mut hash = Fnv1a::new();
    hash.write(properties.studio_lifecycle_config_app_type.as_bytes());
    hash.write(&[0]);
    hash.write(properties.studio_lifecycle_config_content.as_bytes());
    for (key, value) in tags {
        hash.write(&[0]);
        hash.write(key.as_bytes());
        hash.write(b"=");
        hash.write(value.as_bytes());
    }
    format!("{}-v{:08x}", properties.base_name(), hash.finish())
}

/// Whether `name` is a version of base name `base`.
pub fn is_version_of(name: &str, base: &str) -> bool {
    name.strip_prefix(base)
        .and_then(|rest| rest.strip_prefix("-v"))
        .is_some_and(|digest| {
            digest.len() == 8
                && digest
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
        })
}

/// The resource's physical id: its base name and app type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhysicalId {
    pub base: String,
    pub app_type: String,
}

impl PhysicalId {
    /// The physical id of the resource `properties` describe.
    pub fn of(properties: &LifecycleConfigProperties) -> Self {
        Self {
            base: properties.base_name().to_owned(),
            app_type: properties.studio_lifecycle_config_app_type.clone(),
        }
    }

    /// Reads `studio-lifecycle-config/<base>/<AppType>`; `None` for anything else.
    pub fn parse(id: &str) -> Option<Self> {
        let (base, app_type) = id.strip_prefix(PHYSICAL_ID_PREFIX)?.split_once('/')?;
        let valid = studio_sagemaker::identifiers::is_studio_name(base)
            && base.len() <= MAX_BASE_NAME_CHARS
            && !app_type.is_empty()
            && app_type.bytes().all(|byte| byte.is_ascii_alphabetic());
        valid.then(|| Self {
            base: base.to_owned(),
            app_type: app_type.to_owned(),
        })
    }
}

impl std::fmt::Display for PhysicalId {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "{PHYSICAL_ID_PREFIX}{}/{}",
            self.base, self.app_type
        )
    }
}

/// FNV-1a, 32 bits (offset basis 2166136261, prime 16777619).
struct Fnv1a(u32);

impl Fnv1a {
    fn new() -> Self {
        Self(0x811c_9dc5)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u32::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0193);
        }
    }

    fn finish(&self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn properties(content: &str, tags: &serde_json::Value) -> LifecycleConfigProperties {
        serde_json::from_value(json!({
            "StudioLifecycleConfigName": "team-a-lab",
            "StudioLifecycleConfigContent": content,
            "StudioLifecycleConfigAppType": "JupyterLab",
            "Tags": tags,
        }))
        .expect("the properties read")
    }

    #[test]
    fn fnv1a_matches_its_published_test_vectors() {
        for (input, expected) in [
            ("", 0x811c_9dc5_u32),
            ("a", 0xe40c_292c),
            ("foobar", 0xbf9c_f968),
        ] {
            let mut hash = Fnv1a::new();
            hash.write(input.as_bytes());
            assert_eq!(hash.finish(), expected, "{input:?}");
        }
    }

    #[test]
    fn the_same_properties_name_the_same_version_whatever_the_tags_order() {
        let one = properties(
            "ZWNobw==",
            &json!([{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]),
        );
        let other = properties(
            "ZWNobw==",
            &json!([{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]),
        );
        assert_eq!(version_name(&one), version_name(&other));
        assert!(is_version_of(&version_name(&one), "team-a-lab"));
    }

    #[test]
    fn new_content_or_tags_name_a_new_version() {
        let first = version_name(&properties("ZWNobw==", &json!([])));
        let content = version_name(&properties("ZWNobyAy", &json!([])));
        let tags = version_name(&properties(
            "ZWNobw==",
            &json!([{"Key": "a", "Value": "1"}]),
        ));
        assert_ne!(first, content);
        assert_ne!(first, tags);
        assert_eq!(first.len(), "team-a-lab".len() + SUFFIX_CHARS);
    }

    #[test]
    fn only_the_bases_own_suffix_is_a_version() {
        assert!(is_version_of("lab-v0123abcd", "lab"));
        assert!(!is_version_of("lab-v0123abcd-v0123abcd", "lab"));
        assert!(!is_version_of("lab-x-v0123abcd", "lab"));
        assert!(!is_version_of("lab-v0123ABCD", "lab"));
        assert!(!is_version_of("lab", "lab"));
    }

    #[test]
    fn a_physical_id_round_trips_and_nothing_else_parses() {
        let id = PhysicalId::of(&properties("ZWNobw==", &json!([])));
        assert_eq!(
            id.to_string(),
            "studio-lifecycle-config/team-a-lab/JupyterLab"
        );
        assert_eq!(PhysicalId::parse(&id.to_string()), Some(id));
        for other in [
            "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/team-a-lab",
            "studio-lifecycle-config/team-a-lab",
            "studio-lifecycle-config/-bad/JupyterLab",
            "2024/11/23/[$LATEST]0123456789abcdef",
        ] {
            assert_eq!(PhysicalId::parse(other), None, "{other}");
        }
    }
}
