#!/usr/bin/env bash
# The issue's scale figure for studio-cleanup: 50 managed domains with 5,000 apps (half of them
# past MAX_APP_LIFETIME_HOURS), cleaned by the real binary against the local emulator answering
# every API call after BENCH_LATENCY_MS (30 ms, a real round trip), once with the configured
# concurrency and once one call at a time (CONCURRENCY=1, the sequential implementation of the
# same rules), each in one invocation. Prints, for each run, the apps scanned and deleted, the
# wall time, resources scanned per second, and API calls per app scanned (calls counted by the
# emulator, SDK retries included), then the speed-up.
#
#   functions/studio-cleanup/benches/cleanup_scale.sh            # release build, 50 x 100
#   BENCH_PROFILE=dev BENCH_DOMAINS=10 functions/studio-cleanup/benches/cleanup_scale.sh
#
# Environment: BENCH_PROFILE (release|dev, default release), BENCH_DOMAINS (50),
# BENCH_APPS_PER_DOMAIN (100, a multiple of 10), BENCH_CONCURRENCY (8), BENCH_LATENCY_MS (30).
# Sets up the emulator's Python environment (.venv) if needed. Progress (Cargo's own included)
# goes to stderr, the figures to stdout. Cargo builds and runs the test binary, so it works
# wherever Cargo puts its output (CARGO_TARGET_DIR, build.target-dir).
set -euo pipefail

cd "$(dirname "$0")/../../.."
# shellcheck source=benches/lib.sh
source benches/lib.sh
prepare_emulator
cargo_profile_args

export BENCH_DOMAINS="${BENCH_DOMAINS:-50}"
export BENCH_APPS_PER_DOMAIN="${BENCH_APPS_PER_DOMAIN:-100}"
export BENCH_CONCURRENCY="${BENCH_CONCURRENCY:-8}"
export BENCH_LATENCY_MS="${BENCH_LATENCY_MS:-30}"

say "studio-cleanup scale benchmark: ${BENCH_DOMAINS} domains x ${BENCH_APPS_PER_DOMAIN} apps," \
  "CONCURRENCY=${BENCH_CONCURRENCY} vs 1, ${profile} build"
say "building the scale test (${profile}; a first release build takes ~15-20 min on 2 cores)," \
  "then arranging the fleet in the emulator (minutes) and timing both runs (~40 s each at 50 x 100)"
cargo test -p studio-cleanup "${args[@]}" --test cleanup -- \
  --ignored --exact scale::benchmark_50_domains_5000_apps --nocapture --test-threads 1
