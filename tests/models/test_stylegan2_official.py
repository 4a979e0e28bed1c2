"""Official StyleGAN2-ADA checkpoints: the forward pass matches NVIDIA's, and pickles load without
executing anything (checked against ../shared/fixtures/stylegan2_ada_official/, made with the official code)."""
from __future__ import annotations

import io
import os
import pickle
import sys
import types
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from ganbook.models.stylegan2 import Generator, StyleGAN2Config
from ganbook.models.stylegan2_official import load_pretrained
from ganbook.models.stylegan2_official import (PretrainedError, infer_config, official_to_ours, ours_to_official,
                                               read_official_pickle)
from ganbook.paths import repo_root

FIXTURE = repo_root().parent / "shared" / "fixtures" / "stylegan2_ada_official"


@pytest.fixture(scope="module")
def official():
    if not (FIXTURE / "G_ema_state_dict.safetensors").exists():
        pytest.fail(f"{FIXTURE} is missing: the official-output fixture must sit beside the repository")
    import json

    return (load_file(str(FIXTURE / "G_ema_state_dict.safetensors")),
            load_file(str(FIXTURE / "expected_outputs.safetensors")),
            json.loads((FIXTURE / "fixture.json").read_text()))


def test_config_is_inferred_from_shapes_alone_and_from_the_init_kwargs(official):
    state, _, meta = official
    expected = StyleGAN2Config(resolution=64, z_dim=64, w_dim=64, mapping_layers=8, channel_base=2048, channel_max=64)
    assert infer_config(state, meta["init_kwargs"]) == expected
    by_shape = infer_config(state)
    assert [by_shape.channels(r) for r in by_shape.block_resolutions] == [64, 64, 64, 64, 32]
    assert (by_shape.z_dim, by_shape.w_dim, by_shape.mapping_layers, by_shape.resolution) == (64, 64, 8, 64)


def test_official_weights_give_the_official_ws_images_and_block_features(official, tmp_path):
    state, expected, _ = official
    G = load_pretrained(FIXTURE / "G_ema_state_dict.safetensors")
    assert G.num_ws == 10
    z = expected["z"]
    with torch.no_grad():
        torch.testing.assert_close(G.mapping(z, 1.0), expected["ws_psi1"], atol=1e-5, rtol=0)
        torch.testing.assert_close(G.mapping(z, 0.7), expected["ws_psi07"], atol=1e-5, rtol=0)
        for psi in ("psi1", "psi07"):
            img = G.synthesis(expected[f"ws_{psi}"], noise_mode="const")
            torch.testing.assert_close(img, expected[f"img_const_{psi}"], atol=1e-4, rtol=0)
        img, feats = G.synthesis(expected["ws_psi1"], noise_mode="none", return_features=True)
        torch.testing.assert_close(img, expected["img_nonoise_psi1"], atol=1e-4, rtol=0)
        for r, f in zip(G.cfg.block_resolutions, feats):
            torch.testing.assert_close(f, expected[f"block{r}_x"], atol=1e-4, rtol=0)
    torch.testing.assert_close(G.w_avg, state["mapping.w_avg"])


def test_key_mapping_round_trips_in_both_directions(official, tmp_path):
    state, _, _ = official
    cfg = infer_config(state)
    G = Generator(cfg)
    G.load_state_dict(official_to_ours(state, cfg))
    back = ours_to_official(G)
    assert set(back) == set(state)
    for k, v in state.items():
        torch.testing.assert_close(back[k], v, atol=0, rtol=0, msg=k)
    torch.save(back, tmp_path / "exported.pt")  # a .pt in the official layout loads with weights_only=True
    again = load_pretrained(tmp_path / "exported.pt")
    for (k, a), b in zip(G.state_dict().items(), again.state_dict().values()):
        torch.testing.assert_close(a, b, atol=0, rtol=0, msg=k)


# ----------------------------------------------------------------------- pickles with the official structure
def _official_style_pickle(state: dict, init_kwargs: dict, module_src: str, extra=None) -> bytes:
    """A pickle laid out as torch_utils.persistence writes it: persistent objects whose meta holds the
    module source, class name and state, plus OrderedDicts, Parameters and storages as bytes."""
    import collections

    persistence = types.ModuleType("torch_utils.persistence")

    def _reconstruct_persistent_obj(meta):  # only its name matters for pickling
        raise AssertionError("never called")

    _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
    _reconstruct_persistent_obj.__qualname__ = "_reconstruct_persistent_obj"
    persistence._reconstruct_persistent_obj = _reconstruct_persistent_obj
    pkg = types.ModuleType("torch_utils")
    pkg.persistence = persistence

    class Persistent:
        def __init__(self, class_name, params, buffers, modules, kwargs=None):
            self.meta = dict(type="class", version=6, module_src=module_src, class_name=class_name,
                             state={"training": False, "_parameters": params, "_buffers": buffers,
                                    "_modules": modules, "_init_kwargs": kwargs or {}})

        def __reduce__(self):
            return (_reconstruct_persistent_obj, (self.meta,))

    tree: dict = {}
    for key, v in state.items():
        *path, leaf = key.split(".")
        node = tree
        for p in path:
            node = node.setdefault(p, {})
        node[leaf] = v

    def build(name, node, kwargs=None):
        params, buffers, modules = collections.OrderedDict(), collections.OrderedDict(), collections.OrderedDict()
        for k, v in node.items():
            if isinstance(v, dict):
                modules[k] = build(k, v)
            elif k in ("w_avg", "noise_const", "resample_filter"):
                buffers[k] = v.clone()
            else:
                params[k] = torch.nn.Parameter(v.clone())
        return Persistent(name, params, buffers, modules, kwargs)

    payload = {"G": build("Generator", tree, init_kwargs), "G_ema": build("Generator", tree, init_kwargs),
               "D": None, "augment_pipe": None, "training_set_kwargs": None, **(extra or {})}
    sys.modules["torch_utils"], sys.modules["torch_utils.persistence"] = pkg, persistence
    try:
        return pickle.dumps(payload, protocol=4)
    finally:
        del sys.modules["torch_utils"], sys.modules["torch_utils.persistence"]


