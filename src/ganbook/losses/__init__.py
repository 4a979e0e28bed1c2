"""Loss functions shared by every notebook: adversarial (gan), perceptual and super-resolution terms."""
from .gan import GAN_LOSSES, discriminator_accuracy, discriminator_loss, generator_loss
from .perceptual import (MEDSRGAN_LAYER_WEIGHTS, MEDSRGAN_LAYERS, adversarial_feature_loss, esrgan_perceptual_loss,
                         multilayer_content_loss)
from .sr import (ESRGAN, MEDSRGAN_CT, MEDSRGAN_MRI, SANCHEZ_VILAPLANA, SRGAN, ESRGANWeights, MedSRGANWeights,
                 SRGANWeights, SVWeights, esrgan_discriminator_loss, esrgan_generator_loss, gradient_difference_loss,
                 srgan_discriminator_loss, srgan_generator_loss,
                 medsrgan_discriminator_loss, medsrgan_generator_loss, sv_discriminator_loss, sv_generator_loss,
                 sv_soft_labels)

__all__ = [
    "GAN_LOSSES", "discriminator_loss", "generator_loss", "discriminator_accuracy",
    "MEDSRGAN_LAYERS", "MEDSRGAN_LAYER_WEIGHTS", "multilayer_content_loss", "adversarial_feature_loss",
    "esrgan_perceptual_loss", "gradient_difference_loss", "MedSRGANWeights", "MEDSRGAN_CT", "MEDSRGAN_MRI",
    "ESRGANWeights", "ESRGAN", "SVWeights", "SANCHEZ_VILAPLANA", "medsrgan_generator_loss",
    "medsrgan_discriminator_loss", "esrgan_generator_loss", "esrgan_discriminator_loss", "sv_soft_labels",
    "sv_generator_loss", "sv_discriminator_loss", "SRGANWeights", "SRGAN", "srgan_generator_loss",
    "srgan_discriminator_loss",
]
