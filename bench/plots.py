"""The report's plots, drawn with matplotlib (PNG for the page, SVG beside it). Only verified
cells are plotted; bars are medians, whiskers the min–max of the runs."""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"native": "#4c72b0", "aot": "#55a868", "jit": "#dd8452", "interpreter": "#c44e52"}


def _bars(ax, labels, stats, modes, xlabel, log):
    med = [s["median"] for s in stats]
    lo = [s["median"] - s["min"] for s in stats]
    hi = [s["max"] - s["median"] for s in stats]
    y = range(len(labels))
    ax.barh(y, med, xerr=[lo, hi], color=[COLORS.get(m, "#8172b2") for m in modes], capsize=3)
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    if log and med and max(med) / max(min(med), 1e-9) > 20:
        ax.set_xscale("log")
    ax.grid(axis="x", alpha=0.3)


def _save(fig, out_dir, stem):
    fig.tight_layout()
    files = []
    for ext in ("png", "svg"):
        path = os.path.join(out_dir, f"{stem}.{ext}")
        fig.savefig(path, dpi=110)
        files.append(os.path.basename(path))
    plt.close(fig)
    return files[0]


def metric_plot(results, workload, metric, xlabel, out_dir, stem, title, log=True, scale=1.0):
    mode = {r["row"]: r["mode"] for r in results["rows"]}
    cells = [c for c in results["cells"] if c["workload"] == workload and c["status"] == "verified"
             and (c["summary"].get(metric) or {}).get("median") is not None]
    if not cells:
        return None
    cells.sort(key=lambda c: c["summary"][metric]["median"])
    stats = [{k: v * scale for k, v in c["summary"][metric].items() if k != "n"} for c in cells]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(cells) + 1.4))
    _bars(ax, [c["row"] for c in cells], stats, [mode.get(c["row"]) for c in cells], xlabel, log)
    ax.set_title(title)
    return _save(fig, out_dir, stem)


def rps_plot(results, workload, connections, out_dir, stem):
    cells = [c for c in results["cells"] if c["workload"] == workload and c["status"] == "verified"
             and f"rps@{connections[0]}" in c["summary"]]
    if not cells:
        return None
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(cells) + 1.6))
    height = 0.8 / len(connections)
    for k, conn in enumerate(connections):
        med = [c["summary"][f"rps@{conn}"]["median"] for c in cells]
        ax.barh([i + k * height for i in range(len(cells))], med, height=height, label=f"{conn} conn.")
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(cells))], [c["row"] for c in cells])
    ax.invert_yaxis()
    ax.set_xlabel("requests/s (median), higher is better")
    ax.set_title(f"{workload}: throughput under wrk")
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, out_dir, stem)


def all_plots(results, out_dir):
    """[(caption, png file name)] for the plots that have data."""
    plots = []
    for w in results["workloads"]:
        name = w["name"]
        if w["kind"] == "process":
            f = metric_plot(results, name, "wall_ms", "wall time per launch, ms (median, min–max)", out_dir,
                            f"{name}-wall", f"{name}: wall time, launch → exit")
            plots.append((f"{name}: wall time per launch", f))
            f = metric_plot(results, name, "cpu_ms", "CPU time user+sys, ms (median, min–max)", out_dir,
                            f"{name}-cpu", f"{name}: CPU time (all threads)")
            plots.append((f"{name}: CPU time", f))
        else:
            f = metric_plot(results, name, "cold_start_ms", "launch → first HTTP 200, ms", out_dir,
                            f"{name}-cold-start", f"{name}: cold start")
            plots.append((f"{name}: cold start", f))
            plots.append((f"{name}: throughput", rps_plot(results, name, w["connections"], out_dir, f"{name}-rps")))
    plots.append(("real programs: time to first result vs steady-state run time", tradeoff_plot(results, out_dir)))
    return [(cap, f) for cap, f in plots if f]


def tradeoff_plot(results, out_dir, stem="realprogs-tradeoff"):
    """Real programs: time to first result (x) against steady-state run time (y), one panel per
    program, one point per row (verified cells only). Down and left is better; AOT rows sit
    low and right (long build, fast code), JIT rows high and left."""
    section = results.get("realprogs") or {}
    names = [p["name"] for p in section.get("programs", [])
             if any(c["program"] == p["name"] and c.get("first_result_ms") for c in section["cells"])]
    if not names:
        return None
    fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names), 4.6), squeeze=False)
    for ax, name in zip(axes[0], names):
        cells = [c for c in section["cells"] if c["program"] == name and c.get("first_result_ms")]
        for c in cells:
            x, y = c["first_result_ms"] / 1000, c["steady_ms"] / 1000
            ax.scatter([x], [y], color=COLORS.get(c["mode"], "#8172b2"), s=40, zorder=3)
            ax.annotate(c["row"], (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8)
        xs = [c["first_result_ms"] / 1000 for c in cells]
        ys = [c["steady_ms"] / 1000 for c in cells]
        if max(xs) / max(min(xs), 1e-9) > 20:
            ax.set_xscale("log")
        if max(ys) / max(min(ys), 1e-9) > 10:
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
        ax.set_xlabel("time to first result, s")
        ax.set_ylabel("task run time (steady state), s")
        ax.set_title(name)
        ax.grid(alpha=0.3)
    fig.suptitle("real programs: time to first result (build + first run, or a first run from an empty cache) "
                 "vs steady-state run time; lower left is better", fontsize=10)
    return _save(fig, out_dir, stem)
