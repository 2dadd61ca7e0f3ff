"""One spec script (wast2json's JSON) -> one C test program for harness.c.

Two steps, because the C needs the modules' wasm2c headers:
  plan = plan_script(json)          # which modules to translate, under which wasm2c names
  ... translate every plan.modules[i] with `wasmaot compile-guest` ...
  c_text = write_program(plan, headers)

Naming. wasm2c 1.0.32 resolves an import (module M, field F) as the C symbol Z_<M>Z_<F>, and
a module translated with `-n N` exports field F as Z_<N>Z_<F>. So a module the script
registers as R is translated with `-n R`: its exports are then exactly the symbols its
importers call, and `register` needs no glue. Other modules are named m<index>.
"""

import os
import re
from dataclasses import dataclass, field

MODULE_KINDS = {"module", "assert_uninstantiable"}

C_TYPES = {"i32": "uint32_t", "i64": "uint64_t", "f32": "float", "f64": "double",
           "externref": "wasm_rt_externref_t", "funcref": "wasm_rt_funcref_t"}
# wasm2c's letters for multi-value result structs: struct wasm_multi_<letters> { <letter><i> }.
MULTI_LETTERS = {"i32": "i", "i64": "j", "f32": "f", "f64": "d", "externref": "e",
                 "funcref": "r"}


class Unsupported(Exception):
    """A command this runner cannot express; reported as a failure with this reason."""


def mangle(name):
    """wasm2c 1.0.32's MangleName: Z_ then the UTF-8 bytes, anything but [A-Za-z0-9_] (and
    'Z' itself) escaped as Z<hex>."""
    out = ["Z_"]
    for byte in name.encode("utf-8"):
        c = chr(byte)
        if (c.isascii() and c.isalnum() and c != "Z") or c == "_":
            out.append(c)
        else:
            out.append("Z%02X" % byte)
    return "".join(out)


@dataclass
class Module:
    index: int
    wasm: str          # path of the .wasm
    wasm2c_name: str   # the -n given to wasm2c
    line: int

    @property
    def stem(self):
        return "mod%d" % self.index

    @property
    def var(self):
        return "mod%d_instance" % self.index

    @property
    def prefix(self):
        return mangle(self.wasm2c_name)


@dataclass
class Unlinkable:
    index: int
    wasm: str
    line: int
    registry: dict  # registration name -> Module, as registered when the command runs

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
                                              "assert_exhaustion", "assert_unlinkable"}


# ---- values -----------------------------------------------------------------------------------

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
    if t == "externref":
        return "(wasm_rt_externref_t)NULL" if value == "null" else "spec_externref(%s)" % value
    if t == "funcref" and value == "null":
        return "wasm_rt_funcref_null_value"
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
    if t == "externref":
        if value is None:
            return "check_ref_nonnull(%d, %s);" % (index, got)
        want = "NULL" if value == "null" else "spec_externref(%s)" % value
        return "check_externref(%d, %s, %s);" % (index, got, want)
    if t == "funcref":
        if value in (None, "null"):
            return "check_funcref_null(%d, %s, %d);" % (index, got, value == "null")
    raise Unsupported("result of type %s = %s" % (t, value))


# ---- the program ------------------------------------------------------------------------------

