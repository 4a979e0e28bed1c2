"""An ipycanvas drag editor for DragGAN: click a handle, click its target, press Start.

Layout: a 3-layer ``MultiCanvas`` — [0] the generated image (RGBA ``put_image_data``, lossless;
RGB would go through JPEG), [1] the movable-region mask, [2] handle (red) -> target (blue) arrows —
shown ``scale`` times larger than the image with an explicit CSS size, plus mode buttons (points /
paint mask / erase mask), Start / Stop / Reset / Undo and a status label (step, ms/step, mean
distance). Mouse coordinates arrive in canvas-buffer pixels and are mapped to image pixels.

The kernel stays responsive while optimising: each tick runs one :meth:`DragSession.step` and then
yields to the kernel's asyncio loop (or, with ``runner="thread"``, a background thread runs the ticks
under a lock), so clicks and the Stop button are handled between steps. Every handler is a plain
method, so tests and scripts drive the widget without a browser.

With ``$GANBOOK_WIDGET_EVENTS`` (or ``events_path``) set, every received event and every state
change is appended to a JSON file, rewritten atomically: ``{"events": [...], "state": {...}}`` —
a browser test polls it to check the kernel got the clicks and moved the handle.
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
from pathlib import Path

import numpy as np
import torch

from ..io import atomic_write_json
from .draggan import DragConfig, DragSession, image_to_numpy, to_wplus

__all__ = ["DragWidget", "EVENTS_ENV"]

EVENTS_ENV = "GANBOOK_WIDGET_EVENTS"
MODES = ("points", "paint mask", "erase mask")


class DragWidget:
    """Interactive DragGAN editor.

    Args:
        generator: a StyleGAN2 :class:`Generator`.
        w: the starting W or W+ code.
        scale: display pixels per image pixel (64 px shown at 256 px with 4).
        config: a :class:`DragConfig` for the edits.
        runner: "auto" (asyncio task when a loop is running, else a thread), "asyncio", "thread" or
            "manual" (nothing is scheduled; call :meth:`tick` yourself, e.g. in tests).
        events_path: JSON event log (default: ``$GANBOOK_WIDGET_EVENTS``; None disables it).
        brush: mask brush radius in image pixels.
    """

    def __init__(self, generator, w, scale: int = 4, config: DragConfig | None = None, runner: str = "auto",
                 events_path: str | os.PathLike | None = None, brush: float = 3.0):
        if runner not in ("auto", "asyncio", "thread", "manual"):
            raise ValueError(f"runner must be 'auto', 'asyncio', 'thread' or 'manual', got {runner!r}")
        if not isinstance(scale, int) or scale < 1:
            raise ValueError(f"scale must be a positive int, got {scale!r}")
        self.G, self.config, self.runner = generator, config or DragConfig(), runner
        self.scale, self.brush = scale, brush
        self.res = generator.resolution
        self.w_start = to_wplus(w, generator.num_ws)
        self.w = self.w_start.clone()
        self.pairs: list[list] = []  # [[handle (x, y), target (x, y) or None], ...] in image pixels
        self.mask = np.zeros((self.res, self.res), np.float32)  # 1 = may change (painted)
        self.mode = "points"
        self.session: DragSession | None = None
        self.running = False
        self._task = self._thread = None
        self._lock = threading.RLock()
        self._undo: list = []
        self._dragging = None  # (pair index, 0 handle / 1 target) or "mask"
        self.steps_done, self.ms_per_step = 0, 0.0
        path = events_path if events_path is not None else os.environ.get(EVENTS_ENV)
        self.events_path = Path(path) if path else None
        self.events: list[dict] = []
        with torch.no_grad():
            self.image = image_to_numpy(generator.synthesis(self.w, noise_mode=self.config.noise_mode))
        self._build_ui()
        self.redraw()
        self._log({"type": "init", "resolution": self.res, "scale": scale})

    # ------------------------------------------------------------------ UI
    def _build_ui(self):
        import ipywidgets as widgets
        from ipycanvas import MultiCanvas

        size = self.res * self.scale
        # An explicit CSS size: inside a VBox the canvas would otherwise be stretched to the box width.
        self.canvas = MultiCanvas(3, width=size, height=size,
                                  layout=widgets.Layout(width=f"{size}px", height=f"{size}px"))
        self.canvas.on_mouse_down(self.on_mouse_down)
        self.canvas.on_mouse_move(self.on_mouse_move)
        self.canvas.on_mouse_up(self.on_mouse_up)
        self.mode_buttons = widgets.ToggleButtons(options=MODES, value="points", description="")
        self.mode_buttons.observe(lambda change: self.set_mode(change["new"]), names="value")
        self.buttons = {}
        for name, fn in (("Start", self.start), ("Stop", self.stop), ("Reset", self.reset), ("Undo", self.undo)):
            self.buttons[name] = widgets.Button(description=name, layout=widgets.Layout(width="70px"))
            self.buttons[name].on_click(lambda _b, fn=fn: self._safe(fn))
        self.label = widgets.Label(value="click a handle, then its target; press Start")
        self.output = widgets.Output()  # errors from callbacks (prints there do not reach the cell)
        self.widget = widgets.VBox([self.mode_buttons, widgets.HBox(list(self.buttons.values())), self.canvas,
                                    self.label, self.output])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _safe(self, fn, *args):
        try:
            return fn(*args)
        except Exception as exc:  # exceptions in widget callbacks are otherwise lost
            self._report(exc)

    def _report(self, exc: Exception):
        self.running = False
        self.output.append_stdout(f"{type(exc).__name__}: {exc}\n")
        self.label.value = f"error: {exc}"
        self._log({"type": "error", "message": f"{type(exc).__name__}: {exc}"})

    # ------------------------------------------------------------ drawing
    def redraw(self, image: bool = True):
        """Redraw the layers (image, mask, arrows) in one batched message."""
        from ipycanvas import hold_canvas

        s = self.scale
        with hold_canvas():
            if image:
                rgb = np.round(self.image * 255).astype(np.uint8).repeat(s, 0).repeat(s, 1)  # nearest-neighbour zoom
                rgba = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=2)
                self.canvas[0].put_image_data(rgba, 0, 0)
            layer = self.canvas[1]
            layer.clear()
            if self.mask.any():
                over = np.zeros((self.res, self.res, 4), np.uint8)
                over[self.mask > 0] = (255, 255, 255, 90)
                layer.put_image_data(over.repeat(s, 0).repeat(s, 1), 0, 0)
            ann = self.canvas[2]
            ann.clear()
            ann.line_width = 2
            for handle, target in self.pairs:
                hx, hy = self.to_canvas(*handle)
                if target is not None:
                    tx, ty = self.to_canvas(*target)
                    self._arrow(ann, hx, hy, tx, ty)
                    ann.fill_style = "#2060ff"
                    ann.fill_circle(tx, ty, 5)
                ann.fill_style = "#ff2020"
                ann.fill_circle(hx, hy, 5)

    @staticmethod
    def _arrow(ctx, x0, y0, x1, y1):
        ctx.stroke_style = "#ffffff"
        ctx.stroke_line(x0, y0, x1, y1)
        ang, head = np.arctan2(y1 - y0, x1 - x0), 9
        pts = [(x1, y1), (x1 - head * np.cos(ang - 0.45), y1 - head * np.sin(ang - 0.45)),
               (x1 - head * np.cos(ang + 0.45), y1 - head * np.sin(ang + 0.45))]
        ctx.fill_style = "#ffffff"
        ctx.fill_polygon(pts)

    def to_image(self, x: float, y: float) -> tuple[float, float]:
        """Canvas-buffer pixels -> image pixels (pixel centres at integers), clipped to the image."""
        k = self.canvas.width / self.res
        return (float(np.clip(x / k - 0.5, 0, self.res - 1)), float(np.clip(y / k - 0.5, 0, self.res - 1)))

    def to_canvas(self, x: float, y: float) -> tuple[float, float]:
        k = self.canvas.width / self.res
        return (x + 0.5) * k, (y + 0.5) * k

    # ------------------------------------------------------------ editing
    def set_mode(self, mode: str):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        if self.mode_buttons.value != mode:
            self.mode_buttons.value = mode
        self._log({"type": "mode", "mode": mode})

    def _snapshot(self):
        self._undo.append(([[list(h), None if t is None else list(t)] for h, t in self.pairs], self.mask.copy(),
                           self.w.clone()))

    def _edit_begins(self):
        """Any edit of points or mask ends the running optimisation (the next Start continues from here)."""
        if self.running:
            self.stop()
        self.session = None

    def add_point(self, x: float, y: float):
        """Add a handle, or the target of the last handle without one (image pixels)."""
        with self._lock:
            self._edit_begins()
            self._snapshot()
            if self.pairs and self.pairs[-1][1] is None:
                self.pairs[-1][1] = [x, y]
            else:
                self.pairs.append([[x, y], None])
            self.redraw(image=False)
            self._log_state("point added")

    def paint(self, x: float, y: float, value: float):
        """Set the mask to ``value`` in a disk of radius ``brush`` around (x, y) (image pixels)."""
        yy, xx = np.mgrid[: self.res, : self.res]
        self.mask[(xx - x) ** 2 + (yy - y) ** 2 <= self.brush ** 2] = value
        self.redraw(image=False)

    def _hit(self, x: float, y: float, radius: float = 8.0):
        """The (pair, end) whose point is within ``radius`` display pixels of image point (x, y), if any."""
        best, best_d = None, radius
        for i, pair in enumerate(self.pairs):
            for end in (1, 0):  # targets first: they are what one usually re-aims
                if pair[end] is not None:
                    d = np.hypot(pair[end][0] - x, pair[end][1] - y) * self.scale
                    if d < best_d:
                        best, best_d = (i, end), d
        return best

    def on_mouse_down(self, x: float, y: float):
        self._log({"type": "mouse_down", "x": x, "y": y})
        self._safe(self._down, x, y)

    def _down(self, x, y):
        ix, iy = self.to_image(x, y)
        with self._lock:
            if self.mode == "points":
                # A handle waiting for its target takes the click as that target, however close: small
                # nudges are edits too. Holding the button then fine-tunes the target.
                pending = bool(self.pairs) and self.pairs[-1][1] is None
                hit = None if pending else self._hit(ix, iy)
                if hit is None:
                    self.add_point(ix, iy)
                    if pending:
                        self._dragging = (len(self.pairs) - 1, 1)
                else:
                    self._edit_begins()
                    self._snapshot()
                    self._dragging = hit
            else:
                self._edit_begins()
                self._snapshot()
                self._dragging = "mask"
                self.paint(ix, iy, 1.0 if self.mode == "paint mask" else 0.0)

    def on_mouse_move(self, x: float, y: float):
        if self._dragging is None:
            return  # hover moves are not logged: the frontend sends one message per DOM event
        self._log({"type": "mouse_move", "x": x, "y": y})
        self._safe(self._move, x, y)

    def _move(self, x, y):
        ix, iy = self.to_image(x, y)
        with self._lock:
            if self._dragging == "mask":
                self.paint(ix, iy, 1.0 if self.mode == "paint mask" else 0.0)
            elif self._dragging is not None:
                i, end = self._dragging
                self.pairs[i][end] = [ix, iy]
                self.redraw(image=False)

    def on_mouse_up(self, x: float, y: float):
        self._log({"type": "mouse_up", "x": x, "y": y})
        with self._lock:
            if self._dragging is not None and self._dragging != "mask":
                self._move(x, y)
            self._dragging = None
        self._log_state("mouse up")

    def undo(self):
        """Undo the last point, move, mask stroke or completed drag."""
        with self._lock:
            self._edit_begins()
            if self._undo:
                pairs, self.mask, w = self._undo.pop()
                self.pairs = pairs
                if not torch.equal(w, self.w):
                    self.w = w
                    self._render()
            self.redraw()
            self._log_state("undo")

    def reset(self):
        """Back to the starting image; clear points and mask."""
        with self._lock:
            self._edit_begins()
            self.pairs, self._undo = [], []
            self.mask[:] = 0
            self.w = self.w_start.clone()
            self.steps_done, self.ms_per_step = 0, 0.0
            self._render()
            self.redraw()
            self.label.value = "reset"
            self._log_state("reset")

    def _render(self):
        with torch.no_grad():
            self.image = image_to_numpy(self.G.synthesis(self.w, noise_mode=self.config.noise_mode))

    # ------------------------------------------------------------ optimisation
    def start(self):
        """Start optimising the complete handle/target pairs (one step per tick)."""
        with self._lock:
            complete = [(h, t) for h, t in self.pairs if t is not None]
            if not complete:
                self.label.value = "add a handle and its target first"
                return
            if self.running:
                return
            if self.session is None or self.session.done:
                self._snapshot()
                self.pairs = [[list(h), list(t)] for h, t in complete]
                self.session = DragSession(self.G, self.w, [h for h, _ in complete], [t for _, t in complete],
                                           self.mask if self.mask.any() else None, self.config)
            self.running = True
            self._log_state("start")
        mode = self.runner
        if mode == "auto":
            try:
                asyncio.get_running_loop()
                mode = "asyncio"
            except RuntimeError:
                mode = "thread"
        if mode == "asyncio":
            self._task = asyncio.get_running_loop().create_task(self._run_async())
        elif mode == "thread":
            self._thread = threading.Thread(target=self._run_thread, daemon=True)
            self._thread.start()

    def stop(self):
        """Pause after the current step (Start continues the same edit)."""
        self.running = False
        self._log_state("stop")

    def tick(self) -> bool:
        """One DragGAN step and a redraw; returns whether the edit is still running."""
        with self._lock:
            if not self.running or self.session is None:
                return False
            image, points = self.session.step()
            self.image = image
            self.w = self.session.ws.detach().clone()
            for pair, p in zip(self.pairs, points.tolist()):
                pair[0] = p  # handles follow the tracked points
            self.steps_done, self.ms_per_step = self.session.steps, self.session.ms_per_step
            if self.session.done:
                self.running = False
            self.redraw()
            dist = float(self.session.distances().mean())
            state = "done" if self.session.done else "running"
            self.label.value = (f"step {self.steps_done} · {self.ms_per_step:.0f} ms/step · "
                                f"mean distance {dist:.1f} px · {state}")
            self._log_state(state)
            return self.running

    async def _run_async(self):
        try:
            while self.tick():
                await asyncio.sleep(0.001)  # hand the loop to the kernel: clicks and Stop get through
        except Exception as exc:
            self._report(exc)

    def _run_thread(self):
        try:
            while self.tick():
                time.sleep(0.001)
        except Exception as exc:
            self._report(exc)

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until a thread-runner edit stops (scripts/tests); True when it finished in time."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return not self.running

    # ------------------------------------------------------------ event log
    def state(self) -> dict:
        return {"running": self.running, "step": self.steps_done, "ms_per_step": round(self.ms_per_step, 2),
                "mode": self.mode, "pairs": [[list(map(float, h)), None if t is None else list(map(float, t))]
                                             for h, t in self.pairs],
                "mean_distance": None if self.session is None else float(self.session.distances().mean()),
                "mask_pixels": int(self.mask.sum()),
                "image_sha256": hashlib.sha256(np.round(self.image * 255).astype(np.uint8).tobytes()).hexdigest()}

    def _log_state(self, reason: str):
        self._log({"type": "state", "reason": reason, **self.state()})

    def _log(self, event: dict):
        if self.events_path is None:
            return
        self.events.append({**event, "t": round(time.time(), 3)})
        state = self.state() if hasattr(self, "canvas") else {}
        atomic_write_json(self.events_path, {"events": self.events, "state": state})
