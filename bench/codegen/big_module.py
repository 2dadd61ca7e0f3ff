#!/usr/bin/env python3
"""A generated C program of many small functions, compiled to wasm32-wasi: what `wasmaot build`
costs on a module with a lot of code (the workloads are small). Prints the .wasm's path.

    python3 bench/codegen/big_module.py --functions 3000 --out /tmp/big   # /tmp/big/big.wasm
    /usr/bin/time -f '%e s, %M KiB' build/bin/wasmaot build /tmp/big/big.wasm -o /tmp/big/big.aot

Deterministic (fixed seed): the same --functions gives the same module. The program's output
is one number, the same native and translated."""

import argparse
import os
import random
import subprocess
import sys

FUNCTION = """__attribute__((noinline)) unsigned f{i}(unsigned x, const unsigned char *p, int n) {{
  unsigned h = x * {a}u + {b}u;
  for (int k = 0; k < n; k++) {{
    switch ((p[k] + h) % {c}) {{
    case 0: h = (h << 5) ^ p[k]; break;
    case 1: h += p[k] * {a}u; break;
    default: h ^= (h >> 3) + {b}u;
    }}
  }}
  if (h % 7 == 3) h = f{prev}(h, p, n / 2);
  return h;
}}"""


def source(functions: int) -> str:
    rng = random.Random(1)
    out = ["#include <stdio.h>", "#include <string.h>"]
    for i in range(functions):
        out.append(FUNCTION.format(i=i, a=rng.randint(1, 99), b=rng.randint(1, 99), c=rng.randint(2, 9),
                                   prev=max(i - 1, 0)))
    out.append("int main(int argc, char **argv) {\n  (void)argv;\n  unsigned char buf[64];\n"
               "  memset(buf, argc, sizeof buf);\n  unsigned h = 0;")
    out += [f"  h ^= f{i}(h, buf, 64);" for i in range(functions)]
    out.append('  printf("%u\\n", h);\n  return 0;\n}\n')
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--functions", type=int, default=3000)
    ap.add_argument("--out", required=True, help="directory for big.c and big.wasm (created)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    c_path, wasm = os.path.join(args.out, "big.c"), os.path.join(args.out, "big.wasm")
    with open(c_path, "w") as f:
        f.write(source(args.functions))
    subprocess.run(["clang", "-O2", "--target=wasm32-wasi", "-I/usr/include/wasm32-wasi",
                    "-L/usr/lib/wasm32-wasi", c_path, "-o", wasm], check=True)
    print(wasm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
