"""One spec script (wast2json's JSON) -> one C test program for harness.c.

Two steps, because the C needs the modules' wasm2c headers:
  plan = plan_script(json)          # which modules to translate, under which wasm2c names
  ... translate every plan.modules[i] with `wasmaot compile-guest` ...
  c_text = write_program(plan, headers, unlinkable_limits)

Naming (wasm2c 1.0.42). A module translated with `-n N` is `struct w2c_<N'>` (N' = N mangled
as a module name), instantiated by `wasm2c_<N'>_instantiate(w2c_<N'>*, struct w2c_<I'>*...)`
with one instance pointer per module it imports from, and exports field F as `w2c_<N'>_<F'>`
(F' = F mangled as a symbol): a function, or for a memory, table or global an accessor
returning a pointer. It imports (module I, field F) as exactly that: `w2c_<I'>_<F'>`. So a
module the script registers as R is translated with `-n R`: its exports are then exactly the
symbols its importers use, and `register` needs no glue. Other modules are named m<index>.
"""

import os
import re
from dataclasses import dataclass, field

MODULE_KINDS = {"module", "assert_uninstantiable"}
LANE_BYTES = {"i8": 1, "i16": 2, "i32": 4, "i64": 8, "f32": 4, "f64": 8}


class Unsupported(Exception):
    """A command this runner cannot express; reported as a failure with this reason."""


def mangle(name, module=False):
    """wasm2c 1.0.42's name mangling (CWriter::Mangle), checked against its headers: every
    byte of the UTF-8 name outside [A-Za-z0-9_] is written 0x<HEX>; so is an uppercase hex
    digit A-F right after a written "0x", and an `_` at the start or the end of the name or
    right after a written `_`. Module names (module=True) write every other `_` as `__`."""
    out = ""
    data = name.encode("utf-8")
    for i, byte in enumerate(data):
        c = chr(byte)
        if ((c == "_" and (i == 0 or i == len(data) - 1 or out.endswith("_"))) or
                (c in "ABCDEF" and out.endswith("0x")) or
                not (c.isascii() and (c.isalnum() or c == "_"))):
            out += "0x%02X" % byte
        elif c == "_" and module:
            out += "__"
        else:
            out += c
    return out


@dataclass
class Module:
    index: int
    wasm: str          # path of the .wasm
    wasm2c_name: str   # the -n given to wasm2c
    line: int
    failed: str = None  # set by the runner: why it did not translate (its commands fail)

    @property
    def stem(self):
        return "mod%d" % self.index

    @property
    def var(self):
        return "mod%d_instance" % self.index

    @property
    def prefix(self):
        return mangle(self.wasm2c_name, module=True)


@dataclass
class Unlinkable:
    index: int
    wasm: str
    line: int
    registry: dict  # registration name -> Module, as registered when the command runs
    linked: bool = False  # set by the runner: it compiled and linked, limits to check
    constants: dict = field(default_factory=dict)  # its limit constants, from its .c

    @property
    def stem(self):
        return "unlinkable%d" % self.index

    @property
    def wasm2c_name(self):
        return "u%d" % self.index


@dataclass
class Plan:
    script: str
    commands: list
    modules: list = field(default_factory=list)      # to translate and instantiate
    unlinkables: list = field(default_factory=list)  # to translate and try to link
    skipped: dict = field(default_factory=dict)      # kind -> count


