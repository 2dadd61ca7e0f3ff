"""Every runtime row the bench knows, in report order. Each module describes one runtime."""

from . import interpreters, js_engines, native, wasmaot, wasmer, wasmtime, wazero
from .base import Context, Prepared, Runtime, Unsupported

ALL_ROWS = (native.ROWS + wasmaot.ROWS + js_engines.ROWS + wasmtime.ROWS + wazero.ROWS
            + wasmer.ROWS + interpreters.ROWS)
BASELINE = "native-gcc"
# The real-programs section's rows (bench/realprogs.py), one class per runtime configuration.
PROGRAM_ROWS = wasmaot.PROGRAM_ROWS + wasmtime.PROGRAM_ROWS + js_engines.PROGRAM_ROWS

__all__ = ["ALL_ROWS", "BASELINE", "PROGRAM_ROWS", "Context", "Prepared", "Runtime", "Unsupported"]
