"""wasmaot rows: our own translator. `wasmaot build` ahead of time in four configurations
(C compiler x bounds-checking strategy), and `wasmaot run`, which builds into a
content-addressed cache on first use: measured with an empty cache on every run ("first run")
and with a warm cache ("cached")."""

import os
import subprocess
import time

from .base import Context, Prepared, ProgramRow, Runtime, timed_build, tool_version


class WasmaotBuild(Runtime):
    mode = "aot"

    def __init__(self, cc: str, bounds: str):
        self.cc, self.bounds = cc, bounds
        self.row = f"wasmaot-{cc}-{bounds}"
        what = "guard pages" if bounds == "guard" else "explicit bounds checks"
        self.title = f"wasmaot build --cc {cc} --bounds {bounds} ({what}), precompiled executable"

    def missing(self, ctx):
        if not os.access(self.exe(ctx), os.X_OK):
            return "wasmaot not built (make build)"
        cc = getattr(self, "cc", None)  # (the run rows use wasmaot's default compiler)
        if cc and not ctx.find(cc):
            return f"apt-get install {cc}"
        return None

    def exe(self, ctx):
        return os.path.join(ctx.build, "bin", "wasmaot")

    def version(self, ctx):
        if "wasmaot" not in ctx.versions:
            ctx.versions["wasmaot"] = tool_version([self.exe(ctx), "--version"])
        return ctx.versions["wasmaot"]

    def prepare(self, ctx: Context, workload: str) -> Prepared:
        out = os.path.join(ctx.scratch("wasmaot"), f"{workload}.{self.cc}-{self.bounds}")
        return timed_build([self.exe(ctx), "build", ctx.wasm(workload), "-o", out,
                            "--cc", self.cc, "--bounds", self.bounds], out)

    def argv(self, ctx, prep, args):
        return [prep.artifact, "--"] + args

    def serve_argv(self, ctx, prep, host, port):
        return [prep.artifact, "--listen", f"{host}:{port}", "--"]


class WasmaotRun(WasmaotBuild):
    """`wasmaot run --tier optimized IN.wasm`, default build configuration, through its compile
    cache. The tier is explicit: run's default (auto) would start a module of 16 KiB+ of code on
    the quick tier and leave the optimised build running in the background into the next
    measurement."""

    def __init__(self, first_run: bool):
        self.set_cache_variant(first_run, ("wasmaot-run-first", "wasmaot-run-cached"),
                               ("wasmaot run --tier optimized, empty cache every run (translates + compiles each time)",
                                "wasmaot run --tier optimized, warm cache (cache lookup, then exec)"))
        self.http_throughput = not first_run  # steady state is the same binary as the cached row
        # Translating and compiling with a C compiler takes seconds (tens on a busy machine).
        self.start_deadline_s = 180.0 if first_run else 5.0
        self.warmup_deadline_s = 180.0

    def prepare(self, ctx, workload):
        wasm = ctx.wasm(workload)
        self.cache = ctx.scratch("wasmaot-run-cache")
        os.chmod(self.cache, 0o700)  # `run` refuses a group-writable cache (umask 002)
        return Prepared(artifact=wasm, size_bytes=os.path.getsize(wasm),
                        note="cache: fresh per run" if self.first_run else "cache: warm (filled by warm-up)")

    def run_env(self, ctx, prep):
        return {"WASMAOT_CACHE": ctx.fresh_dir("wasmaot-cache-") if self.first_run else self.cache}

    def argv(self, ctx, prep, args):
        return [self.exe(ctx), "run", "--tier", "optimized", prep.artifact, "--"] + args

    def serve_argv(self, ctx, prep, host, port):
        return [self.exe(ctx), "run", "--tier", "optimized", prep.artifact, "--listen",
                f"{host}:{port}", "--"]


# clang is Debian's default (14); clang-16 is wasmaot's default compiler when installed.
ROWS = [WasmaotBuild(cc, b) for cc in ("gcc", "clang", "clang-16") for b in ("guard", "check")] + [
    WasmaotRun(first_run=True), WasmaotRun(first_run=False)]


# Real programs (bench/realprogs.py): the quick and the optimised tier built ahead of time, and
# `wasmaot run` from an empty and from a warm cache. Until `wasmaot build --tier` exists (the
# tiers work of issue 12), the quick tier is the option set QUICK_FALLBACK, passed explicitly,
# and `wasmaot run` builds its default (optimised) configuration on a miss.
QUICK_FALLBACK = ["--cc", "clang-16", "-O0"]


