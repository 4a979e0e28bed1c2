"""StyleGAN2 (Karras et al., CVPR 2020) in plain PyTorch, small enough to train on a CPU.

Built bottom-up in the paper's vocabulary: equalized-learning-rate layers, the mapping network
z -> w, modulated/demodulated convolutions with per-layer noise, a learned constant input, skip
ToRGB outputs summed across resolutions, and a residual discriminator with minibatch stddev.
Up-sampling is a stride-2 transposed convolution followed by the [1, 3, 3, 1] FIR blur, as in the
paper; no compiled ops. Channel widths come from one table ``min(channel_max, channel_base // res)``
so a 64-px demo model (128 -> 32 channels) and the paper's 1024-px config-f share the code.

W+ layout (as in NVIDIA's code): the 4x4 block reads ws[0] (conv) and ws[1] (ToRGB); every later
block at index b reads ws[2b - 1] (up conv), ws[2b] (conv) and ws[2b + 1] (ToRGB), so a block's
ToRGB shares its w with the next block's first conv. ``num_ws = 2 * log2(res) - 2``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["StyleGAN2Config", "Generator", "Discriminator", "MappingNetwork", "SynthesisBlock", "ModulatedConv2d"]


@dataclass
class StyleGAN2Config:
    """Sizes of a StyleGAN2 generator/discriminator pair.

    Attributes:
        resolution: output size, a power of two in 32..1024.
        z_dim, w_dim: latent sizes (paper: 512; 128 is plenty for 64 px).
        mapping_layers: depth of the mapping MLP (paper: 8).
        channel_base, channel_max: channels at resolution r are min(channel_max, channel_base // r)
            (paper config-f: 32768 and 512; demo: 2048 and 128 gives 128, 128, 128, 64, 32).
        img_channels: 3 for RGB.
        mapping_lr_mul: the paper's 100x lower learning rate for the mapping network.
        w_avg_beta: decay of the running mean of w used for truncation.
    """

    resolution: int = 64
    z_dim: int = 128
    w_dim: int = 128
    mapping_layers: int = 4
    channel_base: int = 2048
    channel_max: int = 128
    img_channels: int = 3
    mapping_lr_mul: float = 0.01
    w_avg_beta: float = 0.995

    def __post_init__(self):
        r = self.resolution
        if not isinstance(r, int) or r < 32 or r > 1024 or r & (r - 1):
            raise ValueError(f"StyleGAN2Config.resolution must be a power of two in 32..1024, got {r!r}")

    def channels(self, res: int) -> int:
        return max(1, min(self.channel_max, self.channel_base // res))

    @property
    def block_resolutions(self) -> list[int]:
        return [2 ** i for i in range(2, int(math.log2(self.resolution)) + 1)]


# ---------------------------------------------------------------- equalized-LR primitives
class EqualLinear(nn.Module):
    """Linear layer whose weight is stored as N(0, 1/lr_mul) and scaled at run time (equalized LR)."""

    def __init__(self, in_features: int, out_features: int, bias_init: float = 0.0, lr_mul: float = 1.0,
                 activation: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init)))
        self.scale, self.lr_mul, self.activation = lr_mul / math.sqrt(in_features), lr_mul, activation

    def forward(self, x):
        x = F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)
        # sqrt(2) keeps the variance of leaky-ReLU outputs at one (He gain).
        return F.leaky_relu(x, 0.2) * math.sqrt(2) if self.activation else x


class EqualConv2d(nn.Module):
    """Convolution with equalized learning rate (weight * 1/sqrt(fan_in) in forward)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, bias: bool = True,
                 padding: int | None = None):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.scale, self.stride = 1 / math.sqrt(in_channels * kernel_size ** 2), stride
        self.padding = kernel_size // 2 if padding is None else padding

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias, stride=self.stride, padding=self.padding)


class PixelNorm(nn.Module):
    """Normalise each latent vector to unit mean square (applied to z)."""

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)


def _blur_kernel(channels: int, gain: float) -> torch.Tensor:
    k = torch.tensor([1.0, 3.0, 3.0, 1.0])
    k = torch.outer(k, k)
    return (k / k.sum() * gain).expand(channels, 1, 4, 4).contiguous()  # (C, 1, 4, 4) depthwise


