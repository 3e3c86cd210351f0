#!/usr/bin/env bash
# Benchmarks the functions as Lambda runs them (see tests/harness/src/bin/studio-catalog-bench.rs):
# cold-start init, peak RSS, stripped release binary size and, if packaged, the arm64 zip size.
#   benches/functions.sh [--runs N] [--package] [FUNCTION...]
# --package also builds the arm64 zips with cargo-lambda first (slow: a release cross build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-python
args=()
package=false
for arg in "$@"; do
  if [[ $arg == --package ]]; then package=true; else args+=("$arg"); fi
done
functions=()
for arg in "${args[@]}"; do [[ $arg == --* || $arg =~ ^[0-9]+$ ]] || functions+=("$arg"); done
[[ ${#functions[@]} -gt 0 ]] || functions=(studio-domain studio-user-profile lakeformation-grant studio-presigned-url studio-cleanup)
if $package; then
  scripts/package-functions "${functions[@]}"
fi
for function in "${functions[@]}"; do
  cargo build --release --quiet -p "$function"
done
cargo run --release --quiet -p studio-catalog-harness --bin studio-catalog-bench -- "${args[@]}"
