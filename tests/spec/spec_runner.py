#!/usr/bin/env python3
"""The WebAssembly core spec scripts through wasmaot's translation, one configuration a run.

For each script: wast2json -> JSON + one .wasm per module; every module is translated and
compiled by `wasmaot compile-guest` (the same wasm2c run, data-segment handling and compiler
flags as `wasmaot build`, for the build options given after --); spec_codegen.py writes one C
program that instantiates the modules against the `spectest` host module and checks every
command; harness.c runs each command under wasm_rt_impl_try, so traps are recoverable.

    spec_runner.py --wasmaot build/bin/wasmaot --harness-lib LIB --work DIR -- -O2 --bounds guard

Prints `SCRIPT: passed/total` per script, then the failures, then exactly
`N passed, M failed, K skipped`. assert_invalid and assert_malformed are skipped (wasm2c is
not a validator we test here), counted and reported. Exit status 0 only if the failures are
exactly those listed for this configuration in expected-failures.txt.
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys

import spec_codegen

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL_TIMEOUT = 600  # seconds, per compiler or test-program run: a hang guard, not a benchmark


class ScriptResult:
    def __init__(self, name):
        self.name = name
        self.results = {}  # line -> (ok, description)
        self.skipped = {}  # kind -> count

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
        cc = shutil.which("clang") or guest[0]
        self.cflags = ([cc, "-O0", "-I" + args.harness_include] +
                       [f for f in guest if f.startswith(("-D", "-I"))])

    def translate(self, wasm, name, obj):
        return run([self.args.wasmaot, "compile-guest", wasm, "-n", name, "-o", obj] +
                   self.args.build_options)

    def script(self, name):
        res = ScriptResult(name)
        work = os.path.join(self.args.work, name)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        json_path = os.path.join(work, name + ".json")
        ok, why = run(["wast2json", os.path.join(self.args.suite, name + ".wast"), "-o",
                       json_path])
        if not ok:
            res.record(0, False, "wast2json: " + why)
            return res
        try:
            plan = spec_codegen.plan_script(name + ".wast", json_path)
        except spec_codegen.Unsupported as e:
            res.record(0, False, "cannot plan the script: %s" % e)
            return res
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
                return fail_all("module at line %d did not translate: %s" % (m.line, why))
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
        objects = [os.path.join(work, m.stem + ".o") for m in plan.modules]
        ok, why = run(self.cflags + ["-c", test_c, "-o", test_c[:-2] + ".o"])
        if ok:
            ok, why = run([self.cflags[0], test_c[:-2] + ".o"] + objects +
                          [self.args.harness_lib, "-lm", "-o", os.path.join(work, "test")])
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
        the script registered (see spec_codegen.write_link_check)."""
        obj = os.path.join(work, u.stem + ".o")
        ok, why = self.translate(u.wasm, u.wasm2c_name, obj)
        if not ok:
            res.record(u.line, True, "rejected by translation: " + why)
            return
        with open(os.path.join(work, u.stem + ".h"), encoding="utf-8") as f:
            headers[u.stem] = f.read()
        check_c = os.path.join(work, u.stem + "_link.c")
        with open(check_c, "w", encoding="utf-8") as f:
            f.write(spec_codegen.write_link_check(plan, u, headers))
        providers = sorted({m.index: m for m in u.registry.values()}.values(),
                           key=lambda m: m.index)
        ok, _ = run(self.cflags + ["-c", check_c, "-o", check_c[:-2] + ".o"])
        if ok:
            ok, _ = run([self.cflags[0], check_c[:-2] + ".o", obj] +
                        [os.path.join(work, m.stem + ".o") for m in providers] +
                        [self.args.harness_lib, "-lm", "-o", check_c[:-2]])
        res.record(u.line, not ok, "" if not ok else
                   "assert_unlinkable: linked; the mismatch is not visible in wasm2c's C "
                   "declarations (limits or mutability)")


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


def config_name(guest):
    """gcc-O2-guard etc., from what wasmaot will really do (defaults resolved): its guest
    command's compiler, -O level and bounds mode."""
    opt = next(f[1:] for f in guest if re.fullmatch(r"-O[0-3]", f))
    bounds = "guard" if "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1" in guest else "check"
    return "%s-%s-%s" % (guest[0], opt, bounds)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", help="a build directory: gives the defaults of --wasmaot, "
                    "--harness-lib and --work")
    ap.add_argument("--wasmaot")
    ap.add_argument("--harness-lib", help="libspec-harness-{guard,check}.a, matching --bounds")
    ap.add_argument("--harness-include", default=HERE)
    ap.add_argument("--suite", default=os.path.join(HERE, "../../../shared/testdata/spec-testsuite"))
    ap.add_argument("--work", help="scratch directory (created)")
    ap.add_argument("--expected-failures", default=os.path.join(HERE, "expected-failures.txt"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--scripts", nargs="*", help="script names (default: all)")
    ap.add_argument("build_options", nargs="*", help="after --: wasmaot build options")
    args = ap.parse_args()
    if args.build:
        args.wasmaot = args.wasmaot or os.path.join(os.path.abspath(args.build), "bin/wasmaot")
    if not args.wasmaot:
        raise SystemExit("spec_runner: give --build or --wasmaot")
    guest = guest_cflags(args.wasmaot, args.build_options)
    config = config_name(guest)
    if args.build:
        b = os.path.abspath(args.build)
        args.harness_lib = args.harness_lib or os.path.join(
            b, "tests/spec/libspec-harness-%s.a" % config.rsplit("-", 1)[1])
        args.work = args.work or os.path.join(b, "tests/spec", config)
    if not (args.wasmaot and args.harness_lib and args.work):
        ap.error("give --build, or all of --wasmaot, --harness-lib and --work")
    args.suite = os.path.abspath(args.suite)
    args.work = os.path.abspath(args.work)
    names = args.scripts or sorted(f[:-5] for f in os.listdir(args.suite) if f.endswith(".wast"))
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
        print("%s.wast: %d/%d%s" % (r.name, r.passed, total, ", %d skipped" % ns if ns else ""))
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
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if unexpected or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
