"""The SR models and losses plug into the project's one training loop (tiny sizes, a few steps)."""
import math

import torch

from ganbook.losses.perceptual import MEDSRGAN_LAYERS
from ganbook.losses.sr import (ESRGAN, MEDSRGAN_CT, SANCHEZ_VILAPLANA, esrgan_discriminator_loss, esrgan_generator_loss,
                               medsrgan_discriminator_loss, medsrgan_generator_loss, sv_discriminator_loss,
                               sv_generator_loss, sv_soft_labels)
from ganbook.models import RRDBNet, RWMAN, LSDiscriminator, PairwiseDiscriminator, SRResNet, VGGStyleDiscriminator
from ganbook.models.vgg import IdentityFeatures
from ganbook.train import TrainConfig, Trainer


def run(G, D, sample, g_loss, d_loss, pretrain_loss):
    trainer = Trainer(G, sample, TrainConfig(steps=2, pretrain_steps=2, log_every=1, seed=0),
                      opt_g=torch.optim.Adam(G.parameters(), 1e-3), discriminator=D,
                      opt_d=torch.optim.Adam(D.parameters(), 1e-3), g_loss=g_loss, d_loss=d_loss,
                      pretrain_loss=pretrain_loss)
    history = trainer.fit()
    assert all(math.isfinite(v) for k, vals in history.items() if k not in ("step", "phase") for v in vals
               if v is not None)
    return history


def test_medsrgan_trains_with_the_pairwise_discriminator_and_pixel_fallback():
    torch.manual_seed(0)
    G, D = RWMAN(num_groups=1, num_blocks=1, num_features=4), PairwiseDiscriminator(num_features=4)
    feats = IdentityFeatures(MEDSRGAN_LAYERS)

    def sample(gen):
        hr = torch.rand(2, 1, 32, 32, generator=gen)
        return hr.view(2, 1, 8, 4, 8, 4).mean((3, 5)), hr  # 4×4 average pooling

    def g_loss(b):
        lr, hr = b
        sr = G(lr)
        return medsrgan_generator_loss(MEDSRGAN_CT, feats, sr, hr, D(lr, hr), D(lr, sr))

    def d_loss(b):
        lr, hr = b
        with torch.no_grad():
            sr = G(lr)
        return medsrgan_discriminator_loss(D(lr, hr)[0], D(lr, sr)[0])

    history = run(G, D, sample, g_loss, d_loss, lambda b: torch.nn.functional.mse_loss(G(b[0]), b[1]))
    assert {"content", "adv", "adv_feat", "loss_d"} <= set(history)


def test_esrgan_and_sanchez_vilaplana_objectives_train():
    torch.manual_seed(0)
    G, D = RRDBNet(num_features=4, num_blocks=1, growth=2), VGGStyleDiscriminator(num_features=4, patch_size=16)

    def sample(gen):
        hr = torch.rand(2, 3, 16, 16, generator=gen)
        return hr.view(2, 3, 4, 4, 4, 4).mean((3, 5)), hr

    def g_loss(b):
        sr = G(b[0])
        return esrgan_generator_loss(ESRGAN, IdentityFeatures(), sr, b[1], D(b[1]), D(sr))

    def d_loss(b):
        with torch.no_grad():
            sr = G(b[0])
        return esrgan_discriminator_loss(D(b[1]), D(sr))

    run(G, D, sample, g_loss, d_loss, lambda b: torch.nn.functional.l1_loss(G(b[0]), b[1]))

    G3, D3 = SRResNet(num_features=4, num_blocks=1, upsample_features=8), LSDiscriminator(
        num_features=2, patch_size=8, dense_features=4)

    def sample3(gen):
        hr = torch.rand(2, 1, 8, 8, 8, generator=gen)
        return hr[..., 1::2, 1::2, 1::2], hr, sv_soft_labels(2, gen)

    def g_loss3(b):
        return sv_generator_loss(SANCHEZ_VILAPLANA, G3(b[0]), b[1], D3(G3(b[0])))

    def d_loss3(b):
        with torch.no_grad():
            sr = G3(b[0])
        return sv_discriminator_loss(D3(b[1]), D3(sr), b[2])

    run(G3, D3, sample3, g_loss3, d_loss3, lambda b: torch.nn.functional.mse_loss(G3(b[0]), b[1]))