def plan_script(script_name, json_path):
    """Reads wast2json's output and decides every module's wasm2c name."""
    import json
    with open(json_path, encoding="utf-8") as f:
        commands = json.load(f)["commands"]
    base = os.path.dirname(json_path)
    # Which module each register command names: the named one, else the latest one
    # instantiated (an assert_uninstantiable module never becomes the current module).
    registered_as = {}
    latest, by_name, count = None, {}, 0
    for c in commands:
        if c["type"] in MODULE_KINDS:
            if c["type"] == "module":
                latest = count
                if "name" in c:
                    by_name[c["name"]] = count
            count += 1
        elif c["type"] == "register":
            target = by_name[c["name"]] if "name" in c else latest
            if target in registered_as and registered_as[target] != c["as"]:
                raise Unsupported("module registered under two names")
            registered_as[target] = c["as"]
    plan = Plan(script_name, commands)
    registry, names, current = {}, {}, None
    for c in commands:
        kind = c["type"]
        if kind in MODULE_KINDS:
            i = len(plan.modules)
            m = Module(i, os.path.join(base, c["filename"]), registered_as.get(i, "m%d" % i),
                       c["line"])
            plan.modules.append(m)
            c["_module"] = m
            if kind == "module":
                current = m
                if "name" in c:
                    names[c["name"]] = m
        elif kind == "register":
            m = names[c["name"]] if "name" in c else current
            registry[c["as"]] = m
            c["_registered"] = m
        elif kind == "assert_unlinkable":
            u = Unlinkable(len(plan.unlinkables), os.path.join(base, c["filename"]), c["line"],
                           dict(registry))
            plan.unlinkables.append(u)
            c["_unlinkable"] = u
        elif not countable(c):
            # assert_invalid, assert_malformed (and any kind this runner does not know)
            plan.skipped[kind] = plan.skipped.get(kind, 0) + 1
        # Which instance an action refers to: the named module, else the latest one.
        if "action" in c:
            a = c["action"]
            c["_target"] = names[a["module"]] if "module" in a else current
    seen = {}
    for m in plan.modules:
        if m.wasm2c_name in seen:
            raise Unsupported("two modules would share the wasm2c name %r" % m.wasm2c_name)
        seen[m.wasm2c_name] = m
    return plan


def countable(command):
    """Commands that produce one ok/FAIL line."""
    return command["type"] in MODULE_KINDS | {"action", "assert_return", "assert_trap",
                                              "assert_exhaustion", "assert_unlinkable",
                                              "assert_exception"}


# ---- values -----------------------------------------------------------------------------------

def v128_lanes(v):
    """(lane bytes, is float, lanes as wast2json gives them: decimal strings, bit patterns for
    floats, or nan:canonical / nan:arithmetic)."""
    lane = v.get("lane_type")
    if lane not in LANE_BYTES:
        raise Unsupported("v128 with lane type %s" % lane)
    return LANE_BYTES[lane], lane.startswith("f"), v["value"]


