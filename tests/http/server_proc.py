"""Starting a server under test, learning its port, and stopping it.

Both our builds take the same command line: the native build binds `--listen` itself, the aot
executable's runtime binds it and hands it to the guest. With port 0 both print the chosen
address on stderr ("... listening on 127.0.0.1:PORT"), which is how we learn the port without
ever guessing a free one. Other runtimes (wazero -listen, wasmtime -S tcplisten) get a port
picked here."""

import os
import re
import signal
import socket
import subprocess
import threading
import time

LISTENING = re.compile(rb"listening on (?:\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+)")


def die_with_parent():
    """In the child before exec: SIGKILL it if the test dies (a ctest timeout, say), so no
    server outlives its test."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port(host):
    """A port that was free a moment ago: only for runtimes that cannot take port 0 and say
    which port they got (wazero, wasmtime). Racy in principle, hence startup retries."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Server:
    """When an argument of argv contains "{addr}" (e.g. "-listen={addr}"), the port is picked
    here, substituted, and the server is ready once it accepts a connection; otherwise argv
    gets `--listen HOST:0` and the server prints the port it got."""

    def __init__(self, argv, host="127.0.0.1", env=None, startup_timeout=20.0):
        self.stderr = b""
        self._port_found = threading.Event()
        self.port = None
        bracketed = f"[{host}]" if ":" in host else host
        pick_port = any("{addr}" in a for a in argv)
        if pick_port:
            self.port = free_port(host)
            argv = [a.replace("{addr}", f"{bracketed}:{self.port}") for a in argv]
        else:
            argv = argv + ["--listen", f"{bracketed}:0"]
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env,
                                     preexec_fn=die_with_parent)
        if pick_port:
            threading.Thread(target=self._wait_connectable, args=(host, startup_timeout),
                             daemon=True).start()
        # Drain stderr for the whole run: a full pipe would block the server, and a
        # sanitizer's report at exit must be kept.
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        self._out_reader = threading.Thread(target=self.proc.stdout.read, daemon=True)
        self._out_reader.start()
        if not self._port_found.wait(startup_timeout):
            self.kill()
            raise RuntimeError(f"{argv[0]} printed no listening address within "
                               f"{startup_timeout:.0f} s; stderr: {self.stderr[-2000:]!r}")

    def _wait_connectable(self, host, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.proc.poll() is None:
            try:
                socket.create_connection((host, self.port), timeout=1).close()
                self._port_found.set()
                return
            except OSError:
                time.sleep(0.05)

    def _read_stderr(self):
        for line in iter(self.proc.stderr.readline, b""):
            self.stderr += line
            m = LISTENING.search(line)
            if m and not self._port_found.is_set():
                self.port = int(m.group(1))
                self._port_found.set()

    def alive(self):
        return self.proc.poll() is None

    def terminate(self, timeout=20.0):
        """SIGTERM, then the exit status (negative: killed by that signal)."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("server did not exit within %.0f s of SIGTERM" % timeout)
        self._reader.join(5)
        return self.proc.returncode

    def kill(self):
        if self.alive():
            self.proc.kill()
        self.proc.wait()
        self._reader.join(5)


def raise_fd_limit(wanted):
    """The client side needs more sockets than the common soft limit of 1,024."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def wait_until(predicate, timeout, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def fd_flags(pid, fd):
    """The open flags of one of a process's descriptors, from /proc (Linux)."""
    with open(f"/proc/{pid}/fdinfo/{fd}") as f:
        for line in f:
            if line.startswith("flags:"):
                return int(line.split()[1], 8)
    raise RuntimeError(f"no flags for fd {fd} of {pid}")


def socket_fds(pid):
    """The descriptors of a process that are sockets."""
    fds = []
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:"):
                fds.append(int(name))
        except OSError:
            pass  # closed meanwhile
    return sorted(fds)
