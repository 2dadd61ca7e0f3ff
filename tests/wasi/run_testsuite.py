#!/usr/bin/env python3
"""Runs the official WASI conformance suite (wasi-testsuite, preview1) against a runtime.

usage: run_testsuite.py [--runtime wasmaot|node|wasmtime|wazero] [--runtime-path PATH]
                        [--suite DIR] [--scratch DIR] [--cache DIR] [--jobs N]
                        [--expected-failures FILE] [--timeout SECONDS] [--only REGEX]
                        [--build-opt=OPT ...] [SUBDIR ...]

Each NAME.wasm in the suite's c/ and rust/ folders (or the SUBDIRs given) is one test, run by
the suite's own rules (its README restates them):
  - NAME.json, when present, is the spec: args ([]), env ({}), root (none), exit_code (0),
    stdout and stderr (compared exactly, only when given);
  - env is the guest's whole environment; args follow argv[0];
  - root is pre-opened as the guest's "/" from a fresh, writable copy made for this test
    alone in the scratch dir, after deleting any *.cleanup files;
  - 5 seconds per test.
Prints one line per test and a final line "N passed, M failed" (", K expected failures" when
some tests failed as listed in --expected-failures). Exit status: 0 when every test passed or failed as
expected; 1 on an unexpected failure or an unexpected pass (a fixed test must leave the list);
2 on bad usage or a missing runtime. With --runtime wasmtime/wazero/node and no such program,
says so and exits 0 without running anything (skipped).

Runtimes (one adapter each, below): wasmaot (`wasmaot run`, cache in --cache), node (node:wasi
through bench/wasi-launcher.mjs), wasmtime and wazero (their `run` commands).
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_SUITE = os.path.join(REPO, "..", "shared", "testdata", "wasi-testsuite")
TRANSLATE_TIMEOUT = 600  # seconds for wasmaot's one-off translation of a module


class Adapter:
    """How to run one module with one runtime. `command` returns the argv for a test."""

    name = "?"

    def __init__(self, path, args):
        self.path = path
        self.args = args

    def env(self):
        return None  # the runner's own environment for the runtime process itself

    def prepare(self, wasm):
        """One-off work per module outside the timed run; returns an error string or None."""
        return None

    def command(self, wasm, args, env, root):
        raise NotImplementedError


class Wasmaot(Adapter):
    name = "wasmaot"

    def env(self):
        e = dict(os.environ)
        e["WASMAOT_CACHE"] = self.args.cache
        return e

    def prepare(self, wasm):
        # Translation (wasm2c + gcc) takes seconds and happens once per module; the suite's
        # 5 s limit is meant for running the test. So fill the cache first, without running
        # the guest: `wasmaot run -v` names the cache entry on its first line, and once that
        # file exists (wasmaot moves it into place whole) the process is killed before, or
        # just as, it execs the guest. A guest that does start has no directory, no
        # environment and no stdin, and its output is discarded.
        cmd = [self.path, "run", "-v"] + self.args.build_opt + [wasm]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=self.env(), cwd=self.args.scratch,
                                start_new_session=True)
        try:
            first = proc.stderr.readline().decode(errors="replace")
            m = re.match(r"wasmaot: cache (?:hit|miss, translating into) (\S+)", first)
            if not m:
                proc.wait(timeout=TRANSLATE_TIMEOUT)
                rest = proc.stderr.read().decode(errors="replace")
                return "translation failed: " + (first + rest).strip()
            deadline = time.monotonic() + TRANSLATE_TIMEOUT
            while not os.path.exists(m.group(1)):
                if proc.poll() is not None:
                    rest = proc.stderr.read().decode(errors="replace")
                    return "translation failed: " + rest.strip()
                if time.monotonic() > deadline:
                    return "translation timed out"
                time.sleep(0.05)
            return None
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            proc.stderr.close()

    def command(self, wasm, args, env, root):
        cmd = [self.path, "run"] + self.args.build_opt + [wasm]
        if root:
            cmd += ["--dir", root + "::/"]
        for k, v in env.items():
            cmd += ["--env", f"{k}={v}"]
        return cmd + ["--"] + args


class Node(Adapter):
    name = "node"

    def command(self, wasm, args, env, root):
        cmd = [self.path, "--no-warnings", os.path.join(HERE, "../../bench/wasi-launcher.mjs")]
        if root:
            cmd += ["--dir", root + "::/"]
        for k, v in env.items():
            cmd += ["--env", f"{k}={v}"]
        return cmd + [wasm, "--"] + args


class Wasmtime(Adapter):
    name = "wasmtime"

    def command(self, wasm, args, env, root):
        cmd = [self.path, "run"]
        if root:
            cmd += ["--dir", root + "::/"]
        for k, v in env.items():
            cmd += ["--env", f"{k}={v}"]
        return cmd + [wasm] + args


class Wazero(Adapter):
    name = "wazero"

    def command(self, wasm, args, env, root):
        cmd = [self.path, "run"]
        if root:
            cmd += ["-mount", root + ":/"]
        for k, v in env.items():
            cmd += ["-env", f"{k}={v}"]
        return cmd + [wasm, "--"] + args


ADAPTERS = {a.name: a for a in (Wasmaot, Node, Wasmtime, Wazero)}


def load_spec(wasm):
    spec = {"args": [], "env": {}, "root": None, "exit_code": 0}
    json_path = wasm[: -len(".wasm")] + ".json"
    if os.path.exists(json_path):
        with open(json_path) as f:
            spec.update(json.load(f))
    return spec


def fresh_root(suite_dir, root, scratch):
    """A writable copy of the test's root directory, with *.cleanup files deleted."""
    dest = os.path.join(scratch, "root")
    shutil.copytree(os.path.join(suite_dir, root), dest, symlinks=True)
    for dirpath, dirnames, filenames in os.walk(dest):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            full = os.path.join(dirpath, f)
            if f.endswith(".cleanup"):
                os.remove(full)
            elif not os.path.islink(full):
                os.chmod(full, 0o644)
    return dest


