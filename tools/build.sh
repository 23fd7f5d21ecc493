#!/usr/bin/env bash
# Installs what is missing, then configures and builds one CMake preset
# (default: release). Safe to run again: only what changed is rebuilt.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=${1:-release}
"$here/tools/install-deps.sh"
cd "$here"
if [[ ! -f "build/$preset/build.ninja" ]]; then
  cmake --preset "$preset" >/dev/null
fi
cmake --build --preset "$preset"
