"""The report's tables, built once from results.json and rendered by report.py as Markdown and
HTML. Verified cells are ranked by their median; FAILED cells are listed but never ranked
or given a ratio."""

STATUS_ORDER = {"verified": 0, "FAILED": 1, "unsupported": 2, "workload not built": 3, "not installed": 4}


def fmt_range(s: dict, scale: float = 1.0, digits: int = 1) -> str:
    if not s or s.get("median") is None:
        return "–"
    return (f"{s['median'] * scale:,.{digits}f} ({s['min'] * scale:,.{digits}f}–{s['max'] * scale:,.{digits}f})")


def fmt_num(v, digits=1, scale=1.0) -> str:
    return "–" if v is None else f"{v * scale:,.{digits}f}"


def ratio(cell, base, metric) -> float | None:
    try:
        return cell["summary"][metric]["median"] / base["summary"][metric]["median"]
    except (KeyError, TypeError, ZeroDivisionError):
        return None


def cells_of(results, workload):
    return [c for c in results["cells"] if c["workload"] == workload]


def baseline_cell(results, workload):
    for c in cells_of(results, workload):
        if c["row"] == results["baseline"] and c["status"] == "verified":
            return c
    return None


def ordered(cells, metric, reverse=False):
    def key(c):
        m = c["summary"].get(metric, {}).get("median") if c["status"] == "verified" else None
        big = float("inf")
        return (STATUS_ORDER.get(c["status"], 9), (-m if reverse else m) if m is not None else big, c["row"])
    return sorted(cells, key=key)


def status_text(c):
    if c["status"] == "verified":
        return "verified"
    if c["status"] == "not installed":
        return "not installed (how: see Rows)"
    return f"{c['status']}: {c['reason']}" if c["reason"] else c["status"]


def process_table(results, workload):
    mode = {r["row"]: r["mode"] for r in results["rows"]}
    base = baseline_cell(results, workload)
    headers = ["#", "row", "mode", "wall ms median (min–max)", "× native", "CPU ms median",
               "peak RSS MiB", "compile s", "artifact KiB", "n", "status"]
    body, rank = [], 0
    for c in ordered(cells_of(results, workload), "wall_ms"):
        ok = c["status"] == "verified"
        rank += ok
        s = c["summary"]
        r = ratio(c, base, "wall_ms") if ok and base else None
        body.append([str(rank) if ok else "", c["row"], mode.get(c["row"], ""), fmt_range(s.get("wall_ms")),
                     fmt_num(r, 2), fmt_num((s.get("cpu_ms") or {}).get("median")),
                     fmt_num((s.get("maxrss_kib") or {}).get("median"), 1, 1 / 1024),
                     fmt_num(c["compile_s"], 2), fmt_num(c["artifact_bytes"], 0, 1 / 1024),
                     str((s.get("wall_ms") or {}).get("n", 0)), status_text(c)])
    return headers, body


def same_compiler_table(results, workload):
    """Each wasmaot build row against the native row built by the same C compiler: what the
    translation itself costs, apart from which compiler is faster."""
    by_row = {c["row"]: c for c in cells_of(results, workload) if c["status"] == "verified"}
    headers = ["wasmaot row", "native row", "wall × same-compiler native", "CPU × same-compiler native",
               "wall × " + results["baseline"]]
    body = []
    for row, c in sorted(by_row.items()):
        parts = row.split("-")
        if parts[0] != "wasmaot" or parts[-1] not in ("guard", "check") or len(parts) < 3:
            continue
        native = by_row.get("native-" + "-".join(parts[1:-1]))
        if not native:
            continue
        body.append([row, native["row"], fmt_num(ratio(c, native, "wall_ms"), 3),
                     fmt_num(ratio(c, native, "cpu_ms"), 3),
                     fmt_num(ratio(c, by_row.get(results["baseline"]), "wall_ms"), 3)])
    return headers, body


def http_cold_table(results, workload):
    base = baseline_cell(results, workload)
    headers = ["#", "row", "cold start ms median (min–max)", "× native", "RSS after warm-up MiB", "n", "status"]
    body, rank = [], 0
    for c in ordered(cells_of(results, workload), "cold_start_ms"):
        ok = c["status"] == "verified"
        rank += ok
        s = c["summary"]
        body.append([str(rank) if ok else "", c["row"], fmt_range(s.get("cold_start_ms"), 1, 2),
                     fmt_num(ratio(c, base, "cold_start_ms") if ok and base else None, 2),
                     fmt_num((s.get("rss_after_warmup_kib") or {}).get("median"), 2, 1 / 1024),
                     str((s.get("cold_start_ms") or {}).get("n", 0)), status_text(c)])
    return headers, body


def http_load_table(results, workload, connections):
    base = baseline_cell(results, workload)
    key = f"rps@{connections}"
    headers = ["#", "row", f"req/s @{connections} median (min–max)", "× native", "p50 ms", "p99 ms",
               "CPU ms / 100k req", "n"]
    body, rank = [], 0
    for c in ordered(cells_of(results, workload), key, reverse=True):
        s = c["summary"]
        if c["status"] != "verified" or key not in s:
            continue
        rank += 1
        body.append([str(rank), c["row"], fmt_range(s[key], 1, 0), fmt_num(ratio(c, base, key) if base else None, 2),
                     fmt_num(s[f"p50_ms@{connections}"]["median"], 3), fmt_num(s[f"p99_ms@{connections}"]["median"], 3),
                     fmt_num(s[f"cpu_ms_per_100k@{connections}"]["median"], 0), str(s[key]["n"])])
    return headers, body


