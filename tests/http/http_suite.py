#!/usr/bin/env python3
"""The HTTP server workload under load and abuse, on loopback.

    http_suite.py [--clean-exit] [--name NAME] -- SERVER [ARGS...]

starts `SERVER [ARGS...] --listen 127.0.0.1:0` (native and aot builds take the same command
line) — or, when an argument contains {addr} (`wazero run -listen={addr} M.wasm`), that
argument with 127.0.0.1:PORT on a port picked here, for other WASI runtimes — runs every check
below against it, prints one line per check and a summary line
"N passed, M failed", and exits non-zero if any failed. With --clean-exit the server must
exit 0 on SIGTERM with nothing on stderr from a sanitizer (the native build's shutdown path,
run under AddressSanitizer's leak check).

Every wait is bounded; no check depends on how fast the machine is."""

import argparse
import asyncio
import random
import socket
import struct
import sys
import time

from server_proc import Server, fd_flags, raise_fd_limit, socket_fds, wait_until

HOST = "127.0.0.1"
IO_TIMEOUT = 30.0  # any single wait for the server; generous for sanitizer builds on busy CI
O_CLOEXEC = 0o2000000


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def __repr__(self):
        return f"<{self.status} {self.body[:40]!r}>"


async def read_response(reader, head_request=False):
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IO_TIMEOUT)
    lines = head[:-4].split(b"\r\n")
    version, status = lines[0].split(b" ", 2)[:2]
    assert version == b"HTTP/1.1", f"status line {lines[0]!r}"
    headers = {}
    for line in lines[1:]:
        name, value = line.split(b":", 1)
        headers[name.strip().lower()] = value.strip()
    assert b"content-length" in headers, f"no Content-Length in {head!r}"
    length = 0 if head_request else int(headers[b"content-length"])
    body = await asyncio.wait_for(reader.readexactly(length), IO_TIMEOUT)
    return Response(int(status), headers, body)


def request(path, method="GET", extra=b""):
    return b"%s %s HTTP/1.1\r\nHost: test\r\n%s\r\n" % (method.encode(), path.encode(), extra)


async def connect(port):
    return await asyncio.wait_for(asyncio.open_connection(HOST, port), IO_TIMEOUT)


async def get(port, path="/"):
    reader, writer = await connect(port)
    writer.write(request(path))
    response = await read_response(reader)
    writer.close()
    return response


async def expect_good_request(port):
    r = await get(port, "/")
    assert (r.status, r.body) == (200, b"hello"), f"good request after abuse got {r}"


# ---- the checks -----------------------------------------------------------------------------

async def check_concurrent_state(port):
    """200 keep-alive clients x 50 GET /state: every response 200, and the counter values seen
    are exactly 1..10,000 — nothing lost, nothing doubled. Runs first, on a fresh server."""
    clients, per_client = 200, 50
    seen = []

    async def client():
        reader, writer = await connect(port)
        for _ in range(per_client):
            writer.write(request("/state"))
            r = await read_response(reader)
            assert r.status == 200, f"status {r.status}"
            assert r.headers.get(b"connection") != b"close", "server closed a keep-alive"
            seen.append(int(r.body))
        writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    total = clients * per_client
    assert len(seen) == total, f"{len(seen)} responses"
    assert sorted(seen) == list(range(1, total + 1)), (
        f"counter values are not exactly 1..{total}: max {max(seen)}, "
        f"{len(set(seen))} distinct")
    return f"{total} responses, final counter {max(seen)}"


async def check_basic_routes(port):
    reader, writer = await connect(port)
    writer.write(request("/") + request("/missing") + request("/", "HEAD") +
                 request("/state?x=1") + request("/", "POST", b"Content-Length: 3\r\n") + b"abc" +
                 request("/"))
    got = [await read_response(reader), await read_response(reader),
           await read_response(reader, head_request=True), await read_response(reader),
           await read_response(reader), await read_response(reader)]
    writer.close()
    assert (got[0].status, got[0].body) == (200, b"hello"), got[0]
    assert got[1].status == 404, got[1]
    assert got[2].status == 200 and got[2].headers[b"content-length"] == b"5", got[2]
    assert got[3].status == 200 and got[3].body.isdigit(), got[3]
    assert got[4].status == 404, f"POST / (body skipped) -> {got[4]}"
    assert (got[5].status, got[5].body) == (200, b"hello"), f"after a skipped body: {got[5]}"


