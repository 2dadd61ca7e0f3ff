"""Unit tests of the bench harness (bench/): the references it verifies against, the launcher
it measures with, how it ranks, and that its writes are atomic. No timing is asserted."""

import hashlib
import io
import json
import os
import tarfile
import subprocess
import sys
import tempfile
import unittest
import zlib
from datetime import datetime, timezone

BENCH = os.environ.get("BENCH_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "bench")
sys.path.insert(0, os.path.abspath(BENCH))

import bench  # noqa: E402
import measure  # noqa: E402
import programs  # noqa: E402
import realprogs  # noqa: E402
import report  # noqa: E402
import tables  # noqa: E402
import workloads  # noqa: E402
from serve import section as serve_section  # noqa: E402


def openssl_chain(rounds):
    """The cpu-hash chain through the openssl command line: an implementation independent of hashlib's API."""
    buf = b"hello".ljust(32, b"\0")
    for _ in range(rounds):
        buf = subprocess.run(["openssl", "dgst", "-sha256", "-binary"], input=buf, capture_output=True,
                             check=True).stdout
    return buf.hex().encode() + b"\n"


def plain_simd_blur(passes, w, h):
    """workloads/simd-blur's definition, one pixel at a time in plain Python (small images only)."""
    def mix(i):
        x = (i * 0x9E3779B1) & 0xFFFFFFFF
        x ^= x >> 15
        x = (x * 0x85EBCA77) & 0xFFFFFFFF
        x ^= x >> 13
        x = (x * 0xC2B2AE3D) & 0xFFFFFFFF
        return x ^ (x >> 16)

    noise = [[mix(y * w + x) >> 24 for x in range(w)] for y in range(h)]
    img = [row[:] for row in noise]
    for p in range(passes):
        t = [[(r[max(x - 1, 0)] + 2 * r[x] + r[min(x + 1, w - 1)] + 2) >> 2 for x in range(w)] for r in img]
        img = [[((t[max(y - 1, 0)][x] + 2 * t[y][x] + t[min(y + 1, h - 1)][x] + 2) >> 2) ^ noise[(y + p) % h][x]
                for x in range(w)] for y in range(h)]
    return b"%08x\n" % zlib.crc32(bytes(v for row in img for v in row))


class References(unittest.TestCase):
    def test_cpu_hash_reference_matches_openssl_cli(self):
        for rounds in (0, 1, 5):
            self.assertEqual(workloads.cpu_hash_reference(rounds), openssl_chain(rounds))

    def test_simd_blur_reference_matches_plain_python(self):
        # numpy's whole-array version against a pixel-by-pixel reading of the same definition,
        # on shapes that hit every edge case (one row, one column, odd widths, passes > height).
        for passes, w, h in ((0, 3, 3), (1, 1, 1), (3, 37, 5), (7, 1, 9), (7, 9, 1), (6, 17, 4)):
            self.assertEqual(workloads.simd_blur_reference(passes, w, h), plain_simd_blur(passes, w, h),
                             (passes, w, h))

    def test_check_rejects_wrong_answers(self):
        wl = workloads.ProcessWorkload("cpu-hash", ["2"], workloads.cpu_hash_reference(2), "")
        good = measure.ProcessSample(1, 1, 0, 1000, 0, workloads.cpu_hash_reference(2), "", False)
        self.assertIsNone(wl.check(good))
        for bad in (dict(stdout=workloads.cpu_hash_reference(3)), dict(exit_code=134, stderr_tail="wasm trap: x"),
                    dict(timed_out=True), dict(stdout=b"")):
            sample = measure.ProcessSample(**{**vars(good), **bad})
            self.assertIsNotNone(wl.check(sample), bad)


class Launcher(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_exit_code_stdout_and_signal(self):
        s = measure.run_process(["sh", "-c", "echo out; exit 3"], {}, self.tmp.name, 30)
        self.assertEqual((s.exit_code, s.stdout, s.timed_out), (3, b"out\n", False))
        s = measure.run_process(["sh", "-c", "kill -KILL $$"], {}, self.tmp.name, 30)
        self.assertEqual(s.exit_code, -9)

    def test_timeout_kills(self):
        s = measure.run_process(["sleep", "30"], {}, self.tmp.name, 1)
        self.assertTrue(s.timed_out)
        self.assertEqual(s.exit_code, -9)

    def test_peak_rss_is_the_commands_own(self):
        # Spawned straight from Python, /bin/true would report the interpreter's peak RSS (tens of MiB).
        s = measure.run_process(["true"], {}, self.tmp.name, 30)
        self.assertLess(s.maxrss_kib, 8 * 1024)
        big = measure.run_process(["python3", "-c", "b = bytearray(64 << 20); b[::4096] = b'x' * len(b[::4096])"],
                                  {}, self.tmp.name, 60)
        self.assertGreater(big.maxrss_kib, 64 * 1024)


def fake_results(cells):
    return {"baseline": "native-gcc", "quick": True, "started_utc": "x", "finished_utc": "y",
            "machine": {"cpu": "c", "cores": 2, "memory_gib": 1, "os": "o", "kernel": "k"},
            "method": ["m"], "tools": {"t": "v"},
            "rows": [{"row": c["row"], "mode": "aot", "title": c["row"], "installed": True, "reason": "", "version": "1"}
                     for c in cells],
            "workloads": [{"name": "w", "kind": "process", "describes": "w"}], "cells": cells}


def cell(row, median, status="verified", reason="", workload="w"):
    s = {"median": median, "min": median, "max": median, "n": 3}
    return {"row": row, "workload": workload, "status": status, "reason": reason, "verified": status == "verified",
            "compile_s": None, "artifact_bytes": None, "note": "", "samples": [],
            "summary": {m: s for m in ("wall_ms", "cpu_ms", "maxrss_kib")} if status != "not installed" else {}}


class Ranking(unittest.TestCase):
    def test_failed_rows_are_never_ranked_nor_given_a_ratio(self):
        results = fake_results([cell("native-gcc", 10.0), cell("fast-but-wrong", 1.0, "FAILED", "wrong output"),
                                cell("slow", 30.0), cell("absent", None, "not installed", "make runtimes")])
        headers, body = tables.process_table(results, "w")
        by_row = {r[1]: dict(zip(headers, r)) for r in body}
        self.assertEqual([r[1] for r in body], ["native-gcc", "slow", "fast-but-wrong", "absent"])
        self.assertEqual((by_row["native-gcc"]["#"], by_row["slow"]["#"]), ("1", "2"))
        self.assertEqual(by_row["slow"]["× native"], "3.00")
        self.assertEqual((by_row["fast-but-wrong"]["#"], by_row["fast-but-wrong"]["× native"]), ("", "–"))
        self.assertTrue(by_row["fast-but-wrong"]["status"].startswith("FAILED"))


class SameCompiler(unittest.TestCase):
    def test_each_wasmaot_build_is_compared_with_its_own_compilers_native(self):
        results = fake_results([cell("native-gcc", 10.0), cell("native-clang-16", 8.0),
                                cell("wasmaot-clang-16-guard", 9.0), cell("wasmaot-gcc-check", 15.0),
                                cell("wasmaot-clang-check", 12.0),  # no native-clang: left out
                                cell("wasmaot-clang-16-check", 1.0, "FAILED", "wrong output"),
                                cell("wasmaot-run-cached", 9.0)])
        headers, body = tables.same_compiler_table(results, "w")
        rows = {r[0]: dict(zip(headers, r)) for r in body}
        self.assertEqual(sorted(rows), ["wasmaot-clang-16-guard", "wasmaot-gcc-check"])
        self.assertEqual(rows["wasmaot-clang-16-guard"]["native row"], "native-clang-16")
        self.assertEqual(rows["wasmaot-clang-16-guard"]["wall × same-compiler native"], "1.125")
        self.assertEqual(rows["wasmaot-clang-16-guard"]["wall × native-gcc"], "0.900")
        self.assertEqual(rows["wasmaot-gcc-check"]["CPU × same-compiler native"], "1.500")


class Check(unittest.TestCase):
    """--check (the QUICK ctest): what makes the harness's own test fail."""

    def test_own_rows_must_verify_third_party_failures_are_findings(self):
        ok = fake_results([cell("native-gcc", 1.0), cell("wazero", 2.0),
                           cell("wazero", 2.0, "FAILED", "timed out", workload="http"),
                           cell("absent", None, "not installed", "make runtimes")])
        ok["rows"][3]["installed"] = False
        self.assertEqual(bench.check_complete(ok), [])
        only_failed = fake_results([cell("native-gcc", 1.0), cell("wazero", 2.0, "FAILED", "timed out")])
        self.assertEqual(len(bench.check_complete(only_failed)), 1)
        own_failed = fake_results([cell("native-gcc", 1.0), cell("wasmaot-gcc-guard", 1.0, "FAILED", "wrong output")])
        self.assertIn("wasmaot-gcc-guard × w: FAILED: wrong output", bench.check_complete(own_failed))
        silent = fake_results([cell("native-gcc", 1.0), cell("wasmtime-cwasm", None, "pending")])
        self.assertEqual(len(bench.check_complete(silent)), 1)


class ServeSection(unittest.TestCase):
    """bench/serve/section.py: how rounds are combined and what --check refuses."""

    def line(self, variant, median, guest="handler", **kw):
        return {"variant": variant, "guest": guest, "n": 10, "median_us": median, "p10_us": median - 1,
                "p90_us": median + 1, "min_us": median - 2, "max_us": median + 2, "verified": True, **kw}

    def test_median_of_round_medians_and_failures_propagate(self):
        rows = {(r["variant"], r["guest"]): r for r in serve_section.summarize_micro([
            self.line("wasmaot-reset", 1.0), self.line("wasmaot-reset", 5.0), self.line("wasmaot-reset", 2.0),
            self.line("wasmtime-pooling", 20.0),
            {"variant": "wasmtime-pooling", "guest": "handler", "verified": False, "error": "wrong response"},
        ])}
        reset = rows[("wasmaot-reset", "handler")]
        self.assertTrue(reset["verified"])
        self.assertEqual((reset["median_us"], reset["min_us"], reset["max_us"], reset["n"]), (2.0, -1.0, 7.0, 30))
        self.assertFalse(rows[("wasmtime-pooling", "handler")]["verified"])
        serve = {"micro": {"rows": list(rows.values()), "errors": []}, "e2e": []}
        self.assertEqual(len(serve_section.problems(serve)), 1)
        table = serve_section.tables(serve)[0][2]
        self.assertTrue(any(r[0] == "wasmtime-pooling" and r[-1].startswith("FAILED") for r in table))

    def test_ratio_is_to_the_best_pooling_row_of_the_same_guest(self):
        rows = serve_section.summarize_micro([self.line("wasmaot-reset", 1.0), self.line("wasmtime-pooling", 20.0),
                                              self.line("wasmtime-pooling-resident", 10.0),
                                              self.line("wasmtime-pooling", 100.0, guest="cgi")])
        table = serve_section.tables({"micro": {"rows": rows, "errors": []}, "e2e": []})[0][2]
        ratio = {(r[0], r[1]): r[6] for r in table}
        self.assertEqual(ratio[("wasmaot-reset", "handler")], "0.10")
        self.assertEqual(ratio[("wasmtime-pooling", "cgi")], "1.00")

    def test_failed_e2e_target_and_empty_micro_are_problems(self):
        serve = {"micro": {"rows": [], "errors": ["round 1: serve-bench exited 1"]},
                 "e2e": [{"target": "wasmaot-serve-reset", "status": "FAILED", "reason": "3 wrong responses"},
                         {"target": "wasmtime-serve", "status": "unsupported", "reason": "wasi:http only"}]}
        problems = serve_section.problems(serve)
        self.assertEqual(len(problems), 3)
        self.assertFalse(any("wasmtime-serve" in p for p in problems))


class AtomicWrites(unittest.TestCase):
    def test_interrupted_write_leaves_earlier_results(self):
        with tempfile.TemporaryDirectory() as root:
            results = fake_results([cell("native-gcc", 10.0)])
            first = report.write_atomically(results, root, datetime(2020, 1, 1, tzinfo=timezone.utc))
            with open(os.path.join(first, "results.json")) as f:
                self.assertEqual(json.load(f)["cells"][0]["row"], "native-gcc")
            broken = dict(results, machine=None)  # makes the report writer fail midway
            with self.assertRaises(Exception):
                report.write_atomically(broken, root, datetime(2020, 1, 2, tzinfo=timezone.utc))
            # The measurements are kept beside, for a report written again once fixed.
            self.assertEqual(sorted(os.listdir(root)), ["20200101T000000Z", "latest", "unreported-20200102T000000Z.json"])
            self.assertEqual(os.path.realpath(os.path.join(root, "latest")), os.path.realpath(first))



def sample(stdout=b"", code=0, timed_out=False):
    return measure.ProcessSample(wall_ms=1, user_ms=1, sys_ms=0, maxrss_kib=1, exit_code=code, stdout=stdout,
                                 stderr_tail="boom\n", timed_out=timed_out)


class RealPrograms(unittest.TestCase):
    """The real-programs section: module parsing, verification, fetching, figures, --check."""

    def test_code_section_size(self):
        # magic+version, a custom section (id 0, 3 bytes), a code section (id 10) of 200 bytes (2-byte LEB).
        module = b"\0asm\1\0\0\0" + bytes([0, 3, 1, ord("x"), 0]) + bytes([10, 0xC8, 0x01]) + bytes(200)
        with tempfile.NamedTemporaryFile(suffix=".wasm") as f:
            f.write(module)
            f.flush()
            self.assertEqual(programs.code_bytes(f.name), 200)

    def test_task_check_rejects_wrong_results(self):
        t = programs.Task(args=[], describes="", expected_stdout=b"42\n")
        self.assertIsNone(t.check(sample(b"42\n"), {}))
        self.assertIn("wrong output", t.check(sample(b"41\n"), {}))
        self.assertIn("exit 1", t.check(sample(b"42\n", code=1), {}))
        self.assertEqual(t.check(sample(b"42\n", timed_out=True), {}), "timed out")
        with tempfile.TemporaryDirectory() as d:
            f = programs.Task(args=[], describes="", dirs={"/out": {}}, output_file="/out/a.wav",
                              expected_sha256=hashlib.sha256(b"RIFF").hexdigest())
            self.assertIn("no output file", f.check(sample(), {"/out": d}))
            with open(os.path.join(d, "a.wav"), "wb") as out:
                out.write(b"RIFX")
            self.assertIn("wrong output: sha256", f.check(sample(), {"/out": d}))
            with open(os.path.join(d, "a.wav"), "wb") as out:
                out.write(b"RIFF")
            self.assertIsNone(f.check(sample(), {"/out": d}))

    def test_every_task_is_pinned_or_computed_here(self):
        for p in programs.PROGRAMS:
            for kind in ("full", "quick"):
                t = p.tasks[kind]()
                self.assertTrue(t.expected_stdout is not None or len(t.expected_sha256 or "") == 64, (p.name, kind))
        self.assertEqual(programs.python_reference(40), subprocess.run(
            [sys.executable, "-c", programs.PY_TASK, "40"], capture_output=True, check=True).stdout)

    def fake_package(self, d, payload):
        archive = os.path.join(d, "pkg.tgz")
        with tarfile.open(archive, "w:gz") as t:
            info = tarfile.TarInfo("package/mod.wasm")
            info.size = len(payload)
            t.addfile(info, io.BytesIO(payload))
        with open(archive, "rb") as f:
            return archive, hashlib.sha256(f.read()).hexdigest()

    def test_fetch_checks_both_hashes_and_caches(self):
        payload = b"\0asm\1\0\0\0"
        with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as cache:
            archive, digest = self.fake_package(d, payload)
            prog = programs.Program("fake", "C", "npm", "fake", "1.0", digest, "package/mod.wasm",
                                    hashlib.sha256(payload).hexdigest(), "fake")
            calls = []

            def download(p, repo, dest):
                calls.append(dest)
                target = os.path.join(dest, "pkg.tgz")
                with open(archive, "rb") as src, open(target, "wb") as out:
                    out.write(src.read())
                return target

            old, oldenv = programs._download, os.environ.get("WASMAOT_BENCH_PROGRAMS")
            programs._download = download
            os.environ["WASMAOT_BENCH_PROGRAMS"] = cache
            try:
                with open(programs.fetch(prog, "/nonexistent"), "rb") as f:
                    self.assertEqual(f.read(), payload)
                programs.fetch(prog, "/nonexistent")
                self.assertEqual(len(calls), 1)  # the second time from the cache
                bad_archive = programs.Program("bad", "C", "npm", "bad", "1.0", "0" * 64, "package/mod.wasm",
                                               prog.wasm_sha256, "bad")
                with self.assertRaisesRegex(programs.NotFetched, "archive sha256 .* is not the pinned"):
                    programs.fetch(bad_archive, "/nonexistent")
                bad_wasm = programs.Program("badw", "C", "npm", "badw", "1.0", digest, "package/mod.wasm", "1" * 64, "b")
                with self.assertRaisesRegex(programs.NotFetched, "mod.wasm sha256 .* is not the pinned"):
                    programs.fetch(bad_wasm, "/nonexistent")
                self.assertEqual(sorted(os.listdir(cache)), ["fake-1.0.wasm"])  # nothing else left behind
            finally:
                programs._download = old
                if oldenv is None:
                    del os.environ["WASMAOT_BENCH_PROGRAMS"]
                else:
                    os.environ["WASMAOT_BENCH_PROGRAMS"] = oldenv

    def test_figures_and_goals(self):
        def pcell(row, mode, **phases):
            c = {"program": "p", "row": row, "mode": mode, "status": "running", "reason": "", "artifact_bytes": None,
                 "verified": False, "samples": {ph: [{"wall_ms": v, "cpu_ms": v, "maxrss_kib": 2048 * v}
                                                     for v in vals] for ph, vals in phases.items()}}
            realprogs.finish(c)
            return c

        cells = [pcell("wasmaot-optimized", "aot", build=[9000, 10000, 11000], run=[900]),
                 pcell("wasmaot-run", "aot", first=[12000], cached=[950]),
                 pcell("wasmtime-cwasm", "aot", build=[500], run=[1000]),
                 pcell("wasmtime-jit", "jit", first=[1500], cached=[1000]),
                 pcell("node", "jit", first=[2000, 3000, 4000]),
                 pcell("empty", "jit")]
        self.assertEqual((cells[0]["first_result_ms"], cells[0]["steady_ms"]), (10900, 900))
        self.assertEqual((cells[1]["first_result_ms"], cells[1]["steady_ms"]), (12000, 950))
        self.assertEqual((cells[4]["first_result_ms"], cells[4]["steady_ms"]), (3000, 3000))
        self.assertEqual(cells[5]["status"], "FAILED")
        section = {"programs": [{"name": "p", "status": "fetched", "wasm_bytes": 2e6, "code_bytes": 1e6}], "cells": cells}
        headers, body = tables.program_goals(section)
        goals = dict(zip(headers, body[0]))
        self.assertEqual(goals["wasmaot run first ÷ wasmtime run first (≤ 2)"], "8.00")
        self.assertEqual(goals["wasmaot optimized run ÷ wasmtime .cwasm run (≤ 1)"], "0.90")
        self.assertEqual(goals["largest wasmaot build process MiB (≤ 1024)"], "24,000")  # 2 MiB per ms of the max

    def test_tradeoff_plot_has_one_panel_per_program_with_results(self):
        import plots
        cells = [{"program": p, "row": r, "mode": m, "first_result_ms": x, "steady_ms": y}
                 for p in ("a", "b") for r, m, x, y in (("wasmaot-optimized", "aot", 30000, 900),
                                                          ("wasmtime-jit", "jit", 1500, 1000))]
        section = {"programs": [{"name": "a"}, {"name": "b"}, {"name": "not-fetched"}], "cells": cells}
        with tempfile.TemporaryDirectory() as d:
            png = plots.tradeoff_plot({"realprogs": section}, d)
            self.assertEqual(png, "realprogs-tradeoff.png")
            import matplotlib.image
            height, width = matplotlib.image.imread(os.path.join(d, png)).shape[:2]
            self.assertGreater(width, 1.5 * height)  # two panels side by side
            self.assertIsNone(plots.tradeoff_plot({"realprogs": {"programs": [], "cells": []}}, d))

    def test_background_tier_up_build_is_waited_for(self):
        import threading
        from adapters import wasmaot
        row = wasmaot.WasmaotProgramRun()
        with tempfile.TemporaryDirectory() as cache:
            self.assertIsNone(row.settle(cache, "wasmaot: tier optimized\n", 5))  # nothing left running
            said = "wasmaot: tier quick (optimized tier building in the background)\n"
            log = os.path.join(cache, "0123.log")

            def background():
                with open(log, "w") as f:
                    f.write("started\n")
                    f.flush()
                    threading.Event().wait(0.6)
                    f.write("finished\n")

            t = threading.Thread(target=background)
            t.start()
            waited = row.settle(cache, said, 30)
            t.join()
            self.assertGreaterEqual(waited, 0.5)
            with open(log, "w") as f:
                f.write("started\n")  # never ends
            with self.assertRaises(TimeoutError):
                row.settle(cache, said, 0.3)

    def test_check_own_program_rows_must_verify(self):
        results = fake_results([cell("native-gcc", 1.0)])
        base = {"program": "p", "summary": {}, "reason": "why"}
        results["realprogs"] = {"cells": [dict(base, row="wasmtime-jit", status="FAILED"),
                                          dict(base, row="node", status="not fetched")]}
        self.assertEqual(bench.check_complete(results), [])
        results["realprogs"]["cells"].append(dict(base, row="wasmaot-quick", status="FAILED"))
        self.assertEqual(bench.check_complete(results), ["p × wasmaot-quick: FAILED: why"])


if __name__ == "__main__":
    unittest.main()
