#!/usr/bin/env python3
"""`wasmaot info --json [build options]`: the machine-readable description tools rely on.

For the default build and a few option sets, checks that the output is one JSON object with
the documented keys, that every path it names exists (share_dir, wasm2c, the host main's
source, the runtime libraries), that `wasm2c.version` is what that wasm2c says, that
`guest_cflags` is exactly what `wasmaot cflags` prints, and that the resolved options are
the ones asked for. Then it rebuilds a module from `wasmaot build --keep-c DIR`'s files with
nothing but the JSON's `commands` (guest_compile, host_compile, link) and checks that the
result prints what `wasmaot build`'s own executable prints.

    info_json_test.py --wasmaot build/bin/wasmaot --wasm build/workloads/hello.wasm --work DIR
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

KEYS = {"version", "share_dir", "wasm2c", "defaults", "options", "guest_cflags", "host_main",
        "link_libraries", "commands", "placeholders", "generated_files", "after_wasm2c",
        "quick_tier"}
OPTION_SETS = [
    [],
    ["--bounds", "check"],
    ["--cc", "gcc", "-O1", "--bounds", "guard"],
    ["--sanitize"],
    ["--unknown-imports", "trap"],
    ["--tier", "quick"],
    ["--tier", "quick", "--bounds", "check"],
]


def run(argv, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit("FAIL: %s: exit %d: %s" % (" ".join(argv), p.returncode, p.stderr.strip()))
    return p.stdout


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)


def fill(argv, **values):
    out = []
    for a in argv:
        for k, v in values.items():
            a = a.replace("{%s}" % k, v)
        out.append(a)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasmaot", required=True)
    ap.add_argument("--wasm", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)

    for options in OPTION_SETS:
        info = json.loads(run([a.wasmaot, "info", "--json"] + options))
        what = "info --json %s" % " ".join(options)
        check(KEYS <= set(info), "%s: keys missing: %s" % (what, KEYS - set(info)))
        for path in [info["share_dir"], info["wasm2c"]["path"], info["host_main"]["source"]] + [
                lib for lib in info["link_libraries"] if lib.startswith("/")]:
            check(os.path.exists(path), "%s: %s does not exist" % (what, path))
        version = run([info["wasm2c"]["path"], "--version"]).strip()
        check(info["wasm2c"]["version"] == version,
              "%s: wasm2c.version %r, wasm2c says %r" % (what, info["wasm2c"]["version"], version))
        cflags = run([a.wasmaot, "cflags"] + options).splitlines()
        check(info["guest_cflags"] == cflags, "%s: guest_cflags differ from wasmaot cflags" % what)
        o = info["options"]
        if "--cc" in options:
            check(o["cc"] == options[options.index("--cc") + 1], what + ": cc")
        if "-O1" in options:
            check(o["opt_level"] == 1, what + ": opt_level")
        if "--bounds" in options:
            check(o["bounds"] == options[options.index("--bounds") + 1], what + ": bounds")
        if "--sanitize" in options:
            check(o["sanitize"] is True and o["effective_bounds"] == "check", what + ": sanitize")
        if not options:
            d = info["defaults"]["guard"]
            check((o["cc"], o["opt_level"]) == (d["cc"], d["opt_level"]), what + ": defaults")
        lib = [l for l in info["link_libraries"] if "libwasmaot-rt-" in l]
        check(len(lib) == 1 and ("-" + o["effective_bounds"]) in lib[0], what + ": runtime library")
        for name in ("wasm2c", "guest_compile", "host_compile", "link"):
            check(isinstance(info["commands"].get(name), list), "%s: commands.%s" % (what, name))
        # The quick tier's compiler: tcc (then its guest command and libtcc1.a) when installed.
        q = info["quick_tier"]
        tcc = shutil.which("tcc") is not None
        check(q["compiler"] == ("tcc" if tcc else q["fallback"]["cc"]),
              "%s: quick_tier.compiler %r with tcc %s" % (what, q["compiler"],
                                                          "installed" if tcc else "missing"))
        if "quick" in options and tcc:
            check(info["guest_cflags"][0] == "tcc", what + ": guest compiler is not tcc")
            check(q["libtcc1"] in info["link_libraries"], what + ": libtcc1.a not linked")
            check("data_assemble" in info["commands"], what + ": no data_assemble command")
        print("ok: %s" % what)

    # Rebuild from --keep-c's files with the JSON's commands only.
    for options in ([], ["--bounds", "check"], ["--tier", "quick"]):
        keep = os.path.join(a.work, "keep" + "".join(options))
        ref = os.path.join(a.work, "ref" + "".join(options))
        run([a.wasmaot, "build", a.wasm, "-o", ref, "--keep-c", keep] + options)
        info = json.loads(run([a.wasmaot, "info", "--json"] + options))
        for f in ("guest.c", "guest.h", "guest_glue.h"):
            check(os.path.exists(os.path.join(keep, f)), "--keep-c did not keep " + f)
        out = os.path.join(a.work, "rebuilt" + "".join(options))
        steps = ["guest_compile", "host_compile", "link"]
        if "data_assemble" in info["commands"]:  # tcc's data segments: assembled on their own
            steps.insert(1, "data_assemble")
        for step in steps:
            run(fill(info["commands"][step], dir=keep, out=out))
        expected = run([ref])
        check(run([out]) == expected, "rebuilt executable prints something else")
        print("ok: rebuilt %s from --keep-c files and commands (%s)" % (
            os.path.basename(a.wasm), " ".join(options) or "default"))


if __name__ == "__main__":
    main()
