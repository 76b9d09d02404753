#!/usr/bin/env bash
# Installs what is missing, builds the main example and runs a real training run
# (`bash scripts/run-example.sh`; extra arguments go to the example).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DT7_BUILD_EXAMPLES=ON >/dev/null
cmake --build build/release -j "${T7_JOBS:-2}" --target linear_regression
exec build/release/examples/linear_regression "$@"
