"""One process launch, measured from outside: wall time around fork → exit, CPU time and peak
RSS from the kernel's wait4() rusage (so compiler threads and children a runtime waits for are
counted), stdout kept for verification. The timer is around the whole process: it includes
the runtime's start-up, compilation and instantiation, not just the guest's work.

The launch goes through rusage-exec (a small C program built on first use): see its header
for why the Python harness cannot spawn the command itself without inflating its RSS."""

import os
import subprocess
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass
class ProcessSample:
    wall_ms: float
    user_ms: float
    sys_ms: float
    maxrss_kib: int
    exit_code: int  # negative: killed by that signal
    stdout: bytes
    stderr_tail: str
    timed_out: bool

    @property
    def cpu_ms(self) -> float:
        return self.user_ms + self.sys_ms


def build_rusage_exec(scratch: str) -> str:
    exe = os.path.join(scratch, "rusage-exec")
    if not os.path.exists(exe):
        subprocess.run(["cc", "-std=c11", "-O2", "-Wall", "-Wextra", "-o", exe, os.path.join(HERE, "rusage-exec.c")],
                       check=True, timeout=120)
    return exe


def run_process(argv: list[str], env_extra: dict, scratch: str, timeout_s: int) -> ProcessSample:
    """Runs argv once with stdout/stderr to files under scratch; the helper kills it after timeout_s."""
    helper = build_rusage_exec(scratch)
    out_path, err_path, report_path = (os.path.join(scratch, n) for n in ("stdout", "stderr", "rusage"))
    env = dict(os.environ)
    env.update(env_extra)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.run([helper, str(timeout_s), report_path, "--"] + argv, stdin=subprocess.DEVNULL,
                              stdout=out, stderr=err, env=env, timeout=timeout_s + 30)
    with open(out_path, "rb") as f:
        stdout = f.read()
    with open(err_path, "rb") as f:
        stderr_tail = f.read()[-400:].decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"rusage-exec failed ({proc.returncode}): {stderr_tail.strip()}")
    with open(report_path) as f:
        wall_ns, user_us, sys_us, maxrss, code, timed_out = (int(v) for v in f.read().split())
    return ProcessSample(wall_ms=wall_ns / 1e6, user_ms=user_us / 1e3, sys_ms=sys_us / 1e3, maxrss_kib=maxrss,
                         exit_code=code, stdout=stdout, stderr_tail=stderr_tail, timed_out=bool(timed_out))
