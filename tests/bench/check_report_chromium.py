#!/usr/bin/python3
"""Opens a bench report.html in headless Chromium and checks that it rendered: every table has
rows, every plot <img> decoded to a nonzero natural size, and a screenshot is not blank.

    check_report_chromium.py CHROMIUM REPORT_HTML

The report has no script of its own, so a copy is made with a small probe that runs after
the load event and writes what it found into the DOM, which --dump-dom then prints."""

import os
import json
import re
import shutil
import subprocess
import sys
import tempfile

import matplotlib.image

PROBE = """<script>
window.addEventListener('load', () => {
  const imgs = [...document.querySelectorAll('img.plot')];
  const tables = [...document.querySelectorAll('table')];
  const out = document.createElement('pre');
  out.id = 'render-probe';
  out.textContent = JSON.stringify({
    tables: tables.length,
    tablesWithRows: tables.filter(t => t.tBodies.length && t.tBodies[0].rows.length > 0).length,
    imgs: imgs.length,
    imgsRendered: imgs.filter(i => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0).length,
  });
  document.body.appendChild(out);
});
</script>"""

def chromium(exe, profile, *args):
    argv = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
            "--virtual-time-budget=5000"] + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)

def main():
    if len(sys.argv) != 3:
        print("usage: check_report_chromium.py CHROMIUM REPORT_HTML", file=sys.stderr)
        return 2
    exe, report = sys.argv[1], os.path.realpath(sys.argv[2])
    if not os.path.isfile(report):
        print(f"FAIL: no report at {report}", file=sys.stderr)
        return 1
    work = tempfile.mkdtemp(prefix="report-chromium-")
    try:
        # A copy of the whole report directory, so the probe page finds the plots beside it.
        copy = os.path.join(work, "report")
        shutil.copytree(os.path.dirname(report), copy)
        with open(os.path.join(copy, "report.html")) as f:
            page = f.read()
        probe_page = os.path.join(copy, "probe.html")
        with open(probe_page, "w") as f:
            f.write(page.replace("</body>", PROBE + "</body>"))

        dom = chromium(exe, os.path.join(work, "profile1"), "--dump-dom", f"file://{probe_page}")
        m = re.search(r'<pre id="render-probe">(.*?)</pre>', dom.stdout)
        if not m:
            print(f"FAIL: the probe did not run; chromium exit {dom.returncode}: {dom.stderr[-500:]}", file=sys.stderr)
            return 1

        probe = json.loads(m.group(1).replace("&quot;", '"'))
        print(f"rendered: {probe}")
        failures = []
        if probe["tables"] < 2 or probe["tablesWithRows"] != probe["tables"]:
            failures.append(f"tables: {probe['tablesWithRows']} of {probe['tables']} have rows")
        if probe["imgs"] < 1 or probe["imgsRendered"] != probe["imgs"]:
            failures.append(f"plots: {probe['imgsRendered']} of {probe['imgs']} images rendered")

        shot = os.path.join(work, "screenshot.png")
        chromium(exe, os.path.join(work, "profile2"), f"--screenshot={shot}", "--window-size=1280,2000",
                 f"file://{report}")
        if not os.path.isfile(shot) or os.path.getsize(shot) == 0:
            failures.append("no screenshot written")
        else:
            pixels = matplotlib.image.imread(shot)
            spread = float(pixels[..., :3].std())
            print(f"screenshot: {pixels.shape[1]}x{pixels.shape[0]}, pixel std {spread:.3f}")
            if spread < 0.02:
                failures.append(f"screenshot looks blank (pixel std {spread:.4f})")
        for f in failures:
            print(f"FAIL: {f}", file=sys.stderr)
        print(f"{1 if not failures else 0} passed, {1 if failures else 0} failed")
        return 1 if failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    sys.exit(main())
