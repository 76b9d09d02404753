#!/usr/bin/env python3
"""The Torch7 paper's benchmark suite: the table, CSV, JSON and plot of one run.

Usage: python3 bench/torch7_suite/report.py OUT_DIR
Reads OUT_DIR/t7.json and OUT_DIR/torch_*.json (Google Benchmark JSON of suite_t7 and of
suite_libtorch in each OpenBLAS configuration), OUT_DIR/t7_2011.json when present (suite_t7
--step 2011: Torch7's 2011 training step, the one the Torch7 reference figures measure),
OUT_DIR/t7avx2.json when present (suite_t7 built for AVX2 with OpenBLAS's GEMM, where the
default build targets AVX-512), OUT_DIR/machine.txt;
writes OUT_DIR/results.csv, results.json, table.md and plot.svg, and prints the table.
Standard library only (no matplotlib): the plot is SVG written by hand.
"""
import csv
import glob
import json
import math
import os
import sys

# (name, title, kind) in the order of networks.hpp
NETS = [
    ("mlp_784_10", "MLP 784/10", "mlp"),
    ("mlp_784_500_10", "MLP 784/500/10", "mlp"),
    ("mlp_784_1000x3_10", "MLP 784/1000x3/10", "mlp"),
    ("cnn32", "CNN 32x32", "cnn"),
    ("cnn96", "CNN 96x96", "cnn"),
    ("cnn256", "CNN 256x256", "cnn"),
    ("cnn32_theano", "CNN 32x32 (Theano)", "cnn"),
    ("cnn96_theano", "CNN 96x96 (Theano)", "cnn"),
    ("cnn256_theano", "CNN 256x256 (Theano)", "cnn"),
]

# The original Lua Torch7 on this machine kind (../shared/bench-spec.md: examples/s, medians of
# 3, not measured in this run, with the 2011 script's step, accUpdateGradParameters): (batch,
# threads) -> figure; "2 threads" is its best 2-core setup. t7's 2011 step is compared with it.
TORCH7 = {
    "mlp_784_10": {(1, 1): 32585, (1, 2): 35293, (60, 1): 839029, (60, 2): 840914},
    "mlp_784_500_10": {(1, 1): 9271, (1, 2): 12181, (60, 1): 38023, (60, 2): 50060},
    "mlp_784_1000x3_10": {(1, 1): 1541, (1, 2): 1992, (60, 1): 4609, (60, 2): 7050},
    "cnn32": {(1, 1): 3079, (1, 2): 3079, (60, 1): 5032, (60, 2): 5840},
    "cnn96": {(1, 1): 520, (1, 2): 520, (60, 1): 518, (60, 2): 582},
    "cnn256": {(1, 1): 75.4, (1, 2): 92.6, (60, 1): 79.8, (60, 2): 86.7},
}


def target(net, kind, batch):
    """Issue #8's target for t7 / LibTorch."""
    if batch == 1:
        return 10.0 if net == "mlp_784_10" else (3.0 if kind == "mlp" else 2.0)
    return 1.2 if kind == "mlp" else 1.5


SCALING_TARGET = 1.6  # t7's 2-thread examples/s over its 1-thread ones, every batch-60 row


def load(path):
    """{(net, batch, threads): examples/s} of one Google Benchmark JSON file (medians when repeated)."""
    runs = {}
    try:
        data = json.load(open(path))
    except (OSError, ValueError) as e:
        print(f"report.py: skipping {path}: {e}", file=sys.stderr)
        return runs
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        parts = b["run_name"].split("/")  # side/net/batch:B/threads:T[/min_time:...]
        kv = dict(p.split(":", 1) for p in parts[2:] if ":" in p)
        if len(parts) < 4 or "batch" not in kv or "threads" not in kv:
            continue
        key = (parts[1], int(kv["batch"]), int(kv["threads"]))
        if b.get("run_type") == "aggregate" or key not in runs:
            runs[key] = b["items_per_second"]
    return runs


def fmt(v):
    if v is None:
        return "-"
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"


def ratio(a, b):
    return a / b if a and b else None


