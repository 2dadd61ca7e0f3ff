"""Building, measuring and disassembling for the codegen report (codegen.py).

Every measurement here is deterministic: sizes, static disassembly, and instruction counts
from `valgrind --tool=callgrind` (Ir = instructions executed). No wall-clock time: that is
walltime.py's job, with interleaved runs.
"""

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
    def __init__(self, exe):
        self.exe = exe

    def cflags(self, options):
        return run([self.exe, "cflags"] + options).split("\n")[:-1]

    def build(self, wasm, out, options, keep_c=None):
        run([self.exe, "build", wasm, "-o", out] + options +
            (["--keep-c", keep_c] if keep_c else []))

    def compile_guest(self, wasm, obj, options):
        """The guest object exactly as `wasmaot build` compiles it (module name guest)."""
        run([self.exe, "compile-guest", wasm, "-n", "guest", "-o", obj] + options)

    def share_dir(self):
        out = run([self.exe, "--version"])
        m = re.search(r"runtime-support in (\S+)\)", out)
        if not m:
            raise ToolError("cannot find runtime-support from `wasmaot --version`")
        return m.group(1)


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


def variant_no_load_barrier(c):
    """Drops wasm2c's `wasm_asm("" ::"r"(result))` after every load. NOT conformant with
    guard pages: the barrier is what keeps an out-of-bounds load whose value is unused from
    being optimised away (it must still trap)."""
    return _sub(c, r'wasm_asm\(""\s*::"r"\(result\)\);', "", "no-load-barrier")


def variant_memcpy_stores(c):
    """Undoes wasmaot's typed-store rewrite (translator/c_rewrite.c): stores go back to
    wasm2c's memcpy into the u8 array, which may alias the memory's `data` pointer, so the
    compiler reloads the memory base after every store."""
    return _sub(c, r"typedef t1 __attribute__\(\(aligned\(1\)\)\) wasmaot_unaligned_t;\s*\\\n"
                   r"\s*\*\(wasmaot_unaligned_t \*\)&mem->data\[addr\] = \(t1\)value;",
                lambda m: "t1 wrapped = (t1)value; \\\n"
                "    wasm_rt_memcpy(&mem->data[addr], &wrapped, sizeof(t1));", "memcpy-stores")


def build_variant(wasmaot, options, keep_dir, c_text, out_exe, workdir, extra_flags=()):
    """Compiles modified guest C with the configuration's own flags (`wasmaot cflags`, then
    `extra_flags`) and links it like `wasmaot build` does: host main + runtime libraries."""
    share = wasmaot.share_dir()
    d = tempfile.mkdtemp(dir=workdir)
    for f in os.listdir(keep_dir):
        shutil.copy(os.path.join(keep_dir, f), d)
    with open(os.path.join(d, "guest.c"), "w") as f:
        f.write(c_text)
    flags = wasmaot.cflags(options)
    cc = flags[0]
    run(flags + list(extra_flags) + ["-Wa,-I" + d, "-c", os.path.join(d, "guest.c"), "-o",
                 os.path.join(d, "guest.o")])
    memcheck = [f for f in flags if f.startswith("-DWASM_RT_MEMCHECK")]
    run([cc, "-O2", "-DWASMAOT_GUEST_IMPORTS_WASI=1", "-I" + share + "/include"] + memcheck +
        ["-include", os.path.join(d, "guest.h"), "-c", share + "/src/host_main.c", "-o",
         os.path.join(d, "host_main.o")])
    bounds = "guard" if "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1" in memcheck else "check"
    run([cc, os.path.join(d, "guest.o"), os.path.join(d, "host_main.o"),
         "%s/lib/libwasmaot-rt-%s.a" % (share, bounds), share + "/lib/libwasmaot-wasi.a",
         "-lm", "-o", out_exe])
    return os.path.join(d, "guest.o")
