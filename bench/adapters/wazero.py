"""wazero (pure Go; its optimizing compiler on amd64). `wazero run` compiles the module on
every launch unless given `-cachedir`: both are measured. `-listen=HOST:PORT` hands a
listener to the guest after the preopens.

Found here with v1.12.0: the http-server guest never answers its first request under wazero
(it stays blocked in poll_oneoff, using no CPU). Likely cause, from wazero's
imports/wasi_snapshot_preview1/poll.go: an fd_read subscription on a descriptor wazero does
not consider non-blocking is handled like one on stdin, i.e. it waits for stdin, not for the
socket. The report shows those cells as FAILED with the timeout."""

from .base import Runtime


class Wazero(Runtime):
    mode = "jit"
    tool = "wazero"
    install = "make runtimes (GOBIN=.runtimes/bin go install github.com/tetratelabs/wazero/cmd/wazero@v1.12.0)"
    version_argv = ["version"]

    def __init__(self, cached: bool):
        self.cached = cached
        self.cold_every_run = not cached
        self.row = "wazero-cached" if cached else "wazero"
        self.title = ("wazero run -cachedir (warm compile cache)" if cached
                      else "wazero run (compiles every launch, no cache)")
        self.http_throughput = cached

    def flags(self, ctx):
        return [f"-cachedir={ctx.scratch('wazero-cache')}"] if self.cached else []

    def argv(self, ctx, prep, args):
        return [self.exe(ctx), "run"] + self.flags(ctx) + [prep.artifact] + args

    def serve_argv(self, ctx, prep, host, port):
        return [self.exe(ctx), "run"] + self.flags(ctx) + [f"-listen={host}:{port}", prep.artifact]


ROWS = [Wazero(cached=False), Wazero(cached=True)]
