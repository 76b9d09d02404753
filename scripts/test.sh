#!/usr/bin/env bash
# The whole test suite, as CI runs it (`bash scripts/test.sh`):
#   1. installs missing Debian packages (scripts/install-deps.sh)
#   2. builds the tests and examples (Release, -Wall -Wextra -Wpedantic, for the build machine's
#      instruction set: T7_ARCH) and runs them with ctest
#   3. builds them again with clang, under AddressSanitizer + UndefinedBehaviorSanitizer (for
#      AVX2 where step 2 built for AVX-512, so both instruction sets' kernels run; -O0, line tables
#      only: -O1 doubled this build's time, full debug info added 30%) and runs them, each test
#      executable as a few processes (one per test case cost 0.25 s of sanitizer start-up each);
#      any sanitizer report fails the run (tests/ and examples/CMakeLists.txt say what this
#      build leaves out, and why)
#   4. runs the examples in their short smoke mode
#   5. fuzzes the .t7 loader for 60 s (scripts/fuzz.sh: clang, libFuzzer, ASan + UBSan), in
#      the background from step 4 on
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

# Runs a Catch2 test executable once per test spec given (in parallel: a few processes, not one
# per test case), prints each run's tail, and adds the test cases that passed and failed to the
# totals. A run that ends without Catch's summary (a sanitizer abort) counts as one failure.
run_catch() {
  local exe="$1"; shift
  local -a logs=() pids=() specs=("$@")
  local i=0 spec
  for spec in "$@"; do
    logs+=("$exe.run$i.log")
    "$exe" "$spec" >"$exe.run$i.log" 2>&1 &
    pids+=($!)
    i=$((i + 1))
  done
  for i in "${!pids[@]}"; do
    local rc=0 log="${logs[$i]}" line
    wait "${pids[$i]}" || rc=$?
    tail -n 3 "$log"
    if line="$(grep -E '^All tests passed \([0-9]+ assertions? in [0-9]+ test cases?\)' "$log")"; then
      passed=$((passed + $(echo "$line" | sed -E 's/.* in ([0-9]+) test case.*/\1/')))
      ((rc == 0)) || failed=$((failed + 1))
    elif line="$(grep -E '^test cases: *[0-9]+ \| *[0-9]+ passed \| *[0-9]+ failed' "$log")"; then
      cat "$log"
      passed=$((passed + $(echo "$line" | sed -E 's/.*\| *([0-9]+) passed.*/\1/')))
      failed=$((failed + $(echo "$line" | sed -E 's/.*\| *([0-9]+) failed.*/\1/')))
    else
      cat "$log"
      echo "test.sh: $exe \"${specs[$i]}\" ended without a summary (exit $rc)" >&2
      failed=$((failed + 1))
    fi
  done
}

echo "== Release build"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DT7_BUILD_TESTS=ON -DT7_BUILD_EXAMPLES=ON >/dev/null
cmake --build build/release -j "$jobs"
run_ctest build/release

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build (clang)"
# clang++ builds this -O0 suite in half GCC's time (test_autograd.cpp: 75 s against 132 s; the
# whole build 7.5 min against 15), and CI then compiles t7 with both compilers.
# Built for AVX2 (x86-64-v3) wherever the Release build above targets AVX-512 (T7_ARCH's
# default there): the suite then runs both instruction sets' kernels. (GCC 12's
# -Wuninitialized, off for its AVX-512 builds (CMakeLists.txt), has clang's in this build.)
sanitize_arch=()
if grep -qs '^T7_ARCH:STRING=x86-64-v4' build/release/CMakeCache.txt; then sanitize_arch=(-DT7_ARCH=x86-64-v3); fi
cmake -S . -B build/sanitize -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" -DT7_SANITIZE=ON \
  -DT7_BUILD_TESTS=ON -DT7_BUILD_EXAMPLES=ON "${sanitize_arch[@]}" >/dev/null
cmake --build build/sanitize -j "$jobs"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# nn's test cases in one process, the others in a second ("~" negates a Catch test spec).
run_catch build/sanitize/tests/t7_tests "nn *" "~nn *"
if [[ -x build/sanitize/tests/t7_tests_blas_eigen ]]; then
  run_catch build/sanitize/tests/t7_tests_blas_eigen "*"
fi

echo "== Fuzzing the .t7 loader (libFuzzer + ASan + UBSan, 60 s), in the background"
# fuzz.sh compiles fuzz_load (2 min on one core) and then fuzzes on one core: alongside the
# examples' smoke runs and the consumers' builds, which leave a core idle much of the time.
mkdir -p build
bash scripts/fuzz.sh 60 >build/fuzz-run.log 2>&1 &
fuzz_pid=$!

echo "== Examples (smoke mode)"
for ex in build/release/examples/linear_regression build/sanitize/examples/linear_regression \
          build/release/examples/tensor_basics build/sanitize/examples/tensor_basics \
          build/release/examples/mlp build/sanitize/examples/mlp \
          build/release/examples/lenet build/sanitize/examples/lenet \
          build/release/examples/gtsrb build/sanitize/examples/gtsrb \
          build/release/examples/autograd_logistic build/release/examples/autograd_mlp \
          build/release/examples/autograd_autoencoder \
          build/release/examples/autograd_cnn build/sanitize/examples/autograd_cnn; do
  # Each runs in its own build directory, where the models it saves (mlp.t7, lenet.t7) land.
  # Under the sanitizers (-O0) the smoke runs take fewer examples, the same code: gtsrb's
  # vgg-small took 160 s on its 384 images, lenet 28 s and autograd_cnn 38 s on theirs.
  args=(--smoke)
  case "$ex" in
    build/sanitize/examples/gtsrb) args+=(--train-size 64 --val-size 32) ;;
    build/sanitize/examples/lenet) args+=(--train-size 1000 --test-size 500) ;;
    build/sanitize/examples/autograd_cnn) args+=(--train-size 500 --test-size 250) ;;
  esac
  if (cd "$(dirname "$ex")" && "./$(basename "$ex")" "${args[@]}") >"$ex.log" 2>&1; then
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

echo "== CMake consumers"
if bash scripts/test-consumers.sh build/consumers; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

echo "== Fuzzing the .t7 loader: scripts/fuzz.sh's output"
if wait "$fuzz_pid"; then
  tail -n 12 build/fuzz-run.log
  passed=$((passed + 1))
else
  cat build/fuzz-run.log
  echo "FAILED: scripts/fuzz.sh"
  failed=$((failed + 1))
fi

echo "t7 tests: $passed passed, $failed failed"
((failed == 0))
