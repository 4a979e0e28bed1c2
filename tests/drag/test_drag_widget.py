"""The drag editor without a browser: handlers, one step per tick, undo/reset, mask, the event log."""
import asyncio
import json

import numpy as np
import pytest
import torch

from ganbook.drag.draggan import DragConfig
from ganbook.drag.widget import EVENTS_ENV, DragWidget


def click(widget, x, y):
    widget.on_mouse_down(x, y)
    widget.on_mouse_up(x, y)


def test_canvas_has_explicit_css_size_and_maps_buffer_pixels_to_image_pixels(G, w):
    wd = DragWidget(G, w, scale=4, runner="manual", events_path=None)
    assert (wd.canvas.width, wd.canvas.height) == (128, 128)
    assert wd.canvas.layout.width == "128px" and wd.canvas.layout.height == "128px"
    assert wd.to_image(2.0, 2.0) == (0.0, 0.0)  # centre of the first image pixel
    assert wd.to_image(42.0, 82.0) == (10.0, 20.0)
    assert wd.to_canvas(10.0, 20.0) == (42.0, 82.0)


def test_click_handle_then_target_then_start_steps_the_edit_changes_the_image_and_logs_it(G, w, tmp_path):
    log = tmp_path / "events.json"
    wd = DragWidget(G, w, scale=4, runner="manual", config=DragConfig(max_steps=6), events_path=log)
    image0 = wd.image.copy()
    click(wd, 34.0, 34.0)  # image (8, 8)
    click(wd, 98.0, 66.0)  # image (24, 16)
    assert wd.pairs == [[[8.0, 8.0], [24.0, 16.0]]]
    wd.start()
    assert wd.running
    while wd.tick():
        pass
    assert not wd.running and wd.steps_done == 6
    assert not np.array_equal(wd.image, image0)
    assert "step 6" in wd.label.value and "ms/step" in wd.label.value and "mean distance" in wd.label.value
    record = json.loads(log.read_text())
    kinds = [e["type"] for e in record["events"]]
    assert kinds.count("mouse_down") == 2 and kinds.count("mouse_up") == 2 and "state" in kinds
    assert record["state"]["step"] == 6 and record["state"]["pairs"][0][1] == [24.0, 16.0]
    first_state = next(e for e in record["events"] if e["type"] == "state")
    assert record["state"]["image_sha256"] != first_state["image_sha256"]  # the browser test's "image changed"


def test_dragging_an_existing_target_moves_it_and_undo_restores_it(G, w):
    wd = DragWidget(G, w, scale=4, runner="manual", events_path=None)
    click(wd, 34.0, 34.0)
    click(wd, 98.0, 66.0)
    wd.on_mouse_down(98.0, 66.0)  # grab the target
    wd.on_mouse_move(110.0, 70.0)
    wd.on_mouse_up(118.0, 74.0)
    assert wd.pairs[0][1] == [29.0, 18.0] and len(wd.pairs) == 1
    wd.undo()
    assert wd.pairs[0][1] == [24.0, 16.0]
    wd.undo()
    assert wd.pairs == [[[8.0, 8.0], None]]


def test_mask_paint_and_erase_modes_edit_the_movable_region(G, w):
    wd = DragWidget(G, w, scale=4, runner="manual", events_path=None, brush=2)
    wd.set_mode("paint mask")
    wd.on_mouse_down(66.0, 66.0)
    wd.on_mouse_move(70.0, 66.0)
    wd.on_mouse_up(70.0, 66.0)
    painted = wd.mask.sum()
    assert painted > 0 and wd.mask[16, 16] == 1 and wd.mask[0, 0] == 0 and wd.pairs == []
    wd.set_mode("erase mask")
    click(wd, 66.0, 66.0)
    assert 0 < wd.mask.sum() < painted and wd.mask[16, 16] == 0


def test_reset_restores_the_start_image_and_clears_everything(G, w):
    wd = DragWidget(G, w, scale=4, runner="manual", config=DragConfig(max_steps=3), events_path=None)
    image0 = wd.image.copy()
    click(wd, 34.0, 34.0)
    click(wd, 98.0, 66.0)
    wd.start()
    while wd.tick():
        pass
    wd.reset()
    assert wd.pairs == [] and wd.mask.sum() == 0 and np.array_equal(wd.image, image0)


