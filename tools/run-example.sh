#!/usr/bin/env bash
# The main job on a bundled example: installs what is missing, builds the
# release preset and runs it, printing the result.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$here/tools/build.sh" release
cd "$here"
exec build/release/bench/phold --lps 1024 --start-events 16 --lookahead 0.1 --mean 1.0 --end 600
