//! The real `studio-cleanup` binary against the emulated account, in one test target (each
//! target is one more binary to link and keep on CI's disk): each test arranges resources the
//! way a team would, invokes the function as the schedule does, and checks both its report and
//! what is left in the account.
//!
//! - [`rules`]: each rule and decision, one account per test;
//! - [`warnings`]: warn, then act across runs; drift repair; offboarding; the events; the old
//!   idle rule's end;
//! - [`scale`]: many domains and apps in one invocation, and the benchmark (ignored;
//!   `functions/studio-cleanup/benches/cleanup_scale.sh` runs it).

mod rules;
mod scale;
mod support;
mod warnings;
