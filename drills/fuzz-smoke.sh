#!/usr/bin/env bash
# Fuzzing drill (issue 7, drill 3): runs every cargo-fuzz target of fuzz/ for a while with
# libFuzzer (`--sanitizer none`: the code under test has no unsafe, so no ASan is needed and
# it runs several times faster), then folds what it found into the committed corpora with a
# coverage-preserving merge, and prints one line of figures per target.
#
#   drills/fuzz-smoke.sh [SECONDS-PER-TARGET=60] [TARGET...]
#
# Exit status: non-zero when a target crashed, hung (> FUZZ_TIMEOUT s on one input) or ran out
# of memory; its reproducer is under fuzz/artifacts/<target>/ (replay it with
# `cd fuzz && cargo fuzz run --sanitizer none <target> <file>`).
#
# Environment:
#   FUZZ_MERGE=0      leave fuzz/corpus untouched (CI); new inputs stay in target/fuzz-smoke/
#   FUZZ_TIMEOUT=10   seconds one input may take before it counts as a hang
#   FUZZ_TOOLCHAIN    e.g. `nightly`; by default stable, falling back to nightly
#   FUZZ_SUMMARY=FILE also write the figures as a Markdown table to FILE
#
# The merge keeps every hand-made seed (fuzz/corpus/<t>/seed-*, see fuzz/examples/gen_corpus.rs)
# and adds a smallest set of the other inputs (old and new) that reaches every edge the seeds do
# not (libFuzzer `-set_cover_merge=1 -use_counters=0`: edges, not hit counts, so a corpus stays
# at a few hundred files); inputs that no longer add an edge are dropped.
set -euo pipefail
summary="${FUZZ_SUMMARY:-}"
if [ -n "$summary" ]; then summary="$(realpath -m "$summary")"; fi
cd "$(dirname "$0")/.."
root="$PWD"
seconds="${1:-60}"
shift || true
timeout_s="${FUZZ_TIMEOUT:-10}"
merge="${FUZZ_MERGE:-1}"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi

cd fuzz
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

# -a: debug assertions and overflow checks on (an overflow in a length computation is a bug
# even where release builds would wrap); -O (release) is cargo-fuzz's default.
flags=(--sanitizer none -a)
toolchain=()
if [ -n "${FUZZ_TOOLCHAIN:-}" ]; then
  toolchain=("+${FUZZ_TOOLCHAIN}")
fi
if ! cargo "${toolchain[@]}" fuzz build "${flags[@]}"; then
  if [ "${#toolchain[@]}" -eq 0 ] && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "the stable build failed; trying nightly" >&2
    toolchain=(+nightly)
    cargo "${toolchain[@]}" fuzz build "${flags[@]}"
  else
    exit 1
  fi
fi

work="$root/target/fuzz-smoke"
mkdir -p "$work"
failed=()
rows=()
for t in "${targets[@]}"; do
  corpus="$root/fuzz/corpus/$t"
  [ -d "$corpus" ] || { echo "no corpus folder fuzz/corpus/$t" >&2; exit 1; }
  new="$work/new/$t"
  rm -rf "$new" && mkdir -p "$new"
  log="$work/$t.log"
  before=$(find "$corpus" -type f | wc -l)
  echo "== $t: ${seconds}s from $before corpus files" >&2
  status=0
  # New inputs go to the first folder ($new); the committed corpus is only read here.
  cargo "${toolchain[@]}" fuzz run "${flags[@]}" "$t" "$new" "$corpus" -- \
    -max_total_time="$seconds" -timeout="$timeout_s" -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^(==[0-9]+== ERROR|SUMMARY|thread .* panicked|Test unit written|panicked at)' "$log" >&2 || true

  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
  # The last status line: "#N <EVENT> cov: C ft: F corp: U/S ...".
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")

  after="$before"
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    result="FAILED (exit $status; log $log)"
  else
    result="ok"
    if [ "$merge" = "1" ]; then
      # Seeds first, then a merge of everything else into them.
      min="$work/min/$t"
      rm -rf "$min" && mkdir -p "$min"
      find "$corpus" -maxdepth 1 -type f -name 'seed-*' -exec cp {} "$min/" \;
      rest="$work/rest/$t"
      rm -rf "$rest" && mkdir -p "$rest"
      find "$corpus" -maxdepth 1 -type f ! -name 'seed-*' -exec cp {} "$rest/" \;
      if cargo "${toolchain[@]}" fuzz run "${flags[@]}" "$t" "$min" "$rest" "$new" -- \
        -set_cover_merge=1 -use_counters=0 -timeout="$timeout_s" >"$work/$t.merge.log" 2>&1; then
        find "$corpus" -maxdepth 1 -type f ! -name 'seed-*' -delete
        find "$min" -maxdepth 1 -type f ! -name 'seed-*' -exec cp {} "$corpus/" \;
        after=$(find "$corpus" -type f | wc -l)
      else
        failed+=("$t (merge)")
        result="merge FAILED (log $work/$t.merge.log)"
      fi
    fi
  fi
  row="| $t | ${seconds} | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | $before → $after | ${rss:-?} | $result |"
  rows+=("$row")
  echo "$row" >&2
done

header="| target | seconds | executions | exec/s | cov (edges) | features | corpus files | peak RSS MB | result |
|---|---|---|---|---|---|---|---|---|"
printf '\nFUZZ: %s\n' "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, toolchain ${toolchain[*]:-stable}"
printf '%s\n' "$header" "${rows[@]}"
if [ -n "$summary" ]; then
  printf '%s\n' "$header" "${rows[@]}" >"$summary"
fi
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]} (reproducers under fuzz/artifacts/)" >&2
  exit 1
fi
