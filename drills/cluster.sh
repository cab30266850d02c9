#!/usr/bin/env bash
# The cluster drill (issue 20): three clearboard nodes (the release binary) on one PostgreSQL
# behind HAProxy (drills/cluster/haproxy.cfg), blobs on three Garage nodes with replication
# factor 3 (drills/cluster/garage.toml) behind HAProxy's S3 frontend, a mixed load (board
# writes, image uploads, subscribers spread over the nodes, exports, erasures); one clearboard
# node and one Garage node get SIGKILL mid-run. The report (JSON) counts acknowledged writes
# lost, subscribers that missed an event after reconnecting, erasures with anything readable
# left, and the time to recover; it goes to target/drills/cluster-<size>-<time>.json and
# bench/results/cluster.json.
#
#   drills/cluster.sh [small|full]
#
# small: 3 writers, 9 subscribers, 6 erasures, 12 s. full: 8 writers, 48 subscribers, 30
# erasures, 60 s. Needs PostgreSQL (TEST_POSTGRES_URL) and haproxy (apt-get install haproxy).
# The blobs are on Garage (drills/install-garage.sh builds it once, about 25 minutes);
# CLUSTER_BLOBS=file puts them in one folder shared by the nodes instead (the CI version).
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-small}"
case "$size" in
  small|full) ;;
  *) echo "usage: $0 [small|full]" >&2; exit 2 ;;
esac
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || { echo "haproxy is missing: apt-get install haproxy" >&2; exit 1; }
export CLUSTER_BLOBS="${CLUSTER_BLOBS:-s3}"
if [ "$CLUSTER_BLOBS" = "s3" ]; then
  GARAGE_BIN="$(drills/install-garage.sh)"
  export GARAGE_BIN
fi
cargo build --release -p clearboard --bin clearboard
mkdir -p target/drills bench/results
report="$PWD/target/drills/cluster-$size-$(date -u +%Y%m%dT%H%M%SZ).json"
status=0
CLUSTER_BIN="$PWD/target/release/clearboard" CLUSTER_SIZE="$size" CLUSTER_REPORT="$report" \
  cargo test -p clearboard --test it drills::cluster_drill::cluster_drill_full -- --ignored --nocapture || status=$?
if [ -f "$report" ]; then
  cp "$report" bench/results/cluster.json
  echo "Report: $report (and bench/results/cluster.json)" >&2
fi
exit "$status"
