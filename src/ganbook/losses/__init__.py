"""Loss functions shared by every notebook."""
from .gan import GAN_LOSSES, discriminator_loss, generator_loss

__all__ = ["GAN_LOSSES", "discriminator_loss", "generator_loss"]
