"""Edits run together by drag_many are the edits drag runs one at a time."""
import numpy as np
import pytest
import torch

from ganbook.drag.batch import drag_many
from ganbook.drag.draggan import DragConfig, drag, to_wplus


@pytest.fixture
def ws(G):
    return [G.mapping(torch.randn(1, 16, generator=torch.Generator().manual_seed(s))).detach() for s in (1, 2, 3)]


EDITS = {"handles": [[[10, 12]], [[16, 16], [20, 9]], [[8, 20]]],
         "targets": [[[14, 12]], [[16, 20], [17, 9]], [[8, 20.5]]]}


@pytest.mark.parametrize("track", [True, False])
def test_edits_in_one_batch_equal_the_same_edits_run_alone(G, ws, track):
    cfg = DragConfig(max_steps=6)
    together = drag_many(G, ws, EDITS["handles"], EDITS["targets"], track=track, config=cfg, batch_size=3)
    for w, h, t, got in zip(ws, EDITS["handles"], EDITS["targets"], together):
        alone = drag(G, w, h, t, track=track, config=cfg)
        assert got.steps == alone.steps and got.converged == alone.converged
        np.testing.assert_allclose(got.trajectory, alone.trajectory, atol=1e-4)
        torch.testing.assert_close(got.ws, alone.ws, atol=1e-4, rtol=1e-4)
        np.testing.assert_allclose(got.image, alone.image, atol=1e-4)


def test_a_finished_edit_keeps_its_latent_while_the_others_go_on(G, ws):
    # edit 2's handle is 0.5 px from its target (the stop rule: 1 px): it stops at the first render
    out = drag_many(G, ws, EDITS["handles"], EDITS["targets"], track=False, config=DragConfig(max_steps=5))
    assert out[2].steps == 0 and out[2].converged
    torch.testing.assert_close(out[2].ws, to_wplus(ws[2], G.num_ws))
    assert out[0].steps == 5 and out[1].steps == 5


def test_mismatched_inputs_name_what_is_wrong(G, ws):
    with pytest.raises(ValueError, match="one entry per edit"):
        drag_many(G, ws, EDITS["handles"][:2], EDITS["targets"])
    with pytest.raises(ValueError, match="edit 1: need as many targets as handles"):
        drag_many(G, ws, EDITS["handles"], [[[1, 1]], [[2, 2]], [[3, 3]]])
    with pytest.raises(ValueError, match="batch_size"):
        drag_many(G, ws, EDITS["handles"], EDITS["targets"], batch_size=0)
