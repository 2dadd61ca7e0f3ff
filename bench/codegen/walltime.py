#!/usr/bin/env python3
"""Interleaved timing of a few executables running the same thing (A B C A B C ...).

    walltime.py --runs 10 --warmup 2 native=build/workloads/cpu-hash.native \\
        aot=build/workloads/cpu-hash.aot

Each round runs every command once, starting from a different one each round, so that
drift in the machine's load hits all of them alike. Every run's stdout must equal the first
command's (a fast wrong answer is not a result). Prints, per command, the median wall and CPU
(user+sys, from wait4) time with min-max and n, and the ratio of medians to the first
command; --json keeps the raw samples. On a loaded machine, CPU time is the steadier figure:
wall time counts the time spent waiting for a core.
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time


def run_once(argv):
    start = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("%s: exit status %d" % (argv[0], os.waitstatus_to_exitcode(status)))
    return wall, usage.ru_utime + usage.ru_stime, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--json", help="write raw samples here")
    ap.add_argument("commands", nargs="+", help="LABEL=COMMAND (shell words)")
    args = ap.parse_args()
    commands = []
    for c in args.commands:
        label, _, cmd = c.partition("=")
        commands.append((label, shlex.split(cmd)))
    samples = {label: {"wall": [], "cpu": []} for label, _ in commands}
    expected = None
    for r in range(args.warmup + args.runs):
        order = commands[r % len(commands):] + commands[:r % len(commands)]
        for label, argv in order:
            wall, cpu, out = run_once(argv)
            if expected is None:
                expected = out
            if out != expected:
                raise SystemExit("%s: output differs from the others" % label)
            if r >= args.warmup:
                samples[label]["wall"].append(wall)
                samples[label]["cpu"].append(cpu)
    base = commands[0][0]
    med = {l: {k: statistics.median(v) for k, v in s.items()} for l, s in samples.items()}
    print("| command | wall median (min-max) | CPU median (min-max) | wall ratio | CPU ratio | n |")
    print("|---|---|---|---|---|---|")
    for label, _ in commands:
        s = samples[label]
        print("| %s | %.3f s (%.3f-%.3f) | %.3f s (%.3f-%.3f) | %.3f | %.3f | %d |" % (
            label, med[label]["wall"], min(s["wall"]), max(s["wall"]), med[label]["cpu"],
            min(s["cpu"]), max(s["cpu"]), med[label]["wall"] / med[base]["wall"],
            med[label]["cpu"] / med[base]["cpu"], len(s["wall"])))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"commands": [[l, a] for l, a in commands], "samples": samples}, f,
                      indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