def test_an_official_style_pickle_loads_without_executing_its_module_source(official, tmp_path):
    state, expected, meta = official
    marker = tmp_path / "module_src_was_executed"
    src = f"open({str(marker)!r}, 'w').write('pwned')\nclass Generator: pass\n"
    path = tmp_path / "network-snapshot.pkl"
    path.write_bytes(_official_style_pickle(state, meta["init_kwargs"], src))
    records = read_official_pickle(path)
    assert records["G_ema"].class_name == "Generator" and "open(" in records["G_ema"].module_src
    G = load_pretrained(path)
    assert not marker.exists(), "the module source stored in the pickle must never run"
    with torch.no_grad():
        img = G.synthesis(expected["ws_psi1"], noise_mode="const")
    torch.testing.assert_close(img, expected["img_const_psi1"], atol=1e-4, rtol=0)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo should-not-run",))


@pytest.mark.parametrize("payload", [_Evil(), {"G_ema": _Evil()}], ids=["top-level", "nested"])
def test_a_pickle_with_any_other_global_is_refused_naming_the_file_and_the_global(tmp_path, payload):
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(payload))
    with pytest.raises(PretrainedError) as err:
        load_pretrained(path)
    msg = str(err.value)
    assert str(path) in msg and "refused global" in msg and ("posix.system" in msg or "os.system" in msg)


def test_files_that_are_not_stylegan2_checkpoints_get_one_clear_error(tmp_path):
    junk = tmp_path / "notes.pkl"
    junk.write_bytes(b"not a pickle at all")
    wrong = tmp_path / "other.safetensors"
    save_file({"conv.weight": torch.zeros(3, 3)}, str(wrong))
    listy = tmp_path / "list.pkl"
    listy.write_bytes(pickle.dumps([1, 2, 3]))
    for path, words in ((junk, "not a readable StyleGAN2 pickle"), (wrong, "not a StyleGAN2 generator"),
                        (listy, "expected a dict of networks"), (tmp_path / "missing.pkl", "no such file"),
                        (Path(__file__), "unknown checkpoint type")):
        with pytest.raises(PretrainedError, match=words):
            load_pretrained(path)


def test_ganbook_checkpoints_load_through_the_same_entry_point():
    from ganbook.drag.training import shipped_checkpoint

    G = load_pretrained(shipped_checkpoint())
    assert isinstance(G, Generator) and G.resolution == 64 and not G.training
    assert load_pretrained(shipped_checkpoint().with_suffix(".safetensors")).resolution == 64


def test_read_bytes_of_a_storage_pickle_do_not_need_the_legacy_loader():
    t = torch.arange(6.0).reshape(2, 3)
    blob = pickle.dumps({"x": t})
    from ganbook.models.stylegan2_official import SafeUnpickler

    out = SafeUnpickler(io.BytesIO(blob)).load()
    torch.testing.assert_close(out["x"], t)


def _cli(*args):
    import subprocess

    return subprocess.run([sys.executable, "-m", "ganbook", "drag", "import-weights", *map(str, args)],
                          capture_output=True, text=True, timeout=180)


def test_import_weights_cli_converts_once_with_a_model_card_and_the_copy_loads_the_same(official, tmp_path):
    import json

    from ganbook.io import sha256_file

    _, expected, _ = official
    src = FIXTURE / "G_ema_state_dict.safetensors"
    proc = _cli(src, "--out", tmp_path / "ffhq-like", "--licence", "test fixture", "--origin", "shared/fixtures")
    assert proc.returncode == 0, proc.stderr
    card = json.loads((tmp_path / "ffhq-like.json").read_text())["meta"]
    assert card["kind"] == "stylegan2-generator" and card["licence"] == "test fixture"
    assert card["source_sha256"] == sha256_file(src) and card["model"]["channel_max"] == 64
    G = load_pretrained(tmp_path / "ffhq-like.json")
    with torch.no_grad():
        img = G.synthesis(expected["ws_psi1"], noise_mode="const")
    torch.testing.assert_close(img, expected["img_const_psi1"], atol=1e-4, rtol=0)


def test_import_weights_cli_exits_2_with_one_line_on_a_file_that_is_not_stylegan2(tmp_path):
    bad = tmp_path / "resnet.safetensors"
    save_file({"fc.weight": torch.zeros(2, 2)}, str(bad))
    proc = _cli(bad, "--out", tmp_path / "x")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "Traceback" not in proc.stderr
    assert not (tmp_path / "x.json").exists()
