//! Nothing to call: this crate exists for its dependency list (see README.md), which `cargo hakari`
//! keeps.
