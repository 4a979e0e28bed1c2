"""Notebook 04's drag editor in a real browser: JupyterLab + headless Debian Chromium (Playwright).

The test serves a copy of ``notebooks/04_draggan.ipynb`` (outputs cleared) from a temporary root,
runs every cell at the smoke profile, clicks a handle (the face's nose tip, which the notebook
prints) and a target 6 px to its right on the canvas, presses Start, and reads the kernel's side
from the widget's event log (``$GANBOOK_WIDGET_EVENTS``): the clicks arrived at the right canvas
pixels, the tracked handle ended within a few pixels of the target, and the image changed.
Chromium comes from Debian (`make browser-deps`); Playwright is pointed at `/usr/bin/chromium` and never
downloads a browser.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

from ganbook.io import atomic_write_bytes, atomic_write_json
from ganbook.paths import reports_dir, repo_root

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

NOTEBOOK = "04_draggan.ipynb"
TOKEN = "ganbook-e2e-token"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DRAG_PX = 6.0  # handle -> target, image pixels (the gallery's first edit moves the same nose by the same amount)
TOLERANCE_PX = 3.0  # "within a few pixels"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(url: str, method: str = "GET", timeout: float = 5.0) -> int:
    req = urllib.request.Request(url, method=method, headers={"Authorization": f"token {TOKEN}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab on 127.0.0.1 with isolated config/runtime/settings, serving a copy of notebook 04."""
    work = tmp_path / "jlab"
    root = work / "root"
    root.mkdir(parents=True)
    nb = nbformat.read(repo_root() / "notebooks" / NOTEBOOK, as_version=4)
    for cell in nb.cells:  # a clean copy: no stale widget views, nothing to autosave over
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, root / NOTEBOOK)
    settings = work / "user-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    atomic_write_json(settings, {"fetchNews": "false", "checkForUpdates": False})  # no news toast over the canvas
    # JupyterLab 4 renders off-screen cells lazily (content-visibility), so their heights change as they scroll
    # in and a canvas measured once can be elsewhere a moment later: render every cell for stable geometry.
    tracker = work / "user-settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    atomic_write_json(tracker, {"windowingMode": "none"})
    events = work / "events.json"
    port = int(os.environ.get("JLAB_PORT") or _free_port())
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(work / "cfg"), "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
           "IPYTHONDIR": str(work / "ipython"), "JUPYTER_PLATFORM_DIRS": "1", "JUPYTER_PREFER_ENV_PATH": "1",
           "GANBOOK_PROFILE": "smoke", "GANBOOK_PROGRESS": "0", "GANBOOK_WIDGET_EVENTS": str(events),
           "GANBOOK_INTERACTIVE": "1", "PYTHONHASHSEED": "0"}
    env.pop("MPLBACKEND", None)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
           f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={work / 'user-settings'}",
           f"--LabApp.workspaces_dir={work / 'workspaces'}", "--LabApp.expose_app_in_browser=True",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = work / "jupyterlab.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                if _http(f"{base}/api/status?token={TOKEN}", timeout=2) == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer in 90 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield {"base": base, "events": events, "log": log_path, "work": work}
    finally:
        try:
            _http(f"{base}/api/shutdown", method="POST")  # also shuts the kernels down
            proc.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for sig in (signal.SIGTERM, signal.SIGKILL):  # only our own process group (server + kernels)
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=5)
                break
            except subprocess.TimeoutExpired:
                continue


