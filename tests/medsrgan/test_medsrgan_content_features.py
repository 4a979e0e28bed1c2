"""Where MedSRGAN's content loss gets VGG-19 from: the imported copy, or the stated pixel fallback — never silently."""
import pytest

from ganbook import medsrgan
from ganbook.data.errors import DataError
from ganbook.data.fetch import _record


def test_without_an_imported_vgg19_the_content_loss_falls_back_to_pixels_and_says_so():
    features, pretrained, message = medsrgan.content_features()
    assert not pretrained and "REPLACED by the same loss on pixels" in message


def test_an_imported_vgg19_that_no_longer_matches_its_checksum_is_an_error_naming_the_file(tmp_path):
    bad = tmp_path / "vgg19-dcbb9e9d.pth"
    bad.write_bytes(b"not the weights")
    _record("vgg19", bad, "import")  # as if imported, then overwritten or truncated
    with pytest.raises(DataError, match="vgg19-dcbb9e9d.pth"):
        medsrgan.content_features()


def test_a_required_perceptual_loss_without_weights_stops_with_the_import_command():
    with pytest.raises(DataError, match="python -m ganbook data import vgg19"):
        medsrgan.content_features(required=True)


@pytest.mark.parametrize("notebook", ["01_medsrgan", "02_retinal_esrgan"])
def test_paper_profile_requires_vgg19_before_any_training(notebook):
    """The paper profile looks the weights up with required=True in a cell before the first training call."""
    from ganbook.paths import repo_root

    text = (repo_root() / "notebooks" / f"{notebook}.py").read_text()
    check = text.index('required=run.profile == "paper"')
    first_training = min(i for i in (text.find("medsrgan.train("), text.find("retinal_esrgan.train_psnr("),
                                     text.find("retinal_esrgan.train(")) if i >= 0)
    assert check < first_training
