//! The deploy tool against the local emulator, one test binary: `suite` (package and deploy in
//! one account) and `org_rollout` (an organisation of several accounts in OUs, two regions).

mod org_rollout;
mod suite;
