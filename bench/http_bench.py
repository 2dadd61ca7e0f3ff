"""The HTTP server workload's measurements, runtime-independent: cold start (launch → first
HTTP 200, by connect+GET polling), and throughput/latency with wrk, RSS after warm-up, CPU time
per 100k requests. Server and load generator are pinned to different cores with taskset
(server: core SERVER_CPU, wrk and the harness's poller: core CLIENT_CPU) when there are two."""

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass

HOST = "127.0.0.1"
CLIENT_CPU, SERVER_CPU = 0, 1
PINNED = (os.cpu_count() or 1) >= 2
WRK_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk-verify.lua")


def pin_command(argv: list[str], cpu: int) -> list[str]:
    return ["taskset", "-c", str(cpu)] + argv if PINNED else argv


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, timeout: float = 2.0, method: str = "GET", body: bytes | None = None,
             headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def read_stat(pid: int) -> list[str] | None:
    """/proc/PID/stat's fields after the command name (index 0 is the state), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_tree(root: int) -> list[int]:
    """root and its live descendants."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = read_stat(int(name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


class Server:
    """A server process started pinned to SERVER_CPU, with its output in files under scratch."""

    def __init__(self, argv: list[str], env_extra: dict, scratch: str):
        env = dict(os.environ)
        env.update(env_extra)
        self.log = open(os.path.join(scratch, "server.log"), "wb")
        self.start_ns = time.perf_counter_ns()
        self.proc = subprocess.Popen(pin_command(argv, SERVER_CPU), stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log, env=env)

    def wait_ready(self, wl, deadline_s: float) -> tuple[float, str | None]:
        """Polls connect+GET until the first answer; returns (ms since launch, error or None)."""
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return 0.0, f"server exited with {self.proc.returncode} before answering: {self.log_tail()}"
            try:
                status, body = http_get(self.port, wl.path, max(deadline - time.monotonic(), 0.1), **request_of(wl))
            except (ConnectionRefusedError, ConnectionResetError):
                continue  # not listening yet: retry at once, no sleep
            except (OSError, http.client.HTTPException) as e:
                return 0.0, f"first request failed: {e}"
            elapsed_ms = (time.perf_counter_ns() - self.start_ns) / 1e6
            return elapsed_ms, check_response(wl, status, body)
        return 0.0, f"no answer within {deadline_s:.0f} s: {self.log_tail()}"

    def cpu_ms(self) -> float:
        """User+system CPU time of the server so far, all threads, summed over its process tree
        (a prefork server's workers too; from /proc/PID/stat)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in process_tree(self.proc.pid):
            fields = read_stat(pid)
            if fields:
                total += int(fields[11]) + int(fields[12])
        return total * 1000.0 / ticks

    def rss_kib(self) -> int:
        """Resident memory of the server's whole process tree (shared pages counted per process)."""
        total = 0
        for pid in process_tree(self.proc.pid):
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except OSError:
                pass  # exited meanwhile
        return total

    def log_tail(self) -> str:
        self.log.flush()
        with open(self.log.name, "rb") as f:
            return f.read()[-200:].decode(errors="replace").strip()


def request_of(wl) -> dict:
    """The request a workload is measured with, beyond its path: GET with no body unless the
    workload says otherwise (method, body, headers: the serve section's CGI guest)."""
    return {"method": getattr(wl, "method", "GET"), "body": getattr(wl, "body", None),
            "headers": getattr(wl, "headers", None)}


def check_response(wl, status: int, body: bytes) -> str | None:
    if status != wl.expected_status:
        return f"HTTP status {status}, expected {wl.expected_status}"
    if body != wl.expected_body:
        return f"HTTP body {body[:60]!r}, expected {wl.expected_body!r}"
    return None


def start(argv_for_port, env_extra: dict, scratch: str) -> Server:
    port = free_port()
    server = Server(argv_for_port(port), env_extra, scratch)
    server.port = port
    return server


def stop_with_timeout(server: Server):
    """SIGTERM, and SIGKILL if the server ignores it for 3 s."""
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=5)
    server.log.close()


def cold_start(argv_for_port, env_extra: dict, scratch: str, wl, deadline_s: float) -> dict:
    server = start(argv_for_port, env_extra, scratch)
    try:
        ms, error = server.wait_ready(wl, deadline_s)
    finally:
        stop_with_timeout(server)
    return {"cold_start_ms": ms, "error": error}


def run_wrk(port: int, wl, connections: int, seconds: int) -> dict:
    argv = pin_command(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
                        "-s", WRK_SCRIPT, f"http://{HOST}:{port}{wl.path}", "--",
                        str(wl.expected_status), wl.expected_body.decode()] + wrk_request_args(wl), CLIENT_CPU)
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
    for line in proc.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line[len("WRK_JSON "):])
    raise RuntimeError(f"wrk gave no figures (exit {proc.returncode}): {proc.stderr.strip()[:200]}")


def wrk_request_args(wl) -> list[str]:
    """wrk-verify.lua's optional METHOD BODY HEADER... arguments for a workload's request."""
    r = request_of(wl)
    if r["method"] == "GET" and not r["body"] and not r["headers"]:
        return []
    return [r["method"], (r["body"] or b"").decode()] + [f"{k}: {v}" for k, v in (r["headers"] or {}).items()]


def throughput(argv_for_port, env_extra: dict, scratch: str, wl, seconds: int, warmup_s: int,
               deadline_s: float) -> dict:
    """One server lifetime: ready, warm-up, RSS, then one wrk run per connection count."""
    server = start(argv_for_port, env_extra, scratch)
    result = {"levels": {}, "error": None}
    try:
        _, error = server.wait_ready(wl, deadline_s)
        if error:
            result["error"] = error
            return result
        run_wrk(server.port, wl, 64, warmup_s)
        result["rss_after_warmup_kib"] = server.rss_kib()
        for c in wl.connections:
            cpu_before = server.cpu_ms()
            w = run_wrk(server.port, wl, c, seconds)
            cpu_ms = server.cpu_ms() - cpu_before
            errors = w["bad_responses"] + w["errors_status"] + w["errors_connect"] + w["errors_read"] + w["errors_write"]
            level = {"rps": w["requests"] / (w["duration_us"] / 1e6), "p50_ms": w["p50_us"] / 1e3,
                     "p99_ms": w["p99_us"] / 1e3, "requests": w["requests"],
                     "cpu_ms_per_100k": cpu_ms * 100_000 / max(w["requests"], 1), "timeouts": w["errors_timeout"]}
            if errors or w["requests"] == 0:
                result["error"] = f"{c} connections: {errors} wrong/failed responses of {w['requests']}"
            result["levels"][str(c)] = level
        status, body = http_get(server.port, wl.path, **request_of(wl))  # still correct after the load
        result["error"] = result["error"] or check_response(wl, status, body)
    except (OSError, RuntimeError, subprocess.TimeoutExpired, http.client.HTTPException) as e:
        result["error"] = f"{type(e).__name__}: {e}"
    finally:
        stop_with_timeout(server)
    return result
