#!/usr/bin/env bash
# The abuse drill (issue 11, acceptance item 9): every hardening check of the security review,
# at volume, against the release binary with a real SMTP sink, the metrics listener and token,
# and the real limits: secrets in links vs /metrics and the log, unknown paths vs series,
# import bombs vs the server's peak RSS, the forensic media set, anonymity, re-authentication
# and sign-in guessing, slow connections, the socket cap and the message rate limit, export
# downloads, sign-up enumeration and weak passwords, the data dir's permissions.
#
#   drills/abuse.sh [small|full]
#
# small: 2,000 slow connections, 1,000 unknown paths, 256 re-authentication guesses, 500
# attacker sign-in failures (32 at once), 1,500 sockets on one token, 5,000 flood messages,
# 10 import bombs, 200 sign-ups, 200 anonymous cards. full: 20,000 unknown paths, 1,024
# guesses, 2,000 failures (64 at once), 20,000 flood messages, 20 bombs, 400 sign-ups, 500
# cards. Each figure can be set alone (ABUSE_SLOW_CONNS, ABUSE_UNKNOWN_PATHS, … see
# drills/README.md); also ABUSE_BACKEND (sqlite|postgres), ABUSE_LOG_LEVEL (debug),
# ABUSE_HEADER_TIMEOUT (seconds; the server's default otherwise), ABUSE_RSS_CEILING_MIB
# (4096: a server past it is killed to spare the machine). The verdicts are printed in the
# block starting "ABUSE DRILL" and kept in target/drills/abuse-<size>-<time>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-small}"
case "$size" in
  small|full) ;;
  *) echo "usage: $0 [small|full]" >&2; exit 2 ;;
esac
# Thousands of slow connections need as many file descriptors at both ends.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true
cargo build --release -p clearboard --bin clearboard
mkdir -p target/drills
report="$PWD/target/drills/abuse-$size-$(date -u +%Y%m%dT%H%M%SZ).txt"
status=0
ABUSE_BIN="$PWD/target/release/clearboard" ABUSE_SIZE="$size" ABUSE_REPORT="$report" \
  cargo test -p clearboard --test it abuse_drill::abuse_drill_full -- --ignored --nocapture || status=$?
echo "Summary: $report" >&2
exit "$status"
