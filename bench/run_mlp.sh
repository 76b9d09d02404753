#!/usr/bin/env bash
# The MLP 784/500/10 training step, t7 vs LibTorch, run back to back, with the ratio of
# examples/s for each batch x threads cell. Usage: bash bench/run_mlp.sh [build-dir]
set -euo pipefail
build="${1:-build/bench}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DT7_BUILD_BENCH=ON -DT7_BUILD_TESTS=OFF -DT7_BUILD_EXAMPLES=OFF >/dev/null
targets=(bench_nn)
[[ -n "$(grep -s 'bench_nn_libtorch' "$build/bench/Makefile")" ]] && targets+=(bench_nn_libtorch)
cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null
out="$build/mlp"
mkdir -p "$out"
"$build/bench/bench_nn" --benchmark_format=json --benchmark_repetitions=3 --benchmark_report_aggregates_only=true >"$out/t7.json"
if [[ -x "$build/bench/bench_nn_libtorch" ]]; then
  # LibTorch at its best: one OpenBLAS thread (its pool fights torch's on 2 cores).
  OPENBLAS_NUM_THREADS=1 "$build/bench/bench_nn_libtorch" --benchmark_format=json --benchmark_repetitions=3 \
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
print(f"{'batch':>5} {'thr':>3} {'t7 step ex/s':>13} {'t7 accUpd ex/s':>15} {'LibTorch ex/s':>14} {'step ratio':>10} {'accUpd ratio':>12}")
for batch in ("1", "60"):
    for thr in ("1", "2"):
        k = (batch, thr)
        a = t7.get(("BM_mlp_step", k)); b = t7.get(("BM_mlp_step_accupd", k)); c = torch.get(("BM_torch_mlp_step", k))
        fmt = lambda v: f"{v:,.0f}" if v else "-"
        ra = f"{a / c:.2f}x" if a and c else "-"
        rb = f"{b / c:.2f}x" if b and c else "-"
        print(f"{batch:>5} {thr:>3} {fmt(a):>13} {fmt(b):>15} {fmt(c):>14} {ra:>10} {rb:>12}")
PY
