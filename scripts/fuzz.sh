#!/usr/bin/env bash
# Builds every libFuzzer target (fuzz/<name>/target.cpp -> fuzz_<name>) in build-fuzz and
# runs each for SECONDS (default 20) on a copy of its committed corpus, so CI never grows
# the corpus. Exits non-zero on any finding (crash, sanitizer report, leak, timeout, OOM)
# and prints the input that caused it. One summary line per target.
#
#   scripts/fuzz.sh [SECONDS]
#   env: GH_FUZZ_BUILD (build dir, default build-fuzz), JOBS (default 2),
#        GH_FUZZ_CC / GH_FUZZ_CXX (default clang / clang++)
set -euo pipefail

secs="${1:-20}"
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -lt 1 ]; then
  echo "usage: $0 [SECONDS]" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GH_FUZZ_BUILD:-$root/build-fuzz}"
jobs="${JOBS:-2}"
cc="${GH_FUZZ_CC:-clang}"
cxx="${GH_FUZZ_CXX:-clang++}"

if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "fuzz: $cxx not found; run scripts/install-deps.sh" >&2
  exit 2
fi

# Per-target input bound: a little above what each parser accepts, so the "too large"
# paths are reached without wasting time on huge inputs.
max_len_for() {
  case "$1" in
    startup_packet) echo 12000 ;;
    scram_client) echo 4096 ;;
    *) echo 65536 ;;
  esac
}

targets=()
for t in "$root"/fuzz/*/target.cpp; do
  [ -e "$t" ] || continue
  targets+=("$(basename "$(dirname "$t")")")
done
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no targets under $root/fuzz" >&2
  exit 2
fi

mkdir -p "$build"
build_log="$build/fuzz-build.log"
echo "fuzz: building ${#targets[@]} targets in $build"
# Configure every time: a new fuzz/<name>/ needs a configure to become a target.
if ! CC="$cc" CXX="$cxx" cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DGH_BUILD_FUZZ=ON -DGH_BUILD_TESTS=OFF -DGH_BUILD_BENCH=OFF >"$build_log" 2>&1 ||
   ! cmake --build "$build" -j "$jobs" --target "${targets[@]/#/fuzz_}" >>"$build_log" 2>&1; then
  tail -n 60 "$build_log" >&2
  echo "fuzz: build failed (full log: $build_log)" >&2
  exit 1
fi

# Sanitizers report and stop; libFuzzer turns that into a non-zero exit and a crash file.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=0
summaries=()
for name in "${targets[@]}"; do
  bin="$build/fuzz_$name"
  run="$build/fuzz-run/$name"
  rm -rf "$run"
  mkdir -p "$run/corpus" "$run/artifacts"
  seeds=0
  if [ -d "$root/fuzz/$name/corpus" ]; then
    cp -R "$root/fuzz/$name/corpus/." "$run/corpus/"
    seeds=$(find "$run/corpus" -type f | wc -l)
  fi
  log="$run/fuzz.log"
  start=$(date +%s)
  rc=0
  "$bin" "$run/corpus" -max_total_time="$secs" -max_len="$(max_len_for "$name")" \
    -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$run/artifacts/" </dev/null >"$log" 2>&1 || rc=$?
  elapsed=$(( $(date +%s) - start ))

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | awk '{print $2}' || true)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | awk '{print $2}' || true)
  corpus=$(find "$run/corpus" -type f | wc -l)
  artifacts=$(find "$run/artifacts" -type f)

  if [ "$rc" -ne 0 ] || [ -n "$artifacts" ]; then
    failed=1
    status="FAIL(rc=$rc)"
    echo "==== fuzz_$name: finding (exit $rc); report from $log:" >&2
    # From the sanitizer's or libFuzzer's first report line, else the end of the log.
    if grep -qE 'ERROR: |runtime error: |deadly signal|Timeout after' "$log"; then
      awk '/ERROR: |runtime error: |deadly signal|Timeout after/ {p=1} p' "$log" |
        head -n 60 >&2
    else
      tail -n 40 "$log" >&2
    fi
    for a in $artifacts; do
      echo "---- input $a ($(wc -c <"$a") bytes):" >&2
      od -A x -t x1z -v "$a" | head -n 64 >&2
      echo "---- reproduce: $bin $a" >&2
    done
  else
    status="OK"
  fi
  summaries+=("$(printf 'fuzz_%-16s %-10s %3ss runs=%s exec/s=%s cov=%s ft=%s corpus=%s->%s' \
    "$name" "$status" "$elapsed" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" \
    "$seeds" "$corpus")")
done

echo "fuzz summary:"
for s in "${summaries[@]}"; do echo "  $s"; done
exit "$failed"
