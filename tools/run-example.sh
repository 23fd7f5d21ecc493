#!/usr/bin/env bash
# The main job on a bundled example: installs what is missing, builds the
# release preset and runs the example scenario, printing its summary.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$here/tools/build.sh" release
cd "$here"
exec build/release/cli/tcpsim run scenarios/examples/http10_exhaustion.pbtxt -o results.h5
