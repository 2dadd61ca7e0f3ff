"""The codegen report as Markdown and HTML, from codegen.py's data (also kept as data.json)."""

import html

LIBC_WASM = ("w2c_guest_memset", "w2c_guest_memcpy", "w2c_guest_memmove")


def kib(n):
    return "%.1f KiB" % (n / 1024) if n else "-"


def mega(n):
    return "%.2f M" % (n / 1e6) if n else "-"


class Doc:
    """Writes the same content to Markdown and HTML."""

    def __init__(self, title):
        self.md = ["# " + title, ""]
        self.html = ["<!doctype html><meta charset=utf-8><title>%s</title>" % html.escape(title),
                     "<style>body{font-family:sans-serif;max-width:1400px;margin:auto}"
                     "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;"
                     "text-align:right}td:first-child{text-align:left}"
                     "pre{font-size:11px;margin:0}td.code{vertical-align:top;text-align:left}"
                     "</style>", "<h1>%s</h1>" % html.escape(title)]

    def heading(self, text, level=2):
        self.md += ["#" * level + " " + text, ""]
        self.html.append("<h%d>%s</h%d>" % (level, html.escape(text), level))

    def para(self, text):
        self.md += [text, ""]
        self.html.append("<p>%s</p>" % html.escape(text))

    def table(self, headers, rows):
        self.md.append("| " + " | ".join(headers) + " |")
        self.md.append("|" + "---|" * len(headers))
        for r in rows:
            self.md.append("| " + " | ".join(str(x) for x in r) + " |")
        self.md.append("")
        self.html.append("<table><tr>%s</tr>" % "".join("<th>%s</th>" % html.escape(h)
                                                         for h in headers))
        for r in rows:
            self.html.append("<tr>%s</tr>" % "".join("<td>%s</td>" % html.escape(str(x))
                                                     for x in r))
        self.html.append("</table>")

    def side_by_side(self, left_title, left, right_title, right):
        width = max([len(left_title)] + [len(x) for x in left]) + 2
        lines = [left_title.ljust(width) + "| " + right_title, "-" * width + "+" + "-" * 40]
        for i in range(max(len(left), len(right))):
            a = left[i] if i < len(left) else ""
            b = right[i] if i < len(right) else ""
            lines.append(a.ljust(width) + "| " + b)
        self.md += ["```"] + lines + ["```", ""]
        self.html.append("<table><tr><th>%s</th><th>%s</th></tr><tr><td class=code><pre>%s</pre>"
                         "</td><td class=code><pre>%s</pre></td></tr></table>" %
                         (html.escape(left_title), html.escape(right_title),
                          html.escape("\n".join(left)), html.escape("\n".join(right))))

    def render(self):
        return "\n".join(self.md) + "\n", "\n".join(self.html) + "\n"


def asm_lines(disasm):
    return ["%5s  %s" % (addr[-4:], text) for addr, text in disasm]


def libc_ir(functions):
    return sum(v for k, v in functions.items() if k.startswith(LIBC_WASM))


def render(data):
    doc = Doc("wasmaot codegen report")
    default = data["default"]
    doc.para("Deterministic measures only: sizes, disassembly, and instructions executed "
             "(Ir, valgrind --tool=callgrind). Instructions are not time: see the README's "
             "Codegen section for interleaved wall-clock runs. cpu-hash runs %d rounds. "
             "Default configuration of `wasmaot build`: %s. wasmaot %s, wasm2c %s." %
             (data["rounds"], default, data.get("wasmaot", {}).get("version", "?"),
              data.get("wasmaot", {}).get("wasm2c", {}).get("version", "?")))
    if data.get("quick"):
        doc.para("QUICK run (make codegen QUICK=1): a few configurations, native gcc and "
                 "clang-16 only, fewer rounds; a smoke test of the report, not figures to quote.")
    any_w = next(iter(data["workloads"].values()))
    doc.heading("Configurations")
    doc.table(["configuration", "guest C compiled with (wasmaot cflags)"],
              [(label + (" (default)" if label == default else ""),
                " ".join(any_w["configs"][label]["flags"])) for label in data["configs"]])
    for name, w in data["workloads"].items():
        workload(doc, name, w, data)
    return doc.render()