def rfmt(r):
    return f"{r:.2f}x" if r else "-"


def plot(rows, path, machine):
    """Horizontal bars of t7 / LibTorch per cell on a log scale, with each cell's target, and a
    dot at t7's 2011 step / LibTorch where it was measured."""
    cells = [r for r in rows if r["t7_over_libtorch"]]
    if not cells:
        return
    lo, hi = 0.25, 64.0
    left, width, bar, top = 250, 560, 16, 58
    height = top + bar * len(cells) + 70

    def x(v):
        v = min(max(v, lo), hi)
        return left + width * (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 40}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="10" y="18" font-size="14" font-weight="bold">t7 / LibTorch, examples/s '
        f'(Torch7 paper benchmark suite)</text>',
        f'<text x="10" y="36" fill="#555">{machine}. Bar: measured ratio (log scale); '
        f'tick: issue #8 target; green: met, red: not met; dot: t7 with the 2011 step.</text>',
    ]
    v = lo
    while v <= hi:
        out.append(f'<line x1="{x(v):.1f}" y1="{top - 6}" x2="{x(v):.1f}" y2="{top + bar * len(cells)}" '
                   f'stroke="{"#000" if v == 1 else "#ddd"}"/>')
        out.append(f'<text x="{x(v):.1f}" y="{top + bar * len(cells) + 14}" text-anchor="middle">{v:g}x</text>')
        v *= 2
    for i, r in enumerate(cells):
        y = top + i * bar
        met = r["t7_over_libtorch"] >= r["target"]
        label = f'{r["title"]}, batch {r["batch"]}, {r["threads"]}T'
        out.append(f'<text x="{left - 6}" y="{y + bar - 4}" text-anchor="end">{label}</text>')
        x0, x1 = x(1.0), x(r["t7_over_libtorch"])
        out.append(f'<rect x="{min(x0, x1):.1f}" y="{y + 2}" width="{abs(x1 - x0):.1f}" height="{bar - 4}" '
                   f'fill="{"#3a9a4a" if met else "#c8463c"}"/>')
        out.append(f'<line x1="{x(r["target"]):.1f}" y1="{y + 1}" x2="{x(r["target"]):.1f}" y2="{y + bar - 1}" '
                   f'stroke="#000" stroke-width="2"/>')
        end = max(x0, x1)
        if r.get("t7_2011_over_libtorch"):
            x2 = x(r["t7_2011_over_libtorch"])
            out.append(f'<circle cx="{x2:.1f}" cy="{y + bar / 2:.1f}" r="3.5" fill="#1f5fa8"/>')
            end = max(end, x2 + 3)
        out.append(f'<text x="{end + 4:.1f}" y="{y + bar - 4}">{r["t7_over_libtorch"]:.2f}x</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    out = sys.argv[1]
    t7 = load(os.path.join(out, "t7.json"))
    avx = load(os.path.join(out, "t7avx2.json")) if os.path.exists(os.path.join(out, "t7avx2.json")) else {}
    old = load(os.path.join(out, "t7_2011.json")) if os.path.exists(os.path.join(out, "t7_2011.json")) else {}
    configs = {}
    for p in sorted(glob.glob(os.path.join(out, "torch_*.json"))):
        configs[os.path.basename(p)[len("torch_"):-len(".json")]] = load(p)
    machine = open(os.path.join(out, "machine.txt")).read().strip() if os.path.exists(
        os.path.join(out, "machine.txt")) else "unknown machine"

    rows = []
    for net, title, kind in NETS:
        for batch in (1, 60):
            for threads in (1, 2):
                key = (net, batch, threads)
                if key not in t7:
                    continue
                best, best_cfg = None, None
                for cfg, runs in configs.items():
                    v = runs.get(key)
                    if v and (best is None or v > best):
                        best, best_cfg = v, cfg
                ref = TORCH7.get(net, {}).get((batch, threads))
                a, o = avx.get(key), old.get(key)
                rows.append({
                    "network": net, "title": title, "batch": batch, "threads": threads,
                    "t7": t7[key], "libtorch": best, "libtorch_config": best_cfg,
                    "t7_over_libtorch": ratio(t7[key], best), "target": target(net, kind, batch),
                    "t7_2011": o, "t7_2011_over_libtorch": ratio(o, best),
                    "torch7_reference": ref, "t7_2011_over_torch7": ratio(o, ref),
                    "t7_avx2": a, "t7_avx2_over_libtorch": ratio(a, best),
                })
    for r in rows:
        r["met"] = None if r["t7_over_libtorch"] is None else r["t7_over_libtorch"] >= r["target"]
    scaling = []
    for net, title, kind in NETS:
        one, two = t7.get((net, 60, 1)), t7.get((net, 60, 2))
        if one and two:
            o1, o2 = old.get((net, 60, 1)), old.get((net, 60, 2))
            scaling.append({"network": net, "title": title, "t7_2T_over_1T": two / one,
                            "met": two / one >= SCALING_TARGET, "t7_2011_2T_over_1T": ratio(o2, o1)})

    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) if rows else ["network"])
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"machine": machine, "cells": rows, "scaling_batch60": scaling,
                   "libtorch_configs": list(configs)}, f, indent=1)

    cfg_names = {"blas1": "OpenBLAS 1 thread", "default": "OpenBLAS default"}
    lines = [f"Machine: {machine}", "",
             "t7 and LibTorch run the same loop (forward, zero the gradients, backward, update); "
             "t7 2011 is t7 with the step of Torch7's 2011 script (accUpdateGradParameters), "
             "the step the Torch7 figures measure.", "",
             "| network | batch | threads | t7 ex/s | LibTorch ex/s | LibTorch config | t7 / LibTorch | target | " +
             ("t7 2011 ex/s | 2011 / LibTorch | " if old else "") + "Torch7 ex/s (ref.) | " +
             ("t7 2011 / Torch7 |" if old else "") + (" t7 AVX2 build ex/s | AVX2 / LibTorch |" if avx else ""),
             "|---|---:|---:|---:|---:|---|---:|---:|" + ("---:|---:|" if old else "") + "---:|" +
             ("---:|" if old else "") + ("---:|---:|" if avx else "")]
    for r in rows:
        met = "" if r["met"] is None else (" ✓" if r["met"] else " ✗")
        lines.append(
            f'| {r["title"]} | {r["batch"]} | {r["threads"]} | {fmt(r["t7"])} | {fmt(r["libtorch"])} | '
            f'{cfg_names.get(r["libtorch_config"], r["libtorch_config"] or "-")} | {rfmt(r["t7_over_libtorch"])}{met} | '
            f'≥ {r["target"]:g}x | ' +
            (f'{fmt(r["t7_2011"])} | {rfmt(r["t7_2011_over_libtorch"])} | ' if old else "") +
            f'{fmt(r["torch7_reference"])} |' + (f' {rfmt(r["t7_2011_over_torch7"])} |' if old else "") +
            (f' {fmt(r["t7_avx2"])} | {rfmt(r["t7_avx2_over_libtorch"])} |' if avx else ""))
    lines += ["", f"t7's own 2-thread scaling at batch 60 (target ≥ {SCALING_TARGET}x):", "",
              "| network | t7 2 threads / 1 thread |" + (" t7 2011 step |" if old else ""),
              "|---|---:|" + ("---:|" if old else "")]
    for s in scaling:
        lines.append(f'| {s["title"]} | {s["t7_2T_over_1T"]:.2f}x{" ✓" if s["met"] else " ✗"} |' +
                     (f' {rfmt(s["t7_2011_2T_over_1T"])} |' if old else ""))
    met = sum(1 for r in rows if r["met"])
    judged = sum(1 for r in rows if r["met"] is not None)
    lines += ["", f"Targets met: {met} of {judged} cells vs LibTorch, "
              f"{sum(1 for s in scaling if s['met'])} of {len(scaling)} scaling rows."]
    table = "\n".join(lines) + "\n"
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(table)
    plot(rows, os.path.join(out, "plot.svg"), machine)
    print(table)


if __name__ == "__main__":
    main()
