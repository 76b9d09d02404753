#!/usr/bin/env bash
# Fuzzes the .t7 loader (include/t7/serialize/) with libFuzzer, ASan and UBSan:
#   bash scripts/fuzz.sh [SECONDS]      (default 60; CI runs it for 60)
#   1. installs what it lacks, from Debian's packages (as root only): clang, the compiler-rt
#      runtime that holds libFuzzer (libclang-rt-<N>-dev on bookworm), Eigen and xsimd
#   2. builds tests/fuzz/fuzz_load.cpp and tests/fuzz/make_corpus.cpp into build-fuzz/
#   3. writes a fresh seed corpus (build-fuzz/seeds/) and fuzzes for SECONDS in one process,
#      with the dictionary tests/fuzz/t7.dict, new inputs going to a fresh build-fuzz/corpus/
#   4. prints libFuzzer's summary (executions, exec/s, coverage) and exits 0, or, on a finding
#      (a crash, a sanitizer report, a timeout, memory over 2 GB, an exception other than
#      t7::Error), prints the report and exits non-zero, leaving the input in build-fuzz/findings/.
# Replay a finding: build-fuzz/fuzz_load build-fuzz/findings/crash-...
# Minimise one:     build-fuzz/fuzz_load -minimize_crash=1 -runs=10000 build-fuzz/findings/crash-...
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "usage: bash scripts/fuzz.sh [SECONDS]  (a positive number of seconds, default 60)" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dir=build-fuzz
mkdir -p "$dir"

# ---- 1. tools ---------------------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
install_packages() {
  ((${#@} == 0)) && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "fuzz.sh: missing Debian packages: $*; run as root, or: sudo apt-get install -y $*" >&2
    exit 1
  fi
  echo "fuzz.sh: installing $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
# Links a trivial fuzz target: true when clang++ has libFuzzer and the sanitizer runtimes.
fuzzer_links() {
  printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
    'extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }' >"$dir/probe.cpp"
  clang++ -fsanitize=fuzzer,address,undefined "$dir/probe.cpp" -o "$dir/probe" >/dev/null 2>&1
}

missing=()
command -v clang++ >/dev/null 2>&1 || missing+=(clang)
for p in libeigen3-dev libxsimd-dev; do installed "$p" || missing+=("$p"); done
install_packages "${missing[@]}"
if ! fuzzer_links; then
  # Debian ships libclang_rt.fuzzer (and the ASan/UBSan runtimes) in libclang-rt-<N>-dev, only
  # recommended by clang; libfuzzer-<N>-dev is the standalone libFuzzer.a, not needed here.
  major="$(clang++ -dumpversion | cut -d. -f1)"
  installed "libclang-rt-$major-dev" || install_packages "libclang-rt-$major-dev"
  if ! fuzzer_links; then
    echo "fuzz.sh: clang++ -fsanitize=fuzzer,address,undefined does not link:" >&2
    clang++ -fsanitize=fuzzer,address,undefined "$dir/probe.cpp" -o "$dir/probe" >&2 || true
    exit 1
  fi
fi

# ---- 2. build ---------------------------------------------------------------------------
flags=(-std=c++20 -O1 -g -Wall -Wextra -Wpedantic -Iinclude -isystem /usr/include/eigen3)
echo "== fuzz.sh: building $dir/fuzz_load and $dir/make_corpus ($(clang++ --version | head -n 1))"
# The two side by side: make_corpus (20 s) builds while fuzz_load (2.5 min: every nn class) does.
clang++ "${flags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all \
  tests/fuzz/make_corpus.cpp -o "$dir/make_corpus" &
corpus_build=$!
clang++ "${flags[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  tests/fuzz/fuzz_load.cpp -o "$dir/fuzz_load"
wait "$corpus_build"

# ---- 3. corpus and run ------------------------------------------------------------------
rm -rf "$dir/seeds" "$dir/corpus" "$dir/findings"
mkdir -p "$dir/seeds" "$dir/corpus" "$dir/findings"
"$dir/make_corpus" "$dir/seeds"

echo "== fuzz.sh: fuzzing the .t7 loader for ${seconds} s"
log="$dir/fuzz.log"
rc=0
ASAN_OPTIONS="abort_on_error=1:detect_leaks=1" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
  timeout --kill-after=30 $((seconds + 120)) \
  "$dir/fuzz_load" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=4096 -timeout=10 \
  -dict=tests/fuzz/t7.dict -print_final_stats=1 -artifact_prefix="$dir/findings/" "$dir/corpus" "$dir/seeds" >"$log" 2>&1 || rc=$?

# ---- 4. report ----------------------------------------------------------------------------
fuzzstat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE ' "$log" | tail -n 1 || true)"
if ((rc == 0)) && [[ -n "$done_line" ]]; then
  cov="$(sed -E 's/.* cov: ([0-9]+).*/\1/' <<<"$done_line")"
  ft="$(sed -E 's/.* ft: ([0-9]+).*/\1/' <<<"$done_line")"
  corp="$(sed -E 's/.* corp: ([^ ]+).*/\1/' <<<"$done_line")"
  echo "$done_line"
  echo "fuzz.sh: $(fuzzstat number_of_executed_units) executions in ${seconds} s ($(fuzzstat average_exec_per_sec) exec/s)," \
    "coverage ${cov} edges, ${ft} features, corpus ${corp}, peak RSS $(fuzzstat peak_rss_mb) MB: no findings"
  exit 0
fi

# A finding (or libFuzzer did not finish): the report, the input, and how to replay it.
first="$(grep -n -m 1 -E '==[0-9]+== ?ERROR|runtime error:|FUZZ FINDING|ALARM: working on|out-of-memory|deadly signal' "$log" | cut -d: -f1 || true)"
if [[ -n "$first" ]]; then
  tail -n +"$((first > 5 ? first - 5 : 1))" "$log" | head -n 80
else
  tail -n 60 "$log"
fi
echo "fuzz.sh: FINDING (libFuzzer exit status $rc); full log $log"
for f in "$dir"/findings/*; do
  [[ -e "$f" ]] || continue
  echo "fuzz.sh: input kept in $f ($(stat -c %s "$f" 2>/dev/null || wc -c <"$f") bytes); replay: $dir/fuzz_load $f"
done
((rc != 0)) || rc=1
exit "$rc"