def workload(doc, name, w, data):
    doc.heading(name)
    doc.para("wasm module: %s." % kib(w["wasm_size"]))
    rows = [("native " + k, "-", "-", "-", "-", kib(n["exe"]["text"]))
            for k, n in w["native"].items()]
    for label, c in w["configs"].items():
        rows.append((label, kib(c["c_size"]), kib(c["data_size"]), kib(c["obj"]["text"]),
                     kib(c["obj"]["data"]), kib(c["exe"]["text"])))
    doc.heading("Sizes", 3)
    doc.table(["build", "generated C", "data segments (blob)", "guest.o text", "guest.o data",
               "executable text"], rows)
    native = w["native"].get("gcc -O2", {})
    if "ir" not in native:
        doc.para("Not run under callgrind (a server needs a client; see make bench).")
        return
    doc.heading("Instructions executed", 3)
    rows = []
    for k, n in w["native"].items():
        rows.append(("native " + k, mega(n["ir"]), "%.2fx" % (n["ir"] / native["ir"]), "-",
                     "yes" if n.get("output_ok") else "NO"))
    for label, c in w["configs"].items():
        same = w["native"].get(label.rsplit("-", 2)[0] + " -O2", {})  # clang-16-O2-guard: clang-16
        rows.append((label, mega(c["ir"]), "%.2fx" % (c["ir"] / native["ir"]),
                     "%.2fx" % (c["ir"] / same["ir"]) if "ir" in same else "-",
                     "yes" if c.get("output_ok") else "NO"))
    doc.table(["build", "Ir", "vs native gcc -O2", "vs native, same compiler", "output verified"], rows)
    doc.para("Instructions executed are not time (a build can execute more and finish sooner); "
             "bench/codegen/walltime.py and make bench time the same executables.")
    if any("hot_disasm" in c for c in w["configs"].values()):
        hot(doc, name, w, data)


def hot(doc, name, w, data):
    rounds = data["rounds"]
    native = w["native"]["gcc -O2"]
    doc.heading("Hot function: the compression function", 3)
    rows = []
    for k, n in w["native"].items():
        rows.append(("native " + k, len(n["disasm"]),
                     "%.0f" % (n["hot_ir"] / rounds) if n.get("hot_ir") else "-", "-"))
    for label, c in w["configs"].items():
        rows.append((label, len(c["hot_disasm"]),
                     "%.0f" % (c["hot_ir"] / rounds) if c.get("hot_ir") else "-",
                     "yes" if c["hot_inlined"] else "no"))
    doc.para("Translated side: w2c_guest_compress compiled out of line (noinline) from the same "
             "generated C with the same flags, so that it has a symbol; the last column says "
             "whether the real build inlines it into its caller.")
    doc.table(["build", "static instructions", "Ir per call", "inlined in the real build"], rows)
    doc.heading("Where the extra instructions come from (per run, Ir)", 3)
    doc.para("Measured by changing one thing in the generated C or its flags and counting "
             "again (diagnostic variants, never shipped; the no-load-barrier one, built with "
             "-DWASM_RT_NONCONFORMING_ALLOW_OOB_READ_ELIMINATION=1, is not even conformant: "
             "wasm2c's FORCE_READ_INT/FORCE_READ_FLOAT barrier keeps a guard-page load whose "
             "value is unused from being optimised away). Sources overlap, so columns do not add up exactly; "
             "'rest' is what none of them explains (mostly the message schedule, which the "
             "native build vectorises and the translated one, with wasm32 address "
             "arithmetic, does not).")
    rows, saved = [], []
    for label, c in w["configs"].items():
        extra = c["ir"] - native["ir"]
        v = c["variants"]
        barrier = c["ir"] - v["no-load-barrier"]["ir"] if "no-load-barrier" in v else 0
        guard_twin = label.replace("-check", "-guard")
        bounds = (c["ir"] - w["configs"][guard_twin]["ir"]
                  if label.endswith("-check") and guard_twin in w["configs"] else 0)
        libc = libc_ir(c["functions"]) - sum(
            x for k, x in native["functions"].items() if "memset" in k or "memcpy" in k)
        inlining = c["ir"] - v["noinline"]["ir"]
        rest = extra - barrier - bounds - libc - inlining
        rows.append((label, mega(extra), mega(bounds), mega(barrier), mega(libc),
                     mega(inlining), mega(rest)))
        called_once = (v["inline-called-once"]["ir"] - c["ir"]
                       if "inline-called-once" in v else None)
        saved.append((label, mega(called_once) if called_once is not None else "(clang: n/a)"))
    doc.table(["build", "extra over native", "explicit bounds checks",
               "load barrier (FORCE_READ after every load)", "wasm libc memset/memcpy",
               "w2c_guest_compress inlined into its caller", "rest"], rows)
    doc.para("What wasmaot's own choice saves (Ir the build would execute without it): for gcc, "
             "-fno-inline-functions-called-once.")
    doc.table(["build", "saved by -fno-inline-functions-called-once"], saved)
    doc.heading("Disassembly, native beside translated", 3)
    for label, c in w["configs"].items():
        doc.heading("%s vs native gcc -O2" % label, 4)
        doc.side_by_side("native gcc -O2: compress (%d)" % len(native["disasm"]),
                         asm_lines(native["disasm"]),
                         "%s: w2c_guest_compress (%d)" % (label, len(c["hot_disasm"])),
                         asm_lines(c["hot_disasm"]))
