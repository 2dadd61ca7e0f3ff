"""The one interface every runtime adapter implements, and the context they share.

An adapter is a short description of one way to run a module: which tool it needs, how to
prepare an artifact (compile, precompile, nothing), and the command line that runs it or
serves HTTP with it. Measuring, verifying and reporting live elsewhere (measure.py,
workloads.py, http_bench.py, report.py) so that no adapter repeats that logic.
"""

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field


class Unsupported(Exception):
    """This runtime cannot run this workload; the message says why (shown in the report)."""


@dataclass
class Prepared:
    """What prepare() produced for one workload."""

    artifact: str  # the file that runs (executable, .wasm, .cwasm, ...)
    compile_s: float | None = None  # translation/compile time, None if nothing is compiled ahead
    size_bytes: int | None = None  # artifact size on disk
    note: str = ""


@dataclass
class Context:
    """Paths and tool lookup shared by all adapters during one bench run."""

    repo: str  # repository root
    build: str  # CMake build directory (workloads, bin/wasmaot)
    work: str  # scratch directory for artifacts and caches, removed at the end
    runtimes_bin: str  # .runtimes/bin, searched before PATH
    versions: dict = field(default_factory=dict)

    def find(self, name: str) -> str | None:
        local = os.path.join(self.runtimes_bin, name)
        if os.access(local, os.X_OK):
            return local
        return shutil.which(name)

    def wasm(self, workload: str) -> str:
        return os.path.join(self.build, "workloads", workload + ".wasm")

    def sources(self, workload: str) -> list[str]:
        """The workload's C sources: every .c file in workloads/NAME/ (the CMake convention)."""
        d = os.path.join(self.repo, "workloads", workload)
        return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".c"))

    def scratch(self, *parts: str) -> str:
        path = os.path.join(self.work, *parts)
        os.makedirs(path, exist_ok=True)
        return path

    def fresh_dir(self, prefix: str) -> str:
        return tempfile.mkdtemp(prefix=prefix, dir=self.scratch("fresh"))


def timed_build(argv: list[str], artifact: str, env: dict | None = None) -> Prepared:
    """Runs a compile step, timing it; a failure becomes Unsupported with its first error line."""
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or not os.path.exists(artifact):
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise Unsupported(f"build failed ({os.path.basename(argv[0])}): " + (lines[0] if lines else f"exit {proc.returncode}"))
    return Prepared(artifact=artifact, compile_s=elapsed, size_bytes=os.path.getsize(artifact))


def tool_version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unknown ({e})"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "unknown"


class Runtime:
    """Base adapter. Subclasses set the class attributes and override what differs."""

    row = ""  # row id, e.g. "wasmtime-jit-first"
    title = ""  # what the row is, including its mode and cache choice
    mode = ""  # "native" | "aot" | "jit" | "interpreter"
    tool = ""  # executable the row needs ("" for none)
    install = ""  # how to install the tool when it is missing
    version_argv: list[str] = ["--version"]
    # Rows that only differ by their compile cache share throughput figures with this row.
    http_throughput = True
    # Starts from an empty compile cache on every run, so a warm-up teaches it nothing.
    cold_every_run = False
    # How long a server may take from launch to its first answer before the run counts as
    # failed; a warm-up may first fill a compile cache, so it gets longer.
    start_deadline_s = 5.0
    warmup_deadline_s = 30.0

    def set_cache_variant(self, first_run: bool, rows: tuple[str, str], titles: tuple[str, str]):
        """For runtimes with a compile cache: the "-first" row (empty cache on every run) or the
        "-cached" row. rows and titles are (first, cached)."""
        self.first_run = first_run
        self.cold_every_run = first_run
        self.row = rows[0] if first_run else rows[1]
        self.title = titles[0] if first_run else titles[1]

    def missing(self, ctx: Context) -> str | None:
        """None when the row can run here, else the reason (e.g. not installed)."""
        if self.tool and not ctx.find(self.tool):
            failed = os.path.join(os.path.dirname(ctx.runtimes_bin), self.tool + ".failed")
            if os.path.exists(failed):  # written by bench/runtimes.sh when an install did not finish
                with open(failed) as f:
                    return f"{self.install}; {f.read().strip()}"
            return self.install
        return None

    def version(self, ctx: Context) -> str:
        key = self.tool
        if key not in ctx.versions:
            ctx.versions[key] = tool_version([ctx.find(self.tool)] + self.version_argv)
        return ctx.versions[key]

    def exe(self, ctx: Context) -> str:
        return ctx.find(self.tool)

    def prepare(self, ctx: Context, workload: str) -> Prepared:
        """Default: the runtime takes the .wasm as is and compiles (or interprets) at run time."""
        wasm = ctx.wasm(workload)
        return Prepared(artifact=wasm, compile_s=None, size_bytes=os.path.getsize(wasm),
                        note="compiled at run time" if self.mode == "jit" else "")

    def argv(self, ctx: Context, prep: Prepared, args: list[str]) -> list[str]:
        raise NotImplementedError

    def run_env(self, ctx: Context, prep: Prepared) -> dict:
        """Extra environment for one run (e.g. a fresh, empty compile cache)."""
        return {}

    def serve_argv(self, ctx: Context, prep: Prepared, host: str, port: int) -> list[str]:
        raise Unsupported(f"{self.row}: no way to hand a pre-opened listening socket to the guest")


class ProgramRow:
    """One runtime configuration of the real-programs section (bench/realprogs.py): how it
    builds a program ahead of time (if it does), and the command that runs a task, given the
    task's directories ({guest path: host path}) and, for rows with a compile cache, the cache
    to use. The section measures, verifies and reports; the row only says how."""

    row = ""
    mode = ""  # "aot" | "jit"
    tool = ""
    install = ""
    builds = False  # a timed build step (wasmaot build, wasmtime compile) makes the artifact that runs
    cache = False  # runs through a compile cache: measured empty ("first") and warm ("cached")
    every_run_compiles = False  # a JIT without a persistent code cache: each run is a first run

    def title(self, ctx: Context) -> str:
        return self.row

    def missing(self, ctx: Context) -> str | None:
        if self.tool and not ctx.find(self.tool):
            return self.install
        return None

    def version(self, ctx: Context) -> str:
        if self.tool not in ctx.versions:
            ctx.versions[self.tool] = tool_version([ctx.find(self.tool), "--version"])
        return ctx.versions[self.tool]

    def build_argv(self, ctx: Context, wasm: str, out: str) -> list[str]:
        raise NotImplementedError

    def argv(self, ctx: Context, target: str, args: list[str], dirs: dict, cache_dir: str | None,
             first: bool) -> list[str]:
        """target: the built artifact (builds) or the .wasm; cache_dir: for cache rows, an empty
        directory (first) or the warm one; first: the run must not reuse compiled code."""
        raise NotImplementedError

    def env(self, ctx: Context, cache_dir: str | None) -> dict:
        return {}

    def settle(self, cache_dir: str | None, stderr: str, timeout_s: float) -> float | None:
        """After a run: waits until the work it left in the background (a tier-up build) is over,
        so that it neither loads the next measurement nor is missing from a warm cache. Returns
        the seconds waited, or None when nothing was left running."""
        return None
