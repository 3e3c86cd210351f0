#!/usr/bin/env bash
# The issue's scale figure for studio-presigned-url (#14 section 5): a sign-in into a domain of
# 10, 1,000 and 5,000 user profiles, by the real binary against the local emulator. For each size
# it prints the API calls of a cold sign-in (a fresh function process, its first request) and of
# a warm one (the same process, again), counted by the emulator, and their p50/p90 latency
# (the invocation's wall time through the local Lambda runtime) -- by tag (GetResources + the
# profile's ListTags), and once, for comparison, by the listing the function falls back to when
# GetResources fails (ListUserProfiles + a ListTags per profile).
#
#   functions/studio-presigned-url/benches/sign_in_scale.sh             # release, 10,1000,5000
#   BENCH_PROFILE=dev BENCH_PROFILES=10,300 BENCH_RUNS=3 functions/studio-presigned-url/benches/sign_in_scale.sh
#
# Environment: BENCH_PROFILE (release|dev, default release), BENCH_PROFILES (10,1000,5000),
# BENCH_RUNS (10 cold+warm pairs per size by tag). The profiles are made with CreateUserProfile
# and the account's set-up keys, 16 at a time. Everything goes to stderr, the table (Markdown)
# included.
set -euo pipefail

cd "$(dirname "$0")/../../.."
# shellcheck source=benches/lib.sh
source benches/lib.sh
prepare_emulator
cargo_profile_args
export BENCH_PROFILES="${BENCH_PROFILES:-10,1000,5000}"
export BENCH_RUNS="${BENCH_RUNS:-10}"

say "studio-presigned-url sign-in at ${BENCH_PROFILES} profiles, ${BENCH_RUNS} runs each, ${profile} build"
say "building (${profile}; a first release build takes ~15-20 min on 2 cores), then arranging each domain"
cargo test -p studio-presigned-url "${args[@]}" --test integration -- sign_in_scale:: \
  --ignored --exact benchmark_sign_in_at_scale --nocapture --test-threads 1
