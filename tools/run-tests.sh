#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds a preset (default:
# release; also debug or asan) and runs every test through ctest.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=${1:-release}
"$here/tools/build.sh" "$preset"
cd "$here"
ctest --preset "$preset" -j "$(nproc)"
