"""The bench's "serve" section (issue 13): a fresh sandbox per HTTP request.

Micro: the seed's per-request variants in process, each response checked, as JSON lines:
build/bench/serve-bench (native call / fork / CGI exec, Wasmtime's embeddings through its C API)
and, when this tree has the serve host, wasmaot's isolation modes: the serve host's own
microbenchmark bench/serve/micro_wasmaot.c on the CGI guest and micro_wasmaot_handler.c on the
handler guest, run in alternating rounds; a variant's figure is the median of its rounds'
medians.

End to end: wrk with 64 connections (bench/http_bench.py, every response's status and body
checked by wrk-verify.lua) against `wasmaot serve` with the CGI guest (each isolation mode) and
the native HTTP workload, server on one core and wrk on the other: req/s, p50/p99, RSS of the
server's process tree.

Used by bench/bench.py (make bench) and by bench/serve/run.py (standalone, and the ctest test
bench-serve-quick)."""

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import http_bench  # noqa: E402

# The request every end-to-end and wasmaot-micro request carries, and the CGI guest's answer to
# it (workloads/serve-handler/check.h).
CGI_PATH = "/echo?x=1"
CGI_HEADERS = {"X-Check": "42"}
CGI_BODY = b"hello"
CGI_ANSWER = b"x=1 check=42 sum=43 len=5 body=hello\n"
ISOLATION_MODES = ["reset", "fresh", "fork"]
WASMTIME_SERVE_WHY = (
    "not measured: `wasmtime serve` runs wasi:http components only and the serve guests are WASI "
    "preview1 modules; a C wasi:http component would need wit-bindgen, the WASI WIT files and the "
    "preview1 adapter (crates.io: not installed by this project), a Python one PyPI's componentize-py "
    "(not the same program)")


class Plan:
    def __init__(self, quick: bool):
        self.quick = quick
        self.micro_rounds = 1 if quick else 3
        self.micro_args = ["--quick"] if quick else ["--max-seconds", "2"]
        self.micro_wasmaot_n = 200 if quick else 20000
        self.wrk_seconds = 1 if quick else 5
        self.wrk_warmup_seconds = 1 if quick else 2
        self.http_reps = 1 if quick else 3


