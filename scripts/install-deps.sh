#!/usr/bin/env bash
# Installs, from Debian's packages, whatever t7's build, tests and examples need and this
# machine lacks. Does nothing (and needs no network) when everything is there already.
#   compiler + OpenMP : g++ (GCC ships libgomp)      build : cmake, make, pkg-config
#   sanitizer build   : clang, libomp-dev (clang's OpenMP), libclang-rt-dev (its ASan/UBSan)
#   math              : libeigen3-dev, libxsimd-dev  tests : catch2 (v2)
#   BLAS back-end     : libopenblas-openmp-dev (OpenBLAS's OpenMP build; T7_BLAS=AUTO uses it)
#   benchmarks        : libbenchmark-dev
#   data              : zlib1g-dev (gzip IDX files), dataset-fashion-mnist (the examples' data)
# Not installed here: libtorch-dev (about 1 GB), used only by bench/bench_libtorch.cpp.
set -euo pipefail

packages=(g++ clang libomp-dev libclang-rt-dev cmake make pkg-config libeigen3-dev libxsimd-dev libopenblas-openmp-dev catch2 libbenchmark-dev
          zlib1g-dev dataset-fashion-mnist)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
