"""Runtimes that interpret by default, each with its ahead-of-time mode where it has one:
WasmEdge (interpreter unless the module is `wasmedge compile`d), WAMR's iwasm (fast
interpreter; AOT files come from `wamrc`), and wasm3 (interpreter only). None of them ships
through the package registries this project uses, so they run only when found on PATH.
Their sockets are non-standard extensions; none takes a pre-opened preview1 listener."""

import os

from .base import Runtime, Unsupported, timed_build


class Interpreted(Runtime):
    mode = "interpreter"

    def __init__(self, row, tool, title, install, run_prefix, version_argv=("--version",)):
        self.row, self.tool, self.title, self.install = row, tool, title, install
        self.run_prefix = list(run_prefix)
        self.version_argv = list(version_argv)

    def argv(self, ctx, prep, args):
        return [self.exe(ctx)] + self.run_prefix + [prep.artifact] + args

    def serve_argv(self, ctx, prep, host, port):
        raise Unsupported(f"{self.tool}: sockets only through its own extension; no pre-opened preview1 listener")


class CompiledAhead(Interpreted):
    """The same runtime running an artifact from its own ahead-of-time compiler."""

    mode = "aot"

    def __init__(self, row, tool, title, install, compiler, compile_argv, suffix):
        super().__init__(row, tool, title, install, [])
        self.compiler, self.compile_argv, self.suffix = compiler, compile_argv, suffix

    def missing(self, ctx):
        return super().missing(ctx) or (None if ctx.find(self.compiler) else f"{self.compiler}: {self.install}")

    def prepare(self, ctx, workload):
        out = os.path.join(ctx.scratch(self.row), workload + self.suffix)
        argv = [ctx.find(self.compiler)] + [a.format(wasm=ctx.wasm(workload), out=out) for a in self.compile_argv]
        return timed_build(argv, out)


WASMEDGE = "not in these registries: https://wasmedge.org/docs/start/install (install.sh)"
WAMR = "not in these registries: build product-mini/platforms/linux of bytecodealliance/wasm-micro-runtime with cmake"
WASM3 = "not in these registries: build wasm3/wasm3 with cmake"

ROWS = [
    Interpreted("wasmedge-interp", "wasmedge", "WasmEdge, interpreter (its default for .wasm)", WASMEDGE, []),
    CompiledAhead("wasmedge-aot", "wasmedge", "WasmEdge on a `wasmedge compile` artifact", WASMEDGE,
                  "wasmedge", ["compile", "{wasm}", "{out}"], ".so"),
    Interpreted("iwasm-interp", "iwasm", "WAMR iwasm, fast interpreter (its default)", WAMR, []),
    CompiledAhead("iwasm-aot", "iwasm", "WAMR iwasm on a `wamrc` AOT file", WAMR, "wamrc",
                  ["-o", "{out}", "{wasm}"], ".aot"),
    Interpreted("wasm3", "wasm3", "wasm3, interpreter", WASM3, []),
]
