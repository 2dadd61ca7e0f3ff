#!/usr/bin/python3
"""The serve benchmark on its own (the same section `make bench` runs, bench/serve/section.py):

    bench/serve/run.py [--build build] [--quick] [--no-e2e] [--json OUT] [--check]

prints the machine, the in-process per-request table and the end-to-end wrk table; --json
writes everything (every round's JSON line, every wrk sample); --check exits 1 unless every
variant and every supported end-to-end target verified (the ctest test bench-serve-quick)."""

import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import section  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default=os.path.join(REPO, "build"))
    p.add_argument("--quick", action="store_true", help="smoke run: few requests, 1 s of wrk")
    p.add_argument("--no-e2e", action="store_true", help="the in-process microbenchmark only")
    p.add_argument("--json", help="write all results to this file")
    p.add_argument("--check", action="store_true", help="exit 1 unless everything that ran verified")
    args = p.parse_args()
    scratch = tempfile.mkdtemp(prefix="wasmaot-serve-bench-")
    try:
        result = section.run(os.path.abspath(args.build), args.quick, scratch,
                             progress=lambda s: print(f"serve: {s}", file=sys.stderr), e2e=not args.no_e2e)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps({"machine": result["micro"]["machine"]}))
    for note in result["micro"]["notes"]:
        print(f"note: {note}")
    for title, headers, body in section.tables(result):
        print(f"\n== {title}")
        print(" | ".join(headers))
        for row in body:
            print(" | ".join(row))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    if args.check:
        problems = section.problems(result)
        for problem in problems:
            print(f"serve --check: {problem}", file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
