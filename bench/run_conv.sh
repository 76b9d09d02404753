#!/usr/bin/env bash
# SpatialConvolution training passes, t7 vs LibTorch, run back to back, one row per layer
# shape x batch x threads: examples/s and GFLOP/s of both, the ratio (t7 / LibTorch at its
# best of two variants), and the GEMM GFLOP/s of this machine for scale.
# Usage: bash bench/run_conv.sh [build-dir] [benchmark filter regex, e.g. 'lenet|vgg']
set -euo pipefail
build="${1:-build/bench}"
filter="${2:-.}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DT7_BUILD_BENCH=ON -DT7_BUILD_TESTS=OFF -DT7_BUILD_EXAMPLES=OFF >/dev/null
targets=(bench_conv)
[[ -n "$(grep -s 'bench_conv_libtorch' "$build/bench/Makefile")" ]] && targets+=(bench_conv_libtorch)
[[ -n "$(grep -s 'bench_conv_avx2' "$build/bench/Makefile")" ]] && targets+=(bench_conv_avx2)
cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null
out="$build/conv"
mkdir -p "$out"
"$build/bench/bench_conv" --benchmark_format=json >"$out/t7.json"
if [[ -x "$build/bench/bench_conv_avx2" ]]; then
  "$build/bench/bench_conv_avx2" --benchmark_format=json >"$out/t7avx2.json"
fi
if [[ -x "$build/bench/bench_conv_libtorch" ]]; then
  # LibTorch at its best: one OpenBLAS thread (its pool fights torch's on 2 cores).
  OPENBLAS_NUM_THREADS=1 "$build/bench/bench_conv_libtorch" --benchmark_format=json >"$out/torch.json"
fi
python3 - "$out" "$filter" <<'PY'
import json, os, re, sys
out, flt = sys.argv[1], re.compile(sys.argv[2])
def load(name):
    p = os.path.join(out, name)
    if not os.path.exists(p): return {}
    r = {}
    for b in json.load(open(p))["benchmarks"]:
        fam, *args = b["run_name"].split("/")
        kv = dict(a.split(":", 1) for a in args if ":" in a)
        key = (b.get("label", kv.get("shape")), kv.get("batch"), kv.get("threads"))
        r[(fam, key)] = (b.get("items_per_second", 0.0), b.get("GFLOPS", 0.0))
    return r
t7, torch, t7v3 = load("t7.json"), load("torch.json"), load("t7avx2.json")
for name, res in (("default build", t7), ("AVX2 build", t7v3)):
    gemm = {k[1][2]: v[1] for k, v in res.items() if k[0] == "BM_sgemm"}
    for thr in ("1", "2"):
        if thr in gemm: print(f"GEMM (t7::mm 512x512, {name}, {thr} thread(s)): {gemm[thr]:.1f} GFLOP/s")
print("ratio: t7 (default build: -march=T7_ARCH; on AVX-512, Eigen's GEMM) / LibTorch; avx2: t7 built with -march=x86-64-v3 and OpenBLAS's GEMM / LibTorch")
print(f"{'layer':<10} {'batch':>5} {'thr':>3} {'t7 ex/s':>10} {'t7 GF/s':>8} {'torch ex/s':>10} {'torch GF/s':>10} {'ratio':>6} {'avx2 GF/s':>11} {'ratio':>6}")
rows = sorted({k for (fam, k) in t7 if fam == "BM_conv"}, key=lambda k: (k[0], int(k[1]), int(k[2])))
order = [s for s in dict.fromkeys(k[0] for (fam, k) in t7 if fam == "BM_conv")]
rows.sort(key=lambda k: (order.index(k[0]), int(k[1]), int(k[2])))
for k in rows:
    if not flt.search(k[0]): continue
    a = t7[("BM_conv", k)]
    cands = [torch[(f, k)] for f in ("BM_torch_conv_aten", "BM_torch_conv_autograd") if (f, k) in torch]
    b = max(cands) if cands else None
    ratio = f"{a[0] / b[0]:.2f}x" if b else "-"
    tb = f"{b[0]:10.0f} {b[1]:10.1f}" if b else f"{'-':>10} {'-':>10}"
    c = t7v3.get(("BM_conv", k))
    tc = f"{c[1]:11.1f} {c[0] / b[0]:5.2f}x" if c and b else f"{'-':>11} {'-':>6}"
    print(f"{k[0]:<10} {k[1]:>5} {k[2]:>3} {a[0]:10.0f} {a[1]:8.1f} {tb} {ratio:>6} {tc}")
print()
print("examples/lenet.cpp's training step (batch 32); an epoch is 60,000 examples")
print(f"{'thr':>3} {'t7 ex/s':>10} {'t7 epoch s':>10} {'torch ex/s':>10} {'torch epoch s':>13} {'ratio':>6} {'avx2 ex/s':>11} {'ratio':>6}")
for thr in ("1", "2"):
    a = t7.get(("BM_lenet_step", (None, "32", thr)))
    b = torch.get(("BM_torch_lenet_step", (None, "32", thr)))
    if not a: continue
    tb = f"{b[0]:10.0f} {60000 / b[0]:13.1f}" if b else f"{'-':>10} {'-':>13}"
    ratio = f"{a[0] / b[0]:.2f}x" if b else "-"
    c = t7v3.get(("BM_lenet_step", (None, "32", thr)))
    tc = f"{c[0]:11.0f} {c[0] / b[0]:5.2f}x" if c and b else f"{'-':>11} {'-':>6}"
    print(f"{thr:>3} {a[0]:10.0f} {60000 / a[0]:10.1f} {tb} {ratio:>6} {tc}")
PY