async def check_http10(port):
    reader, writer = await connect(port)
    writer.write(b"GET / HTTP/1.0\r\n\r\n")
    r = await read_response(reader)
    assert (r.status, r.body) == (200, b"hello"), r
    rest = await asyncio.wait_for(reader.read(), IO_TIMEOUT)
    assert rest == b"", "HTTP/1.0 without keep-alive: the server must close"
    writer.close()
    reader, writer = await connect(port)
    writer.write(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" * 2)
    for _ in range(2):
        r = await read_response(reader)
        assert r.status == 200 and r.headers.get(b"connection") == b"keep-alive", r
    writer.close()


async def check_pipelining(port):
    """40 requests in one write, and again split at random byte boundaries: answered in
    order, the /state ones with consecutive counter values, then closed on Connection: close."""
    paths = ["/", "/state", "/nope", "/state", "/state", "/"] * 6 + ["/state"] * 4
    batch = b"".join(request(p) for p in paths[:-1]) + request(paths[-1], extra=b"Connection: close\r\n")
    rng = random.Random(4)
    for split in (False, True):
        reader, writer = await connect(port)
        if split:
            i = 0
            while i < len(batch):
                n = rng.randint(1, 40)
                writer.write(batch[i:i + n])
                await writer.drain()
                i += n
                await asyncio.sleep(0)
        else:
            writer.write(batch)
        counters = []
        for k, path in enumerate(paths):
            r = await read_response(reader)
            want = 404 if path == "/nope" else 200
            assert r.status == want, f"response {k} to {path}: {r}"
            if path == "/":
                assert r.body == b"hello", f"response {k}: {r}"
            if path == "/state":
                counters.append(int(r.body))
        assert counters == list(range(counters[0], counters[0] + len(counters))), counters
        assert r.headers.get(b"connection") == b"close"
        assert await asyncio.wait_for(reader.read(), IO_TIMEOUT) == b"", "not closed"
        writer.close()


async def check_slow_client(port):
    """A client sending one byte per 100 ms holds back its last byte until 20 other clients
    have had 10 requests each answered: a server that waited for the slow request would
    never get there (the wait is bounded and fails the check)."""
    others_done = asyncio.Event()
    slow_request = request("/state")

    async def slow():
        reader, writer = await connect(port)
        for i, byte in enumerate(slow_request):
            if i == len(slow_request) - 1:
                await asyncio.wait_for(others_done.wait(), IO_TIMEOUT)
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.1)
        r = await read_response(reader)
        writer.close()
        assert r.status == 200, f"slow client got {r}"

    async def fast():
        reader, writer = await connect(port)
        for _ in range(10):
            writer.write(request("/"))
            assert (await read_response(reader)).status == 200
        writer.close()

    slow_task = asyncio.ensure_future(slow())
    await asyncio.sleep(0.35)  # a few bytes in
    try:
        await asyncio.wait_for(asyncio.gather(*(fast() for _ in range(20))), IO_TIMEOUT)
    except asyncio.TimeoutError:
        raise AssertionError("fast clients stalled behind the slow one")
    others_done.set()
    await slow_task