def all_tables(results):
    """[(title, headers, rows)] in report order."""
    out = []
    for w in results["workloads"]:
        name = w["name"]
        if w["kind"] == "process":
            out.append((f"{name}: {w['describes']}", *process_table(results, name)))
            h, b = same_compiler_table(results, name)
            if b:
                out.append((f"{name}: translation overhead, each wasmaot build against native from the same C compiler", h, b))
        else:
            out.append((f"{name}: cold start (launch → first HTTP 200) and RSS", *http_cold_table(results, name)))
            for conn in w["connections"]:
                h, b = http_load_table(results, name, conn)
                if b:
                    out.append((f"{name}: wrk, {conn} connection(s)", h, b))
    return out + program_tables(results)


# The real-programs section (bench/realprogs.py).
GIB_KIB = 1024 * 1024


def _phase(c, phase, metric="wall_ms"):
    return ((c.get("summary") or {}).get(phase) or {}).get(metric) or {}


def program_status(c):
    if c["status"] == "verified":
        seen = c.get("tiers_seen") or {}  # what `wasmaot run -v` said, per phase
        said = "; ".join(f"{ph}: {sorted(set(v))[0].removeprefix('wasmaot: ')}"
                         + (f" (+{len(set(v)) - 1} other)" if len(set(v)) > 1 else "") for ph, v in seen.items())
        return "verified" + (f" ({said})" if said else "")
    return f"{c['status']}: {c['reason']}" if c["reason"] else c["status"]


def program_table(section, prog):
    """One program: each row's build, first run, cached run, steady run and time to first result."""
    headers = ["row", "mode", "build s (min–max)", "build peak RSS MiB", "first run s (empty cache)",
               "first run peak RSS MiB", "optimised tier ready s", "cached run s", "task run s (steady)",
               "time to first result s", "builds / runs", "status"]
    body = []
    for c in section["cells"]:
        if c["program"] != prog:
            continue
        b, f = _phase(c, "build"), _phase(c, "first")
        steady = _phase(c, "run") or _phase(c, "cached")
        counts = f"{b.get('n', 0)} / {steady.get('n', 0) or f.get('n', 0)}"
        body.append([c["row"], c["mode"], fmt_range(b, 1e-3, 2), fmt_num(_phase(c, "build", "maxrss_kib").get("median"), 0, 1 / 1024),
                     fmt_range(f, 1e-3, 2), fmt_num(_phase(c, "first", "maxrss_kib").get("median"), 0, 1 / 1024),
                     fmt_range(_phase(c, "tier_up"), 1e-3, 2),
                     fmt_range(_phase(c, "cached"), 1e-3, 3), fmt_range(_phase(c, "run"), 1e-3, 3),
                     fmt_num(c.get("first_result_ms"), 2, 1e-3), counts, program_status(c)])
    return headers, body


def program_cell(section, prog, row):
    for c in section["cells"]:
        if c["program"] == prog and c["row"] == row and c["status"] == "verified":
            return c
    return None


def program_goals(section):
    """Issue 12's targets per program: wasmaot run's first run against wasmtime run's with an
    empty cache (≤ 2x), the optimised tier's task time against wasmtime's .cwasm (≤ 1x), and
    the largest build process of any wasmaot row (≤ 1 GiB)."""
    headers = ["program", "wasm MB / code MB", "wasmaot run first ÷ wasmtime run first (≤ 2)",
               "wasmaot optimized run ÷ wasmtime .cwasm run (≤ 1)", "largest wasmaot build process MiB (≤ 1024)",
               "wasmtime compile s / peak MiB"]
    body = []
    for p in section["programs"]:
        name = p["name"]
        if p["status"] != "fetched":
            body.append([name, "–", f"not fetched: {p['reason']}", "–", "–", "–"])
            continue
        first = ratio_of(_phase(program_cell(section, name, "wasmaot-run") or {}, "first"),
                         _phase(program_cell(section, name, "wasmtime-jit") or {}, "first"))
        run = ratio_of(_phase(program_cell(section, name, "wasmaot-optimized") or {}, "run"),
                       _phase(program_cell(section, name, "wasmtime-cwasm") or {}, "run"))
        rss = [v for c in section["cells"] if c["program"] == name and c["row"].startswith("wasmaot")
               for ph in ("build", "first") for v in [_phase(c, ph, "maxrss_kib").get("max")] if v]
        wt = program_cell(section, name, "wasmtime-cwasm") or {}
        body.append([name, f"{p['wasm_bytes'] / 1e6:.1f} / {(p['code_bytes'] or 0) / 1e6:.2f}",
                     fmt_num(first, 2), fmt_num(run, 2), fmt_num(max(rss) / 1024 if rss else None, 0),
                     f"{fmt_num(_phase(wt, 'build').get('median'), 2, 1e-3)} / "
                     f"{fmt_num(_phase(wt, 'build', 'maxrss_kib').get('median'), 0, 1 / 1024)}"])
    return headers, body


def ratio_of(a, b):
    try:
        return a["median"] / b["median"]
    except (KeyError, TypeError, ZeroDivisionError):
        return None


def program_tables(results):
    section = results.get("realprogs")
    if not section:
        return []
    out = [("real programs: against issue 12's targets (medians)", *program_goals(section))]
    for p in section["programs"]:
        what = (f"{p['source']}, {p['language']}, {p['upstream']}; task: {p.get('task', '–')}"
                if p["status"] == "fetched" else f"{p['source']}: not fetched: {p['reason']}")
        out.append((f"real program {p['name']}: {what}", *program_table(section, p["name"])))
    return out
