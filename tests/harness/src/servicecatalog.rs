//! What the story's cloud admin and the functions' integration tests ask Service Catalog alike:
//! the account's provisioned products, a provisioned product's status, tags from pairs.

use aws_sdk_servicecatalog::Client;
use aws_sdk_servicecatalog::error::{BuildError, SdkError};
use aws_sdk_servicecatalog::operation::describe_provisioned_product::DescribeProvisionedProductError;
use aws_sdk_servicecatalog::types::{AccessLevelFilter, AccessLevelFilterKey, Tag};

/// Every provisioned product of the account, not only the caller's: `AccessLevelFilter` key
/// `Account`, value `self` (Service Catalog API reference, `AccessLevelFilter`: "`Account` -
/// Filter results based on the account"; the value: "The only supported value is `self`").
pub fn account_wide() -> AccessLevelFilter {
    AccessLevelFilter::builder()
        .key(AccessLevelFilterKey::Account)
        .value("self")
        .build()
}

/// Service Catalog tags from `(key, value)` pairs.
pub fn tags(pairs: &[(&str, &str)]) -> Result<Vec<Tag>, BuildError> {
    pairs
        .iter()
        .map(|(key, value)| Tag::builder().key(*key).value(*value).build())
        .collect()
}

/// The status of provisioned product `id` (`AVAILABLE`, `UNDER_CHANGE`, `ERROR`...; API
/// reference, `DescribeProvisionedProduct`), `None` once it is gone
/// (`ResourceNotFoundException`: a terminated product is no longer described).
pub async fn provisioned_product_status(
    servicecatalog: &Client,
    id: &str,
) -> Result<Option<String>, SdkError<DescribeProvisionedProductError>> {
    match servicecatalog
        .describe_provisioned_product()
        .id(id)
        .send()
        .await
    {
        Ok(described) => Ok(Some(
            described
                .provisioned_product_detail()
                .and_then(|detail| detail.status())
                .map(|status| status.as_str().to_owned())
                .unwrap_or_default(),
        )),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(DescribeProvisionedProductError::is_resource_not_found_exception) =>
        {
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_wide_filter_is_the_account_level_for_the_caller_s_own_account() {
        let filter = account_wide();

        assert_eq!(filter.key(), Some(&AccessLevelFilterKey::Account));
        assert_eq!(filter.value(), Some("self"));
    }

    #[test]
    fn tags_keep_their_pairs_in_order() {
        let tags = tags(&[("team", "risk"), ("expires-at", "2099-12-31T23:59:59Z")]).unwrap();

        let pairs: Vec<(&str, &str)> = tags.iter().map(|tag| (tag.key(), tag.value())).collect();
        assert_eq!(
            pairs,
            [("team", "risk"), ("expires-at", "2099-12-31T23:59:59Z")]
        );
    }
}