def c_arg(v):
    t, value = v["type"], v.get("value")
    if t == "i32":
        return "%su" % value
    if t == "i64":
        return "%sull" % value
    if t == "f32":
        return "f32_from_bits(0x%08x)" % int(value)
    if t == "f64":
        return "f64_from_bits(0x%016xull)" % int(value)
    if t == "v128":
        size, _, lanes = v128_lanes(v)
        data = b"".join((int(x) & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
                        for x in lanes)
        return "v128_make(0x%016xull, 0x%016xull)" % (int.from_bytes(data[:8], "little"),
                                                     int.from_bytes(data[8:], "little"))
    if t == "externref":
        return "(wasm_rt_externref_t)NULL" if value == "null" else "spec_externref(%s)" % value
    if t == "funcref" and value == "null":
        return "wasm_rt_funcref_null_value"
    if t == "exnref" and value == "null":
        return "wasm_rt_exnref_null_value"
    raise Unsupported("argument of type %s = %s" % (t, value))


def c_check(index, got, v):
    t, value = v["type"], v.get("value")
    if t == "i32":
        return "check_i32(%d, %s, %su);" % (index, got, value)
    if t == "i64":
        return "check_i64(%d, %s, %sull);" % (index, got, value)
    if t in ("f32", "f64"):
        if value in ("nan:canonical", "nan:arithmetic"):
            return "check_%s_nan(%d, %s, %d);" % (t, index, got, value == "nan:canonical")
        if t == "f32":
            return "check_f32(%d, %s, 0x%08x);" % (index, got, int(value))
        return "check_f64(%d, %s, 0x%016xull);" % (index, got, int(value))
    if t == "v128":
        size, is_float, lanes = v128_lanes(v)
        mask = (1 << (8 * size)) - 1
        want = ["0x%xull" % (int(x) & mask) if not x.startswith("nan:") else "0"
                for x in lanes]
        kinds = [{"nan:canonical": "1", "nan:arithmetic": "2"}.get(x, "0") for x in lanes]
        return ("check_v128(%d, &%s, %d, %d, (const uint64_t[]){%s}, (const uint8_t[]){%s});" %
                (index, got, size, is_float, ", ".join(want), ", ".join(kinds)))
    if t == "externref":
        if value is None:
            return "check_ref_nonnull(%d, %s);" % (index, got)
        want = "NULL" if value == "null" else "spec_externref(%s)" % value
        return "check_externref(%d, %s, %s);" % (index, got, want)
    if t == "funcref":
        # (ref.func) or, in memory64's older scripts, (ref.func N): any non-null function
        return "check_funcref_null(%d, %s, %d);" % (index, got, value == "null")
    if t == "exnref":
        return "check_exnref_null(%d, %s, %d);" % (index, got, value == "null")
    raise Unsupported("result of type %s = %s" % (t, value))


# ---- the program ------------------------------------------------------------------------------

def header_return_type(header, symbol):
    m = re.search(r"^([^\n;()]*?)\b%s\(" % re.escape(symbol), header, re.M)
    return m.group(1).strip() if m else None


def multi_fields(header, struct_type):
    m = re.search(r"%s \{([^}]*)\}" % re.escape(struct_type), header)
    if not m:
        raise Unsupported("%s not found in the wasm2c header" % struct_type)
    return re.findall(r"(\w+);", m.group(1))


class ProgramWriter:
    def __init__(self, plan, headers):
        self.plan = plan
        self.headers = headers  # module index -> header text
        self.bodies = []        # C function definitions
        self.calls = []         # statements of main()

    def export_symbol(self, module, field_name):
        symbol = "w2c_%s_%s" % (module.prefix, mangle(field_name))
        if not re.search(r"\b%s\(" % re.escape(symbol), self.headers[module.index]):
            raise Unsupported("export %r not found as %s in the wasm2c header" %
                              (field_name, symbol))
        return symbol

    def instantiate_args(self, module, registry):
        args = imported_instances(self.headers[module.index], module.prefix, registry)
        missing = [a for a in args if not a.startswith("&")]
        if missing:
            raise Unsupported("imports from %s, which is not registered" % missing[0])
        return ["&" + module.var] + args

    def action_call(self, action, target):
        """(C expression, C return type text from the header)."""
        symbol = self.export_symbol(target, action["field"])
        rtype = header_return_type(self.headers[target.index], symbol)
        if action["type"] == "get":
            return "*%s(&%s)" % (symbol, target.var), rtype
        args = ["&" + target.var] + [c_arg(a) for a in action.get("args", [])]
        return "%s(%s)" % (symbol, ", ".join(args)), rtype

    def body(self, name, statements, ret="void"):
        self.bodies.append("static %s %s(void) {\n%s}\n" %
                           (ret, name, "".join("  %s\n" % s for s in statements)))
        return name

    def result_checks(self, c, call, rtype, header):
        expected = c.get("expected", [])
        if "either" in c:
            stmts = ["__typeof__(%s) r = %s;" % (call, call), "check_either_begin();"]
            for k, alt in enumerate(c["either"]):
                if k:
                    stmts.append("check_either_next();")
                stmts.append(c_check(0, "r", alt))
            return stmts + ["check_either_end(0);"]
        if not expected:
            return [call + ";"]
        if len(expected) == 1:
            return ["__typeof__(%s) r = %s;" % (call, call), c_check(0, "r", expected[0])]
        if not rtype or not rtype.startswith("struct wasm_multi_"):
            raise Unsupported("%d results, but the export returns %s" % (len(expected), rtype))
        fields = multi_fields(header, rtype)
        if len(fields) != len(expected):
            raise Unsupported("%d results, but %s has %d" % (len(expected), rtype, len(fields)))
        return (["%s r = %s;" % (rtype, call)] +
                [c_check(k, "r." + f, v) for k, (f, v) in enumerate(zip(fields, expected))])

    def command(self, i, c, registry):
        kind, line = c["type"], c["line"]
        fn = "cmd_%d" % i
        if kind in MODULE_KINDS:
            m = c["_module"]
            self.body(fn, ["wasm2c_%s_instantiate(%s);" %
                           (m.prefix, ", ".join(self.instantiate_args(m, registry)))])
            if kind == "module":
                return "spec_module(%d, %s);" % (line, fn)
            return "spec_assert_uninstantiable(%d, %s, %s);" % (line, fn, c_string(c["text"]))
        if kind == "assert_unlinkable":
            return self.unlinkable(fn, c["_unlinkable"], registry)
        target = c["_target"]
        call, rtype = self.action_call(c["action"], target)
        if kind == "assert_return":
            self.body(fn, self.result_checks(c, call, rtype, self.headers[target.index]))
            return "spec_assert_return(%d, %s);" % (line, fn)
        self.body(fn, ["(void)%s;" % call])
        if kind == "action":
            return "spec_action(%d, %s);" % (line, fn)
        if kind == "assert_trap":
            return "spec_assert_trap(%d, %s, %s);" % (line, fn, c_string(c["text"]))
        if kind == "assert_exception":
            return "spec_assert_exception(%d, %s);" % (line, fn)
        return "spec_assert_exhaustion(%d, %s);" % (line, fn)

    def unlinkable(self, fn, u, registry):
        """The limits half of an assert_unlinkable that compiled and linked: each imported
        memory's and table's limit constants (wasm2c_<U>_min_<import> etc., from its .c)
        against the provider's memory or table as it is now."""
        header = self.headers[u.stem]
        by_prefix = instance_vars(registry)
        stmts = []
        for suffix in sorted({k.split("_", 1)[1] for k in u.constants}):
            accessor = "w2c_" + suffix
            rtype = header_return_type(header, accessor)
            owner = max((p for p in by_prefix if suffix.startswith(p + "_")), key=len,
                        default=None)
            if rtype is None or owner is None:
                raise Unsupported("import %s: no accessor or provider" % suffix)
            get = "%s(%s)" % (accessor, by_prefix[owner])
            k = {what: u.constants.get("%s_%s" % (what, suffix))
                 for what in ("min", "max", "is64", "pagesize")}
            if "memory" in rtype:
                conds = [("%s->pages < %s" % (get, k["min"]), "smaller than the import's minimum"),
                         ("%s->max_pages > %s" % (get, k["max"]), "maximum above the import's")]
                if k["is64"] is not None:
                    conds.append(("%s->is64 != %s" % (get, k["is64"]), "index type differs"))
                if k["pagesize"] is not None:
                    conds.append(("%s->page_size != %s" % (get, k["pagesize"]),
                                  "page size differs"))
            else:
                conds = [("%s->size < %s" % (get, k["min"]), "smaller than the import's minimum"),
                         ("%s->max_size > %s" % (get, k["max"]), "maximum above the import's")]
            for cond, why in conds:
                stmts.append("if (%s) return %s;" % (cond, c_string("%s: %s" % (suffix, why))))
        stmts.append("return NULL;")
        self.body(fn, stmts, ret="const char *")
        return "spec_assert_unlinkable(%d, %s);" % (u.line, fn)

    def write(self):
        """The C program, and the lines of commands it could not express (runner: FAIL)."""
        unsupported = {}
        registry = {}
        for i, c in enumerate(self.plan.commands):
            if c["type"] == "register":
                registry[c["as"]] = c["_registered"]
                continue
            if not countable(c):
                continue
            if c["type"] == "assert_unlinkable" and not c["_unlinkable"].linked:
                continue  # decided by the runner: translation, compile or link failed
            broken = c.get("_module") or c.get("_target")
            if broken is not None and broken.failed:
                unsupported[c["line"]] = "%s: module at line %d did not translate: %s" % (
                    c["type"], broken.line, broken.failed)
                continue
            try:
                self.calls.append(self.command(i, c, registry))
            except (Unsupported, KeyError) as e:
                unsupported[c["line"]] = "%s: cannot run here: %s" % (c["type"], e)
        out = ["/* Generated by tests/spec/spec_codegen.py from %s: do not edit. */" %
               self.plan.script,
               "#include <stddef.h>", "#include <stdint.h>", "#include <string.h>",
               '#include "harness.h"', '#include "spectest.h"',
               "#include <simde/wasm/simd128.h>",
               "#ifndef WASM_RT_SIMD_TYPE_DEFINED", "#define WASM_RT_SIMD_TYPE_DEFINED",
               "typedef simde_v128_t v128;", "#endif"]
        out += ['#include "%s.h"' % m.stem for m in self.plan.modules if not m.failed]
        out += ['#include "%s.h"' % u.stem for u in self.plan.unlinkables if u.linked]
        out += ["",
                "static inline v128 v128_make(uint64_t lo, uint64_t hi) {",
                "  v128 v;", "  memcpy(&v, &lo, 8);", "  memcpy((char *)&v + 8, &hi, 8);",
                "  return v;", "}", ""]
        out += ["static w2c_%s %s;" % (m.prefix, m.var) for m in self.plan.modules
                if not m.failed]
        out.append("")
        out += self.bodies
        out.append("int main(void) {")
        out += ["  " + s for s in self.calls]
        out += ["  return 0;", "}", ""]
        return "\n".join(out), unsupported


def c_string(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def instance_vars(registry):
    """mangled module name -> `&instance` for what the script registered, and spectest."""
    by_prefix = {mangle(name, module=True): "&" + m.var for name, m in registry.items()}
    by_prefix["spectest"] = "&spectest_instance"
    return by_prefix


def imported_instances(header, prefix, registry):
    """The instances a module's instantiate takes after its own, in the order of its
    wasm2c prototype: `&spectest_instance`, `&modN_instance` for registered modules, and the
    bare struct name for a module nobody registered."""
    proto = re.search(r"void wasm2c_%s_instantiate\(([^)]*)\);" % re.escape(prefix), header)
    if not proto:
        raise Unsupported("no wasm2c_%s_instantiate in the wasm2c header" % prefix)
    by_prefix = instance_vars(registry)
    args = []
    for param in proto.group(1).split(",")[1:]:
        imported = re.match(r"\s*struct w2c_(\w+)\s*\*", param)
        name = imported.group(1) if imported else param.strip()
        args.append(by_prefix.get(name, name))
    return args


def write_program(plan, headers):
    return ProgramWriter(plan, headers).write()


def limit_constants(c_text, prefix):
    """An assert_unlinkable module's import limits, from its wasm2c .c:
    `const u64 wasm2c_<U>_min_<import> = 1;` -> {"min_<import>": "1"}."""
    return {m.group(1): m.group(2) for m in re.finditer(
        r"^const u(?:8|32|64) wasm2c_%s_((?:min|max|is64|pagesize)_\w+) = (\d+);" %
        re.escape(prefix), c_text, re.M)}


def write_link_check(plan, unlinkable, headers):
    """A program that must fail to compile or link if an import of an assert_unlinkable
    module does not exist or has the wrong kind or C type: it includes the headers of
    spectest and of every module of the script with the unlinkable's, and takes the address
    of every import the unlinkable declares. Registered modules are translated under their
    registration names, so an import resolves exactly to the module registered under its
    module name (an import from a name nobody registered stays undefined)."""
    out = ["/* Link check for %s:%d (assert_unlinkable). */" % (plan.script, unlinkable.line),
           "#include <stddef.h>", '#include "harness.h"', '#include "spectest.h"']
    out += ['#include "%s.h"' % m.stem for m in plan.modules if not m.failed]
    out.append('#include "%s.h"' % unlinkable.stem)
    header = headers[unlinkable.stem]
    registered = instance_vars(unlinkable.registry)
    modules = re.findall(r"^struct w2c_(\w+);$", header, re.M)
    unknown = [m for m in modules if m not in registered]
    # Every import the header declares must resolve, used or not (wasm2c only references
    # the imports the code uses; an embedder must still provide all of them).
    imports = re.findall(r"^extern [^\n]*?\b(w2c_\w+)\(", header, re.M)
    imports += re.findall(r"/\* import: [^\n]*\*/\n[^\n]*?\b(w2c_\w+)\(", header)
    imports += re.findall(r"^extern const wasm_rt_tag_t (w2c_\w+);", header, re.M)
    out += ["static void *const declared_imports[] = {%s};" %
            ", ".join(["(void *)&%s" % s for s in imports] + ["NULL"]),
            "int main(void) {",
            "  (void)*(void *volatile *)declared_imports;"]
    out += ["  /* imports from %s, which is not registered */" % m for m in unknown]
    out += ["  return %d;" % (1 if unknown else 0), "}", ""]
    return "\n".join(out), bool(unknown)
