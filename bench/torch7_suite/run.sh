#!/usr/bin/env bash
# The Torch7 paper's benchmark suite, t7 beside LibTorch, in one run (under 10 minutes on
# 2 cores): builds suite_t7 and suite_libtorch, checks that one SGD step of every network gives
# the same loss and weights on both sides, times every network x batch (1, 60) x threads (1, 2),
# and prints the table. t7 runs two steps: the loop LibTorch runs (forward, zeroGradParameters,
# backward, then the update: t7.json), and the step of Torch7's 2011 script, the one the Torch7
# figures measure (accUpdateGradParameters: gradients applied straight to the weights:
# t7_2011.json); suite_t7.cpp says more. Writes BUILD/torch7_suite/{t7,t7_2011,torch_*}.json,
# results.csv, results.json, table.md (docs/performance.md shows it) and plot.svg.
#
#   bash bench/torch7_suite/run.sh [build-dir] [--filter REGEX]   e.g. --filter 'mlp|cnn32/'
#
# LibTorch (Debian: libtorch-dev) runs with OPENBLAS_NUM_THREADS=1 and, for the 2-thread cells,
# again with OpenBLAS's default threads (at 1 thread the two are the same: OpenBLAS's OpenMP
# build follows torch's one OpenMP thread); each cell keeps LibTorch's best
# (../shared/bench-spec.md: on 2 cores the two thread pools fight). Where the default build
# targets AVX-512 (T7_ARCH), t7 runs a second time built for AVX2 (suite_t7_avx2:
# -march=x86-64-v3, OpenBLAS's GEMM), a column of its own. Without LibTorch the suite still times t7 and says LibTorch was skipped.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
build="build/bench"
filter="."
if (($# > 0)) && [[ "$1" != --* ]]; then build="$1"; shift; fi
while (($# > 0)); do
  case "$1" in
    --filter) filter="$2"; shift 2 ;;
    *) echo "usage: bash bench/torch7_suite/run.sh [build-dir] [--filter REGEX]" >&2; exit 2 ;;
  esac
done
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DT7_BUILD_BENCH=ON -DT7_BUILD_TESTS=OFF -DT7_BUILD_EXAMPLES=OFF >/dev/null
targets=(suite_t7)
grep -qs 'suite_t7_avx2' "$build/bench/Makefile" && targets+=(suite_t7_avx2)
if grep -qs 'suite_libtorch' "$build/bench/Makefile"; then
  targets+=(suite_libtorch)
else
  echo "run.sh: LibTorch not found (Debian: apt-get install libtorch-dev); timing t7 only" >&2
fi
cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null
out="$build/torch7_suite"
rm -rf "$out"
mkdir -p "$out/check"
{
  printf '%s, %s cores' "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')" "$(nproc)"
  grep -qm1 ' avx512f ' /proc/cpuinfo && printf ' (AVX-512)'
  printf ', %s' "$(uname -sr)"
  [[ -n "${OPENBLAS_CORETYPE:-}" ]] && printf ', OPENBLAS_CORETYPE=%s' "$OPENBLAS_CORETYPE"
  echo
} >"$out/machine.txt"
start=$SECONDS

if [[ -x "$build/bench/suite_libtorch" ]]; then
  echo "== Same computation: one SGD step of each network from the same weights and data"
  "$build/bench/suite_t7" --check "$out/check" >/dev/null
  "$build/bench/suite_libtorch" --check "$out/check" | tee "$out/check.txt"
  echo "== The same check for t7's 2011 step (accUpdateGradParameters)"
  mkdir -p "$out/check_2011"
  "$build/bench/suite_t7" --step 2011 --check "$out/check_2011" >/dev/null
  "$build/bench/suite_libtorch" --check "$out/check_2011" | tee "$out/check_2011.txt"
  if [[ -x "$build/bench/suite_t7_avx2" ]]; then
    echo "== The same check for t7's AVX2 build"
    mkdir -p "$out/check_avx2"
    "$build/bench/suite_t7_avx2" --check "$out/check_avx2" >/dev/null
    "$build/bench/suite_libtorch" --check "$out/check_avx2" | tee "$out/check_avx2.txt"
  fi
fi

gb=(--benchmark_out_format=json)
echo "== t7"
"$build/bench/suite_t7" --benchmark_out="$out/t7.json" "${gb[@]}" --benchmark_filter="$filter"
echo "== t7, the 2011 step (accUpdateGradParameters)"
"$build/bench/suite_t7" --step 2011 --benchmark_out="$out/t7_2011.json" "${gb[@]}" --benchmark_filter="$filter"
if [[ -x "$build/bench/suite_t7_avx2" ]]; then
  echo "== t7 built for AVX2 (OpenBLAS's GEMM)"
  "$build/bench/suite_t7_avx2" --benchmark_out="$out/t7avx2.json" "${gb[@]}" --benchmark_filter="$filter"
fi
if [[ -x "$build/bench/suite_libtorch" ]]; then
  echo "== LibTorch, OPENBLAS_NUM_THREADS=1"
  OPENBLAS_NUM_THREADS=1 "$build/bench/suite_libtorch" --benchmark_out="$out/torch_blas1.json" "${gb[@]}" \
    --benchmark_filter="$filter"
  # (Google Benchmark's filter is a POSIX regex: no "and"; a --filter runs every cell it selects.)
  both="$filter"
  [[ "$filter" == "." ]] && both="threads:2"
  echo "== LibTorch, OpenBLAS's default threads (2-thread cells)"
  (unset OPENBLAS_NUM_THREADS; "$build/bench/suite_libtorch" --benchmark_out="$out/torch_default.json" "${gb[@]}" \
    --benchmark_filter="$both")
fi
echo "== $((SECONDS - start)) s"
python3 bench/torch7_suite/report.py "$out"
echo "written: $out/{results.csv,results.json,table.md,plot.svg}"
