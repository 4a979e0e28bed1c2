"""VGG-19 feature extractor: torchvision key layout, local-file loading, checksum, fallback."""
import pytest
import torch
from safetensors.torch import save_file

from ganbook.io import sha256_file
from ganbook.models import VGG19Features, perceptual_backbone
from ganbook.models.vgg import VGG19_CONVS, IdentityFeatures

TORCHVISION_CONV_INDICES = [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34]
CHANNELS = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512]


def test_state_dict_has_torchvision_keys_and_shapes_up_to_conv5_4():
    sd = VGG19Features(("conv5_4",)).state_dict()
    expected, c_in = {}, 3
    for i, c in zip(TORCHVISION_CONV_INDICES, CHANNELS):
        expected[f"features.{i}.weight"] = (c, c_in, 3, 3)
        expected[f"features.{i}.bias"] = (c,)
        c_in = c
    assert {k: tuple(v.shape) for k, v in sd.items()} == expected
    assert [VGG19_CONVS[n] for n in ("conv1_2", "conv2_2", "conv3_4", "conv4_4", "conv5_4")] == [2, 7, 16, 25, 34]


def small_state(seed=0):
    """A torchvision-layout state dict for conv1_1..conv2_2, plus a classifier key to be ignored."""
    g = torch.Generator().manual_seed(seed)
    sd, c_in = {}, 3
    for i, c in zip([0, 2, 5, 7], [64, 64, 128, 128]):
        sd[f"features.{i}.weight"] = torch.randn(c, c_in, 3, 3, generator=g) * 0.05
        sd[f"features.{i}.bias"] = torch.randn(c, generator=g) * 0.05
        c_in = c
    sd["classifier.0.weight"] = torch.zeros(2, 2)
    return sd


def test_loads_pth_and_safetensors_files_into_the_right_layers(tmp_path):
    sd = small_state()
    pth, st = tmp_path / "vgg.pth", tmp_path / "vgg.safetensors"
    torch.save(sd, pth)
    save_file(sd, str(st))
    for path in (pth, st):
        model = VGG19Features.from_file(path, ("conv1_2", "conv2_2"), sha256=sha256_file(path))
        assert torch.equal(model.features[7].weight, sd["features.7.weight"])
        assert len(model.features) == 8  # cut right after conv2_2


def test_checksum_mismatch_names_the_file(tmp_path):
    path = tmp_path / "vgg19-dcbb9e9d.pth"
    torch.save(small_state(), path)
    with pytest.raises(ValueError, match=r"checksum mismatch .*vgg19-dcbb9e9d\.pth"):
        VGG19Features.from_file(path, ("conv1_2",), sha256="0" * 64)


def test_torch_hub_style_name_is_checked_against_its_hash_prefix(tmp_path):
    data = tmp_path / "tmp.pth"
    torch.save(small_state(), data)
    right = tmp_path / f"vgg19-{sha256_file(data)[:8]}.pth"
    data.rename(right)
    assert VGG19Features.from_file(right, ("conv1_2",)) is not None
    wrong = tmp_path / "vgg19-dcbb9e9d.pth"
    right.rename(wrong)
    with pytest.raises(ValueError, match=r"checksum mismatch .*expected sha256 dcbb9e9d…"):
        VGG19Features.from_file(wrong, ("conv1_2",))


def test_missing_file_missing_keys_and_wrong_shapes_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        VGG19Features.from_file(tmp_path / "nope.pth")
    path = tmp_path / "partial.pth"
    torch.save(small_state(), path)
    with pytest.raises(ValueError, match="missing features.10.weight"):
        VGG19Features.from_file(path, ("conv5_4",))
    bad = small_state()
    bad["features.2.weight"] = torch.zeros(64, 32, 3, 3)
    torch.save(bad, path)
    with pytest.raises(ValueError, match=r"features.2.weight has shape \(64, 32, 3, 3\)"):
        VGG19Features.from_file(path, ("conv1_2",))
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="cannot read"):
        VGG19Features.from_file(junk, ("conv1_2",))


def test_features_are_pre_relu_grayscale_replicated_and_frozen(tmp_path):
    path = tmp_path / "vgg.pth"
    torch.save(small_state(), path)
    model = VGG19Features.from_file(path, ("conv1_2", "conv2_2"))
    gray = torch.rand(2, 1, 16, 16)
    out = model(gray)
    assert out["conv2_2"].shape == (2, 128, 8, 8)
    assert (out["conv1_2"] < 0).any()  # before ReLU: negative responses survive
    assert torch.equal(out["conv2_2"], model(gray.repeat(1, 3, 1, 1))["conv2_2"])
    model.train()
    assert not model.training and not any(p.requires_grad for p in model.parameters())


def test_perceptual_backbone_falls_back_to_pixels_and_says_so(tmp_path):
    model, pretrained, message = perceptual_backbone(None, ("conv5_4",))
    assert isinstance(model, IdentityFeatures) and not pretrained
    assert "REPLACED" in message
    x = torch.rand(1, 1, 8, 8)
    assert model(x)["conv5_4"] is x
    _, pretrained, message = perceptual_backbone(tmp_path / "absent.pth", ("conv1_2",))
    assert not pretrained and "absent.pth" in message
    path = tmp_path / "vgg.pth"
    torch.save(small_state(), path)
    model, pretrained, _ = perceptual_backbone(path, ("conv1_2",))
    assert pretrained and isinstance(model, VGG19Features)
    with pytest.raises(ValueError, match="checksum"):
        perceptual_backbone(path, ("conv1_2",), sha256="f" * 64)
