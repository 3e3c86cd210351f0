//! `--report-calls`: counts the AWS API calls the tool makes, per service and operation, with
//! an SDK interceptor on every client (once per operation call, retries not counted again), so the
//! figures are the tool's own, whatever endpoint answers.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use aws_smithy_runtime_api::{
    box_error::BoxError,
    client::{
        interceptors::{Intercept, context::BeforeSerializationInterceptorContextRef},
        orchestrator::Metadata,
        runtime_components::RuntimeComponents,
    },
};
use aws_smithy_types::config_bag::ConfigBag;

/// Counts calls per `(service, operation)`; clones share the counts.
#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    counts: Arc<Mutex<BTreeMap<(String, String), usize>>>,
}

impl CallCounter {
    /// A counter with no calls.
    pub fn new() -> Self {
        Self::default()
    }

    /// The counts so far, by (service, operation).
    pub fn counts(&self) -> BTreeMap<(String, String), usize> {
        self.counts.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Every call so far.
    pub fn total(&self) -> usize {
        self.counts().values().sum()
    }

    /// `calls: N` then one line per operation (`  cloudformation ListStackInstances  12`).
    pub fn summary(&self) -> String {
        let counts = self.counts();
        let mut text = format!("API calls: {}\n", counts.values().sum::<usize>());
        for ((service, operation), count) in counts {
            text.push_str(&format!("  {service:<16} {operation:<36} {count:>6}\n"));
        }
        text
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "studio-catalog-deploy call counter"
    }

    // Once per execution, after the operation's configuration (its `Metadata`) is in place
    // (`read_before_execution` runs before it).
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let (Some(metadata), Ok(mut counts)) = (cfg.load::<Metadata>(), self.counts.lock()) {
            *counts
                .entry((metadata.service().to_owned(), metadata.name().to_owned()))
                .or_default() += 1;
        }
        Ok(())
    }
}
