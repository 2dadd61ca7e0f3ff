"""Every runtime row the bench knows, in report order. Each module describes one runtime."""

from . import interpreters, js_engines, native, wasmaot, wasmer, wasmtime, wazero
from .base import Context, Prepared, Runtime, Unsupported

ALL_ROWS = (native.ROWS + wasmaot.ROWS + js_engines.ROWS + wasmtime.ROWS + wazero.ROWS
            + wasmer.ROWS + interpreters.ROWS)
BASELINE = "native-gcc"

__all__ = ["ALL_ROWS", "BASELINE", "Context", "Prepared", "Runtime", "Unsupported"]
