"""Every model in MODELS can be rebuilt from the JSON a checkpoint stores."""
import dataclasses
import json

import torch

from ganbook.models import MODELS, build_model

TINY = {
    "rwman": dict(num_groups=1, num_blocks=1, num_features=4, noise_channel=True),
    "pairwise_discriminator": dict(num_features=4, scale=2),
    "rrdbnet": dict(num_features=4, num_blocks=1, growth=2, scale=2),
    "vgg_discriminator": dict(num_features=4, patch_size=32),
    "srresnet": dict(num_features=4, num_blocks=1, spatial_dims=2, upsample="nearest"),
    "ls_discriminator": dict(num_features=2, patch_size=(16, 16, 8), dense_features=4),
}


def test_every_model_round_trips_through_a_json_config():
    assert set(TINY) == set(MODELS)
    for name, fields in TINY.items():
        model = build_model(name, fields)
        stored = json.loads(json.dumps(dataclasses.asdict(model.config)))
        clone = build_model(name, stored)
        clone.load_state_dict(model.state_dict())
        assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), clone.state_dict().values()))
