#!/usr/bin/env bash
# Benchmarks the functions as Lambda runs them (see tests/harness/src/bin/studio-catalog-bench.rs):
# cold-start init, peak RSS, stripped release binary size and, if packaged, the arm64 zip size.
#   benches/functions.sh [--runs N] [--package] [FUNCTION...]
# --package also builds the arm64 zips with cargo-lambda first (slow: a release cross build).
#
# Progress goes to stderr (Cargo's own progress included), the table to stdout. Works wherever
# Cargo puts its output (CARGO_TARGET_DIR, build.target-dir): the bench asks Cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benches/lib.sh
source benches/lib.sh
prepare_emulator
args=()
package=false
for arg in "$@"; do
  if [[ $arg == --package ]]; then package=true; else args+=("$arg"); fi
done
functions=()
for arg in "${args[@]}"; do [[ $arg == --* || $arg =~ ^[0-9]+$ ]] || functions+=("$arg"); done
[[ ${#functions[@]} -gt 0 ]] || mapfile -t functions < <(scripts/functions)   # the one list (tools/workspace)
if $package; then
  say "building the arm64 Lambda zips (release cross build with cargo-lambda; first time" \
    "~20 min on 2 cores)"
  scripts/package-functions "${functions[@]}"
fi
say "building ${functions[*]}, release (LTO, one codegen unit: first time ~20 min on 2 cores" \
  "and ~5 GB of disk; then seconds)"
# One function per build, as each ships: features are not unified with the other crates'.
for function in "${functions[@]}"; do
  say "release build of $function"
  cargo build --release -p "$function"
done
say "release build of the bench (studio-catalog-harness)"
cargo build --release -p studio-catalog-harness --bin studio-catalog-bench
say "measuring: each run is a cold start against the emulator (a few seconds per function and run)"
cargo run --release --quiet -p studio-catalog-harness --bin studio-catalog-bench -- "${args[@]}"
