//! The harness's integration tests, in one test binary (each binary links the whole SDK: one costs
//! the build less disk and link time than one per file).

mod cloudformation;
mod custom_resource_callers;
mod emulator;
mod end_to_end;
mod function_roles;
mod lambda;
