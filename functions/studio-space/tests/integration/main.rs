//! The integration tests of `studio-space`, in one test binary (each binary links the whole SDK:
//! one costs the build less disk and link time than one per file).

mod lifecycle;
mod plain_logs;
