#!/usr/bin/env bash
# The long crash-safety drill: the real binary under a mixed write load (cards, consent
# choices, erasures of throwaway accounts, exports) is killed with SIGKILL at random moments
# and restarted on the same storage, N times; after each restart every acknowledged write
# is read back, `clearboard audit verify` must pass, no person may be half erased, and
# interrupted exports must resume.
#
#   drills/crash.sh [N=100] [sqlite|postgres|both]
#
# Environment: CRASH_WORKERS (4), CRASH_MAX_WINDOW_MS (2500: the longest load before a
# kill), CRASH_SEED (repeat a run's choices). Figures are printed on the line starting
# "CRASH DRILL".
set -euo pipefail
cd "$(dirname "$0")/.."
kills="${1:-100}"
backend="${2:-sqlite}"
case "$backend" in
  sqlite) filter=drills::crash::crash_safety_kill_9_sqlite ;;
  postgres) filter=drills::crash::crash_safety_kill_9_postgres ;;
  both) filter=drills::crash::crash_safety_kill_9_ ;;
  *) echo "usage: $0 [N] [sqlite|postgres|both]" >&2; exit 2 ;;
esac
CRASH_KILLS="$kills" cargo test -p clearboard --test it "$filter" -- --nocapture --test-threads 1
