#!/usr/bin/env bash
# Installs Garage (the S3-compatible distributed object store the cluster drill runs on) from
# crates.io, pinned, into a cache outside the repository, and prints the binary's path. A second
# run finds the cached binary and returns at once. Debian has no Garage package, so it is built
# from source: about 25 minutes of two cores the first time.
#
#   drills/install-garage.sh            # prints /root/.cache/clearboard/garage-2.5.0/bin/garage
#
# Environment: CLEARBOARD_CACHE (default ~/.cache/clearboard), GARAGE_BUILD_JOBS (default: all
# cores). Features: the SQLite metadata engine only (no LMDB, no K2V, no metrics exporter), which
# is what the drill configures, to keep the build small.
set -euo pipefail
version="2.5.0"
cache="${CLEARBOARD_CACHE:-$HOME/.cache/clearboard}"
root="$cache/garage-$version"
bin="$root/bin/garage"
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
mkdir -p "$root"
jobs=()
[ -n "${GARAGE_BUILD_JOBS:-}" ] && jobs=(-j "$GARAGE_BUILD_JOBS")
echo "building Garage $version from crates.io into $root (first time only)" >&2
CARGO_TARGET_DIR="$cache/garage-build" cargo install garage --version "$version" --locked \
  --no-default-features --features bundled-libs,sqlite "${jobs[@]}" --root "$root" >&2
rm -rf "$cache/garage-build"
"$bin" --version >&2
echo "$bin"
