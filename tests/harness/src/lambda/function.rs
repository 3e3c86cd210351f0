//! One function's shared state: its queue and what happened so far.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

use super::{FunctionSpec, InvocationRecord, InvocationResult, InvocationType, LambdaError};
use crate::{ids, lock};

/// An invocation waiting for (or getting) its turn.
#[derive(Debug)]
pub(crate) struct Job {
    pub request_id: String,
    pub payload: Value,
    pub invocation_type: InvocationType,
    pub attempt: u32,
    pub queued: Instant,
    /// Where a synchronous caller waits for the result.
    pub reply: Option<oneshot::Sender<InvocationResult>>,
}

/// What happened so far.
#[derive(Debug, Default)]
pub(crate) struct FunctionState {
    pub records: Vec<InvocationRecord>,
    /// Invocations queued or running (an async invocation with retries left
    /// counts until its last attempt ends).
    pub pending: usize,
    pub cold_starts: usize,
    pub init_durations: Vec<Duration>,
}

/// A function: its spec, its queue and its history.
#[derive(Debug)]
pub(crate) struct Function {
    pub spec: FunctionSpec,
    state: Mutex<FunctionState>,
    changed: watch::Sender<()>,
    queue: mpsc::UnboundedSender<Job>,
}

impl Function {
    /// A function and the receiving end of its queue (for its worker).
    pub(super) fn new(spec: FunctionSpec) -> (Arc<Self>, mpsc::UnboundedReceiver<Job>) {
        let (queue, jobs) = mpsc::unbounded_channel();
        let function = Arc::new(Self {
            spec,
            state: Mutex::new(FunctionState::default()),
            changed: watch::Sender::new(()),
            queue,
        });
        (function, jobs)
    }

    /// Queues an invocation; returns its request id.
    pub(super) fn enqueue(
        &self,
        payload: Value,
        invocation_type: InvocationType,
        reply: Option<oneshot::Sender<InvocationResult>>,
    ) -> Result<String, LambdaError> {
        let request_id = ids::uuid();
        self.update(|state| state.pending += 1);
        let job = Job {
            request_id: request_id.clone(),
            payload,
            invocation_type,
            attempt: 0,
            queued: Instant::now(),
            reply,
        };
        if self.queue.send(job).is_err() {
            self.update(|state| state.pending -= 1);
            return Err(LambdaError::Stopped);
        }
        Ok(request_id)
    }

    /// Records a finished attempt; `retry` goes to the back of the queue.
    pub(super) fn finish(&self, record: InvocationRecord, retry: Option<Job>) {
        let mut retried = false;
        if let Some(job) = retry {
            retried = self.queue.send(job).is_ok();
        }
        self.update(|state| {
            state.records.push(record);
            if !retried {
                state.pending -= 1;
            }
        });
    }

    /// Counts a cold start.
    pub(super) fn note_cold_start(&self) {
        self.update(|state| state.cold_starts += 1);
    }

    /// Records a cold start's init duration.
    pub(super) fn note_init_duration(&self, duration: Duration) {
        self.update(|state| state.init_durations.push(duration));
    }

    /// Reads the state.
    pub(super) fn read<T>(&self, f: impl FnOnce(&FunctionState) -> T) -> T {
        f(&lock(&self.state))
    }

    /// Waits until `ready` gives `Some`, or `timeout` passes (`None`).
    pub(super) async fn wait_until<T>(
        &self,
        timeout: Duration,
        mut ready: impl FnMut(&FunctionState) -> Option<T>,
    ) -> Option<T> {
        let mut changed = self.changed.subscribe();
        tokio::time::timeout(timeout, async {
            loop {
                if let Some(value) = ready(&lock(&self.state)) {
                    return Some(value);
                }
                if changed.changed().await.is_err() {
                    return None;
                }
            }
        })
        .await
        .ok()
        .flatten()
    }

    fn update(&self, f: impl FnOnce(&mut FunctionState)) {
        f(&mut lock(&self.state));
        self.changed.send_replace(());
    }
}
