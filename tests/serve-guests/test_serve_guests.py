"""The serve benchmark's guests answer right and refuse wrong requests (ctest serve-guests).

serve-cgi three ways (the native build, the wasmaot build, the .wasm under Wasmtime through the
wheel's Python API with WASI environment and stdin) and serve-handler.wasm (a fresh Wasmtime
instance per request: _initialize, request into request_buffer(), handle(), response out).
Usage: test_serve_guests.py BUILD_DIR (the venv's python, which has the wasmtime wheel)."""

import os
import subprocess
import sys
import tempfile
import unittest

import wasmtime

BUILD = sys.argv.pop(1) if len(sys.argv) > 1 else "build"
W = os.path.join(BUILD, "workloads")

GOOD = {"REQUEST_METHOD": "POST", "PATH_INFO": "/echo", "QUERY_STRING": "x=7", "HTTP_X_CHECK": "42",
        "CONTENT_LENGTH": "5"}
GOOD_OUT = b"Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nx=7 check=42 sum=49 len=5 body=hello\n"
# (environment changes, stdin, the reason the guest must give)
BAD = [
    ({"REQUEST_METHOD": "GET"}, b"hello", b"method is not POST"),
    ({"PATH_INFO": "/other"}, b"hello", b"path is not /echo"),
    ({"QUERY_STRING": "x=a"}, b"hello", b"query is not x=N"),
    ({"QUERY_STRING": "x=1234567890"}, b"hello", b"query is not x=N"),
    ({"HTTP_X_CHECK": None}, b"hello", b"X-Check header missing or not a number"),
    ({"HTTP_X_CHECK": "4 2"}, b"hello", b"X-Check header missing or not a number"),
    ({"CONTENT_LENGTH": "9"}, b"hello", b"body shorter than CONTENT_LENGTH"),
    ({"CONTENT_LENGTH": "0"}, b"", b"body empty or too long"),
    ({"CONTENT_LENGTH": "5000"}, b"a" * 5000, b"body empty or too long"),
]


def env_for(changes):
    env = dict(GOOD)
    for k, v in changes.items():
        if v is None:
            env.pop(k)
        else:
            env[k] = v
    return env


def bad_out(reason):
    return b"Status: 400 Bad Request\r\nContent-Type: text/plain\r\n\r\n" + reason + b"\n"


def run_native(env, stdin):
    return subprocess.run([os.path.join(W, "serve-cgi.native")], input=stdin, env=env, capture_output=True,
                          timeout=30).stdout


def run_aot(env, stdin):
    argv = [os.path.join(W, "serve-cgi.aot")]
    for k, v in env.items():
        argv += ["--env", f"{k}={v}"]
    return subprocess.run(argv + ["--"], input=stdin, capture_output=True, timeout=30).stdout


ENGINE = wasmtime.Engine()
CGI_MODULE = wasmtime.Module.from_file(ENGINE, os.path.join(W, "serve-cgi.wasm"))
HANDLER_MODULE = wasmtime.Module.from_file(ENGINE, os.path.join(W, "serve-handler.wasm"))


def run_wasmtime(env, stdin):
    with tempfile.TemporaryDirectory() as d:
        infile = os.path.join(d, "in")
        with open(infile, "wb") as f:
            f.write(stdin)
        wasi = wasmtime.WasiConfig()
        wasi.env = list(env.items())
        wasi.stdin_file = infile
        out = []
        wasi.stdout_custom = out.append
        store = wasmtime.Store(ENGINE)
        store.set_wasi(wasi)
        linker = wasmtime.Linker(ENGINE)
        linker.define_wasi()
        inst = linker.instantiate(store, CGI_MODULE)
        try:
            inst.exports(store)["_start"](store)
        except wasmtime.ExitTrap as e:
            if e.code != 0:
                raise
        return b"".join(out)


def handle(request: bytes) -> bytes:
    store = wasmtime.Store(ENGINE)
    inst = wasmtime.Linker(ENGINE).instantiate(store, HANDLER_MODULE)
    ex = inst.exports(store)
    ex["_initialize"](store)
    mem = ex["memory"]
    at = ex["request_buffer"](store)
    mem.write(store, request, at)
    n = ex["handle"](store, at, len(request))
    if n < 0:
        return b""
    return mem.read(store, ex["response_buffer"](store), ex["response_buffer"](store) + n)


def http_answer(status, body):
    return (f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


class CgiGuest(unittest.TestCase):
    def check_all(self, env, stdin, want):
        for name, run in (("native", run_native), ("aot", run_aot), ("wasmtime", run_wasmtime)):
            with self.subTest(build=name, env=env):
                self.assertEqual(run(env, stdin), want)

    def test_good_request(self):
        self.check_all(GOOD, b"hello", GOOD_OUT)

    def test_bad_requests(self):
        for changes, stdin, reason in BAD:
            self.check_all(env_for(changes), stdin, bad_out(reason))


class HandlerGuest(unittest.TestCase):
    def test_good_request(self):
        req = b"POST /echo?x=12 HTTP/1.1\r\nhost: a\r\nx-check:  9 \r\nContent-Length: 3\r\n\r\nabc"
        self.assertEqual(handle(req), http_answer("200 OK", b"x=12 check=9 sum=21 len=3 body=abc\n"))

    def test_bad_requests(self):
        cases = [
            (b"GET /echo?x=1 HTTP/1.1\r\nX-Check: 1\r\nContent-Length: 1\r\n\r\na", b"method is not POST"),
            (b"POST /echo?x=1 HTTP/1.0\r\nX-Check: 1\r\nContent-Length: 1\r\n\r\na", b"bad request line"),
            (b"POST /echo?x=1 HTTP/1.1\r\nX-Check: 1\r\nContent-Length: 2\r\n\r\na",
             b"body length is not Content-Length"),
            (b"POST /echo?x=1 HTTP/1.1\r\nX-Check 1\r\n\r\n", b"header without a colon"),
            (b"POST /echo?x=1 HTTP/1.1\r\nX-Check: 1\r\n", b"headers not terminated"),
            (b"POST /echo?y=1 HTTP/1.1\r\nX-Check: 1\r\nContent-Length: 1\r\n\r\na", b"query is not x=N"),
            (b"POST /echo?x=1 HTTP/1.1\r\nContent-Length: 1\r\n\r\na", b"X-Check header missing or not a number"),
            (b"garbage", b"no request line"),
        ]
        for req, reason in cases:
            with self.subTest(req=req):
                self.assertEqual(handle(req), http_answer("400 Bad Request", reason + b"\n"))

    def test_length_out_of_range(self):
        store = wasmtime.Store(ENGINE)
        ex = wasmtime.Linker(ENGINE).instantiate(store, HANDLER_MODULE).exports(store)
        ex["_initialize"](store)
        self.assertEqual(ex["handle"](store, 0, 8193), -1)
        self.assertEqual(ex["handle"](store, 0, -1), -1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