def blur(x: torch.Tensor, pad: tuple[int, int], gain: float = 1.0) -> torch.Tensor:
    """Depthwise [1, 3, 3, 1] FIR low-pass (anti-aliases resampling)."""
    x = F.pad(x, (pad[0], pad[1], pad[0], pad[1]))
    return F.conv2d(x, _blur_kernel(x.shape[1], gain).to(x), groups=x.shape[1])


def upsample2x(x: torch.Tensor) -> torch.Tensor:
    """Zero-insertion x2 up-sampling + FIR blur (gain 4 restores the mean), as a strided transposed conv."""
    c = x.shape[1]
    return F.conv_transpose2d(x, _blur_kernel(c, 4.0).to(x), stride=2, padding=1, groups=c)


# ---------------------------------------------------------------- mapping network
class MappingNetwork(nn.Module):
    """z -> w: PixelNorm then an MLP with 100x lower learning rate; tracks the mean w for truncation."""

    def __init__(self, cfg: StyleGAN2Config):
        super().__init__()
        dims = [cfg.z_dim] + [cfg.w_dim] * cfg.mapping_layers
        self.norm = PixelNorm()
        self.layers = nn.Sequential(*[EqualLinear(a, b, lr_mul=cfg.mapping_lr_mul, activation=True)
                                      for a, b in zip(dims[:-1], dims[1:])])
        self.register_buffer("w_avg", torch.zeros(cfg.w_dim))
        self.w_avg_beta = cfg.w_avg_beta

    def forward(self, z: torch.Tensor, truncation_psi: float = 1.0) -> torch.Tensor:
        w = self.layers(self.norm(z))  # (B, w_dim)
        if self.training:
            self.w_avg.copy_(w.detach().float().mean(0).lerp(self.w_avg, self.w_avg_beta))
        if truncation_psi != 1.0:
            w = self.w_avg.to(w) + truncation_psi * (w - self.w_avg.to(w))
        return w


# ---------------------------------------------------------------- synthesis layers
class ModulatedConv2d(nn.Module):
    """Weight (de)modulation: scale input channels by the style s, convolve, renormalise outputs.

    Implemented as input scaling + one shared convolution + output scaling (the paper's Eq. 1-3 without
    the grouped-conv fusion), which is mathematically identical and fast on CPU.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, w_dim: int, demodulate: bool = True,
                 up: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)  # styles start at 1
        self.scale = 1 / math.sqrt(in_channels * kernel_size ** 2)
        self.demodulate, self.up, self.padding = demodulate, up, kernel_size // 2

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w)  # (B, Cin)
        weight = self.weight * self.scale  # (Cout, Cin, k, k)
        x = x * styles.to(x.dtype)[:, :, None, None]  # casts keep bf16 activations bf16 under autocast
        if self.up:
            x = F.conv_transpose2d(x, weight.transpose(0, 1), stride=2)  # (B, Cout, 2H+1, 2W+1)
            x = blur(x, (1, 1), gain=4.0)  # (B, Cout, 2H, 2W)
        else:
            x = F.conv2d(x, weight, padding=self.padding)
        if self.demodulate:
            # sigma_j = sqrt(sum_{i,k} (s_i w_ijk)^2): unit output variance for unit input variance.
            dcoefs = torch.rsqrt((weight.square().sum(dim=(2, 3))[None] * styles[:, None].square()).sum(2) + 1e-8)
            x = x * dcoefs.to(x.dtype)[:, :, None, None]  # (B, Cout) per-sample output scaling
        return x


class NoiseInjection(nn.Module):
    """Per-pixel Gaussian noise with a learned per-layer strength.

    ``noise_mode``: "random" (fresh noise, from ``rng`` when given), "const" (a fixed buffer, what
    DragGAN and inversion use so the image is a function of w only) or "none".
    """

    def __init__(self, resolution: int, seed: int):
        super().__init__()
        self.strength = nn.Parameter(torch.zeros(()))
        g = torch.Generator().manual_seed(seed)
        self.register_buffer("noise_const", torch.randn(1, 1, resolution, resolution, generator=g))

    def forward(self, x: torch.Tensor, noise_mode: str = "random", rng: torch.Generator | None = None):
        if noise_mode == "none":
            return x
        if noise_mode == "const":
            return x + (self.strength * self.noise_const).to(x.dtype)
        if noise_mode != "random":
            raise ValueError(f"noise_mode must be 'random', 'const' or 'none', got {noise_mode!r}")
        b, _, h, w = x.shape
        noise = torch.randn(b, 1, h, w, generator=rng).to(x) if rng is not None else x.new_empty(b, 1, h, w).normal_()
        return x + (self.strength * noise).to(x.dtype)


class ConstantInput(nn.Module):
    """The learned 4x4 tensor the synthesis network starts from."""

    def __init__(self, channels: int):
        super().__init__()
        self.const = nn.Parameter(torch.randn(1, channels, 4, 4))

    def forward(self, batch: int):
        return self.const.expand(batch, -1, -1, -1)


class StyledConv(nn.Module):
    """Modulated 3x3 conv -> noise -> bias -> leaky ReLU (gain sqrt 2)."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, up: bool = False,
                 seed: int = 0):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, out_channels, 3, w_dim, up=up)
        self.noise = NoiseInjection(resolution, seed)
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x, w, noise_mode="random", rng=None):
        x = self.noise(self.conv(x, w), noise_mode, rng)
        return F.leaky_relu(x + self.bias.to(x.dtype)[None, :, None, None], 0.2) * math.sqrt(2)


