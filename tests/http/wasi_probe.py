#!/usr/bin/env python3
"""Drives wasi_probe (an aot build of wasi_probe.c): gives it a scratch preopen, a listener,
stdin through a pipe, and plays its network peer; then checks how `--listen` fails.

    wasi_probe.py PROBE_EXECUTABLE [WASMAOT PROBE_WASM]

With WASMAOT and PROBE_WASM, also checks that `wasmaot run --listen` fails the same way.

Prints the probe's own "ok"/"FAIL" lines and ours, a summary line, and exits non-zero if any
check failed. Loopback only; every wait is bounded."""

import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from server_proc import LISTENING, die_with_parent, fd_flags, socket_fds

TIMEOUT = 30.0
O_CLOEXEC = 0o2000000


class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, name, detail=""):
        if ok:
            self.passed += 1
            print(f"ok {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}: {detail}", flush=True)


def peer(port, action):
    """What the probe asked for with need:ACTION."""
    if action == "connect-send-ping":
        s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        s.sendall(b"ping")
        return s
    if action == "connect-then-reset":
        s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        return None
    raise ValueError(action)


def run_probe(exe, results):
    scratch = tempfile.mkdtemp(prefix="wasi-probe-", dir=os.path.dirname(os.path.abspath(exe)))
    proc = subprocess.Popen([exe, "--dir", f"{scratch}::/scratch", "--listen", "127.0.0.1:0"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=die_with_parent)
    stderr_lines = []
    port_known = threading.Event()
    port = [None]

    def read_stderr():
        for line in iter(proc.stderr.readline, b""):
            stderr_lines.append(line)
            m = LISTENING.search(line)
            if m:
                port[0] = int(m.group(1))
                port_known.set()
    threading.Thread(target=read_stderr, daemon=True).start()
    killer = threading.Timer(120, proc.kill)  # a hung probe must not hang the suite
    killer.start()
    try:
        results.check(port_known.wait(TIMEOUT), "runtime reports the port it chose for :0")
        proc.stdin.write(b"abc")
        proc.stdin.flush()
        conn = None
        summary = None
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            if line.startswith("need:"):
                action = line[5:]
                if action == "close-stdin":
                    proc.stdin.close()
                elif action == "send-split-abcdefgh":
                    conn.sendall(b"abcd")
                    time.sleep(0.2)  # so that a recv without WAITALL would see only half
                    conn.sendall(b"efgh")
                elif action == "expect-pong-eof-then-close":
                    data = b""
                    while True:
                        chunk = conn.recv(100)
                        if not chunk:
                            break
                        data += chunk
                    results.check(data == b"pong", "peer got the probe's bytes, then EOF",
                                  repr(data))
                    conn.close()
                elif action == "connect-send-ping":
                    conn = peer(port[0], action)
                    pid_fds = socket_fds(proc.pid)
                    leaky = [fd for fd in pid_fds if not fd_flags(proc.pid, fd) & O_CLOEXEC]
                    results.check(not leaky, "runtime's sockets are close-on-exec", str(leaky))
                else:
                    peer(port[0], action)
            elif line.startswith("probe:"):
                summary = line
            print(line, flush=True)
        status = proc.wait(TIMEOUT)
    finally:
        killer.cancel()
        if proc.poll() is None:
            proc.kill()
        shutil.rmtree(scratch, ignore_errors=True)
    results.check(summary is not None and status == 0,
                  f"probe completed ({summary}, exit status {status})",
                  b"".join(stderr_lines).decode(errors="replace")[-3000:])


def listen_failures(command, results):
    """Bad or unbindable --listen: one line on stderr, non-zero exit, the guest never runs."""
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    busy_spec = "127.0.0.1:%d" % busy.getsockname()[1]
    cases = [busy_spec, "no-port", "127.0.0.1:99999", "::1:80", "[::1:80", "127.0.0.1:"]
    # The probe is built with --sanitize; what it leaks when it exits early is not the point.
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    for spec in cases:
        p = subprocess.run(command + ["--listen", spec], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=120, env=env)
        err = p.stderr.decode(errors="replace")
        ok = p.returncode != 0 and err.count("\n") == 1 and "--listen" in err and not p.stdout
        results.check(ok, f"{os.path.basename(command[0])} --listen {spec} refused in one line",
                      f"status {p.returncode}, stderr {err!r}, stdout {p.stdout[:80]!r}")
    busy.close()


def main():
    exe = os.path.abspath(sys.argv[1])
    results = Results()
    run_probe(exe, results)
    listen_failures([exe], results)
    if len(sys.argv) > 3:
        # wasmaot run translates first (cached under the build directory), then runs.
        os.environ["WASMAOT_CACHE"] = os.path.join(os.path.dirname(exe), "wasmaot-cache")
        listen_failures([os.path.abspath(sys.argv[2]), "run", os.path.abspath(sys.argv[3])],
                        results)
    print(f"{results.passed} passed, {results.failed} failed")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
