"""JavaScript engines running the module through their built-in `node:wasi` (bench/wasi-launcher.mjs).
V8 compiles with Liftoff first and tiers up per function, so a long-running `main` called
once may stay in baseline code: node is measured with default tiering, with `--no-liftoff`
(TurboFan only) and with `--liftoff-only` (never tiered up), so the cost of each is visible. Neither engine's WASI has sockets."""

import os

from .base import ProgramRow, Runtime, Unsupported

LAUNCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "wasi-launcher.mjs")


class JsEngine(Runtime):
    mode = "jit"

    def __init__(self, row, tool, title, install, engine_flags):
        self.row, self.tool, self.title, self.install = row, tool, title, install
        self.engine_flags = engine_flags

    def argv(self, ctx, prep, args):
        return [self.exe(ctx)] + self.engine_flags + [LAUNCHER, prep.artifact] + args

    def serve_argv(self, ctx, prep, host, port):
        raise Unsupported(f"{self.tool}'s node:wasi implements no preview1 sockets (sock_accept/recv/send)")


ROWS = [
    JsEngine("node", "node", "node:wasi (V8, default tiering: Liftoff then TurboFan)",
             "apt-get install nodejs", []),
    JsEngine("node-no-liftoff", "node", "node:wasi (V8 --no-liftoff: TurboFan only)",
             "apt-get install nodejs", ["--no-liftoff"]),
    # What code that never tiers up costs (e.g. a long `main` entered once, without OSR).
    JsEngine("node-liftoff-only", "node", "node:wasi (V8 --liftoff-only: baseline code, never tiered up)",
             "apt-get install nodejs", ["--liftoff-only"]),
    JsEngine("bun", "bun", "bun node:wasi (JavaScriptCore)", "make runtimes (npm @oven/bun-linux-x64)", []),
]


# Real programs (bench/realprogs.py): node keeps no compiled wasm between runs, so every run
# compiles (Liftoff, then TurboFan for hot functions): each run is a first run.
class NodeProgram(ProgramRow):
    row = "node"
    mode = "jit"
    tool = "node"
    install = "apt-get install nodejs"
    every_run_compiles = True

    def title(self, ctx):
        return "node:wasi (V8, default tiering), compiles on every run"

    def argv(self, ctx, target, args, dirs, cache_dir, first):
        opts = []
        for guest, host in dirs.items():
            opts += ["--dir", f"{host}::{guest}"]
        return [ctx.find("node"), LAUNCHER] + opts + [target, "--"] + args


PROGRAM_ROWS = [NodeProgram()]