def test_start_without_a_complete_pair_only_explains(G, w):
    wd = DragWidget(G, w, runner="manual", events_path=None)
    click(wd, 10.0, 10.0)
    wd.start()
    assert not wd.running and "target" in wd.label.value


def test_asyncio_runner_steps_while_the_loop_stays_free_for_other_work(G, w):
    wd = DragWidget(G, w, scale=4, runner="asyncio", config=DragConfig(max_steps=50), events_path=None)
    click(wd, 34.0, 34.0)
    click(wd, 98.0, 66.0)
    seen = []

    async def main():
        wd.start()
        for _ in range(5):  # other coroutines (the kernel's message handlers) get turns between steps
            await asyncio.sleep(0.02)
            seen.append(wd.steps_done)
        wd.stop()
        await asyncio.sleep(0.05)

    asyncio.run(main())
    assert not wd.running and seen[-1] > 0 and seen == sorted(seen)


def test_thread_runner_finishes_an_edit(G, w):
    wd = DragWidget(G, w, runner="thread", config=DragConfig(max_steps=4), events_path=None)
    wd.add_point(8.0, 8.0)
    wd.add_point(20.0, 12.0)
    wd.start()
    assert wd.wait(30.0) and wd.steps_done == 4


def test_event_log_path_comes_from_the_environment(G, w, tmp_path, monkeypatch):
    monkeypatch.setenv(EVENTS_ENV, str(tmp_path / "ev.json"))
    wd = DragWidget(G, w, runner="manual")
    click(wd, 5.0, 5.0)
    events = json.loads((tmp_path / "ev.json").read_text())["events"]
    assert events[0]["type"] == "init" and events[1] == {**events[1], "type": "mouse_down", "x": 5.0, "y": 5.0}


def test_stop_then_start_continues_the_same_edit_and_undo_restores_the_start_latent(G, w):
    wd = DragWidget(G, w, scale=4, runner="manual", config=DragConfig(max_steps=8, stop_distance=0.0),
                    events_path=None)
    image0, w0 = wd.image.copy(), wd.w.clone()
    click(wd, 34.0, 34.0)
    click(wd, 98.0, 66.0)
    wd.start()
    for _ in range(3):
        wd.tick()
    wd.stop()
    session = wd.session
    assert not wd.running and wd.steps_done == 3 and not wd.tick()
    wd.start()  # continues: same session, same optimiser state
    while wd.tick():
        pass
    assert wd.session is session and wd.steps_done == 8 and not torch.equal(wd.w, w0)
    wd.undo()  # the completed drag is one undo step
    assert torch.equal(wd.w, w0) and np.array_equal(wd.image, image0)
    assert wd.pairs == [[[8.0, 8.0], [24.0, 16.0]]]


def test_dragging_a_handle_moves_the_handle_and_keeps_its_target(G, w):
    wd = DragWidget(G, w, scale=4, runner="manual", events_path=None)
    click(wd, 34.0, 34.0)  # handle (8, 8)
    click(wd, 98.0, 66.0)  # target (24, 16)
    wd.on_mouse_down(34.0, 34.0)  # grab the handle
    wd.on_mouse_move(42.0, 38.0)
    wd.on_mouse_up(50.0, 42.0)
    assert wd.pairs == [[[12.0, 10.0], [24.0, 16.0]]]


def test_a_target_one_pixel_from_its_lone_handle_is_placed_not_taken_for_the_handle(G, w):
    wd = DragWidget(G, w, scale=4, runner="manual", events_path=None)
    click(wd, 34.0, 34.0)  # handle (8, 8)
    click(wd, 38.0, 34.0)  # 1 image px to the right: its target, a small nudge
    assert wd.pairs == [[[8.0, 8.0], [9.0, 8.0]]]
    wd.on_mouse_down(34.0, 34.0)  # with the pair complete, a click on the handle grabs it again
    wd.on_mouse_up(30.0, 34.0)
    assert wd.pairs == [[[7.0, 8.0], [9.0, 8.0]]]
