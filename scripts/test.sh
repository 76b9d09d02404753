#!/usr/bin/env bash
# The whole test suite, as CI runs it (`bash scripts/test.sh`):
#   1. installs missing Debian packages (scripts/install-deps.sh)
#   2. builds the tests and examples (Release, -Wall -Wextra -Wpedantic) and runs them with ctest
#   3. builds them again under AddressSanitizer + UndefinedBehaviorSanitizer (-O1, line tables
#      only: full debug info made this build 30% slower) and runs them;
#      any sanitizer report fails the run
#   4. runs the examples in their short smoke mode
#   5. fuzzes the .t7 loader for 60 s (scripts/fuzz.sh: clang, libFuzzer, ASan + UBSan)
#   6. consumes t7 as users do: find_package, add_subdirectory, FetchContent, pkg-config
# Ends with one line "t7 tests: N passed, M failed".
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${T7_JOBS:-2}"
bash scripts/install-deps.sh

passed=0
failed=0
# Runs ctest in a build directory and adds its counts to the totals.
run_ctest() {
  local dir="$1" out rc=0
  out="$(ctest --test-dir "$dir" --output-on-failure -j "$jobs" 2>&1)" || rc=$?
  echo "$out" | tail -n 25
  local line
  line="$(echo "$out" | grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' | tail -n 1 || true)"
  if [[ -z "$line" ]]; then
    echo "test.sh: ctest in $dir printed no summary" >&2
    failed=$((failed + 1))
    return
  fi
  local nfail ntotal
  nfail="$(echo "$line" | sed -E 's/.*tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\1/')"
  ntotal="$(echo "$line" | sed -E 's/.*tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\2/')"
  passed=$((passed + ntotal - nfail))
  failed=$((failed + nfail))
  if ((rc != 0 && nfail == 0)); then failed=$((failed + 1)); fi
}

echo "== Release build"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DT7_BUILD_TESTS=ON -DT7_BUILD_EXAMPLES=ON >/dev/null
cmake --build build/release -j "$jobs"
run_ctest build/release

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DT7_SANITIZE=ON \
  -DT7_BUILD_TESTS=ON -DT7_BUILD_EXAMPLES=ON >/dev/null
cmake --build build/sanitize -j "$jobs"
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1" \
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
  run_ctest build/sanitize

echo "== Examples (smoke mode)"
for ex in build/release/examples/linear_regression build/sanitize/examples/linear_regression \
          build/release/examples/tensor_basics build/sanitize/examples/tensor_basics \
          build/release/examples/mlp build/sanitize/examples/mlp \
          build/release/examples/lenet build/sanitize/examples/lenet \
          build/release/examples/gtsrb build/sanitize/examples/gtsrb; do
  # Each runs in its own build directory, where the models it saves (mlp.t7, lenet.t7) land.
  if (cd "$(dirname "$ex")" && "./$(basename "$ex")" --smoke) >"$ex.log" 2>&1; then
    echo "$ex: $(tail -n 1 "$ex.log")"
    passed=$((passed + 1))
  else
    cat "$ex.log"
    echo "FAILED: $ex --smoke"
    failed=$((failed + 1))
  fi
done

echo "== t7-inspect on the model lenet saved"
if build/release/examples/t7-inspect build/release/examples/lenet.t7 >build/release/examples/t7-inspect.log 2>&1 &&
   grep -q "nn.SpatialConvolution" build/release/examples/t7-inspect.log; then
  echo "t7-inspect: $(head -n 1 build/release/examples/t7-inspect.log)"
  passed=$((passed + 1))
else
  cat build/release/examples/t7-inspect.log
  echo "FAILED: t7-inspect"
  failed=$((failed + 1))
fi

echo "== Fuzzing the .t7 loader (libFuzzer + ASan + UBSan, 60 s)"
if bash scripts/fuzz.sh 60; then
  passed=$((passed + 1))
else
  echo "FAILED: scripts/fuzz.sh"
  failed=$((failed + 1))
fi

echo "== CMake consumers"
if bash scripts/test-consumers.sh build/consumers; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

echo "t7 tests: $passed passed, $failed failed"
((failed == 0))
