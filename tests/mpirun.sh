#!/usr/bin/env bash
# mpirun NP COMMAND...: Open MPI's mpirun as tests need it: allowed to run as root (CI runs
# as root), more ranks than cores, and, under AddressSanitizer, without leak checks (Open MPI
# keeps allocations until exit).
set -euo pipefail
np=$1
shift
args=(--oversubscribe -np "$np")
[[ $EUID -ne 0 ]] || args=(--allow-run-as-root "${args[@]}")
if [[ -n ${ASAN_OPTIONS:-} ]]; then
  export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
fi
exec mpirun "${args[@]}" "$@"
