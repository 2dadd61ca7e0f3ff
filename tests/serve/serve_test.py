"""Tests of `wasmaot serve` (runtime-support/serve/), through the CLI as a user runs it.

  serve_test.py isolation WASMAOT ISOLATION_WASM STATE_WASM MODE [--sanitize]
      One worker (so every request meets the same worker's instance), isolation MODE:
      a secret left in request N (static memory, heap, grown memory, environment, open and
      renumbered descriptors, a closed preopen; a wasm global, a table slot and the table's
      size in the .wat guest) is nowhere in request N+1; a trap, a non-zero exit, memory grown
      to its limit, stack exhaustion, output without CGI headers (502) and an endless loop
      (--timeout: 504) each leave the next request's answer right.
  serve_test.py robust WASMAOT ISOLATION_WASM
      Two workers: 400/413/431 for bad requests, a slow client neither blocks the others nor
      stays forever (408), client resets, keep-alive and pipelining, HEAD, the CGI variables,
      and a burst of concurrent requests, every answer checked.
  serve_test.py micro WASMAOT ISOLATION_WASM MICRO_SOURCE SCRATCH
      bench/serve/micro_wasmaot.c built as README says and run quickly in every mode.
"""

import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))
from server_proc import Server  # noqa: E402

TIMEOUT_S = 1.0  # --timeout of the servers under test


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def request(port, raw, timeout=10.0):
    """Sends raw bytes, returns everything read until the server closes (Connection: close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(raw)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def get(port, target, headers=None, body=b"", method=None):
    """(status, body) of one request on its own connection."""
    method = method or ("POST" if body else "GET")
    head = f"{method} {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
    for k, v in (headers or {}).items():
        head += f"{k}: {v}\r\n"
    if body:
        head += f"Content-Length: {len(body)}\r\n"
    raw = request(port, head.encode() + b"\r\n" + body)
    if not raw.startswith(b"HTTP/1.1 "):
        fail(f"{target}: not an HTTP response: {raw[:200]!r}")
    head_end = raw.find(b"\r\n\r\n")
    return int(raw[9:12]), raw[head_end + 4:]


def start(wasmaot, wasm, extra, sanitize):
    # (under ASan every request is slower: a longer deadline for the ones that must make it)
    timeout = TIMEOUT_S * (4 if sanitize else 1)
    argv = [wasmaot, "serve", wasm, "--workers", "1", "--timeout", str(timeout)] + extra
    if sanitize:
        argv.insert(2, "--sanitize")
    # The first start builds the serve executable into the cache: allow for it.
    return Server(argv, startup_timeout=300.0)


def check_read(port, secret, baseline_pages, what):
    status, body = get(port, "/r?op=read", {"X-Secret": secret[::-1]}, b"the body")
    expect = (f"found=0 pages={baseline_pages} leak=none fds=[] preopen=/data stdin=the body "
              "stash0=0\n").encode()
    if status != 200 or body != expect:
        fail(f"after {what}: read answered {status} {body!r}, expected {expect!r}")


def isolation(wasmaot, iso_wasm, state_wasm, mode, sanitize):
    data = tempfile.mkdtemp(prefix="serve-test-")
    with open(os.path.join(data, "f"), "w") as f:
        f.write("file contents\n")
    srv = start(wasmaot, iso_wasm, ["--isolation", mode, "--dir", f"{data}::/data"], sanitize)
    try:
        port = srv.port
        secret = "S3cr%08x" % random.getrandbits(32)
        status, body = get(port, "/r?op=read", {"X-Secret": secret[::-1]}, b"the body")
        if status != 200 or not body.startswith(b"found=0 pages="):
            fail(f"first read: {status} {body!r}")
        pages = int(body.split(b"pages=")[1].split()[0])
        check_read(port, secret, pages, "a first read")
        for round_ in range(3):
            status, body = get(port, "/w?op=write", {"X-Secret": secret})
            if status != 200 or not body.startswith(b"ok kept="):
                fail(f"write: {status} {body!r}")
            check_read(port, secret, pages, f"write {round_}")
        # Each failure ends its own request only; the next is answered as usual.
        cases = [("trap", 500), ("exit", 500), ("grow", 200), ("deep", 500), ("noheader", 502),
                 ("loop", 504)]
        for op, want in cases:
            # A request that also leaves the secret behind before it fails would be the harder
            # case; op=write first makes sure a dirty instance precedes every failure too.
            get(port, "/w?op=write", {"X-Secret": secret})
            status, body = get(port, f"/f?op={op}")
            if status != want:
                fail(f"op={op}: status {status}, expected {want}: {body!r}")
            check_read(port, secret, pages, f"op={op}")
        log = srv.stderr.decode(errors="replace")
        for needle in ("502 Bad Gateway: ", "wasm trap: ", "exited with status 7"):
            if needle not in log:
                fail(f"no log line with {needle!r}: {log[-2000:]}")
        if srv.terminate() != 0:
            fail(f"exit status {srv.proc.returncode} after SIGTERM")
        if "ERROR: AddressSanitizer" in log or "runtime error:" in log:
            fail(f"sanitizer report: {log[-3000:]}")
    finally:
        srv.kill()
    srv = start(wasmaot, state_wasm, ["--isolation", mode], sanitize)
    try:
        for i in range(4):
            status, body = get(srv.port, "/")
            if status != 200 or body != b"clean\n":
                fail(f"state guest, request {i}: {status} {body!r} (a global, table or memory "
                     "change survived)")
    finally:
        srv.terminate()
    print(f"isolation {mode}{' (sanitize)' if sanitize else ''}: ok")


def robust(wasmaot, iso_wasm):
    argv = [wasmaot, "serve", iso_wasm, "--workers", "2", "--timeout", str(TIMEOUT_S),
            "--max-body", "1000", "--env", "GREETING=hi"]
    srv = Server(argv, startup_timeout=300.0)
    port = srv.port
    try:
        # Bad requests.
        for raw, want in [(b"GARBAGE\r\n\r\n", 400), (b"GET / HTTP/1.1\r\n\r\n", 400),
                          (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
                          (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", 413),
                          (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
                          (b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400)]:
            got = request(port, raw)
            if not got.startswith(f"HTTP/1.1 {want} ".encode()):
                fail(f"{raw[:40]!r}: expected {want}, got {got[:80]!r}")
        # The CGI variables and the body.
        status, body = get(port, "/a%20b/c?op=env&x=1", {"X-Foo": "bar"}, b"payload")
        for line in (b"REQUEST_METHOD=POST", b"PATH_INFO=/a b/c", b"X_RAW_PATH_INFO=/a%20b/c",
                     b"QUERY_STRING=op=env&x=1", b"CONTENT_LENGTH=7", b"HTTP_X_FOO=bar",
                     b"SERVER_PROTOCOL=HTTP/1.1", b"GATEWAY_INTERFACE=CGI/1.1",
                     b"REMOTE_ADDR=127.0.0.1", b"SERVER_PORT=%d" % port, b"SERVER_NAME=test",
                     b"GREETING=hi", b"BODY=payload"):
            if status != 200 or line not in body.split(b"\n"):
                fail(f"env: no {line!r} in {body!r}")
        # HEAD: headers only.
        got = request(port, b"HEAD /?op=hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        if not got.startswith(b"HTTP/1.1 200 ") or not got.endswith(b"\r\n\r\n"):
            fail(f"HEAD: {got!r}")
        # Keep-alive with two pipelined requests in one write.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /?op=hello HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"GET /?op=hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            out = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
            if out.count(b"HTTP/1.1 200 OK") != 2 or out.count(b"hello\n") != 2:
                fail(f"pipelining: {out!r}")
        # A slow client (a partial head, then silence) does not hold up the others, and is
        # answered 408 after --timeout.
        slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
        for s in slow:
            s.sendall(b"GET / HTTP/1.1\r\nHo")
        t0 = time.monotonic()
        for _ in range(20):
            status, body = get(port, "/?op=hello")
            if status != 200 or body != b"hello\n":
                fail(f"beside slow clients: {status} {body!r}")
        if time.monotonic() - t0 > TIMEOUT_S * 0.8:
            fail("requests waited for the slow clients")
        for s in slow:
            s.settimeout(TIMEOUT_S * 5 + 5)
            got = s.recv(4096)
            if not got.startswith(b"HTTP/1.1 408 "):
                fail(f"slow client: {got!r}")
            s.close()
        # Clients that reset their connection mid-request or before reading the answer.
        for i in range(40):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /?op=hello HTTP/1.1\r\nHost: x\r\n" + (b"\r\n" if i % 2 else b""))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
        # A burst: 8 threads x 50 keep-alive requests, every answer checked.
        errors = []

        def client():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
                    f = s.makefile("rb")
                    for _ in range(50):
                        s.sendall(b"GET /?op=hello HTTP/1.1\r\nHost: x\r\n\r\n")
                        status = f.readline()
                        length = None
                        while True:
                            line = f.readline()
                            if line == b"\r\n":
                                break
                            if line.lower().startswith(b"content-length:"):
                                length = int(line.split(b":")[1])
                        body = f.read(length)
                        if not status.startswith(b"HTTP/1.1 200") or body != b"hello\n":
                            errors.append((status, body))
                            return
            except OSError as e:
                errors.append(e)

        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            fail(f"burst: {errors[:3]}")
        if not srv.alive():
            fail("the server died")
        if srv.terminate() != 0:
            fail(f"exit status {srv.proc.returncode} after SIGTERM")
    finally:
        srv.kill()
    print("robust: ok")


def micro(wasmaot, iso_wasm, source, scratch):
    os.makedirs(scratch, exist_ok=True)
    exe = os.path.join(scratch, "micro")
    subprocess.run([wasmaot, "build", "--serve", "--host-main", source, iso_wasm, "-o", exe],
                   check=True)
    p = subprocess.run([exe, "--n", "300", "--n-fork", "30", "--guest-name", "iso", "--method",
                        "GET", "--target", "/?op=hello", "--body", "", "--expect", "hello\n"],
                       capture_output=True, text=True, timeout=120)
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or len(lines) != 3:
        fail(f"micro_wasmaot: status {p.returncode}: {p.stdout} {p.stderr}")
    for mode, line in zip(("reset", "fresh", "fork"), lines):
        if f'"variant":"wasmaot-{mode}"' not in line or '"median_us":' not in line:
            fail(f"micro_wasmaot: {line}")
    print("\n".join(lines))
    # A wrong expectation must fail the run (the benchmark checks every response).
    p = subprocess.run([exe, "--n", "5", "--isolation", "reset", "--method", "GET", "--target",
                        "/?op=hello", "--body", "", "--expect", "not this\n"],
                       capture_output=True, text=True, timeout=60)
    if p.returncode == 0:
        fail("micro_wasmaot accepted a wrong response")
    print("micro: ok")


def main():
    cmd = sys.argv[1]
    if cmd == "isolation":
        isolation(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], "--sanitize" in sys.argv)
    elif cmd == "robust":
        robust(sys.argv[2], sys.argv[3])
    elif cmd == "micro":
        micro(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        fail(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
