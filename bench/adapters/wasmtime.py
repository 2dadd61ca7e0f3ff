"""wasmtime (Cranelift). The JIT row compiles at run time and wasmtime caches compiled code
between runs by default: measured with the cache disabled ("first run") and with a warm
private cache ("cached"). The precompiled row runs a `wasmtime compile` .cwasm.
HTTP: preview1 sockets exist only in the legacy WASI implementation (`-S preview2=n`), which
hands `-S tcplisten=ADDR` listeners to the guest as fd 3 onward; 36.x LTS still has it."""

import os

from .base import Prepared, Runtime, timed_build

INSTALL = "make runtimes (cargo install wasmtime-cli --version 36.0.6)"


class WasmtimeJit(Runtime):
    mode = "jit"
    tool = "wasmtime"
    install = INSTALL

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
        return [self.exe(ctx), "run"] + self.cache_flags(ctx) + [
            "-S", "preview2=n", "-S", f"tcplisten={host}:{port}", prep.artifact]


class WasmtimePrecompiled(Runtime):
    row = "wasmtime-cwasm"
    title = "wasmtime run --allow-precompiled on a `wasmtime compile` .cwasm"
    mode = "aot"
    tool = "wasmtime"
    install = INSTALL

    def prepare(self, ctx, workload) -> Prepared:
        out = os.path.join(ctx.scratch("wasmtime"), f"{workload}.cwasm")
        return timed_build([self.exe(ctx), "compile", ctx.wasm(workload), "-o", out], out)

    def argv(self, ctx, prep, args):
        return [self.exe(ctx), "run", "--allow-precompiled", prep.artifact] + args

    def serve_argv(self, ctx, prep, host, port):
        return [self.exe(ctx), "run", "--allow-precompiled", "-S", "preview2=n",
                "-S", f"tcplisten={host}:{port}", prep.artifact]


ROWS = [WasmtimeJit(first_run=True), WasmtimeJit(first_run=False), WasmtimePrecompiled()]