def _read_events(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {"events": [], "state": {}}


def _wait_events(path: Path, predicate, timeout: float, what: str) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = _read_events(path)
        if predicate(record):
            return record
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; last log: {json.dumps(_read_events(path))[-1500:]}")


def _save_screenshot(png: bytes, info: dict) -> Path:
    """Write the screenshot and what the kernel reported (JSON sidecar) under reports/ and a kept temp copy."""
    out = reports_dir() / "figures" / "04_draggan" / "browser_test.png"
    keep = Path(tempfile.gettempdir()) / "ganbook-browser-test" / "browser_test.png"
    sidecar = {"made_by": "tests/browser/test_draggan_widget.py", "created": time.strftime("%Y-%m-%dT%H:%M:%SZ",
               time.gmtime()), **info}
    for path in (out, keep):  # the reports dir is a pytest temp dir: keep a copy a person can open
        atomic_write_bytes(path, png)
        atomic_write_json(path.with_suffix(".json"), sidecar)
    print(f"browser screenshot: {out} (copy: {keep})")
    return keep


@pytest.mark.browser
def test_clicking_handle_and_target_then_start_moves_the_handle_onto_the_target_in_jupyterlab(pw, jupyterlab,
                                                                                             tmp_path):
    from playwright.sync_api import expect

    events_path = jupyterlab["events"]
    ctx = pw.chromium.launch_persistent_context(
        user_data_dir=str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True,
        args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
    blocked, console_errors = [], []

    def only_localhost(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    try:
        ctx.route("**/*", only_localhost)
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{jupyterlab['base']}/lab/tree/{NOTEBOOK}?token={TOKEN}&reset")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=60000)
        page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=60000)
        status = page.locator("#jp-main-statusbar")
        expect(status).to_contain_text(re.compile(r"\|\s*Idle"), timeout=90000)  # kernel really started

        t0 = time.monotonic()
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        done = page.locator(".jp-OutputArea-output", has_text="metrics written to reports/metrics/04_draggan.json")
        failed = page.locator(".jp-OutputArea-output", has_text="Traceback (most recent call last)")
        deadline = time.monotonic() + 180
        while done.count() == 0:
            if failed.count():
                pytest.fail(f"a notebook cell failed in the browser:\n{failed.first.text_content()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the notebook did not finish within 180 s at the smoke profile")
            page.wait_for_timeout(500)
        expect(status).to_contain_text(re.compile(r"\|\s*Idle"), timeout=60000)
        print(f"notebook ran in the browser in {time.monotonic() - t0:.0f} s")
        assert page.get_by_text("Error displaying widget").count() == 0
        init = _wait_events(events_path, lambda r: any(e["type"] == "init" for e in r["events"]), 10, "the widget")
        scale = next(e for e in init["events"] if e["type"] == "init")["scale"]

        hint = page.locator(".jp-OutputArea-output", has_text="nose tip is at").last.text_content()
        found = re.search(r"nose tip is at x=(\d+), y=(\d+)", hint)
        assert found, f"the notebook's hint was not found in {hint!r}"
        hx, hy = float(found.group(1)), float(found.group(2))
        tx, ty = hx + DRAG_PX, hy

        # The widget's canvas: the last one in the outputs (layers may share a box; the top one takes the clicks).
        canvas = page.locator(".jp-NotebookPanel .jp-OutputArea-output canvas").last
        buffer_w = canvas.evaluate("el => el.width")

        def click_image_pixel(x, y):
            """Click image pixel (x, y) once the canvas sits still in the viewport; return canvas-buffer coords."""
            bx, by = (x + 0.5) * scale, (y + 0.5) * scale  # the widget's image -> canvas-buffer mapping
            last = None
            for _ in range(20):  # the page may still be laying out (images, widgets): wait for a stable box
                canvas.evaluate("el => el.scrollIntoView({block: 'center'})")  # the whole canvas, not just an edge
                page.wait_for_timeout(250)
                box = canvas.bounding_box()
                k = box["width"] / buffer_w  # CSS px per canvas-buffer px
                px, py = box["x"] + bx * k, box["y"] + by * k
                on_top = page.evaluate("([x, y]) => { const e = document.elementFromPoint(x, y);"
                                       " return e ? e.tagName + '.' + e.className : null; }", [px, py])
                if box == last and on_top and on_top.upper().startswith("CANVAS"):
                    page.mouse.click(px, py)
                    return bx, by
                last = box
            pytest.fail(f"the canvas did not settle under the pointer at ({px}, {py}); box {box}, on top: {on_top}")

        clicks = [click_image_pixel(hx, hy), click_image_pixel(tx, ty)]
        record = _wait_events(events_path, lambda r: sum(e["type"] == "mouse_up" for e in r["events"]) >= 2, 15,
                              "two clicks to reach the kernel")
        downs = [e for e in record["events"] if e["type"] == "mouse_down"]
        assert len(downs) == 2
        for (bx, by), e in zip(clicks, downs):
            assert abs(e["x"] - bx) <= 1.5 and abs(e["y"] - by) <= 1.5, (e, bx, by)
        pairs = record["state"]["pairs"]
        assert len(pairs) == 1 and pairs[0][1] is not None, pairs
        first_sha = next(e for e in record["events"] if e["type"] == "state")["image_sha256"]

        page.get_by_role("button", name="Start", exact=True).click()
        final = _wait_events(events_path, lambda r: r["state"].get("step", 0) > 0 and not r["state"]["running"]
                             and any(e["type"] == "state" and e.get("reason") == "done" for e in r["events"]), 90,
                             "the drag to finish")
        state = final["state"]
        (px_, py_), (qx, qy) = state["pairs"][0]
        distance = ((px_ - qx) ** 2 + (py_ - qy) ** 2) ** 0.5
        start_distance = ((pairs[0][0][0] - pairs[0][1][0]) ** 2 + (pairs[0][0][1] - pairs[0][1][1]) ** 2) ** 0.5
        assert start_distance >= DRAG_PX - 1.5
        assert distance <= TOLERANCE_PX, f"handle {state['pairs'][0][0]} ended {distance:.1f} px from the target"
        assert state["mean_distance"] <= TOLERANCE_PX
        assert state["image_sha256"] != first_sha, "the image did not change"
        expect(page.locator(".widget-label", has_text="ms/step")).to_have_count(1, timeout=10000)
        page.wait_for_timeout(300)  # let the last frame paint before the screenshot
        _save_screenshot(page.screenshot(full_page=False), {
            "handle_start": pairs[0][0], "target": pairs[0][1], "handle_end": state["pairs"][0][0],
            "start_distance_px": round(start_distance, 2), "end_distance_px": round(distance, 2),
            "steps": state["step"], "ms_per_step": round(state["ms_per_step"], 1)})
        assert not blocked, f"the page tried to reach the network: {blocked[:5]}"
        print(f"kernel moved the handle {start_distance:.1f} -> {distance:.1f} px in {state['step']} steps "
              f"({state['ms_per_step']:.0f} ms/step)")
    finally:
        ctx.close()
