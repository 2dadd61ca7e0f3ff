"""One first run of a real program's task (bench/programs.py) from an empty cache, its output
verified: `wasmtime run -C cache=n`, or `wasmaot run` with a fresh $WASMAOT_CACHE. Prints the
wall time. For a quick look outside `make bench` (whose real-programs section measures the same
with repetitions); wait for a wasmaot run's background build to end before the next run.

    python3 bench/first_run.py wasmtime flite
    python3 bench/first_run.py wasmaot flite [--quick] [--run-opt=-v ...]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from types import SimpleNamespace

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import programs  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runtime", choices=["wasmtime", "wasmaot"])
    ap.add_argument("program", choices=[p.name for p in programs.PROGRAMS])
    ap.add_argument("--quick", action="store_true", help="the program's short task")
    ap.add_argument("--wasmaot", default=os.path.join(REPO, "build", "bin", "wasmaot"))
    ap.add_argument("--wasmtime", default=os.path.join(REPO, ".venv", "bin", "wasmtime"))
    ap.add_argument("--run-opt", action="append", default=[], dest="extra", metavar="OPT",
                    help="one more `wasmaot run` option (repeatable), e.g. --run-opt=-v")
    a = ap.parse_args()
    prog = next(p for p in programs.PROGRAMS if p.name == a.program)
    try:
        wasm = programs.fetch(prog, REPO)
    except programs.NotFetched as e:
        print(f"{a.program}: not fetched: {e}", file=sys.stderr)
        return 77  # what ctest's SKIP_RETURN_CODE takes (offline)
    task = prog.tasks["quick" if a.quick else "full"]()
    tmp = tempfile.mkdtemp(prefix="first-run-")
    try:
        dirs = programs.make_dirs(task, tmp)
        dir_opts = sum((["--dir", f"{host}::{guest}"] for guest, host in dirs.items()), [])
        env = dict(os.environ)
        if a.runtime == "wasmtime":
            argv = [a.wasmtime, "run", "-C", "cache=n"] + dir_opts + [wasm] + task.args
        else:
            env["WASMAOT_CACHE"] = os.path.join(tmp, "cache")
            argv = [a.wasmaot, "run"] + a.extra + [wasm] + dir_opts + ["--"] + task.args
        start = time.monotonic()
        proc = subprocess.run(argv, capture_output=True, env=env)
        wall = time.monotonic() - start
        sample = SimpleNamespace(timed_out=False, exit_code=proc.returncode,
                                 stderr_tail=proc.stderr.decode(errors="replace")[-2000:],
                                 stdout=proc.stdout)
        bad = task.check(sample, dirs)
        print(f"{a.runtime} {a.program}: {wall:.2f} s, {'verified' if not bad else 'WRONG: ' + bad}")
        if "-v" in a.extra:
            sys.stderr.write(proc.stderr.decode(errors="replace"))
        return 1 if bad else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