def reset(sock):
    """Close with RST instead of FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


async def check_resets(port):
    """Clients that reset mid-request, right after a request, and in the middle of a large
    pipelined burst (the server then writes into a reset connection: EPIPE, no SIGPIPE)."""
    def run():
        for i in range(60):
            s = socket.create_connection((HOST, port), timeout=IO_TIMEOUT)
            kind = i % 3
            if kind == 0:
                s.sendall(b"GET /state HTTP/1.1\r\nHo")
            elif kind == 1:
                s.sendall(request("/state"))
            else:
                s.sendall(request("/") * 2000)
                s.recv(100)  # the server is answering
            reset(s)
    await asyncio.get_running_loop().run_in_executor(None, run)


MALFORMED = [
    # (name, bytes sent, half-close after sending?, expected status)
    ("garbage request line", b"GARBAGE\r\n\r\n", False, 400),
    ("HTTP/0.9 request", b"GET /\r\n\r\n", False, 400),
    ("missing CR (bare LF)", b"GET / HTTP/1.1\nHost: x\n\n", False, 400),
    ("missing final CRLF, then EOF", b"GET / HTTP/1.1\r\nHost: x\r\n", True, 400),
    ("no Host in HTTP/1.1", b"GET / HTTP/1.1\r\n\r\n", False, 400),
    ("space in header name", b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n", False, 400),
    ("obs-fold continuation", b"GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n", False, 400),
    ("control byte in value", b"GET / HTTP/1.1\r\nHost: x\r\nA: b\x01c\r\n\r\n", False, 400),
    ("HTTP/2.0 version", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", False, 505),
    ("conflicting Content-Length",
     b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", False, 400),
    ("chunked body", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", False, 501),
    ("huge Content-Length",
     b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", False, 413),
    ("oversized header", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
     False, 431),
    ("too many headers",
     b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(150)) +
     b"\r\n", False, 431),
    ("oversized URI", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", False, 414),
    ("binary garbage", b"\x00" + bytes(random.Random(7).randrange(256) for _ in range(4000)),
     False, 400),
]


async def check_malformed(port):
    for name, data, half_close, status in MALFORMED:
        reader, writer = await connect(port)
        writer.write(data)
        if half_close:
            writer.write_eof()
        r = await read_response(reader)
        assert r.status == status, f"{name}: expected {status}, got {r}"
        assert r.headers.get(b"connection") == b"close", f"{name}: no Connection: close"
        rest = await asyncio.wait_for(reader.read(), IO_TIMEOUT)
        assert rest == b"", f"{name}: more after the error response: {rest[:60]!r}"
        writer.close()
        await expect_good_request(port)


async def check_idle_connections(server, count):
    """`count` connections opened (a third with half a request) and held until the server has
    accepted them all — it then polls them all at once — answering a good request meanwhile;
    then dropped (half with RST): the server still answers."""
    port = server.port

    def run():
        socks = []
        try:
            for i in range(count):
                s = socket.create_connection((HOST, port), timeout=IO_TIMEOUT)
                if i % 3 == 0:
                    s.sendall(b"GET / HTTP/1.1\r\n")
                socks.append(s)
            held = wait_until(lambda: len(socket_fds(server.proc.pid)) > count, IO_TIMEOUT)
            assert held, (f"the server accepted only {len(socket_fds(server.proc.pid)) - 1} "
                          f"of {count} connections")
            asyncio.run(expect_good_request(port))
        finally:
            for i, s in enumerate(socks):
                if i % 2:
                    reset(s)
                else:
                    s.close()
        return len(socks)
    opened = await asyncio.get_running_loop().run_in_executor(None, run)
    await expect_good_request(port)
    return f"{opened} connections"


def check_cloexec(server):
    """No socket of the server (listener, connections) may leak into a child process."""
    socks = [socket.create_connection((HOST, server.port), timeout=IO_TIMEOUT) for _ in range(3)]
    for s in socks:
        s.sendall(request("/"))
        s.recv(1000)
    fds = socket_fds(server.proc.pid)
    leaky = [fd for fd in fds if not fd_flags(server.proc.pid, fd) & O_CLOEXEC]
    for s in socks:
        s.close()
    assert len(fds) >= 4, f"expected the listener and 3 connections, saw sockets {fds}"
    assert not leaky, f"sockets without O_CLOEXEC: {leaky}"
    return f"{len(fds)} sockets, all O_CLOEXEC"


def check_ipv6(argv):
    """A second server on [::1]:0 answers over IPv6 (skipped where ::1 is unavailable)."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return "skipped: no IPv6 loopback"
    server = Server(argv, host="::1")
    try:
        with socket.create_connection(("::1", server.port), timeout=IO_TIMEOUT) as s:
            s.sendall(request("/", extra=b"Connection: close\r\n"))
            data = b""
            while chunk := s.recv(4096):
                data += chunk
        assert data.startswith(b"HTTP/1.1 200 ") and data.endswith(b"hello"), data
    finally:
        server.kill()
    return f"port {server.port}"


# ---- runner ---------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clean-exit", action="store_true")
    ap.add_argument("--name", default="server")
    ap.add_argument("server", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    argv = [a for a in args.server if a != "--"]
    fd_limit = raise_fd_limit(8192)
    idle_count = min(1000, fd_limit - 200)

    server = Server(argv)
    port = server.port
    checks = [
        ("200 clients x 50 keep-alive requests, counter exact",
         lambda: check_concurrent_state(port)),
        ("routes, HEAD, query, skipped body", lambda: check_basic_routes(port)),
        ("HTTP/1.0 close and keep-alive", lambda: check_http10(port)),
        ("pipelined requests answered in order", lambda: check_pipelining(port)),
        ("slow client does not stall others", lambda: check_slow_client(port)),
        ("client resets mid-request and mid-response", lambda: check_resets(port)),
        ("malformed requests: status, close, then a good request", lambda: check_malformed(port)),
        (f"{idle_count} idle connections opened and dropped",
         lambda: check_idle_connections(server, idle_count)),
        ("sockets are close-on-exec", lambda: check_cloexec(server)),
        ("listening on [::1]", lambda: check_ipv6(argv)),
    ]
    passed = failed = 0
    for name, check in checks:
        start = time.monotonic()
        try:
            result = check()
            if asyncio.iscoroutine(result):
                result = asyncio.run(result)
            if not server.alive():
                raise AssertionError(f"server exited with {server.proc.returncode}")
            passed += 1
            note = f" ({result})" if result else ""
            print(f"ok   {args.name}: {name}{note} [{time.monotonic() - start:.1f} s]", flush=True)
        except Exception as e:  # one failing check must not hide the others
            failed += 1
            print(f"FAIL {args.name}: {name}: {type(e).__name__}: {e}", flush=True)
            if not server.alive():
                break

    status = server.terminate()
    stderr = server.stderr.decode(errors="replace")
    if args.clean_exit:
        clean = status == 0 and "Sanitizer" not in stderr and "runtime error" not in stderr
        passed, failed = (passed + 1, failed) if clean else (passed, failed + 1)
        print(f"{'ok  ' if clean else 'FAIL'} {args.name}: clean exit on SIGTERM "
              f"(status {status})", flush=True)
    if failed:
        sys.stderr.write("server stderr:\n" + stderr[-6000:] + "\n")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
