// A build script makes Cargo resolve the `[build-dependencies]` section (features of build-time crates).
fn main() {}