def has_tiers(ctx) -> bool:
    """Whether this wasmaot takes --tier (its `build --help` documents it)."""
    key = "wasmaot-has-tiers"
    if key not in ctx.versions:
        exe = os.path.join(ctx.build, "bin", "wasmaot")
        text = subprocess.run([exe, "build", "--help"], capture_output=True, text=True, timeout=30).stdout
        ctx.versions[key] = "--tier" in text
    return ctx.versions[key]


def dir_options(dirs: dict) -> list[str]:
    out = []
    for guest, host in dirs.items():
        out += ["--dir", f"{host}::{guest}"]
    return out


def wait_for_background_builds(cache_dir: str, timeout_s: float, poll_s: float = 0.25) -> float:
    """Seconds until every background build log (*.log) under cache_dir says "finished" or
    "failed" (at least one log must appear); TimeoutError after timeout_s."""
    start = time.monotonic()
    while True:
        logs = [os.path.join(d, f) for d, _, files in os.walk(cache_dir) for f in files if f.endswith(".log")]
        done = 0
        for log in logs:
            try:
                with open(log, errors="replace") as f:
                    text = f.read()
            except OSError:
                continue
            done += "finished" in text or "failed" in text
        if logs and done == len(logs):
            return time.monotonic() - start
        if time.monotonic() - start > timeout_s:
            raise TimeoutError(f"background build in {cache_dir} not over after {timeout_s:.0f} s")
        time.sleep(poll_s)


class WasmaotProgramRow(ProgramRow):
    tool = "wasmaot"

    def exe(self, ctx):
        return os.path.join(ctx.build, "bin", "wasmaot")

    def missing(self, ctx):
        return None if os.access(self.exe(ctx), os.X_OK) else "wasmaot not built (make build)"

    def version(self, ctx):
        if "wasmaot" not in ctx.versions:
            ctx.versions["wasmaot"] = tool_version([self.exe(ctx), "--version"])
        return ctx.versions["wasmaot"]


class WasmaotProgramBuild(WasmaotProgramRow):
    mode = "aot"
    builds = True

    def __init__(self, tier: str):
        self.tier = tier
        self.row = f"wasmaot-{tier}"

    def options(self, ctx):
        if has_tiers(ctx):
            return ["--tier", self.tier]
        if self.tier != "quick":
            return []
        return QUICK_FALLBACK if ctx.find("clang-16") else ["--cc", "gcc", "-O0"]

    def title(self, ctx):
        opts = " ".join(self.options(ctx)) or "(defaults: --cc clang-16 -O3)"
        return f"wasmaot build {opts}, {self.tier} tier, then the executable"

    def build_argv(self, ctx, wasm, out):
        return [self.exe(ctx), "build", wasm, "-o", out] + self.options(ctx)

    def argv(self, ctx, target, args, dirs, cache_dir, first):
        return [target] + dir_options(dirs) + ["--"] + args


class WasmaotProgramRun(WasmaotProgramRow):
    row = "wasmaot-run"
    mode = "aot"
    cache = True

    def title(self, ctx):
        how = ("quick tier first, optimised tier built in the background (--tier auto)" if has_tiers(ctx)
               else "builds its default, optimised configuration on a miss")
        return f"wasmaot run: empty cache (first) / warm cache (cached); {how}"

    def argv(self, ctx, target, args, dirs, cache_dir, first):
        return [self.exe(ctx), "run"] + (["-v"] if has_tiers(ctx) else []) + [target] + dir_options(dirs) + ["--"] + args

    def env(self, ctx, cache_dir):
        return {"WASMAOT_CACHE": cache_dir}

    BACKGROUND = "building in the background"  # `run -v`: "tier quick (optimized tier building in the background...)"

    def settle(self, cache_dir, stderr, timeout_s):
        """With tiers, a first run leaves the optimised build running, detached, with its log
        KEY.log in the cache ending in "finished" or "failed": waits for that."""
        if not cache_dir or self.BACKGROUND not in stderr:
            return None
        return wait_for_background_builds(cache_dir, timeout_s)


PROGRAM_ROWS = [WasmaotProgramBuild("quick"), WasmaotProgramBuild("optimized"), WasmaotProgramRun()]
