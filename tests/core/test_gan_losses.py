"""GAN losses against values computed by hand (log/sigmoid written out, not via the same formula)."""
import math

import pytest
import torch

from ganbook.losses.gan import GAN_LOSSES, discriminator_accuracy, discriminator_loss, generator_loss

REAL = torch.tensor([2.0, -1.0])
FAKE = torch.tensor([0.5, -3.0])


def sig(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_minimax_and_nonsaturating_share_the_binary_cross_entropy_discriminator_loss():
    want = -(math.log(sig(2.0)) + math.log(sig(-1.0))) / 2 - (math.log(1 - sig(0.5)) + math.log(1 - sig(-3.0))) / 2
    for kind in ("minimax", "nonsaturating"):
        assert discriminator_loss(kind, REAL, FAKE).item() == pytest.approx(want, rel=1e-6)


def test_minimax_generator_minimises_log_one_minus_d():
    want = (math.log(1 - sig(0.5)) + math.log(1 - sig(-3.0))) / 2
    assert generator_loss("minimax", FAKE).item() == pytest.approx(want, rel=1e-6)


def test_nonsaturating_generator_minimises_minus_log_d():
    want = -(math.log(sig(0.5)) + math.log(sig(-3.0))) / 2
    assert generator_loss("nonsaturating", FAKE).item() == pytest.approx(want, rel=1e-6)


def test_lsgan_uses_the_a_b_c_targets():
    d = 0.5 * ((2 - 1) ** 2 + (-1 - 1) ** 2) / 2 + 0.5 * ((0.5 - 0) ** 2 + (-3 - 0) ** 2) / 2
    assert discriminator_loss("lsgan", REAL, FAKE).item() == pytest.approx(d)
    g = 0.5 * ((0.5 - 1) ** 2 + (-3 - 1) ** 2) / 2
    assert generator_loss("lsgan", FAKE).item() == pytest.approx(g)
    d_sym = 0.5 * ((2 - 1) ** 2 + (-1 - 1) ** 2) / 2 + 0.5 * ((0.5 + 1) ** 2 + (-3 + 1) ** 2) / 2
    assert discriminator_loss("lsgan", REAL, FAKE, a=-1.0, b=1.0).item() == pytest.approx(d_sym)


def test_ragan_compares_each_sample_with_the_mean_of_the_other_side():
    mean_r, mean_f = 0.5, -1.25
    d = (-(math.log(sig(2 - mean_f)) + math.log(sig(-1 - mean_f))) / 2
         - (math.log(1 - sig(0.5 - mean_r)) + math.log(1 - sig(-3 - mean_r))) / 2)
    g = (-(math.log(1 - sig(2 - mean_f)) + math.log(1 - sig(-1 - mean_f))) / 2
         - (math.log(sig(0.5 - mean_r)) + math.log(sig(-3 - mean_r))) / 2)
    assert discriminator_loss("ragan", REAL, FAKE).item() == pytest.approx(d, rel=1e-6)
    assert generator_loss("ragan", FAKE, REAL).item() == pytest.approx(g, rel=1e-6)


def test_ragan_generator_gets_gradient_through_the_real_term_too():
    fake = FAKE.clone().requires_grad_(True)
    # Only the real term: d/dfake of softplus(C_r - mean(C_f)) is non-zero.
    loss = generator_loss("ragan", fake, REAL)
    loss.backward()
    # The fake term alone would give d/dC_f = -(1 - sigmoid(C_f - mean C_r)) / n; the real term adds
    # -sigmoid(C_r - mean C_f) / n^2 summed over reals, through mean(C_f).
    mean_r, mean_f = REAL.mean().item(), FAKE.mean().item()
    fake_only = [-(1 - sig(f - mean_r)) / 2 for f in FAKE.tolist()]
    real_part = sum(sig(r - mean_f) for r in REAL.tolist()) / 4
    want = [v - real_part for v in fake_only]
    assert fake.grad.tolist() == pytest.approx(want, rel=1e-5)


def test_saturating_loss_gives_vanishing_gradient_when_d_rejects_fakes():
    logit = torch.tensor([-8.0], requires_grad=True)  # D(G(z)) ~ 3e-4
    g_sat, = torch.autograd.grad(generator_loss("minimax", logit), logit)
    g_ns, = torch.autograd.grad(generator_loss("nonsaturating", logit), logit)
    assert abs(g_sat.item()) < 1e-3 < 0.99 < abs(g_ns.item())


def test_unknown_loss_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="nonsaturating"):
        discriminator_loss("wgan", REAL, FAKE)
    assert set(GAN_LOSSES) == {"minimax", "nonsaturating", "lsgan", "ragan"}


@pytest.mark.parametrize("kind", GAN_LOSSES)
def test_losses_over_one_dim_equal_each_row_computed_on_its_own(kind):
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(3, 5, generator=g), torch.randn(3, 5, generator=g) - 1
    rows_d = discriminator_loss(kind, real, fake, dim=-1)
    rows_g = generator_loss(kind, fake, real, dim=-1)
    assert rows_d.shape == rows_g.shape == (3,)
    for i in range(3):
        assert rows_d[i].item() == pytest.approx(discriminator_loss(kind, real[i], fake[i]).item(), rel=1e-6)
        assert rows_g[i].item() == pytest.approx(generator_loss(kind, fake[i], real[i]).item(), rel=1e-6)


def test_discriminator_accuracy_counts_each_side_of_the_decision_boundary():
    real, fake = torch.tensor([2.0, 1.0, -1.0, 3.0]), torch.tensor([-2.0, -1.0, -3.0, 0.5])
    acc = discriminator_accuracy("nonsaturating", real, fake)
    assert acc["d_acc"] == pytest.approx(0.5 * (3 / 4 + 3 / 4))
    assert acc["logit_real"] == pytest.approx(1.25) and acc["logit_fake"] == pytest.approx(-1.375)
    # LSGAN's boundary is halfway between the targets 0 and 1; RaGAN compares with the other side's mean
    assert discriminator_accuracy("lsgan", torch.tensor([0.6, 0.4]), torch.tensor([0.1, 0.9]))["d_acc"] == 0.5
    shifted = discriminator_accuracy("ragan", real + 10, fake + 10)
    assert shifted["d_acc"] == discriminator_accuracy("ragan", real, fake)["d_acc"]
    assert discriminator_accuracy("nonsaturating", real + 10, fake + 10)["d_acc"] == 0.5  # all called real
    with pytest.raises(ValueError, match="unknown GAN loss"):
        discriminator_accuracy("wgan", real, fake)
