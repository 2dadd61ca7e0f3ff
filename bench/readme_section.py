#!/usr/bin/python3
"""Generates README's "Results" section from one bench run's results.json, and replaces the
part of README.md between the bench-results markers with it:

    bench/readme_section.py results/latest/results.json README.md

Only figures of that run appear, with its date, machine and caveats; the published anchor
numbers are quoted as context and cited as such (from BENCHMARKING.md's table)."""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tables  # noqa: E402

BEGIN, END = "<!-- bench-results:begin -->", "<!-- bench-results:end -->"

ANCHORS = """Published figures for context (other machines and methods; quoted from the sources
collected in the project's BENCHMARKING notes, not measured here): CPU-hash Wasmtime vs native
1.19x (M3 Pro, seed 001 table 3); WasmEdge interpreted 120x (seed 001); hello Wasmtime 13.03 ms
(seed 001 table 4); HTTP cold start Wasmtime 54.8 ms (seed 001 table 2); wasm2c overhead vs
native 1.14x with guard pages, 1.42x with explicit bounds checks (WasmBoxC write-up, 2020);
SPEC in browsers 1.45x-1.55x (Jangda et al., USENIX ATC 2019)."""


def cell(results, row, workload):
    for c in results["cells"]:
        if c["row"] == row and c["workload"] == workload:
            return c
    return None


def median(c, metric):
    try:
        return c["summary"][metric]["median"] if c and c["status"] == "verified" else None
    except KeyError:
        return None


def section(results) -> str:
    m = results["machine"]
    date = results["started_utc"][:10]
    out = [f"Measured {date} with `make bench` on {m['cpu']} ({m['cores']} cores, {m['memory_gib']} GiB, "
           f"{m['os']}), load average {m.get('load_average_1_5_15')} at the start. Medians of "
           f"{results['plan']['runs']} interleaved runs, min–max in the full report; every run's output verified."]
    load = (m.get("load_average_1_5_15") or [0])[0]
    if load > m["cores"]:
        out.append(f"**The machine was busy during this run** (load {load} on {m['cores']} cores, other jobs "
                   "sharing it): expect wide min–max spreads, HTTP throughput above all; rankings within a few "
                   "percent are not meaningful.")
    if results["quick"]:
        out.append("**These come from a QUICK run: not figures to quote.**")
    out += ["", "| row | hello ms | cpu-hash ms | cpu-hash × native | simd-blur ms | simd-blur × native | "
            "HTTP cold start ms | req/s @64 | × native |", "|---|---|---|---|---|---|---|---|---|"]
    base = {w: tables.baseline_cell(results, w) for w in ("hello", "cpu-hash", "simd-blur", "http-server")}
    fmt = tables.fmt_num
    for r in results["rows"]:
        if not r["installed"]:
            continue
        hello, cpu, simd, http = (cell(results, r["row"], w) for w in ("hello", "cpu-hash", "simd-blur", "http-server"))
        if not any(c and c["status"] == "verified" for c in (hello, cpu, simd, http)):
            continue
        ratio_cpu = tables.ratio(cpu, base["cpu-hash"], "wall_ms") if median(cpu, "wall_ms") and base["cpu-hash"] else None
        ratio_simd = (tables.ratio(simd, base["simd-blur"], "wall_ms")
                      if median(simd, "wall_ms") and base["simd-blur"] else None)
        ratio_rps = tables.ratio(http, base["http-server"], "rps@64") if median(http, "rps@64") and base["http-server"] else None
        http_cold = fmt(median(http, "cold_start_ms"), 1) if http and http["status"] == "verified" else (
            "n/a" if http and http["status"] == "unsupported" else (http or {}).get("status", "–"))
        out.append(f"| {r['row']} | {fmt(median(hello, 'wall_ms'), 1)} | {fmt(median(cpu, 'wall_ms'), 0)} | "
                   f"{fmt(ratio_cpu, 2)} | {fmt(median(simd, 'wall_ms'), 0)} | {fmt(ratio_simd, 2)} | {http_cold} | {fmt(median(http, 'rps@64'), 0)} | {fmt(ratio_rps, 2)} |")
    headers, body = tables.same_compiler_table(results, "cpu-hash")
    if body:
        out += ["", "cpu-hash, each wasmaot build against native code from the same C compiler (what the "
                "translation itself costs, apart from which compiler is faster):", "",
                "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        out += ["| " + " | ".join(r) + " |" for r in body]
    missing = [r["row"] for r in results["rows"] if not r["installed"]]
    out += ["", "Caveats: a shared 2-core machine, so absolute times are noisy and ratios within the run are "
            "what to compare; wall time includes runtime start-up and any compilation (the `-first` rows compile "
            "on every launch); HTTP runs pin the server and wrk to different cores; 'n/a' = the runtime cannot "
            "hand a listening socket to a preview1 guest; FAILED = it answered wrongly or not at all. "
            f"Not installed here: {', '.join(missing) or 'none'}.", "", ANCHORS]
    return "\n".join(out)


def main():
    if len(sys.argv) != 3:
        print("usage: readme_section.py RESULTS_JSON README_MD", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        results = json.load(f)
    with open(sys.argv[2]) as f:
        readme = f.read()
    if BEGIN not in readme or END not in readme:
        print(f"readme_section: {sys.argv[2]} has no {BEGIN} ... {END} markers", file=sys.stderr)
        return 1
    body = f"{BEGIN}\n{section(results)}\n{END}"
    readme = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: body, readme, flags=re.S)
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write(readme)
    os.replace(tmp, sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
