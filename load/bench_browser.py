"""Podium vs Gradio in a real browser, on the same one-textbox app: what the page costs and how soon it works.

Runs `load/apps/echo.py` (a `gr.Interface` greet demo, `inputs="text", outputs="text"`) once with Gradio (in
`.venv-gradio`) and once with Podium (this interpreter), and opens it in Debian's Chromium (Playwright, headless,
a fresh browser context per run, so nothing is cached). Prints each figure for both and the ratio, stated so that
a bigger ratio means Podium is better. See `load/README.md` and `docs/performance.md`.

    .venv/bin/python load/bench_browser.py                  # both, 15 runs each, ~1 minute
    .venv/bin/python load/bench_browser.py --only podium --runs 3 --json out.json

Figures (median over the runs; one untimed warm-up run first):
- JS+CSS transferred: response bodies of JavaScript and CSS as they came over the wire (compressed as each
  server sends them: Gradio 6 uses brotli, Podium gzip), from Chromium's encoded sizes; "JS+CSS gzip" is the same files gzipped here (level 6), which
  compares the two fairly when one server does not compress.
- requests: every request the page made from navigation until the first result was shown.
- input visible: from navigation start to the first animation frame in which the input textbox has a layout box.
- first result after the click: from the click on Submit to the first animation frame in which the output
  shows the answer (frames are ~16.7 ms apart, so small figures move in those steps).
Not measured: navigation to first result. The script's own round trips to the browser (hundreds of ms on a
busy machine) would dominate it, and they overlap Gradio's slower load but not Podium's.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import ServerProcess  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "load" / "apps" / "echo.py"
CHROMIUM = os.environ.get("PODIUM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    # The machine has no outside network: any host but loopback fails at once instead of hanging. Done in the
    # browser's resolver, not with Playwright's request routing, which would send every request of the app
    # through the test driver and add a round trip to each.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
NAME = "World"
ANSWER = "Hello, World!"

# Runs in the page before any of its scripts: one probe per animation frame, from the very first frame.
PROBE = """
(() => {
  const probe = { inputVisible: null, clickAt: null, resultAt: null, answer: __ANSWER__ };
  window.__bench = probe;
  const fields = () => Array.from(document.querySelectorAll("textarea, input[type=text], input:not([type])"));
  const boxed = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  document.addEventListener("click", () => { if (probe.clickAt === null) probe.clickAt = performance.now(); }, true);
  const frame = () => {
    const now = performance.now();
    if (probe.inputVisible === null && fields().some(boxed)) probe.inputVisible = now;
    if (probe.clickAt !== null && probe.resultAt === null && fields().some((el) => el.value === probe.answer))
      probe.resultAt = now;
    if (probe.resultAt === null) requestAnimationFrame(frame);
  };
  window.__benchWatch = () => requestAnimationFrame(frame);  // restarts the probe (after a reset)
  requestAnimationFrame(frame);
})();
""".replace("__ANSWER__", json.dumps(ANSWER))


def gradio_python() -> str | None:
    """The interpreter that has Gradio: $PODIUM_GRADIO_PYTHON, else .venv-gradio/bin/python, if it imports gradio."""
    candidate = os.environ.get("PODIUM_GRADIO_PYTHON") or str(ROOT / ".venv-gradio" / "bin" / "python")
    if not Path(candidate).exists():
        return None
    probe = subprocess.run([candidate, "-c", "import gradio"], capture_output=True, timeout=120)
    return candidate if probe.returncode == 0 else None


def is_js_or_css(content_type: str, url: str) -> bool:
    path = url.split("?", 1)[0]
    return "javascript" in content_type or "text/css" in content_type or path.endswith((".js", ".mjs", ".css"))


def one_run(browser: Any, url: str) -> dict[str, float]:
    """Open the app in a fresh context, type, click Submit, wait for the answer; the figures of that run."""
    context = browser.new_context(viewport={"width": 1000, "height": 760})
    finished: list[Any] = []
    failed: list[Any] = []
    try:
        page = context.new_page()
        page.add_init_script(PROBE)
        page.on("requestfinished", lambda r: finished.append(r))
        page.on("requestfailed", lambda r: failed.append(r))
        page.goto(url, wait_until="load")
        page.wait_for_function("window.__bench.inputVisible !== null", timeout=30_000)
        page.locator("textarea, input[type=text]").first.fill(NAME)
        page.get_by_role("button", name="Submit").click()
        page.wait_for_function("window.__bench.resultAt !== null", timeout=30_000)
        probe = page.evaluate("window.__bench")
        requests = list(finished)  # those done by the time the answer showed
        wire = plain_gzip = 0
        for request in requests:
            response = request.response()
            if response is None:
                continue
            if not is_js_or_css(response.headers.get("content-type", ""), request.url):
                continue
            wire += request.sizes()["responseBodySize"]
            plain_gzip += len(gzip.compress(response.body(), compresslevel=6))
        return {
            "js_css_wire_kib": wire / 1024,
            "js_css_gzip_kib": plain_gzip / 1024,
            "requests": float(len(requests) + len(failed)),
            "failed_requests": float(len(failed)),
            "input_visible_ms": float(probe["inputVisible"]),
            "first_result_ms": float(probe["resultAt"] - probe["clickAt"]),
        }
    finally:
        context.close()


def measure(library: str, python: str, runs: int, pin: bool) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    server = ServerProcess.spawn(python, APP, {"BENCH_UI": library}, {0} if pin else None)
    try:
        server.wait_serving()
        url = f"http://127.0.0.1:{server.port}/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                one_run(browser, url)  # warm-up: first-request work in the server, Chromium's own start
                results = [one_run(browser, url) for _ in range(runs)]
            finally:
                browser.close()
    finally:
        server.stop()
    return {key: statistics.median(r[key] for r in results) for key in results[0]} | {"runs": runs}


ROWS = [
    # key, label, unit (for every figure smaller is better, so gradio / podium > 1 means Podium is better)
    ("js_css_wire_kib", "JS+CSS transferred", "KiB"),
    ("js_css_gzip_kib", "JS+CSS gzip", "KiB"),
    ("requests", "requests until the first result", ""),
    ("input_visible_ms", "input visible after navigation", "ms"),
    ("first_result_ms", "first result after the click", "ms"),
]


def print_table(results: dict[str, dict[str, Any]]) -> None:
    libs = [lib for lib in ("gradio", "podium") if lib in results]
    print(f"\n{'figure':<34}" + "".join(f"{lib:>12}" for lib in libs) + ("   gradio/podium" if len(libs) == 2 else ""))
    for key, label, unit in ROWS:
        cells = "".join(f"{results[lib][key]:>12.1f}" for lib in libs)
        ratio = ""
        if len(libs) == 2 and results["podium"][key]:
            ratio = f"   {results['gradio'][key] / results['podium'][key]:.1f}x"
        print(f"{label + (f' ({unit})' if unit else ''):<34}{cells}{ratio}")
    for lib in libs:
        if results[lib]["failed_requests"]:
            print(f"note: {lib} made {results[lib]['failed_requests']:.0f} request(s) outside the app (refused)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["podium", "gradio"])
    parser.add_argument("--runs", type=int, default=15, help="measured runs per library (median), after a warm-up")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the server to CPU 0")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"bench_browser: no Chromium at {CHROMIUM} (make setup installs it)")
    pin = not args.no_pin and (os.cpu_count() or 1) >= 2
    results: dict[str, dict[str, Any]] = {}
    if args.only != "podium":
        python = gradio_python()
        if python is None:
            sys.exit(
                "bench_browser: no Gradio interpreter (.venv-gradio); run `make gradio-venv` or pass --only podium"
            )
        print("gradio: measuring ...", flush=True)
        results["gradio"] = measure("gradio", python, args.runs, pin)
    if args.only != "gradio":
        print("podium: measuring ...", flush=True)
        results["podium"] = measure("podium", sys.executable, args.runs, pin)
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps({"date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), **results}))


if __name__ == "__main__":
    main()
