#!/usr/bin/env python3
"""`make codegen`: what wasmaot's translation costs, per configuration, in deterministic terms.

For each workload (build/workloads/NAME.wasm): generated C size, object and executable
sizes, and instructions executed (valgrind --tool=callgrind) for native (gcc -O2, as
workloads/CMakeLists.txt builds it; clang and clang-16 -O2 as extra rows) and for the translated
module in each configuration (gcc/clang/clang-16, -O2/-O3, guard pages/explicit checks). For
cpu-hash, also the compression function's disassembly, native beside translated, and a
table of where the extra instructions come from (measured by removing one source at a time
from the generated C; those variants are diagnostics, never shipped).

    python3 bench/codegen/codegen.py --build build [--rounds 20000] [--quick]

Every build and compile command comes from wasmaot itself (`wasmaot info --json`, `--keep-c`),
so a diagnostic variant differs from the real build only in what it means to change.

Writes BUILD/codegen/report.md, report.html and data.json.
"""

import argparse
import json
import os
import re
import sys

import cgreport
import cgtools

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "../.."))

CONFIGS = [  # label, wasmaot build options
    ("gcc-O2-guard", ["--cc", "gcc", "-O2", "--bounds", "guard"]),
    ("gcc-O2-check", ["--cc", "gcc", "-O2", "--bounds", "check"]),
    ("gcc-O3-guard", ["--cc", "gcc", "-O3", "--bounds", "guard"]),
    ("clang-O2-guard", ["--cc", "clang", "-O2", "--bounds", "guard"]),
    ("clang-O2-check", ["--cc", "clang", "-O2", "--bounds", "check"]),
    ("clang-O3-guard", ["--cc", "clang", "-O3", "--bounds", "guard"]),
    ("clang-16-O2-guard", ["--cc", "clang-16", "-O2", "--bounds", "guard"]),
    ("clang-16-O2-check", ["--cc", "clang-16", "-O2", "--bounds", "check"]),
    ("clang-16-O3-guard", ["--cc", "clang-16", "-O3", "--bounds", "guard"]),
]
NATIVE_COMPILERS = ["clang", "clang-16"]  # besides gcc, whose native build is the CMake tree's
# QUICK (`make codegen QUICK=1`, `--quick`, and the ctest test bench-codegen-quick): the
# harness end to end in a couple of minutes; the default build, gcc with guard pages and with
# checks, native clang-16 besides gcc, the workloads that run, fewer rounds. Its figures are
# not the ones to quote.
QUICK_CONFIGS = ["gcc-O2-guard", "gcc-O2-check", "clang-16-O3-guard"]
QUICK_WORKLOADS = ["hello", "cpu-hash"]
QUICK_ROUNDS = 2000
QUICK_NATIVE_COMPILERS = ["clang-16"]
# native name, wasm2c name (wasm2c 1.0.42 prefixes the module name, always "guest")
HOT_FUNCTION = {"cpu-hash": ("compress", "w2c_guest_compress")}


def run_args(workload, rounds):
    """How a workload is run for counting; None: not run (a server needs a client)."""
    return {"cpu-hash": [str(rounds)], "hello": []}.get(workload)


def native_sources(workload):
    """The workload's C sources, from its add_workload() line."""
    with open(os.path.join(ROOT, "workloads/CMakeLists.txt")) as f:
        for m in re.finditer(r"add_workload\((\S+)((?:\s+\S+\.c)+)\)", f.read()):
            if m.group(1) == workload:
                return [os.path.join(ROOT, "workloads", s) for s in m.group(2).split()]
    return None


def default_label(wasmaot, configs):
    """Which of configs `wasmaot build` uses without options (same guest flags)."""
    default = wasmaot.cflags([])
    for label, options in configs:
        if wasmaot.cflags(options) == default:
            return label
    return None


def measure_workload(name, args, wasmaot, work):
    wasm = os.path.join(args.build, "workloads", name + ".wasm")
    w = {"wasm_size": os.path.getsize(wasm), "native": {}, "configs": {}}
    argv = run_args(name, args.rounds)
    native_exe = os.path.join(args.build, "workloads", name + ".native")
    natives = {"gcc -O2": native_exe}
    sources = native_sources(name)
    for cc in args.native_compilers if sources else []:
        natives[cc + " -O2"] = os.path.join(work, name + ".native-" + cc)
        cgtools.run([cc, "-O2", "-o", natives[cc + " -O2"]] + sources)
    expected = None
    for label, exe in natives.items():
        n = {"exe": cgtools.section_sizes(exe), "exe_path": exe}
        if argv is not None:
            n["ir"], n["functions"], out = cgtools.callgrind([exe] + argv, work, name + label)
            expected = expected if expected is not None else out
            n["output_ok"] = out == expected
        w["native"][label] = n
    for label, options in args.configs:
        print("  %s %s" % (name, label), file=sys.stderr)
        d = os.path.join(work, name, label)
        os.makedirs(d, exist_ok=True)
        exe = os.path.join(d, name + ".aot")
        keep = os.path.join(d, "c")
        wasmaot.build(wasm, exe, options, keep_c=keep)
        obj = os.path.join(d, "guest.o")
        wasmaot.compile_guest(wasm, obj, options)
        c = {"flags": wasmaot.cflags(options), "options": options,
             "c_size": cgtools.file_size(os.path.join(keep, "guest.c")) +
             cgtools.file_size(os.path.join(keep, "guest.h")),
             "data_size": cgtools.file_size(os.path.join(keep, "guest.data")),
             "obj": cgtools.section_sizes(obj), "exe": cgtools.section_sizes(exe),
             "functions_defined": sorted(cgtools.defined_functions(obj))}
        if argv is not None:
            c["ir"], c["functions"], out = cgtools.callgrind([exe] + argv, d, "aot")
            c["output_ok"] = out == expected
        if name in HOT_FUNCTION:
            hot_function(name, c, wasmaot, options, keep, d, argv, expected)
        w["configs"][label] = c
    if name in HOT_FUNCTION:
        native_name = HOT_FUNCTION[name][0]
        for label, n in w["native"].items():
            n["disasm"] = cgtools.disassemble(n["exe_path"], native_name)
            if "functions" in n:
                n["hot_ir"] = n["functions"].get(native_name)
    return w