class ProgramWriter:
    def __init__(self, plan, headers):
        self.plan = plan
        self.headers = headers  # module index -> header text
        self.bodies = []        # C function definitions
        self.calls = []         # statements of main()

    def export_symbol(self, module, field_name):
        symbol = module.prefix + mangle(field_name)
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
        symbol = self.export_symbol(target, action["field"])
        if action["type"] == "get":
            return "*%s(&%s)" % (symbol, target.var)
        args = ["&" + target.var] + [c_arg(a) for a in action.get("args", [])]
        return "%s(%s)" % (symbol, ", ".join(args))

    def body(self, name, statements):
        self.bodies.append("static void %s(void) {\n%s}\n" %
                           (name, "".join("  %s\n" % s for s in statements)))
        return name

    def command(self, i, c, registry):
        kind, line = c["type"], c["line"]
        fn = "cmd_%d" % i
        if kind in MODULE_KINDS:
            m = c["_module"]
            self.body(fn, ["%s_init_module();" % m.prefix,
                           "%s_instantiate(%s);" % (m.prefix,
                                                    ", ".join(self.instantiate_args(m, registry)))])
            if kind == "module":
                return "spec_module(%d, %s);" % (line, fn)
            return "spec_assert_uninstantiable(%d, %s, %s);" % (line, fn, c_string(c["text"]))
        call = self.action_call(c["action"], c["_target"])
        if kind == "assert_return":
            expected = c["expected"]
            if not expected:
                self.body(fn, [call + ";"])
            elif len(expected) == 1:
                self.body(fn, ["%s r = %s;" % (C_TYPES[expected[0]["type"]], call),
                               c_check(0, "r", expected[0])])
            else:
                letters = "".join(MULTI_LETTERS[v["type"]] for v in expected)
                self.body(fn, ["struct wasm_multi_%s r = %s;" % (letters, call)] +
                          [c_check(k, "r.%s%d" % (letters[k], k), v)
                           for k, v in enumerate(expected)])
            return "spec_assert_return(%d, %s);" % (line, fn)
        self.body(fn, ["(void)%s;" % call])
        if kind == "action":
            return "spec_action(%d, %s);" % (line, fn)
        if kind == "assert_trap":
            return "spec_assert_trap(%d, %s, %s);" % (line, fn, c_string(c["text"]))
        return "spec_assert_exhaustion(%d, %s);" % (line, fn)

    def write(self):
        """The C program, and the lines of commands it could not express (runner: FAIL)."""
        unsupported = {}
        registry = {}
        for i, c in enumerate(self.plan.commands):
            if c["type"] == "register":
                registry[c["as"]] = c["_registered"]
                continue
            if not countable(c) or c["type"] == "assert_unlinkable":
                continue
            try:
                self.calls.append(self.command(i, c, registry))
            except (Unsupported, KeyError) as e:
                unsupported[c["line"]] = "%s: cannot run here: %s" % (c["type"], e)
        out = ["/* Generated by tests/spec/spec_codegen.py from %s: do not edit. */" %
               self.plan.script,
               "#include <stddef.h>", "#include <stdint.h>",
               '#include "harness.h"', '#include "spectest.h"']
        out += ['#include "%s.h"' % m.stem for m in self.plan.modules]
        out.append("")
        out += ["static %s_instance_t %s;" % (m.prefix, m.var) for m in self.plan.modules]
        out.append("")
        out += self.bodies
        out.append("int main(void) {")
        out += ["  " + s for s in self.calls]
        out += ["  return 0;", "}", ""]
        return "\n".join(out), unsupported


def c_string(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def imported_instances(header, prefix, registry):
    """The instances a module's _instantiate takes after its own, in the order of its
    wasm2c prototype: `&spectest_instance`, `&modN_instance` for registered modules, and the
    bare struct name for a module nobody registered."""
    proto = re.search(r"void %s_instantiate\(([^)]*)\);" % re.escape(prefix), header)
    if not proto:
        raise Unsupported("no %s_instantiate in the wasm2c header" % prefix)
    by_prefix = {mangle(name): "&" + m.var for name, m in registry.items()}
    by_prefix["Z_spectest"] = "&spectest_instance"
    args = []
    for param in proto.group(1).split(",")[1:]:
        imported = re.match(r"\s*struct (\w+)_instance_t\s*\*", param)
        name = imported.group(1) if imported else param.strip()
        args.append(by_prefix.get(name, name))
    return args


def write_program(plan, headers):
    return ProgramWriter(plan, headers).write()


def write_link_check(plan, unlinkable, headers):
    """A program that instantiates an assert_unlinkable module against the instances
    registered at that point, for the runner to compile and link. Compiling or linking must
    fail: the C types of wasm2c's import declarations (function signatures, global types,
    memory vs table) and undefined symbols (unknown imports) are what can catch it."""
    registry = unlinkable.registry
    used = sorted({m.index: m for m in registry.values()}.values(), key=lambda m: m.index)
    out = ["/* Link check for %s:%d (assert_unlinkable). */" % (plan.script, unlinkable.line),
           "#include <stddef.h>", '#include "spectest.h"']
    out += ['#include "%s.h"' % m.stem for m in used]
    out.append('#include "%s.h"' % unlinkable.stem)
    out += ["static %s_instance_t %s;" % (m.prefix, m.var) for m in used]
    prefix = mangle(unlinkable.wasm2c_name)
    # Modules nobody registered get NULL: the link then fails on their symbols.
    args = ["&instance"] + [a if a.startswith("&") else "NULL" for a in
                            imported_instances(headers[unlinkable.stem], prefix, registry)]
    # Every import the header declares must resolve, used or not (wasm2c only references
    # the imports the code calls; an embedder must still provide all of them).
    imports = re.findall(r"^extern [^\n]*?\b(Z_\w+)\(", headers[unlinkable.stem], re.M)
    imports += re.findall(r"/\* import: [^\n]*\*/\n[^\n]*?\b(Z_\w+)\(",
                          headers[unlinkable.stem])
    out += ["static %s_instance_t instance;" % prefix,
            "static void *const declared_imports[] = {%s};" %
            ", ".join(["(void *)&%s" % s for s in imports] + ["NULL"]),
            "int main(void) {",
            "  (void)*(void *volatile *)declared_imports;",
            "  %s_init_module();" % prefix,
            "  %s_instantiate(%s);" % (prefix, ", ".join(args)),
            "  return 0;", "}", ""]
    return "\n".join(out)
