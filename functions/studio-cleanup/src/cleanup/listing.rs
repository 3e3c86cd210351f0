//! Listing, page by page, until the last page, a failure or the cutoff — what every source
//! shares.

use std::future::Future;

use lambda_support::{AwsError, AwsErrorKind};

use super::Run;
use super::evaluation::Candidate;
use crate::ports::{Account, Page, Studio, Tag};
use crate::report::{Failure, ResourceType};

/// What a source listed.
#[derive(Debug, Default)]
pub(super) struct Listing {
    /// Evaluated before the others: profiles and spaces, whose expiry and owners their apps
    /// need.
    pub(super) first: Vec<Candidate>,
    pub(super) candidates: Vec<Candidate>,
    pub(super) failures: Vec<Failure>,
    pub(super) unfinished: Vec<String>,
    /// Domains whose apps were listed.
    pub(super) domains: Vec<String>,
}

impl Listing {
    /// Records how a listing of `what` stopped early.
    pub(super) fn stopped(&mut self, stop: Option<Stop>, resource_type: ResourceType, what: &str) {
        match stop {
            None => {}
            Some(Stop::Deadline(page)) => self.unfinished.push(format!("{what} (page {page})")),
            Some(Stop::Failed(error)) => self.failed(resource_type, what, &error),
        }
    }

    /// Records a failed call about `resource` (an ARN, an id or the listing's operation).
    pub(super) fn failed(&mut self, resource_type: ResourceType, resource: &str, error: &AwsError) {
        self.failures.push(Failure {
            rule: None,
            resource_type,
            arn: resource.to_owned(),
            operation: error.operation.to_owned(),
            error: error.to_string(),
        });
    }
}

/// How a listing stopped.
pub(super) enum Stop {
    /// At the cutoff, before this page (counted from 1).
    Deadline(usize),
    Failed(AwsError),
}

impl<S: Studio, A: Account> Run<'_, S, A> {
    /// Every page of a listing, until the last page, a failure or the cutoff.
    pub(super) async fn pages<T, F, Fut>(&self, fetch: F) -> (Vec<T>, Option<Stop>)
    where
        F: Fn(Option<String>) -> Fut,
        Fut: Future<Output = Result<Page<T>, AwsError>>,
    {
        self.pages_checked(fetch, true).await
    }

    /// The same; the cutoff is checked before the first page only if `check_first` (a read
    /// that belongs to an evaluation already started is not cut before it begins: the hard stop
    /// still bounds it).
    async fn pages_checked<T, F, Fut>(&self, fetch: F, check_first: bool) -> (Vec<T>, Option<Stop>)
    where
        F: Fn(Option<String>) -> Fut,
        Fut: Future<Output = Result<Page<T>, AwsError>>,
    {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        let mut page = 0;
        loop {
            if (page > 0 || check_first) && !self.may_start() {
                return (items, Some(Stop::Deadline(page + 1)));
            }
            match self.call(fetch(token.clone())).await {
                Ok(Page {
                    items: mut more,
                    next_token,
                }) => {
                    page += 1;
                    items.append(&mut more);
                    // An empty token is no token: the last page.
                    match next_token.filter(|next| !next.is_empty()) {
                        Some(next) if token.as_deref() == Some(next.as_str()) => {
                            let error = AwsError {
                                operation: "List",
                                code: None,
                                message: format!(
                                    "the service returned the same page token twice ({next})"
                                ),
                                kind: AwsErrorKind::Other,
                            };
                            return (items, Some(Stop::Failed(error)));
                        }
                        Some(next) => token = Some(next),
                        None => return (items, None),
                    }
                }
                Err(error) => return (items, Some(Stop::Failed(error))),
            }
        }
    }

    /// Every tag of a SageMaker resource.
    pub(super) async fn all_tags(&self, arn: &str) -> Result<Vec<Tag>, AwsError> {
        let (tags, stop) = self
            .pages_checked(|next| self.studio.list_tags_page(arn, next), false)
            .await;
        match stop {
            None => Ok(tags),
            Some(Stop::Failed(error)) => Err(error),
            Some(Stop::Deadline(_)) => Err(AwsError {
                operation: "ListTags",
                code: None,
                message: "not finished before the deadline".to_owned(),
                kind: AwsErrorKind::Transient,
            }),
        }
    }

    /// The listing of a source only the expiry rule applies to: every page of `operation`
    /// (through `fetch`), each item a candidate — or nothing if the rule does not handle
    /// `resource_type`.
    pub(super) async fn list_expirable<T, F, Fut>(
        &self,
        resource_type: ResourceType,
        operation: &str,
        fetch: F,
        candidate: fn(T) -> Candidate,
    ) -> Listing
    where
        F: Fn(Option<String>) -> Fut,
        Fut: Future<Output = Result<Page<T>, AwsError>>,
    {
        let mut listing = Listing::default();
        if !self.config.expires(resource_type) {
            return listing;
        }
        let (items, stop) = self.pages(fetch).await;
        listing.stopped(stop, resource_type, operation);
        listing.candidates = items.into_iter().map(candidate).collect();
        listing
    }
}
