"""The four adversarial objectives the survey's systems use, written on raw critic outputs (logits).

* ``minimax``        — Goodfellow et al. 2014, Eq. 1: G minimises E[log(1 − D(G(z)))] ("saturating").
* ``nonsaturating``  — the same D, but G maximises E[log D(G(z))] (Goodfellow 2014, §3; what the
  released code used).
* ``lsgan``          — Mao et al. 2017: D minimises ½E[(D(x) − b)²] + ½E[(D(G(z)) − a)²],
  G minimises ½E[(D(G(z)) − c)²]; default coding a=0, b=c=1.
* ``ragan``          — relativistic average GAN in ESRGAN's form (Wang et al. 2018, Eq. 1–2):
  D_Ra(x_r, x_f) = σ(C(x_r) − E[C(x_f)]); G is trained through both the real and the fake term.

With D(x) = σ(logit), log D = −softplus(−logit) and log(1 − D) = −softplus(logit), which is how the
losses are computed (numerically stable, no sigmoid saturation in float).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["GAN_LOSSES", "discriminator_loss", "generator_loss", "discriminator_accuracy"]

GAN_LOSSES = ("minimax", "nonsaturating", "lsgan", "ragan")


def _mean(x: torch.Tensor, dim) -> torch.Tensor:
    return x.mean() if dim is None else x.mean(dim)


def discriminator_loss(kind: str, real: torch.Tensor, fake: torch.Tensor, *, a: float | torch.Tensor = 0.0,
                       b: float | torch.Tensor = 1.0, dim: int | tuple | None = None) -> torch.Tensor:
    """Loss the discriminator minimises.

    Args:
        kind: one of :data:`GAN_LOSSES`.
        real: critic outputs (logits) on real samples, any shape.
        fake: critic outputs on generated samples (detach them for a D step).
        a, b: LSGAN targets for fake and real (floats, or per-sample tensors for soft/noisy labels).
        dim: the batch dimension(s) the expectations run over (None: all; e.g. -1 gives one loss per
            row of (E, B) logits, for E independent GANs trained together).
    """
    if kind in ("minimax", "nonsaturating"):
        # −E[log D(x)] − E[log(1 − D(G(z)))]
        return _mean(F.softplus(-real), dim) + _mean(F.softplus(fake), dim)
    if kind == "lsgan":
        return 0.5 * _mean((real - b) ** 2, dim) + 0.5 * _mean((fake - a) ** 2, dim)
    if kind == "ragan":
        real_rel = real - (fake.mean() if dim is None else fake.mean(dim, keepdim=True))
        fake_rel = fake - (real.mean() if dim is None else real.mean(dim, keepdim=True))
        # −E[log σ(C_r − E C_f)] − E[log(1 − σ(C_f − E C_r))]
        return _mean(F.softplus(-real_rel), dim) + _mean(F.softplus(fake_rel), dim)
    raise ValueError(f"unknown GAN loss {kind!r}; choose one of {', '.join(GAN_LOSSES)}")


def generator_loss(kind: str, fake: torch.Tensor, real: torch.Tensor | None = None, *, c: float = 1.0,
                   dim: int | tuple | None = None) -> torch.Tensor:
    """Loss the generator minimises.

    Args:
        kind: one of :data:`GAN_LOSSES`.
        fake: critic outputs on generated samples (with gradient to G).
        real: critic outputs on real samples; required by ``ragan`` (detached there, as G cannot
            change them).
        c: LSGAN target the generator pushes fake outputs to.
        dim: the batch dimension(s) the expectations run over (None: all), as in :func:`discriminator_loss`.
    """
    if kind == "minimax":
        # E[log(1 − D(G(z)))] = −E[softplus(logit)]
        return -_mean(F.softplus(fake), dim)
    if kind == "nonsaturating":
        return _mean(F.softplus(-fake), dim)
    if kind == "lsgan":
        return 0.5 * _mean((fake - c) ** 2, dim)
    if kind == "ragan":
        if real is None:
            raise ValueError("the ragan generator loss needs the critic outputs on real samples")
        real = real.detach()
        real_rel = real - (fake.mean() if dim is None else fake.mean(dim, keepdim=True))
        fake_rel = fake - (real.mean() if dim is None else real.mean(dim, keepdim=True))
        # −E[log(1 − σ(C_r − E C_f))] − E[log σ(C_f − E C_r)]
        return _mean(F.softplus(real_rel), dim) + _mean(F.softplus(-fake_rel), dim)
    raise ValueError(f"unknown GAN loss {kind!r}; choose one of {', '.join(GAN_LOSSES)}")


@torch.no_grad()
def discriminator_accuracy(kind: str, real: torch.Tensor, fake: torch.Tensor) -> dict[str, float]:
    """How well D separates this batch, for plotting the game: ``d_acc`` (mean of the real and the fake
    accuracy; 0.5 = chance, 1 = D wins outright), ``logit_real`` and ``logit_fake`` (mean critic outputs).

    A sample counts as recognised when its critic output lies on its own side of the decision boundary:
    logit 0 for the logistic losses, (a + b) / 2 = 0.5 for LSGAN with the default coding, and for RaGAN
    the relativistic score C(x) − E[C(other set)] against 0.
    """
    real, fake = real.detach().float(), fake.detach().float()
    if kind == "ragan":
        real_ok, fake_ok = real - fake.mean() > 0, fake - real.mean() < 0
    elif kind == "lsgan":
        real_ok, fake_ok = real > 0.5, fake < 0.5
    elif kind in ("minimax", "nonsaturating"):
        real_ok, fake_ok = real > 0, fake < 0
    else:
        raise ValueError(f"unknown GAN loss {kind!r}; choose one of {', '.join(GAN_LOSSES)}")
    return {"d_acc": 0.5 * (real_ok.float().mean().item() + fake_ok.float().mean().item()),
            "logit_real": real.mean().item(), "logit_fake": fake.mean().item()}
