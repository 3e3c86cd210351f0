//! The integration tests of `studio-presigned-url`, in one test binary (each binary links the whole
//! SDK: one costs the build less disk and link time than one per file).

mod plain_logs;
mod sign_in;
mod sign_in_scale;
mod support;
