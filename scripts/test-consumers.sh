#!/usr/bin/env bash
# Checks that t7 can be consumed the ways users consume it:
#   find_package   t7 installed into a prefix, then find_package(t7 CONFIG REQUIRED)
#   add_subdirectory, fetchcontent   t7's source tree inside the user's build
#   pkgconfig      c++ $(pkg-config --cflags t7) main.cpp against the installed prefix
# Each consumer is built and run; it prints "consumer <name>: ok" or the script fails.
#
# Usage: scripts/test-consumers.sh [work-dir]     (default: <repo>/build/consumers)
# Honours CXX (compiler), CMAKE_GENERATOR and the like as CMake does.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$root/build/consumers}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
prefix="$work/prefix"
jobs=2
cxx="${CXX:-g++}"

log="$work/log"
mkdir -p "$log"

# Runs a step quietly; on failure, shows its output and stops.
step() {
  local name="$1"
  shift
  if ! "$@" >"$log/$name.txt" 2>&1; then
    echo "FAILED: $name: $*" >&2
    cat "$log/$name.txt" >&2
    exit 1
  fi
}

# Fresh results each run (only the directories this script creates).
rm -rf "$work/t7-build" "$prefix" "$work/find_package" "$work/add_subdirectory" \
       "$work/fetchcontent" "$work/pkgconfig"

# 1. Configure and install t7 into the prefix.
step t7-configure cmake -S "$root" -B "$work/t7-build" \
  -DT7_BUILD_TESTS=OFF -DT7_BUILD_EXAMPLES=OFF -DT7_BUILD_BENCH=OFF \
  -DCMAKE_INSTALL_PREFIX="$prefix"
step t7-build cmake --build "$work/t7-build" -j "$jobs"
step t7-install cmake --install "$work/t7-build"

datadir="$prefix/share"
for f in include/t7/t7.hpp \
         share/cmake/t7/t7Config.cmake \
         share/cmake/t7/t7ConfigVersion.cmake \
         share/cmake/t7/t7Targets.cmake \
         share/pkgconfig/t7.pc; do
  if [[ ! -f "$prefix/$f" ]]; then
    echo "FAILED: installed file missing: $prefix/$f" >&2
    exit 1
  fi
done
echo "install: ok ($prefix)"

# 2. CMake consumers: configure, build, run.
cmake_consumer() {
  local name="$1"
  shift
  local src="$root/tests/cmake/$name" bin="$work/$name"
  step "$name-configure" cmake -S "$src" -B "$bin" "$@"
  step "$name-build" cmake --build "$bin" -j "$jobs"
  step "$name-run" "$bin/app"
  echo "consumer $name: ok"
}

cmake_consumer find_package -DCMAKE_PREFIX_PATH="$prefix"
cmake_consumer add_subdirectory -DT7_SOURCE_DIR="$root"
cmake_consumer fetchcontent -DT7_SOURCE_DIR="$root"

# 3. pkg-config consumer, against the installed prefix only.
mkdir -p "$work/pkgconfig"
export PKG_CONFIG_PATH="$datadir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
step pkgconfig-exists pkg-config --exists --print-errors t7
cflags="$(pkg-config --cflags t7)"
libs="$(pkg-config --libs t7)"
# Word splitting of the flags is intended.
# shellcheck disable=SC2086
step pkgconfig-build "$cxx" $cflags "$root/tests/cmake/pkgconfig/main.cpp" \
  -o "$work/pkgconfig/app" $libs
step pkgconfig-run "$work/pkgconfig/app"
echo "consumer pkgconfig: ok"

echo "all consumers ok"
