"""The workloads the bench runs and how each run's output is checked. Expected outputs come
from reference implementations computed here (cpu-hash: Python's hashlib, i.e. OpenSSL's
SHA-256; simd-blur: the blur re-implemented with numpy, CRC-32 from zlib), never from the
workloads' own output."""

import hashlib
import os
import zlib
from dataclasses import dataclass, field

from measure import ProcessSample

CPU_HASH_ROUNDS = 2_000_000
CPU_HASH_ROUNDS_QUICK = 200_000
SIMD_BLUR_PASSES = 250  # over 2048 x 2048: ~0.6 s native here; the numpy reference takes ~10 s
SIMD_BLUR_PASSES_QUICK = 20


def cpu_hash_reference(rounds: int) -> bytes:
    """SHA-256 chained `rounds` times from "hello" padded with zeros to 32 bytes, as hex + newline."""
    buf = b"hello".ljust(32, b"\0")
    for _ in range(rounds):
        buf = hashlib.sha256(buf).digest()
    return buf.hex().encode() + b"\n"


def simd_blur_reference(passes: int, width: int = 2048, height: int = 2048) -> bytes:
    """workloads/simd-blur's definition, written again with numpy (whole-array operations, no
    code shared with the C): noise[i] = murmur3-style mix(i) >> 24; each pass a horizontal then
    vertical (a + 2b + c + 2) >> 2 with clamped edges, then row y XOR noise row (y + p) mod height;
    zlib's CRC-32 of the final 8-bit image, as 8 hex digits + newline."""
    import numpy as np  # Debian's python3-numpy (a dependency of python3-matplotlib); only needed here

    i = np.arange(width * height, dtype=np.uint32)
    with np.errstate(over="ignore"):
        h = i * np.uint32(0x9E3779B1)
        h ^= h >> np.uint32(15)
        h *= np.uint32(0x85EBCA77)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE3D)
        h ^= h >> np.uint32(16)
    noise = (h >> np.uint32(24)).astype(np.uint16).reshape(height, width)  # 16 bits: sums fit
    img, acc = noise.copy(), np.empty_like(noise)

    def blur(src, dst, axis):
        s, d = np.moveaxis(src, axis, 0), np.moveaxis(dst, axis, 0)
        np.left_shift(s, 1, out=d)
        d += 2
        d[1:] += s[:-1]  # the neighbour before; the first pixel is its own
        d[0] += s[0]
        d[:-1] += s[1:]  # the neighbour after; the last pixel is its own
        d[-1] += s[-1]
        d >>= 2

    for p in range(passes):
        blur(img, acc, 1)
        blur(acc, img, 0)
        k = p % height
        img[:height - k] ^= noise[k:]
        img[height - k:] ^= noise[:k]
    return b"%08x\n" % zlib.crc32(img.astype(np.uint8).tobytes())


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


def workloads(quick: bool, only: list[str] | None = None) -> list:
    """The workloads in run order; `only` (names) skips computing the others' references."""
    rounds = CPU_HASH_ROUNDS_QUICK if quick else CPU_HASH_ROUNDS
    passes = SIMD_BLUR_PASSES_QUICK if quick else SIMD_BLUR_PASSES
    makers = {
        "hello": lambda: ProcessWorkload("hello", [], b"hello\n", "prints hello: process start-up and exit"),
        "cpu-hash": lambda: ProcessWorkload(
            "cpu-hash", [str(rounds)], cpu_hash_reference(rounds),
            f"SHA-256 chained {rounds:,} times over 32 bytes, digest checked against hashlib (OpenSSL)"),
        # The .wasm is built with -msimd128 (wasm SIMD128), the native rows use SSE2 (x86-64's baseline).
        "simd-blur": lambda: ProcessWorkload(
            "simd-blur", [str(passes)], simd_blur_reference(passes),
            f"3x3 binomial blur + noise XOR, {passes} passes over a 2048x2048 8-bit image, 128-bit SIMD "
            "(wasm SIMD128 / SSE2), CRC-32 checked against a numpy re-implementation"),
        # GET / answers 200 "hello" (issue 4's contract for workloads/http-server).
        "http-server": lambda: HttpWorkload("http-server", "/", 200, b"hello", "HTTP/1.1 server, GET / -> 200 hello",
                                            connections=[64] if quick else [1, 64, 256]),
    }
    return [make() for name, make in makers.items() if only is None or name in only]


def built(build_dir: str, name: str) -> bool:
    """A workload runs only when CMake built its .wasm (the input of every wasm row)."""
    return os.path.exists(os.path.join(build_dir, "workloads", name + ".wasm"))
