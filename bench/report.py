"""Writes one bench run's results: results.json (everything, every sample), results.csv (one
line per row × workload × metric), report.md and report.html (tables and plots), into a temp
directory renamed to results/<UTC timestamp>/ at the end, so an interrupted run leaves earlier
results intact; results/latest then points at it."""

import csv
import html
import json
import os
import shutil
import tempfile

import plots
import tables



def write_atomically(results: dict, root: str, started) -> str:
    os.makedirs(root, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    tmp = tempfile.mkdtemp(prefix=f".tmp-{stamp}-", dir=root)
    try:
        write_all(results, tmp)
        final = os.path.join(root, stamp)
        suffix = 1
        while os.path.exists(final):
            final = os.path.join(root, f"{stamp}-{suffix}")
            suffix += 1
        os.chmod(tmp, 0o755)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        # The measurements took long: keep them even when the report cannot be written
        # (report.write_all(json.load(...), DIR) redoes it once the cause is fixed).
        with open(os.path.join(root, f"unreported-{stamp}.json"), "w") as f:
            json.dump(results, f, indent=1)
        raise
    link_tmp = os.path.join(root, f".latest-{os.getpid()}")
    os.symlink(os.path.basename(final), link_tmp)
    os.replace(link_tmp, os.path.join(root, "latest"))
    return final


def write_all(results: dict, out_dir: str):
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    write_csv(results, os.path.join(out_dir, "results.csv"))
    table_list = tables.all_tables(results) + serve_tables(results) + [rows_table(results)] + program_rows_table(results)
    plot_list = plots.all_plots(results, out_dir)
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write(markdown(results, table_list, plot_list))
    with open(os.path.join(out_dir, "report.html"), "w") as f:
        f.write(html_page(results, table_list, plot_list))


def write_csv(results, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["row", "workload", "metric", "median", "min", "max", "n", "verified", "status",
                    "compile_s", "artifact_bytes", "reason"])
        for c in results["cells"]:
            metrics = c["summary"] or {"": {}}
            for metric, s in metrics.items():
                w.writerow([c["row"], c["workload"], metric, s.get("median"), s.get("min"), s.get("max"),
                            s.get("n"), c["verified"], c["status"], c["compile_s"], c["artifact_bytes"], c["reason"]])
        # Real programs: workload "program:NAME", metric "PHASE.METRIC" (build, first, cached, run).
        for c in (results.get("realprogs") or {}).get("cells", []):
            phases = [(f"{ph}.{m}", s) for ph, ms in c["summary"].items() for m, s in ms.items()] or [("", {})]
            for metric, s in phases:
                w.writerow([c["row"], "program:" + c["program"], metric, s.get("median"), s.get("min"), s.get("max"),
                            s.get("n"), c["verified"], c["status"], None, c["artifact_bytes"], c["reason"]])


def program_rows_table(results):
    section = results.get("realprogs")
    if not section:
        return []
    headers = ["row", "mode", "what it is", "version, or how to install"]
    body = [[r["row"], r["mode"], r["title"], r["version"] if r["installed"] else r["reason"]] for r in section["rows"]]
    return [("Rows of the real-programs section", headers, body)]


def serve_tables(results):
    """The serve section's tables (bench/serve/section.py), when the run had it."""
    if "serve" not in results:
        return []
    import serve.section
    return serve.section.tables(results["serve"])


def rows_table(results):
    headers = ["row", "mode", "what it is", "version, or how to install"]
    body = [[r["row"], r["mode"], r["title"], r["version"] if r["installed"] else r["reason"]] for r in results["rows"]]
    return ("Rows", headers, body)


def header_lines(results):
    m = results["machine"]
    lines = [f"Run {results['started_utc']} – {results['finished_utc']} (UTC) on {m['cpu']}, {m['cores']} cores, "
             f"{m['memory_gib']} GiB, {m['os']}, Linux {m['kernel']}.",
             f"Load average at start (1/5/15 min): {m.get('load_average_1_5_15')}, at end: "
             f"{results.get('load_average_at_end')} (other work on this shared machine adds noise).",
             f"Ratios (× native) are to `{results['baseline']}` measured in the same run."]
    if results["quick"]:
        lines.insert(0, "**QUICK run** (smoke test of the harness): few runs, small N. Do not quote these figures.")
    return lines


def markdown(results, table_list, plot_list):
    out = ["# wasmaot bench report", ""] + header_lines(results) + ["", "## Method", ""]
    out += [f"- {n}" for n in results["method"] + results.get("serve", {}).get("method", [])] + [""]
    for title, headers, body in table_list:
        out += [f"## {title}", "", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in body]
        out.append("")
    out += ["## Plots", ""] + [f"![{cap}]({f})" for cap, f in plot_list] + ["", "## Tools", ""]
    out += [f"- {k}: {v}" for k, v in results["tools"].items()] + [""]
    return "\n".join(out)


CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:14px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}td:nth-child(2),td:last-child,th{text-align:left}
td:nth-child(2){white-space:nowrap}
tr.failed{background:#fdd}tr.missing{color:#888}img{max-width:100%;border:1px solid #eee;margin:0.5em 0}
.quick{background:#ffd;padding:0.5em}"""


def html_page(results, table_list, plot_list):
    esc = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>wasmaot bench report</title>",
             f"<style>{CSS}</style></head><body><h1>wasmaot bench report</h1>"]
    for line in header_lines(results):
        cls = " class='quick'" if "QUICK" in line else ""
        parts.append(f"<p{cls}>{esc(line.replace('**', '').replace('`', ''))}</p>")
    notes = results["method"] + results.get("serve", {}).get("method", [])
    parts.append("<h2>Method</h2><ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    for title, headers, body in table_list:
        parts.append(f"<h2>{esc(title)}</h2><table><thead><tr>"
                     + "".join(f"<th>{esc(h)}</th>" for h in headers) + "</tr></thead><tbody>")
        for row in body:
            status = row[-1]
            cls = "failed" if status.startswith("FAILED") else "missing" if status.startswith(("not installed", "unsupported", "workload", "not fetched")) else "ok"
            parts.append(f"<tr class='{cls}'>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("<h2>Plots</h2>")
    for cap, f in plot_list:
        svg = f[:-4] + ".svg"
        parts.append(f"<figure><img class='plot' src='{esc(f)}' alt='{esc(cap)}'>"
                     f"<figcaption>{esc(cap)} (<a href='{esc(svg)}'>SVG</a>)</figcaption></figure>")
    parts.append("<h2>Tools</h2><ul>" + "".join(f"<li>{esc(k)}: {esc(v)}</li>" for k, v in results["tools"].items()) + "</ul>")
    parts.append("<p>Raw samples: <a href='results.json'>results.json</a>, <a href='results.csv'>results.csv</a>.</p>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def console_summary(results):
    """The short text `make bench` prints at the end: each workload's ranked rows."""
    out = []
    for title, headers, body in tables.all_tables(results) + serve_tables(results):
        out.append(f"\n== {title}")
        keep = [i for i, h in enumerate(headers) if h in ("#", "row") or "median" in h or h in ("× native", "status", "p99 ms")]
        if "row" not in headers or title.startswith("real program"):  # not a ranking: every column
            keep = list(range(len(headers)))
        out.append("  ".join(headers[i] for i in keep))
        for row in body:
            out.append("  ".join(row[i] for i in keep))
    return "\n".join(out)
