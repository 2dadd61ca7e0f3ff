"""The workloads the bench runs and how each run's output is checked. Expected outputs come
from reference implementations computed here (cpu-hash: Python's hashlib, i.e. OpenSSL's
SHA-256), never from the workloads' own output."""

import hashlib
import os
from dataclasses import dataclass, field

from measure import ProcessSample

CPU_HASH_ROUNDS = 2_000_000
CPU_HASH_ROUNDS_QUICK = 200_000


def cpu_hash_reference(rounds: int) -> bytes:
    """SHA-256 chained `rounds` times from "hello" padded with zeros to 32 bytes, as hex + newline."""
    buf = b"hello".ljust(32, b"\0")
    for _ in range(rounds):
        buf = hashlib.sha256(buf).digest()
    return buf.hex().encode() + b"\n"


@dataclass
class ProcessWorkload:
    """A command that runs to completion; launch → exit is the measured span."""

    name: str
    args: list[str]
    expected_stdout: bytes
    describes: str
    kind: str = "process"

    def check(self, s: ProcessSample) -> str | None:
        """None when the run is correct, else what was wrong."""
        if s.timed_out:
            return "timed out"
        if s.exit_code != 0:
            return f"exit {s.exit_code}: {s.stderr_tail.strip().splitlines()[-1:] or ''}"
        if s.stdout != self.expected_stdout:
            return f"wrong output {s.stdout[:80]!r}, expected {self.expected_stdout[:80]!r}"
        return None


@dataclass
class HttpWorkload:
    """A server: cold start (launch → first 200), then throughput/latency under wrk."""

    name: str
    path: str
    expected_status: int
    expected_body: bytes
    describes: str
    connections: list[int] = field(default_factory=lambda: [1, 64, 256])
    kind: str = "http"


def workloads(quick: bool) -> list:
    rounds = CPU_HASH_ROUNDS_QUICK if quick else CPU_HASH_ROUNDS
    return [
        ProcessWorkload("hello", [], b"hello\n", "prints hello: process start-up and exit"),
        ProcessWorkload("cpu-hash", [str(rounds)], cpu_hash_reference(rounds),
                        f"SHA-256 chained {rounds:,} times over 32 bytes, digest checked against hashlib (OpenSSL)"),
        # GET / answers 200 "hello" (issue 4's contract for workloads/http-server).
        HttpWorkload("http-server", "/", 200, b"hello", "HTTP/1.1 server, GET / -> 200 hello",
                     connections=[64] if quick else [1, 64, 256]),
    ]


def built(build_dir: str, name: str) -> bool:
    """A workload runs only when CMake built its .wasm (the input of every wasm row)."""
    return os.path.exists(os.path.join(build_dir, "workloads", name + ".wasm"))
