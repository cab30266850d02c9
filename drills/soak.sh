#!/usr/bin/env bash
# The soak: the release binary under a mixed load (reads, cards created, changed and
# deleted, consent choices, exports, sign-ups and erasures) for some minutes. Zero errors
# allowed; the server's RSS, sampled every 5 s, may not grow by 5% or more from the end of
# the warm-up (a fifth of the run, at most 2 minutes) to the end.
#
#   drills/soak.sh [MINUTES=10] [sqlite|postgres]
#
# Environment: SOAK_WORKERS (4 concurrent clients), SOAK_SAMPLE_SECONDS (5). The RSS samples
# are written to target/drills/soak-<time>.csv; the figures on the line starting "SOAK:".
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
backend="${2:-sqlite}"
cargo build --release -p clearboard --bin clearboard
mkdir -p target/drills
csv="$PWD/target/drills/soak-$(date -u +%Y%m%dT%H%M%SZ).csv"
SOAK_BIN="$PWD/target/release/clearboard" SOAK_MINUTES="$minutes" SOAK_BACKEND="$backend" SOAK_CSV="$csv" \
  cargo test -p clearboard --test it drills::soak::soak -- --ignored --nocapture
echo "RSS samples: $csv" >&2
