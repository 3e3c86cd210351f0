//! Emulators shared by the tests of one test binary: started once, leased to one test at a
//! time and reset between tests, as the emulator's own pytest suite does with `POST reset`.
//!
//! Isolation: an emulator serves one test at a time (a lease is exclusive), so a test's faults,
//! call log, configuration and resources are its own, whatever runs beside it; tests run in
//! parallel on as many emulators as the test runner has threads (`RUST_TEST_THREADS`, else the
//! available parallelism), each started the first time all the others are leased. A lease
//! resets its emulator before the test sees it (`POST reset`: resources, faults, calls, quotas,
//! IAM decisions and enforcement; then the transition delay the test asked for, which also undoes
//! per-model delays, and IAM enforcement again unless the test's builder opted out).
//!
//! Each `#[tokio::test]` has its own runtime, which ends with the test; the shared processes and
//! the tasks reading their output therefore live on a runtime of their own, never dropped
//! (like the processes, which the watchdog of [`super::process`] ends with the binary).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{
    Result,
    process::{EmulatorProcess, Launch},
};
use crate::lock;

/// The emulators of this binary started with one [`Launch`]: the idle ones and a permit per
/// emulator that may run.
#[derive(Debug)]
struct Pool {
    idle: Mutex<Vec<EmulatorProcess>>,
    slots: Arc<Semaphore>,
}

/// An emulator leased to one test; goes back to its pool when dropped.
#[derive(Debug)]
pub(super) struct Lease {
    process: Option<EmulatorProcess>,
    pool: Arc<Pool>,
    _slot: OwnedSemaphorePermit,
}

impl Lease {
    pub(super) fn process(&self) -> &EmulatorProcess {
        self.process
            .as_ref()
            .expect("a lease holds its process until dropped")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(process) = self.process.take() {
            lock(&self.pool.idle).push(process);
        }
    }
}

/// How many tests run at once in this binary: `RUST_TEST_THREADS`, else the available
/// parallelism (what the test runner itself uses).
fn test_threads() -> usize {
    std::env::var("RUST_TEST_THREADS")
        .ok()
        .and_then(|threads| threads.parse().ok())
        .filter(|&threads| threads > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// The runtime the shared emulators' processes and output readers live on.
fn background() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("aws-emulator-pool")
            .enable_all()
            .build()
            .expect("the shared emulators' runtime starts")
    })
}

fn pool(launch: &Launch) -> Arc<Pool> {
    static POOLS: OnceLock<Mutex<HashMap<Launch, Arc<Pool>>>> = OnceLock::new();
    let pools = POOLS.get_or_init(Mutex::default);
    Arc::clone(lock(pools).entry(launch.clone()).or_insert_with(|| {
        Arc::new(Pool {
            idle: Mutex::new(Vec::new()),
            slots: Arc::new(Semaphore::new(test_threads())),
        })
    }))
}

/// Leases an idle emulator of `launch`, or starts one when none is idle (at most
/// [`test_threads`] run). One that exited since its last lease is replaced. The caller resets it.
pub(super) async fn lease(launch: &Launch) -> Result<Lease> {
    let pool = pool(launch);
    let slot = Arc::clone(&pool.slots)
        .acquire_owned()
        .await
        .expect("the pool's semaphore is never closed");
    let idle = lock(&pool.idle).pop();
    let process = match idle.map(|mut process| (process.is_running(), process)) {
        Some((true, process)) => process,
        _ => {
            let launch = launch.clone();
            background()
                .spawn(async move { launch.start().await })
                .await
                .expect("starting an emulator does not panic")?
        }
    };
    Ok(Lease {
        process: Some(process),
        pool,
        _slot: slot,
    })
}
