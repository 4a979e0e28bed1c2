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
