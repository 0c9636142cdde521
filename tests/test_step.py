"""The noise-to-sample step of the core (`keras_gan.core.BaseGAN.train_step`)."""

from tests.backends.worker import reuse_fake_batch_check


def test_reused_fake_batch_gives_the_update_of_a_second_generator_pass():
    """``reuse_fake_batch=True`` runs the generator once per step (the recorded pass
    feeds the discriminator update, then the generator update) and updates both
    networks exactly as a step that runs the generator again on the same noise.
    JAX and PyTorch run the same check in tests/backends (the worker's train mode)."""
    out = reuse_fake_batch_check()
    assert out["generator_calls"] == [1, 2], out
    assert out["max_difference"] < 1e-6 and out["min_update"] > 1e-5, out


def test_reuse_fake_batch_round_trips_in_the_config():
    from keras_gan.models import DCGAN

    model = DCGAN(image_shape=(16, 16, 1), latent_dim=8, base_filters=4, reuse_fake_batch=True)
    assert model.get_config()["reuse_fake_batch"] is True
    assert DCGAN.from_config(model.get_config()).reuse_fake_batch is True
