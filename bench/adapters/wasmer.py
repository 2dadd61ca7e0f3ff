"""wasmer (Cranelift by default). It caches compiled modules between runs: measured with a
fresh empty cache directory on every run ("first run") and with a warm one ("cached").
Wasmer's sockets are WASIX imports (`wasix_32v1`) that open their own sockets; it does not
hand a pre-opened listener to a preview1 guest, so the HTTP workload cannot run on it."""

from .base import Runtime, Unsupported


class Wasmer(Runtime):
    mode = "jit"
    tool = "wasmer"
    install = "make runtimes (cargo install wasmer-cli --version 7.4.2 --features cranelift; a long build)"

    def __init__(self, first_run: bool):
        self.set_cache_variant(first_run, ("wasmer-first", "wasmer-cached"),
                               ("wasmer run, empty compile cache every run",
                                "wasmer run, warm compile cache"))

    def run_env(self, ctx, prep):
        cache = ctx.fresh_dir("wasmer-cache-") if self.first_run else ctx.scratch("wasmer-cache")
        return {"WASMER_CACHE_DIR": cache}

    def argv(self, ctx, prep, args):
        return [self.exe(ctx), "run", prep.artifact, "--"] + args

    def serve_argv(self, ctx, prep, host, port):
        raise Unsupported("wasmer: sockets only through WASIX imports; no pre-opened preview1 listener")


ROWS = [Wasmer(first_run=True), Wasmer(first_run=False)]
