//! Stub until the deploy tool lands.
fn main() {}
