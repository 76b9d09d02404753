#!/usr/bin/env bash
# autograd's cost (#6): the MLP 784/500/10 training step written with nn modules and as an
# autograd function (bench_autograd), and LibTorch's autograd on the same function
# (bench_autograd_libtorch), run back to back; prints the time ratios per batch x threads.
# Targets: autograd <= 1.15x nn's time at batch 60, <= 1.5x at batch 1.
# Usage: bash bench/run_autograd.sh [build-dir]
set -euo pipefail
build="${1:-build/bench}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DT7_BUILD_BENCH=ON -DT7_BUILD_TESTS=OFF -DT7_BUILD_EXAMPLES=OFF >/dev/null
targets=(bench_autograd)
[[ -n "$(grep -s 'bench_autograd_libtorch' "$build/bench/Makefile")" ]] && targets+=(bench_autograd_libtorch)
cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null
out="$build/autograd"
mkdir -p "$out"
"$build/bench/bench_autograd" --benchmark_format=json --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true >"$out/t7.json"
if [[ -x "$build/bench/bench_autograd_libtorch" ]]; then
  OPENBLAS_NUM_THREADS=1 "$build/bench/bench_autograd_libtorch" --benchmark_format=json --benchmark_repetitions=3 \
    --benchmark_report_aggregates_only=true >"$out/torch.json"
fi
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
def load(name):
    p = os.path.join(out, name)
    if not os.path.exists(p): return {}
    r = {}
    for b in json.load(open(p))["benchmarks"]:
        if b.get("aggregate_name") != "median": continue
        fam, *args = b["run_name"].split("/")
        key = tuple(a.split(":")[1] for a in args if a.split(":")[0] in ("batch", "threads"))
        r[(fam, key)] = b["items_per_second"]
    return r
t7, torch = load("t7.json"), load("torch.json")
fmt = lambda v: f"{v:,.0f}" if v else "-"
print(f"{'batch':>5} {'thr':>3} {'nn ex/s':>10} {'autograd ex/s':>14} {'LibTorch ex/s':>14} "
      f"{'autograd time / nn':>19} {'target':>7} {'t7 autograd / LibTorch':>23}")
for batch in ("1", "60"):
    for thr in ("1", "2"):
        k = (batch, thr)
        n = t7.get(("BM_nn_step", k)); a = t7.get(("BM_autograd_step", k)); c = torch.get(("BM_torch_autograd_step", k))
        target = 1.5 if batch == "1" else 1.15
        cost = f"{n / a:.2f}x {'ok' if n / a <= target else 'MISSED'}" if n and a else "-"
        vs = f"{a / c:.2f}x" if a and c else "-"
        print(f"{batch:>5} {thr:>3} {fmt(n):>10} {fmt(a):>14} {fmt(c):>14} {cost:>19} {'<= ' + str(target):>7} {vs:>23}")
PY
