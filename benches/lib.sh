# Shared start of the benchmark scripts, sourced from the repository root
# (`source benches/lib.sh`) by benches/functions.sh and functions/*/benches/*.sh.

# Progress goes to stderr, prefixed, so that a bench's figures on stdout stay clean.
say() { echo "==> $*" >&2; }

# The emulator's Python environment (.venv), set up if needed.
prepare_emulator() {
  say "preparing the emulator's Python environment (.venv; first time ~1 min, then instant)"
  scripts/setup-python
}

# BENCH_PROFILE (release|dev, default release) as `profile`, and Cargo's flags for it as the
# array `args` (`--release` or nothing).
cargo_profile_args() {
  profile="${BENCH_PROFILE:-release}"
  args=()
  if [[ "$profile" == "release" ]]; then
    args+=(--release)
  fi
}
