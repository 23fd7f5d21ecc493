#!/usr/bin/env bash
# Builds the fuzz targets of fuzz/ (the `fuzz` preset: clang, libFuzzer, ASan + UBSan) and
# runs each for SECONDS (default 60), from a seed corpus of the project's scenarios, traces
# and regression inputs, printing the executions of each. New inputs accumulate in
# build/fuzz/corpus/<target>; findings (crash-*, timeout-*, oom-*) land in
# build/fuzz/findings/<target>/: a finding worth keeping is copied into
# tests/fuzz/regressions/<target>/, where a ctest test replays it. Exit status 1 if any target
# found something. FUZZ_SEED=n makes the runs repeatable (CI); FUZZ_TARGETS="check run"
# runs only those; FUZZ_TIMEOUT=s (default 20) is the wall time after which one input counts
# as a hang: raise it for long runs on a machine shared with other jobs, where a slow input
# can take several times its unloaded time.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-60}
targets=(${FUZZ_TARGETS:-check override skip_if duration trace run})
"$here/tools/install-deps.sh"
cd "$here"
if [[ ! -f build/fuzz/build.ninja ]]; then
  cmake --preset fuzz >/dev/null
fi
cmake --build build/fuzz --target "${targets[@]/%/_fuzzer}"

# The scenario targets' dictionary: the schema's field names as the text format writes them.
dict=build/fuzz/scenario.dict
grep -oE '^\s*(repeated\s+|optional\s+)?[A-Za-z0-9_.]+\s+[a-z_0-9]+\s*=\s*[0-9]+' \
  scenarios/scenario.proto | awk '{print $(NF-2)}' | sort -u | sed 's/.*/"&: "/' >"$dict"
grep -oE '^\s*[A-Z][A-Z_0-9]*\s*=\s*[0-9]+;' scenarios/scenario.proto | awk '{print $1}' |
  sort -u | sed 's/.*/"&"/' >>"$dict"

seeds_of() {
  local target=$1 dir=build/fuzz/seeds/$1
  rm -rf "$dir"
  mkdir -p "$dir"
  case $target in
    check | run) find scenarios tests/scenarios -name '*.pbtxt' -exec cp -t "$dir" {} + ;;
    trace) find scenarios tests/scenarios -name '*.csv' -exec cp -t "$dir" {} + ;;
  esac
  cp -r "tests/fuzz/regressions/$target/." "$dir/"
  echo "$dir"
}

status=0
for target in "${targets[@]}"; do
  corpus=build/fuzz/corpus/$target
  findings=build/fuzz/findings/$target
  mkdir -p "$corpus" "$findings"
  options=(-max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-20}" -rss_limit_mb=2048 -print_final_stats=1
           -artifact_prefix="$findings/")
  case $target in
    check | run) options+=(-max_len=16384 -dict="$dict") ;;
    *) options+=(-max_len=1024) ;;
  esac
  [[ -n ${FUZZ_SEED:-} ]] && options+=(-seed="$FUZZ_SEED")
  log=build/fuzz/$target.log
  result=0
  "build/fuzz/fuzz/${target}_fuzzer" "${options[@]}" "$corpus" "$(seeds_of "$target")" \
    >"$log" 2>&1 || result=$?
  executions=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' ||
    echo "?")
  if ((result == 0)); then
    echo "$target: $executions executions in ${seconds}s, no finding"
  else
    status=1
    echo "$target: FINDING after $executions executions (exit $result); see $log and $findings/"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 | sed 's/^/  /' || true
  fi
done
exit "$status"
