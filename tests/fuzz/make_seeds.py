#!/usr/bin/env python3
"""Writes the module reader's seed corpus (tests/fuzz/corpus/module_reader/): small valid WASI
commands and malformed variants of them, each aimed at one of the reader's checks. The files are
kept in the repository; rerun this after changing it:

    python3 tests/fuzz/make_seeds.py [--from build/tests/pipeline/modules/*.wasm]

--from adds copies of existing valid modules (the pipeline's trap modules are a few dozen bytes
each)."""
import argparse
import os
import shutil

HEADER = b"\0asm\1\0\0\0"


def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def name(s):
    b = s if isinstance(s, bytes) else s.encode()
    return leb(len(b)) + b


def section(sid, body):
    return bytes([sid]) + leb(len(body)) + body


def vec(items):
    return leb(len(items)) + b"".join(items)


# A WASI command: imports fd_write and proc_exit, exports _start and memory.
TYPES = section(1, vec([b"\x60\x04\x7f\x7f\x7f\x7f\x01\x7f",  # fd_write
                        b"\x60\x01\x7f\x00",  # proc_exit
                        b"\x60\x00\x00"]))  # _start
IMPORTS = section(2, vec([name("wasi_snapshot_preview1") + name("fd_write") + b"\x00\x00",
                          name("wasi_snapshot_preview1") + name("proc_exit") + b"\x00\x01"]))
FUNCS = section(3, vec([b"\x02"]))
MEMORY = section(5, vec([b"\x00\x01"]))
EXPORTS = section(7, vec([name("_start") + b"\x00\x02", name("memory") + b"\x02\x00"]))
CODE = section(10, vec([leb(6) + b"\x00\x41\x00\x10\x01\x0b"]))  # proc_exit(0)
CUSTOM = section(0, name("wasmaot.seed") + b"\x01\x02\x01\x00")
VALID = HEADER + TYPES + IMPORTS + FUNCS + MEMORY + EXPORTS + CODE

SEEDS = {
    "valid_wasi_command": VALID,
    "valid_with_custom": HEADER + CUSTOM + TYPES + IMPORTS + FUNCS + MEMORY + EXPORTS + CODE + CUSTOM,
    # Types beyond the four numbers: v128, funcref, externref, exnref, (ref null 0), a table import.
    "valid_future_types": HEADER + section(1, vec([
        b"\x60\x04\x7b\x70\x6f\x69\x01\x63\x00", b"\x60\x00\x00"]))
    + section(2, vec([name("env") + name("t") + b"\x01\x70\x00\x01",
                      name("env") + name("g") + b"\x03\x7b\x00",
                      name("env") + name("m") + b"\x02\x05\x01\x02"]))
    + section(13, vec([b"\x00\x00"])) + EXPORTS,
    "truncated": VALID[:len(VALID) // 2],
    "header_only": HEADER,
    "import_twice": HEADER + TYPES + IMPORTS + section(2, vec([])) + EXPORTS,
    "type_twice": HEADER + TYPES + TYPES + IMPORTS + EXPORTS,
    "export_twice": HEADER + TYPES + IMPORTS + EXPORTS + EXPORTS,
    "out_of_order": HEADER + TYPES + EXPORTS + IMPORTS,
    "datacount_tag_order": HEADER + TYPES + section(13, vec([])) + section(12, leb(0))
    + section(10, vec([])),
    "bad_utf8_export": HEADER + TYPES + IMPORTS + section(7, vec([name(b"_st\xc0\xafrt") + b"\x00\x02"])),
    "surrogate_import": HEADER + TYPES + section(2, vec([name(b"\xed\xa0\x80") + name("x") + b"\x00\x00"])),
    "nul_in_name": HEADER + TYPES + section(2, vec([name("wasi_snapshot_preview1")
                                                    + name(b"fd_write\0x") + b"\x00\x00"])) + EXPORTS,
    "newline_in_name": HEADER + TYPES + section(2, vec([name("env") + name("a\nb") + b"\x00\x00"])),
    "huge_count": HEADER + section(2, leb(0xFFFFFFFF) + b"\x00"),
    "huge_params": HEADER + section(1, b"\x01\x60" + leb(0xFFFFFFF0) + b"\x7f"),
    "leb_too_long": HEADER + section(1, b"\x81\x80\x80\x80\x80\x00"),
    "section_slack": HEADER + section(7, vec([name("_start") + b"\x00\x00"]) + b"\x00\x00"),
    "unknown_section": HEADER + section(14, b""),
    "section_past_end": HEADER + b"\x01\x7f\x01",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "corpus", "module_reader"))
    ap.add_argument("--from", dest="extra", nargs="*", default=[])
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for seed, data in SEEDS.items():
        with open(os.path.join(args.out, seed + ".wasm"), "wb") as f:
            f.write(data)
    for path in args.extra:
        shutil.copyfile(path, os.path.join(args.out, "module_" + os.path.basename(path)))


if __name__ == "__main__":
    main()
