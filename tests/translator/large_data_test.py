#!/usr/bin/env python3
"""`wasmaot build` on a module with a 32 MiB data segment.

wasm2c writes data segments as C text (~6 bytes of C per byte of data); wasmaot moves them
into a binary blob that the assembler includes (translator/c_rewrite.c). This test builds
the module at test time (large_data.wat + one appended data segment of pseudo-random
bytes), translates it, and checks:
  - the build succeeds and no compiler process needed 1 GiB or more (peak RSS of the
    build's child processes, from wait4);
  - the kept C is small and the kept blob is exactly the segment's bytes;
  - the executable prints the Adler-32 of the segment, as computed here by zlib.
The build's wall time and peak RSS are printed, not asserted (shared, noisy machine).

    large_data_test.py --wasmaot build/bin/wasmaot --wat tests/translator/large_data.wat --work DIR
        [--expect-compiler tcc] [-- BUILD OPTIONS]
"""

import argparse
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import time
import zlib

DATA_START = 1024
DATA_LEN = 32 << 20  # must match large_data.wat
RSS_LIMIT = 1 << 30


def leb128(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def data_section(offset, payload):
    """Section 11 with one active segment for memory 0 at i32.const offset."""
    segment = b"\x00" + b"\x41" + leb128(offset) + b"\x0b" + leb128(len(payload)) + payload
    body = leb128(1) + segment
    return b"\x0b" + leb128(len(body)) + body


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wasmaot", required=True)
    ap.add_argument("--wat", required=True)
    ap.add_argument("--wat2wasm", default="wat2wasm", help="wabt's wat2wasm (the build's)")
    ap.add_argument("--work", required=True)
    ap.add_argument("--expect-compiler", help="what -v must name as the guest's compiler")
    ap.add_argument("build_options", nargs="*", help="after --: wasmaot build options")
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    code = os.path.join(args.work, "code.wasm")
    subprocess.run([args.wat2wasm, args.wat, "-o", code], check=True)
    payload = hashlib.shake_128(b"wasmaot large data segment").digest(DATA_LEN)
    module = os.path.join(args.work, "large.wasm")
    with open(code, "rb") as f, open(module, "wb") as out:
        # The code module has no data section; section 11 goes after the code section (10).
        out.write(f.read() + data_section(DATA_START, payload))

    exe = os.path.join(args.work, "large.aot")
    keep = os.path.join(args.work, "c")
    start = time.monotonic()
    build = subprocess.run([args.wasmaot, "build", module, "-o", exe, "--keep-c", keep, "-v"] +
                           args.build_options,
                           capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print("build of a %d MiB data segment (%s): %.1f s, peak RSS of the build's processes "
          "%.0f MiB" % (DATA_LEN >> 20, " ".join(args.build_options) or "default", seconds,
                        peak_kib / 1024))
    print(build.stderr.strip())
    failures = []
    if build.returncode != 0:
        print(build.stderr, file=sys.stderr)
        return 1
    if peak_kib * 1024 >= RSS_LIMIT:
        failures.append("a build process used %.0f MiB (limit 1024 MiB)" % (peak_kib / 1024))
    c_size = os.path.getsize(os.path.join(keep, "guest.c"))
    if c_size > (1 << 20):
        failures.append("generated C is %d bytes: the segment was not moved out" % c_size)
    with open(os.path.join(keep, "guest.data"), "rb") as f:
        if f.read() != payload:
            failures.append("guest.data differs from the segment's bytes")
    want = "%08x\n" % zlib.adler32(payload)
    run = subprocess.run([exe], capture_output=True, text=True, timeout=300)
    if run.returncode != 0 or run.stdout != want:
        failures.append("executable printed %r (exit %d), want %r" %
                        (run.stdout, run.returncode, want))
    # --expect-compiler: what -v must say the guest C was compiled with ("tcc" for the quick
    # tier when tcc is installed), so that the test exercises the route it is meant to.
    if args.expect_compiler and "(tier quick: %s)" % args.expect_compiler not in build.stderr:
        failures.append("build -v did not say %r compiled the guest: %r" %
                        (args.expect_compiler, build.stderr.strip()))
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("ok: %s printed the segment's Adler-32 %s" % (os.path.basename(exe), want.strip()))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
