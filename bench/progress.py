"""The live progress line on stderr: one line rewritten in place on a terminal; on a pipe or log
(ctest), a plain line every few seconds so the output stays short."""

import sys
import time


class Progress:
    def __init__(self, total: int):
        self.total, self.count = max(total, 1), 0
        self.start = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.last_print = 0.0
        self.label = ""

    def step(self, label: str):
        self.count += 1
        self.label = label
        self._show(label)

    def note(self, text: str):
        self._show(f"{self.label}: {text}")

    def _show(self, text: str):
        now = time.monotonic()
        line = f"[{min(self.count, self.total):4d}/{self.total} {now - self.start:6.1f} s] {text}"
        if self.tty:
            sys.stderr.write("\r\033[K" + line[:150])
            sys.stderr.flush()
        elif now - self.last_print >= 5:
            self.last_print = now
            print(line, file=sys.stderr, flush=True)

    def done(self):
        if self.tty:
            sys.stderr.write("\r\033[K")
        print(f"bench: {self.count} steps in {time.monotonic() - self.start:.1f} s", file=sys.stderr)