def run_json_lines(argv: list[str], timeout: int) -> tuple[list[dict], str | None]:
    """Runs a JSON-lines benchmark; (its lines, None) or (what it printed, why it failed)."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return [], f"{argv[0]}: {e}"
    lines = []
    for line in p.stdout.splitlines():
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:
            return lines, f"{os.path.basename(argv[0])}: not JSON: {line[:120]!r}"
    if p.returncode != 0:
        return lines, f"{os.path.basename(argv[0])} exited {p.returncode}: {p.stderr.strip()[-300:]}"
    return lines, None


def wasmaot_host_build(build: str, scratch: str, host_main: str, guest: str) -> tuple[str | None, str | None]:
    """Builds a wasmaot serve host main of bench/serve/ around a guest: (executable, None), or
    (None, why not) when this tree does not have what it needs yet."""
    source = os.path.join(HERE, host_main)
    if not os.path.exists(source):
        return None, f"bench/serve/{host_main} is not in this tree (the serve host's branch)"
    if not os.path.exists(os.path.join(build, "share", "wasmaot", "include", "wasmaot-serve-guest.h")):
        return None, "this build has no serve host (wasmaot-serve-guest.h)"
    out = os.path.join(scratch, host_main[:-2])
    argv = [os.path.join(build, "bin", "wasmaot"), "build", "--serve", "--host-main", source,
            os.path.join(build, "workloads", guest), "-o", out]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        return None, f"wasmaot build --serve --host-main {host_main} failed: {p.stderr.strip()[-300:]}"
    return out, None


def micro_wasmaot_argv(exe: str, plan: Plan) -> list[str]:
    """The serve host's own microbenchmark on the CGI guest, every isolation mode, with the
    end-to-end request."""
    n = ["--n", "200", "--n-fork", "50"] if plan.quick else ["--n", "20000", "--n-fork", "2000"]
    return [exe] + n + ["--guest-name", "cgi", "--isolation", ",".join(ISOLATION_MODES), "--method", "POST",
                        "--target", CGI_PATH, "--body", CGI_BODY.decode(),
                        "--expect", CGI_ANSWER.decode()] + [
        a for k, v in CGI_HEADERS.items() for a in ("--header", f"{k}: {v}")]


def micro_handler_argvs(exe: str, plan: Plan) -> list[list[str]]:
    """micro_wasmaot_handler.c, one process per isolation mode."""
    return [[exe, "--isolation", mode] + plan.micro_args for mode in ISOLATION_MODES]


def serve_bench_argv(build: str, plan: Plan) -> list[str]:
    w = os.path.join(build, "workloads")
    return [os.path.join(build, "bench", "serve-bench"), "--cgi-wasm", os.path.join(w, "serve-cgi.wasm"),
            "--handler-wasm", os.path.join(w, "serve-handler.wasm"),
            "--cgi-native", os.path.join(w, "serve-cgi.native")] + plan.micro_args


def run_micro(build: str, plan: Plan, scratch: str, progress=None) -> dict:
    """Alternating rounds of serve-bench and micro_wasmaot; per variant the median of the round
    medians (and of the p10s and p90s), min and max over all requests, n summed."""
    out = {"machine": None, "rounds": [], "errors": [], "notes": []}
    benches = [("serve-bench", serve_bench_argv(build, plan))]
    if progress:
        progress("serve micro: building the wasmaot host mains")
    exe, why = wasmaot_host_build(build, scratch, "micro_wasmaot.c", "serve-cgi.wasm")
    if why:
        # Missing (the serve host not merged yet) is a note; present but not building is an error.
        out["errors" if "failed" in why else "notes"].append(f"wasmaot rows, CGI guest: {why}")
    else:
        benches.append(("micro_wasmaot", micro_wasmaot_argv(exe, plan)))
    exe, why = wasmaot_host_build(build, scratch, "micro_wasmaot_handler.c", "serve-handler.wasm")
    if why:
        out["errors" if "failed" in why else "notes"].append(f"wasmaot rows, handler guest: {why}")
    else:
        benches += [("micro_wasmaot_handler", argv) for argv in micro_handler_argvs(exe, plan)]
    for r in range(plan.micro_rounds):
        order = benches if r % 2 == 0 else benches[::-1]
        for name, argv in order:
            if progress:
                progress(f"serve micro round {r + 1}/{plan.micro_rounds}: {name}")
            lines, error = run_json_lines(argv, timeout=900)
            if error:
                out["errors"].append(f"round {r + 1}: {error}")
            for line in lines:
                if "machine" in line:
                    out["machine"] = line["machine"]
                else:
                    line["round"], line["source"] = r + 1, name
                    out["rounds"].append(line)
    out["rows"] = summarize_micro(out["rounds"])
    return out


def summarize_micro(lines: list[dict]) -> list[dict]:
    rows: dict[tuple, dict] = {}
    for line in lines:
        key = (line.get("variant"), line.get("guest"))
        row = rows.setdefault(key, {"variant": key[0], "guest": key[1], "verified": True, "rounds": [],
                                    "note": line.get("note", ""), "source": line.get("source")})
        if not line.get("verified", True) or "median_us" not in line:
            row["verified"] = False
            row["error"] = line.get("error", "no figures")
        else:
            row["rounds"].append(line)
    for row in rows.values():
        good = row["rounds"]
        if row["verified"] and good:
            row.update(n=sum(x["n"] for x in good),
                       median_us=statistics.median(x["median_us"] for x in good),
                       p10_us=statistics.median(x["p10_us"] for x in good),
                       p90_us=statistics.median(x["p90_us"] for x in good),
                       min_us=min(x["min_us"] for x in good), max_us=max(x["max_us"] for x in good))
        elif row["verified"]:
            row["verified"], row["error"] = False, "no measured round"
    return list(rows.values())


@dataclass
class ServeTarget:
    """One end-to-end server, in the shape bench/http_bench.py measures (an HttpWorkload plus
    its request's method, body and headers)."""

    name: str
    argv_for_port: object
    path: str
    expected_status: int
    expected_body: bytes
    describes: str
    method: str = "GET"
    body: bytes | None = None
    headers: dict | None = None
    connections: list[int] = field(default_factory=lambda: [64])
    kind: str = "http"
    start_deadline_s: float = 30.0
    unsupported: str | None = None


def wasmaot_has_serve(wasmaot: str) -> str | None:
    """None if this wasmaot has the serve command, else why not."""
    try:
        p = subprocess.run([wasmaot, "serve", "--help"], capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{wasmaot}: {e}"
    if p.returncode != 0:
        return f"`wasmaot serve` not in this build ({(p.stderr or p.stdout).strip().splitlines()[-1:]})"
    return None


def targets(build: str) -> list[ServeTarget]:
    wasmaot = os.path.join(build, "bin", "wasmaot")
    cgi = os.path.join(build, "workloads", "serve-cgi.wasm")
    no_serve = wasmaot_has_serve(wasmaot)
    out = []
    for mode in ISOLATION_MODES:
        def argv(port, mode=mode):
            return [wasmaot, "serve", cgi, "--listen", f"{http_bench.HOST}:{port}", "--workers", "1",
                    "--isolation", mode]
        # The first start builds the serve executable (cached after): a long first deadline.
        out.append(ServeTarget(f"wasmaot-serve-{mode}", argv, CGI_PATH, 200, CGI_ANSWER,
                               f"wasmaot serve serve-cgi.wasm --workers 1 --isolation {mode}",
                               method="POST", body=CGI_BODY, headers=CGI_HEADERS, start_deadline_s=600.0,
                               unsupported=no_serve))
    native = os.path.join(build, "workloads", "http-server.native")
    out.append(ServeTarget("native-http-server", lambda port: [native, "--listen", f"{http_bench.HOST}:{port}"],
                           "/", 200, b"hello", "the native HTTP workload (GET / -> hello), one thread",
                           unsupported=None if os.path.exists(native) else f"{native} not built"))
    out.append(ServeTarget("wasmtime-serve", None, "/", 200, b"", "wasmtime serve (wasi:http)",
                           unsupported=WASMTIME_SERVE_WHY))
    return out


def run_e2e(build: str, plan: Plan, scratch: str, progress=None) -> list[dict]:
    """Each target's server lifetimes interleaved (A B C, B C A, ...), plan.http_reps each."""
    rows = {t.name: {"target": t.name, "describes": t.describes, "status": "unsupported" if t.unsupported else "running",
                     "reason": t.unsupported or "", "samples": []} for t in targets(build)}
    active = [t for t in targets(build) if not t.unsupported]
    old_affinity = os.sched_getaffinity(0)
    if http_bench.PINNED:
        os.sched_setaffinity(0, {http_bench.CLIENT_CPU})
    try:
        for i in range(plan.http_reps):
            k = i % len(active) if active else 0
            for t in active[k:] + active[:k]:
                row = rows[t.name]
                if row["status"] == "FAILED":
                    continue
                if progress:
                    progress(f"serve e2e {t.name} round {i + 1}/{plan.http_reps}")
                r = http_bench.throughput(t.argv_for_port, {}, scratch, t, plan.wrk_seconds, plan.wrk_warmup_seconds,
                                          t.start_deadline_s)
                if r["error"]:
                    row["status"], row["reason"] = "FAILED", f"round {i + 1}: {r['error']}"
                else:
                    level = r["levels"]["64"]
                    row["samples"].append({"rps": level["rps"], "p50_ms": level["p50_ms"], "p99_ms": level["p99_ms"],
                                           "rss_kib": r["rss_after_warmup_kib"], "requests": level["requests"],
                                           "cpu_ms_per_100k": level["cpu_ms_per_100k"]})
    finally:
        os.sched_setaffinity(0, old_affinity)
    for row in rows.values():
        if row["status"] == "running":
            row["status"] = "verified"
            row["summary"] = {m: statistics.median(s[m] for s in row["samples"])
                              for m in ("rps", "p50_ms", "p99_ms", "rss_kib", "cpu_ms_per_100k")}
            row["summary"]["requests"] = sum(s["requests"] for s in row["samples"])
    return list(rows.values())


def run(build: str, quick: bool, scratch: str, progress=None, e2e: bool = True) -> dict:
    plan = Plan(quick)
    result = {"plan": vars(plan), "micro": run_micro(build, plan, scratch, progress)}
    result["e2e"] = run_e2e(build, plan, scratch, progress) if e2e else []
    result["method"] = method_notes(plan)
    return result


def method_notes(plan: Plan) -> list[str]:
    return [
        "serve micro: in process, one request at a time; request i (POST /echo?x=i, X-Check: 42, body "
        "'hello i') and its exact answers built before the timer; timed: hand it to the variant, run it, "
        "check the response byte for byte; per variant up to 20,000 requests or 2 s after warm-up "
        f"({plan.micro_rounds} round(s) alternating serve-bench and micro_wasmaot; figure = median of the "
        "round medians)" if not plan.quick else
        "serve micro: QUICK (a few hundred requests per variant at most, one round): a smoke test",
        "serve micro, Wasmtime: the PyPI wheel's libwasmtime through its C API, default Cranelift "
        "settings; CGI guest's WASI: wasi_config_set_env, wasi_config_set_stdin_bytes, "
        "wasi_config_set_stdout_custom (a callback appending to a buffer)",
        f"serve end to end: wrk -t1 -c64 for {plan.wrk_seconds} s after a {plan.wrk_warmup_seconds} s "
        f"warm-up, {plan.http_reps} server lifetime(s) per target, interleaved; server pinned to one core "
        "(wasmaot serve with --workers 1), wrk to the other; every response's status and body checked; "
        "RSS = VmRSS summed over the server's process tree after the warm-up",
    ]


def tables(serve: dict) -> list:
    """(title, headers, rows) for the report."""
    out = []
    micro = serve["micro"]["rows"]
    pooling = {}  # per guest, Wasmtime's best pooling-allocator median (the bar)
    for r in micro:
        if r["variant"].startswith("wasmtime-pooling") and r["verified"]:
            pooling[r["guest"]] = min(pooling.get(r["guest"], float("inf")), r["median_us"])
    body = []
    for r in sorted(micro, key=lambda r: (r["guest"], r.get("median_us", float("inf")))):
        if not r["verified"]:
            body.append([r["variant"], r["guest"], "", "", "", "", "", f"FAILED: {r.get('error', '')}"])
            continue
        ratio = f"{r['median_us'] / pooling[r['guest']]:.2f}" if r["guest"] in pooling else ""
        body.append([r["variant"], r["guest"], f"{r['median_us']:.2f}", f"{r['p10_us']:.2f}–{r['p90_us']:.2f}",
                     f"{r['min_us']:.2f}", str(r["n"]), ratio, "verified"])
    out.append(("Serve: per-request time in process (µs)",
                ["variant", "guest", "median µs", "p10–p90", "min", "n", "× best wasmtime pooling", "status"], body))
    body = []
    native = next((r for r in serve["e2e"] if r["target"] == "native-http-server" and r["status"] == "verified"), None)
    for r in serve["e2e"]:
        if r["status"] != "verified":
            body.append([r["target"], "", "", "", "", "", f"{r['status']}: {r['reason']}"])
            continue
        s = r["summary"]
        ratio = f"{s['rps'] / native['summary']['rps']:.2f}" if native else ""
        body.append([r["target"], f"{s['rps']:,.0f}", ratio, f"{s['p50_ms']:.2f}", f"{s['p99_ms']:.2f}",
                     f"{s['rss_kib'] / 1024:.1f}", "verified"])
    out.append(("Serve: end to end, wrk 64 connections",
                ["target", "req/s", "× native", "p50 ms", "p99 ms", "RSS MiB", "status"], body))
    return out


def problems(serve: dict) -> list[str]:
    """For --check: every micro variant run must verify (there is no third party here: Wasmtime
    is embedded by our harness), and every supported end-to-end target must verify."""
    out = [f"serve micro: {e}" for e in serve["micro"]["errors"]]
    out += [f"serve micro {r['variant']}/{r['guest']}: {r.get('error')}" for r in serve["micro"]["rows"]
            if not r["verified"]]
    if not serve["micro"]["rows"]:
        out.append("serve micro: no variant ran")
    out += [f"serve e2e {r['target']}: {r['reason']}" for r in serve["e2e"] if r["status"] == "FAILED"]
    return out
