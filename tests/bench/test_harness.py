"""Unit tests of the bench harness (bench/): the references it verifies against, the launcher
it measures with, how it ranks, and that its writes are atomic. No timing is asserted."""

import json
import os
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
            self.assertEqual(sorted(os.listdir(root)), ["20200101T000000Z", "latest"])
            self.assertEqual(os.path.realpath(os.path.join(root, "latest")), os.path.realpath(first))


if __name__ == "__main__":
    unittest.main()