def hot_function(name, c, wasmaot, options, keep, d, argv, expected):
    """The hot function of the translated module, kept out of line so that it can be shown
    and counted on its own, plus the diagnostic variants (see cgtools)."""
    fn = HOT_FUNCTION[name][1]
    with open(os.path.join(keep, "guest.c")) as f:
        base = f.read()
    c["hot_inlined"] = fn not in c["functions_defined"]
    variants = {"noinline": (cgtools.variant_noinline(base, fn), [])}
    if "guard" in c["options"] and cgtools.has_load_barrier(base):
        variants["no-load-barrier"] = (base, cgtools.NO_LOAD_BARRIER_FLAGS)
    if "-fno-inline-functions-called-once" in c["flags"]:
        variants["inline-called-once"] = (base, ["-finline-functions-called-once"])
    c["variants"] = {}
    for vname, (text, extra) in variants.items():
        exe = os.path.join(d, "%s.%s" % (name, vname))
        obj = cgtools.build_variant(wasmaot, options, keep, text, exe, d, extra)
        ir, functions, out = cgtools.callgrind([exe] + argv, d, vname)
        c["variants"][vname] = {"ir": ir, "output_ok": out == expected}
        if vname == "noinline":
            c["hot_disasm"] = cgtools.disassemble(obj, fn)
            c["hot_ir"] = functions.get(fn)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", help="output directory (default BUILD/codegen)")
    ap.add_argument("--rounds", type=int, help="cpu-hash rounds under callgrind (default 20000; "
                    "%d with --quick)" % QUICK_ROUNDS)
    ap.add_argument("--workloads", nargs="*", help="default: every BUILD/workloads/*.wasm "
                    "(with --quick: %s)" % " ".join(QUICK_WORKLOADS))
    ap.add_argument("--quick", action="store_true", help="smoke run: configurations %s, "
                    "native gcc and clang-16 only, %d rounds (says so in the report)" %
                    (", ".join(QUICK_CONFIGS), QUICK_ROUNDS))
    args = ap.parse_args()
    if args.rounds is None:
        args.rounds = QUICK_ROUNDS if args.quick else 20000
    args.configs = [c for c in CONFIGS if not args.quick or c[0] in QUICK_CONFIGS]
    args.native_compilers = QUICK_NATIVE_COMPILERS if args.quick else NATIVE_COMPILERS
    if args.quick and not args.workloads:
        args.workloads = QUICK_WORKLOADS
    args.build = os.path.abspath(args.build)
    out = os.path.abspath(args.out or os.path.join(args.build, "codegen"))
    work = os.path.join(out, "work")
    os.makedirs(work, exist_ok=True)
    wasmaot = cgtools.Wasmaot(os.path.join(args.build, "bin", "wasmaot"))
    names = args.workloads or sorted(f[:-5] for f in os.listdir(
        os.path.join(args.build, "workloads")) if f.endswith(".wasm"))
    data = {"rounds": args.rounds, "configs": [c[0] for c in args.configs], "quick": args.quick,
            "default": default_label(wasmaot, args.configs), "workloads": {},
            "wasmaot": {k: v for k, v in wasmaot.info().items()
                        if k in ("version", "wasm2c", "defaults")}}
    for name in names:
        data["workloads"][name] = measure_workload(name, args, wasmaot, work)
    with open(os.path.join(out, "data.json"), "w") as f:
        json.dump(data, f, indent=1)
    md, html = cgreport.render(data)
    for fname, text in (("report.md", md), ("report.html", html)):
        with open(os.path.join(out, fname), "w") as f:
            f.write(text)
    print("codegen report: %s/report.md, %s/report.html" % (out, out))
    bad = [(w, c) for w, wd in data["workloads"].items()
           for c, cd in list(wd["configs"].items()) + list(wd["native"].items())
           if cd.get("output_ok") is False]
    if bad:
        print("wrong output from: %s" % bad, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
