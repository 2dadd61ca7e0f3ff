"""Native rows: the workload's C sources compiled straight for the host, the baseline of every
ratio. Built here (not taken from the CMake tree) so that each row's compile time is measured
the same way; the flags match workloads/CMakeLists.txt (-O2, C11)."""

import os

from .base import Context, Prepared, Runtime, timed_build


class Native(Runtime):
    mode = "native"
    http_throughput = True

    def __init__(self, cc: str):
        self.cc = cc
        self.tool = cc
        self.row = f"native-{cc}"
        self.title = f"native, {cc} -O2"
        self.install = f"apt-get install {cc}"

    def prepare(self, ctx: Context, workload: str) -> Prepared:
        out = os.path.join(ctx.scratch("native"), f"{workload}.{self.cc}")
        return timed_build([self.exe(ctx), "-std=gnu11", "-O2", "-o", out] + ctx.sources(workload), out)

    def argv(self, ctx, prep, args):
        return [prep.artifact] + args

    def serve_argv(self, ctx, prep, host, port):
        return [prep.artifact, "--listen", f"{host}:{port}"]


ROWS = [Native("gcc"), Native("clang"), Native("clang-16")]