def explain(stderr):
    """The informative part of a failed test's stderr: a Rust panic's message (the line after
    "panicked at"), a C assertion, else the last lines."""
    lines = [l for l in stderr.splitlines() if l.strip()]
    for i, line in enumerate(lines):
        if "panicked at" in line and i + 1 < len(lines):
            return lines[i + 1].strip()
        if "Assertion" in line:
            return line.strip()
    return " | ".join(lines[-3:])


def run_one(adapter, args, suite_dir, wasm_name):
    """Runs one test; returns (ok, seconds, reason)."""
    wasm = os.path.join(suite_dir, wasm_name)
    test_id = os.path.relpath(wasm, args.suite)[: -len(".wasm")]
    spec = load_spec(wasm)
    scratch = os.path.join(args.scratch, adapter.name, test_id)
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    err = adapter.prepare(wasm)
    if err:
        return False, 0.0, err
    root = fresh_root(suite_dir, spec["root"], scratch) if spec["root"] else None
    cmd = adapter.command(wasm, [str(a) for a in spec["args"]],
                          {str(k): str(v) for k, v in spec["env"].items()}, root)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=scratch, env=adapter.env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, errout = proc.communicate(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return False, time.monotonic() - start, f"timed out after {args.timeout} s"
    took = time.monotonic() - start
    out, errout = out.decode(errors="replace"), errout.decode(errors="replace")
    reasons = []
    if proc.returncode != spec["exit_code"]:
        reasons.append(f"exit code {proc.returncode}, expected {spec['exit_code']}")
    if "stdout" in spec and out != spec["stdout"]:
        reasons.append(f"stdout {out!r}, expected {spec['stdout']!r}")
    if "stderr" in spec and errout != spec["stderr"]:
        reasons.append(f"stderr {errout!r}, expected {spec['stderr']!r}")
    if reasons and errout.strip():
        reasons.append("stderr: " + explain(errout))
    if not reasons:
        shutil.rmtree(scratch, ignore_errors=True)  # keep only what explains a failure
    return not reasons, took, "; ".join(reasons)


def load_expected_failures(path):
    expected = {}
    if not path:
        return expected
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                name, _, reason = line.partition(" ")
                expected[name] = reason.strip()
    return expected


def find_runtime(args):
    if args.runtime_path:
        return args.runtime_path
    if args.runtime == "wasmaot":
        built = os.path.join(REPO, "build", "bin", "wasmaot")
        return built if os.path.exists(built) else shutil.which("wasmaot")
    local = os.path.join(REPO, ".runtimes", "bin", args.runtime)
    return local if os.path.exists(local) else shutil.which(args.runtime)


def main():
    ap = argparse.ArgumentParser(
        description="Run the official wasi-testsuite (preview1) against a WASI runtime.")
    ap.add_argument("subdirs", nargs="*", default=["c", "rust"],
                    help="suite folders to run (default: c rust)")
    ap.add_argument("--runtime", choices=sorted(ADAPTERS), default="wasmaot")
    ap.add_argument("--runtime-path", help="the runtime's executable (default: found on PATH, "
                    "in .runtimes/bin, or build/bin for wasmaot)")
    ap.add_argument("--suite", default=DEFAULT_SUITE, help="the wasi-testsuite folder")
    ap.add_argument("--scratch", default=os.path.join(REPO, "build", "wasi-testsuite-scratch"),
                    help="where fresh fixture copies go (failed tests' copies are kept)")
    ap.add_argument("--cache", help="wasmaot's translation cache (default: SCRATCH/../wasi-cache)")
    ap.add_argument("--build-opt", action="append", default=[], metavar="OPT",
                    help="a wasmaot build option for `wasmaot run` (repeatable), e.g. "
                    "--build-opt=--sanitize --build-opt=-O0")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds per test (default 5)")
    ap.add_argument("--expected-failures", help="file of `suite/name reason` lines")
    ap.add_argument("--only", help="run only tests whose suite/name matches this regex")
    args = ap.parse_args()

    args.suite = os.path.abspath(args.suite)
    args.scratch = os.path.abspath(args.scratch)
    args.cache = os.path.abspath(args.cache or os.path.join(args.scratch, "..", "wasi-cache"))
    if not os.path.isdir(args.suite):
        print(f"run_testsuite: no suite at {args.suite}", file=sys.stderr)
        return 2
    path = find_runtime(args)
    if not path or not os.path.exists(path) and not shutil.which(path):
        if args.runtime == "wasmaot":
            print("run_testsuite: wasmaot not found (build it, or give --runtime-path)",
                  file=sys.stderr)
            return 2
        print(f"run_testsuite: {args.runtime} is not installed (not on PATH nor in "
              f".runtimes/bin); skipped")
        return 0
    os.makedirs(args.scratch, exist_ok=True)
    adapter = ADAPTERS[args.runtime](os.path.abspath(path) if os.path.exists(path) else path,
                                     args)

    tests = []
    for sub in args.subdirs:
        folder = os.path.join(args.suite, sub)
        for f in sorted(os.listdir(folder)):
            if f.endswith(".wasm") and (not args.only or re.search(args.only, f"{sub}/{f}")):
                tests.append((folder, f))
    expected = load_expected_failures(args.expected_failures)

    passed = failed = xfailed = 0
    unexpected = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_one, adapter, args, folder, f) for folder, f in tests]
        for (folder, f), fut in zip(tests, futures):
            test_id = f"{os.path.basename(folder)}/{f[:-5]}"
            ok, took, reason = fut.result()
            if ok and test_id in expected:
                passed += 1
                unexpected.append(test_id)
                print(f"PASS  {test_id} ({took:.2f} s) -- UNEXPECTED: listed as expected "
                      f"failure; remove it from the list")
            elif ok:
                passed += 1
                print(f"PASS  {test_id} ({took:.2f} s)")
            elif test_id in expected:
                xfailed += 1
                print(f"XFAIL {test_id}: {reason} (expected: {expected[test_id]})")
            else:
                failed += 1
                unexpected.append(test_id)
                print(f"FAIL  {test_id}: {reason}")
            sys.stdout.flush()
    summary = f"{passed} passed, {failed} failed"
    if xfailed:
        summary += f", {xfailed} expected failures"
    print(summary)
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