class ToRGB(nn.Module):
    """Modulated 1x1 conv to RGB without demodulation; the skip image from below is up-sampled and added."""

    def __init__(self, in_channels: int, w_dim: int, img_channels: int = 3):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, img_channels, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(img_channels))

    def forward(self, x, w, skip=None):
        rgb = self.conv(x, w) + self.bias.to(x.dtype)[None, :, None, None]
        return rgb if skip is None else rgb + upsample2x(skip).to(rgb.dtype)


class SynthesisBlock(nn.Module):
    """One resolution: (const input | up-conv) -> conv -> ToRGB. Returns features and the skip image."""

    def __init__(self, cfg: StyleGAN2Config, resolution: int):
        super().__init__()
        out_ch = cfg.channels(resolution)
        self.resolution, self.is_first = resolution, resolution == 4
        if self.is_first:
            self.input = ConstantInput(out_ch)
        else:
            self.conv0 = StyledConv(cfg.channels(resolution // 2), out_ch, cfg.w_dim, resolution, up=True,
                                    seed=2 * resolution)
        self.conv1 = StyledConv(out_ch, out_ch, cfg.w_dim, resolution, seed=2 * resolution + 1)
        self.torgb = ToRGB(out_ch, cfg.w_dim, cfg.img_channels)
        self.num_ws = 2 if self.is_first else 3  # ws this block reads (its ToRGB's is shared with the next)

    def forward(self, x, img, ws, noise_mode="random", rng=None):
        """ws: (B, num_ws_of_block, w_dim) slice of the W+ code."""
        if self.is_first:
            x = self.conv1(self.input(ws.shape[0]), ws[:, 0], noise_mode, rng)
        else:
            x = self.conv0(x, ws[:, 0], noise_mode, rng)
            x = self.conv1(x, ws[:, 1], noise_mode, rng)
        return x, self.torgb(x, ws[:, -1], img)


class Generator(nn.Module):
    """Mapping network + synthesis network (skip architecture).

    Args:
        cfg: a :class:`StyleGAN2Config`.
    """

    def __init__(self, cfg: StyleGAN2Config | None = None):
        super().__init__()
        self.cfg = cfg = cfg or StyleGAN2Config()
        self.mapping_network = MappingNetwork(cfg)
        self.blocks = nn.ModuleList([SynthesisBlock(cfg, r) for r in cfg.block_resolutions])
        self.num_ws = 2 * len(self.blocks)

    @property
    def resolution(self) -> int:
        return self.cfg.resolution

    @property
    def w_avg(self) -> torch.Tensor:
        """The tracked mean w (w_dim,): the centre of the truncation trick."""
        return self.mapping_network.w_avg

    def mapping(self, z: torch.Tensor, truncation_psi: float = 1.0) -> torch.Tensor:
        """z (B, z_dim) -> W+ code (B, num_ws, w_dim) with the same w in every layer."""
        w = self.mapping_network(z, truncation_psi)
        return w[:, None].expand(-1, self.num_ws, -1)

    @torch.no_grad()
    def mean_latent(self, n: int = 4096, seed: int = 0) -> torch.Tensor:
        """Mean of w over ``n`` seeded samples, shape (1, w_dim) (``w_avg`` is the tracked version)."""
        z = torch.randn(n, self.cfg.z_dim, generator=torch.Generator().manual_seed(seed))
        return self.mapping_network.layers(self.mapping_network.norm(z.to(self.mapping_network.w_avg))).mean(0, True)

    def synthesis(self, ws: torch.Tensor, noise_mode: str = "random", rng: torch.Generator | None = None,
                  return_features: bool = False):
        """W+ code (B, num_ws, w_dim) -> image (B, 3, H, W) in [-1, 1] (and per-block features)."""
        if ws.ndim != 3 or ws.shape[1] != self.num_ws:
            raise ValueError(f"ws must have shape (B, {self.num_ws}, {self.cfg.w_dim}), got {tuple(ws.shape)}")
        x = img = None
        features = []
        for b, block in enumerate(self.blocks):
            start = 0 if b == 0 else 2 * b - 1
            x, img = block(x, img, ws[:, start:start + block.num_ws], noise_mode, rng)
            features.append(x)  # (B, C_r, r, r)
        return (img, features) if return_features else img

    def forward(self, z: torch.Tensor | None = None, ws: torch.Tensor | None = None, truncation_psi: float = 1.0,
                noise_mode: str = "random", rng: torch.Generator | None = None, return_features: bool = False):
        """Generate from z (B, z_dim) or from a W+ code ws (B, num_ws, w_dim) / W code (B, w_dim)."""
        if (z is None) == (ws is None):
            raise ValueError("pass exactly one of z or ws")
        if ws is None:
            ws = self.mapping(z, truncation_psi)
        elif ws.ndim == 2:
            ws = ws[:, None].expand(-1, self.num_ws, -1)
        return self.synthesis(ws, noise_mode, rng, return_features)


# ---------------------------------------------------------------- discriminator
class DiscriminatorBlock(nn.Module):
    """Residual down block: two 3x3 convs (the second strided, blurred) + 1x1 skip, summed / sqrt 2."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv0 = EqualConv2d(in_channels, in_channels, 3)
        self.conv1 = EqualConv2d(in_channels, out_channels, 3, stride=2, padding=0)
        self.skip = EqualConv2d(in_channels, out_channels, 1, stride=2, bias=False)

    def forward(self, x):
        y = F.leaky_relu(self.conv0(x), 0.2) * math.sqrt(2)
        # blur padded (2, 2) -> H + 1, then the 3x3 stride-2 conv unpadded -> H/2: the main branch samples the same
        # input positions as the blurred 1x1 skip (padding it (2, 1) then convolving padded would shift it 1 px)
        y = F.leaky_relu(self.conv1(blur(y, (2, 2))), 0.2) * math.sqrt(2)
        return (y + self.skip(blur(x, (1, 1)))) / math.sqrt(2)


class Discriminator(nn.Module):
    """Residual StyleGAN2 discriminator: FromRGB, down blocks to 4x4, minibatch stddev, conv, 2 FC layers."""

    def __init__(self, cfg: StyleGAN2Config | None = None, mbstd_group: int = 4):
        super().__init__()
        cfg = cfg or StyleGAN2Config()
        res = cfg.block_resolutions[::-1]  # [R, ..., 8, 4]
        self.from_rgb = EqualConv2d(cfg.img_channels, cfg.channels(res[0]), 1)
        self.blocks = nn.Sequential(*[DiscriminatorBlock(cfg.channels(r), cfg.channels(r // 2)) for r in res[:-1]])
        c4 = cfg.channels(4)
        self.mbstd_group = mbstd_group
        self.conv = EqualConv2d(c4 + 1, c4, 3)
        self.fc = EqualLinear(c4 * 16, c4, activation=True)
        self.out = EqualLinear(c4, 1)

    def minibatch_stddev(self, x):
        b, c, h, w = x.shape
        g = min(self.mbstd_group, b) if b % min(self.mbstd_group, b) == 0 else 1
        y = x.reshape(g, -1, c, h, w)  # (G, B/G, C, H, W)
        y = (y - y.mean(0)).square().mean(0).add(1e-8).sqrt().mean(dim=(1, 2, 3))  # (B/G,)
        y = y.reshape(-1, 1, 1, 1).repeat(g, 1, h, w)  # (B, 1, H, W)
        return torch.cat([x, y], dim=1)

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        """img (B, 3, R, R) in [-1, 1] -> logits (B,)."""
        x = F.leaky_relu(self.from_rgb(img), 0.2) * math.sqrt(2)
        x = self.blocks(x)  # (B, C4, 4, 4)
        x = F.leaky_relu(self.conv(self.minibatch_stddev(x)), 0.2) * math.sqrt(2)
        return self.out(self.fc(x.flatten(1))).squeeze(1)
