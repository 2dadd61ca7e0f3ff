"""Building, measuring and disassembling for the codegen report (codegen.py).

Every measurement here is deterministic: sizes, static disassembly, and instruction counts
from `valgrind --tool=callgrind` (Ir = instructions executed). No wall-clock time: that is
walltime.py's job, with interleaved runs.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile


class ToolError(Exception):
    pass


def run(argv, cwd=None, timeout=900):
    p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, errors="replace",
                       timeout=timeout)
    if p.returncode != 0:
        raise ToolError("%s failed (%d): %s" % (" ".join(argv[:3]), p.returncode,
                                                (p.stderr or p.stdout).strip()[:500]))
    return p.stdout


class Wasmaot:
    """The wasmaot CLI. What it would run for a configuration comes from `wasmaot info --json`
    (the commands as pipeline.c defines them), never from parsing prose."""

    def __init__(self, exe):
        self.exe = exe
        self._info = {}

    def info(self, options=()):
        key = tuple(options)
        if key not in self._info:
            self._info[key] = json.loads(run([self.exe, "info", "--json"] + list(options)))
        return self._info[key]

    def cflags(self, options):
        return list(self.info(options)["guest_cflags"])

    def build(self, wasm, out, options, keep_c=None):
        run([self.exe, "build", wasm, "-o", out] + options +
            (["--keep-c", keep_c] if keep_c else []))

    def compile_guest(self, wasm, obj, options):
        """The guest object exactly as `wasmaot build` compiles it (module name guest)."""
        run([self.exe, "compile-guest", wasm, "-n", "guest", "-o", obj] + options)

    def share_dir(self):
        return self.info()["share_dir"]

    def command(self, options, step, **values):
        """One of `wasmaot build`'s commands (wasm2c, guest_compile, host_compile, link) for
        these options, with {dir}, {in}, {out} filled in."""
        argv = []
        for a in self.info(options)["commands"][step]:
            for k, v in values.items():
                a = a.replace("{%s}" % k, v)
            argv.append(a)
        return argv


def file_size(path):
    return os.path.getsize(path) if os.path.exists(path) else 0


def section_sizes(path):
    """text, data, bss of an object or executable (Berkeley `size`)."""
    out = run(["size", "-B", path]).splitlines()[1].split()
    return {"text": int(out[0]), "data": int(out[1]), "bss": int(out[2])}


def callgrind(argv, workdir, name):
    """(instructions executed, {function: Ir}, program stdout) of one run under callgrind."""
    out_file = os.path.join(workdir, "callgrind.%s.out" % name)
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out_file] +
                       argv, capture_output=True, text=True, errors="replace", timeout=1800)
    if p.returncode != 0:
        raise ToolError("%s under callgrind: exit %d: %s" % (argv[0], p.returncode,
                                                              p.stderr.strip()[-300:]))
    total = None
    with open(out_file) as f:
        for line in f:
            m = re.match(r"(?:summary|totals): (\d+)", line)
            if m:
                total = int(m.group(1))
    functions = {}
    ann = run(["callgrind_annotate", "--threshold=99.9", out_file])
    for line in ann.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(?:\S*:)?(\S+) \[", line)
        if m:
            functions[m.group(2)] = int(m.group(1).replace(",", ""))
    return total, functions, p.stdout


def disassemble(path, symbol):
    """Instructions of one function, as (address, text) without raw bytes; [] if absent."""
    out = run(["objdump", "-d", "--no-show-raw-insn", "--disassemble=" + symbol, path])
    lines = []
    for line in out.splitlines():
        m = re.match(r"\s+([0-9a-f]+):\s+(.*)$", line)
        if m:
            lines.append((m.group(1), re.sub(r"\s+", " ", m.group(2).split("#")[0].strip())))
    return lines


def defined_functions(obj):
    """Names of the functions defined in an object (local ones included)."""
    out = run(["nm", obj])
    return {parts[2] for parts in (l.split() for l in out.splitlines())
            if len(parts) == 3 and parts[1] in "tT"}


# ---- diagnostic variants of the generated C ---------------------------------------------------
# Each removes one source of overhead from wasm2c's output to measure what it costs. They are
# diagnostics: some are not conformant (see the comment of each), none is shipped.

def _sub(text, pattern, repl, what):
    new, n = re.subn(pattern, repl, text)
    if n == 0:
        raise ToolError("variant %s: pattern not found in the generated C" % what)
    return new


def variant_noinline(c, function):
    """Keeps `function` out of line, so it has a symbol to disassemble and count."""
    return _sub(c, r"(?m)^static (\w+ %s\()" % re.escape(function),
                r"__attribute__((noinline)) static \1", "noinline")


# wasm2c 1.0.42 ends every load with FORCE_READ_INT/FORCE_READ_FLOAT (an empty asm that takes
# the loaded value) under guard pages, and offers one macro that turns them off. NOT conformant
# with guard pages: the barrier is what keeps an out-of-bounds load whose value is unused from
# being optimised away (it must still trap). With explicit checks the macros are empty already.
NO_LOAD_BARRIER_FLAGS = ["-DWASM_RT_NONCONFORMING_ALLOW_OOB_READ_ELIMINATION=1"]


def has_load_barrier(c):
    """True if the generated C forces every load's value into a register (guard pages)."""
    return re.search(r"#define FORCE_READ_INT\(var\) __asm__", c) is not None


def build_variant(wasmaot, options, keep_dir, c_text, out_exe, workdir, extra_flags=()):
    """Compiles modified guest C and links it exactly as `wasmaot build` does, with the
    commands of `wasmaot info --json` for these options: the guest compile (plus
    `extra_flags`), the host main against the kept guest.h and guest_glue.h, the link. Returns
    the guest object."""
    d = tempfile.mkdtemp(dir=workdir)
    for f in os.listdir(keep_dir):
        shutil.copy(os.path.join(keep_dir, f), d)
    with open(os.path.join(d, "guest.c"), "w") as f:
        f.write(c_text)
    guest = wasmaot.command(options, "guest_compile", dir=d)
    at = guest.index("-c")
    run(guest[:at] + list(extra_flags) + guest[at:])
    run(wasmaot.command(options, "host_compile", dir=d))
    run(wasmaot.command(options, "link", dir=d, out=out_exe))
    return os.path.join(d, "guest.o")
