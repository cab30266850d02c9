#!/usr/bin/env bash
# The long API fuzzing drill: schemathesis (PyPI, pinned; installed into
# target/test-tools/schemathesis-venv on first use) against /api/v1/openapi.json of a real
# server signed in with a real bearer session, with many more generated requests per
# operation than CI's short run.
#
#   drills/api-fuzz.sh [EXAMPLES=100]
#
# Environment: FUZZ_BACKEND=postgres (default sqlite), FUZZ_SEED=N (repeat a run's choices),
# FUZZ_MAX_TIME=SECONDS (keep fuzzing until then). The whole schemathesis output is kept in
# target/drills/api-fuzz-<time>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-100}"
mkdir -p target/drills
out="$PWD/target/drills/api-fuzz-$(date -u +%Y%m%dT%H%M%SZ).txt"
echo "API fuzzing: $examples examples per operation; full output in $out" >&2
FUZZ_MAX_EXAMPLES="$examples" FUZZ_OUTPUT="$out" \
  cargo test -p clearboard --test it drills::fuzz::api_fuzz_with_schemathesis -- --nocapture
