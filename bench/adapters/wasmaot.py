"""wasmaot rows: our own translator. `wasmaot build` ahead of time in four configurations
(C compiler x bounds-checking strategy), and `wasmaot run`, which builds into a
content-addressed cache on first use: measured with an empty cache on every run ("first run")
and with a warm cache ("cached")."""

import os

from .base import Context, Prepared, Runtime, timed_build, tool_version


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
