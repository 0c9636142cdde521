"""DCGAN: the shared checks, the paper's architecture, and real MNIST."""

import keras
import numpy as np
import pytest

from keras_gan import data, images
from keras_gan.models import DCGAN

from ..conftest import classify


def test_architecture_follows_the_paper():
    model = DCGAN(image_shape=(28, 28, 1), latent_dim=100, base_filters=64)
    g, d = model.generator, model.discriminator
    kinds = [type(layer).__name__ for layer in g.layers]
    assert kinds.count("Conv2DTranspose") == 2 and kinds.count("BatchNormalization") == 2
    assert kinds.count("ReLU") == 2 and g.layers[-1].activation.__name__ == "tanh"
    lrelus = [layer for layer in d.layers if isinstance(layer, keras.layers.LeakyReLU)]
    assert lrelus and all(abs(layer.negative_slope - 0.2) < 1e-9 for layer in lrelus)
    convs = [layer for layer in d.layers if isinstance(layer, keras.layers.Conv2D)]
    assert all(layer.strides == (2, 2) for layer in convs)
    # no batch norm on the discriminator's first layer
    assert type(d.layers[d.layers.index(convs[0]) + 1]).__name__ == "LeakyReLU"
    # N(0, 0.02) initialisation
    w = np.concatenate([layer.kernel.numpy().ravel() for layer in convs])
    assert abs(w.std() - 0.02) < 0.002 and abs(w.mean()) < 0.002
    # Adam(2e-4, beta_1=0.5) by default
    model.compile()
    cfg = model.g_optimizer.get_config()
    assert cfg["learning_rate"] == pytest.approx(2e-4) and cfg["beta_1"] == pytest.approx(0.5)


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
def test_image_shapes(shape):
    model = DCGAN(image_shape=shape, latent_dim=8, base_filters=4)
    assert model.data_shape == shape
    assert model.discriminator.output_shape == (None, 1)


def test_bad_image_shape():
    with pytest.raises(ValueError, match="halves at least once"):
        DCGAN(image_shape=(7, 7, 1))
    with pytest.raises(ValueError, match="square"):
        DCGAN(image_shape=(28, 32, 1))


def test_fits_real_mnist_batches_and_writes_a_grid(tmp_path, mnist_classifier):
    """A short run on real MNIST: losses stay finite, the grid is written, and the
    generator's digits already look more like MNIST to a classifier than at the start.
    """
    model = DCGAN(image_shape=(28, 28, 1), latent_dim=32, base_filters=16, seed=0)
    model.compile()
    seeds = np.arange(256)
    before = classify(mnist_classifier, model.generate(seeds=seeds)).max(axis=1).mean()
    ds = data.load("mnist", batch_size=64, limit=64 * 150, seed=0)
    history = model.fit(ds, epochs=2, verbose=0)
    assert all(np.isfinite(v).all() for v in history.history.values())
    samples = model.generate(seeds=seeds)
    after = classify(mnist_classifier, samples).max(axis=1).mean()
    assert after > before + 0.1, (before, after)
    path = images.save_png(images.make_grid(images.to_uint8(samples[:64])), tmp_path / "grid.png")
    assert path.stat().st_size > 1000


def test_packed_dcgan_stacks_images_as_channels_and_reloads(tmp_path):
    """PacDCGAN (Lin et al. 2018): each group of m images becomes one input of m * C channels."""
    from keras_gan import saving
    from keras_gan.networks.common import Pack

    x = np.random.default_rng(0).uniform(-1, 1, (5, 16, 16, 3)).astype("float32")
    packed = keras.ops.convert_to_numpy(Pack(2)(x))
    # images 0, 1 -> pack 0; images 2, 3 -> pack 1; image 4 left out
    np.testing.assert_array_equal(packed[1], np.concatenate([x[2], x[3]], axis=-1))
    assert Pack(2).compute_output_shape((None, 16, 16, 3)) == (None, 16, 16, 6)

    model = DCGAN(image_shape=(16, 16, 3), latent_dim=8, base_filters=4, pack=2, seed=0)
    assert model.discriminator_is_batch_dependent
    assert model.discriminator(x[:4]).shape == (2, 1)
    model.compile()
    history = model.fit(x[:4], epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1])
    reloaded = saving.load_model(saving.save_model(model, tmp_path / "m.keras"))
    assert reloaded.pack == 2
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(reloaded.discriminator(x[:4])),
        keras.ops.convert_to_numpy(model.discriminator(x[:4])),
        atol=1e-5,
    )


def test_discriminator_width_can_differ_and_survives_save(tmp_path):
    from keras_gan import saving

    model = DCGAN(image_shape=(16, 16, 1), latent_dim=8, base_filters=4, d_base_filters=12)
    convs = [x for x in model.discriminator.layers if isinstance(x, keras.layers.Conv2D)]
    assert [layer.filters for layer in convs] == [12, 24]
    # the generator keeps base_filters: 4 channels, then the image
    ups = [x for x in model.generator.layers if isinstance(x, keras.layers.Conv2DTranspose)]
    assert [layer.filters for layer in ups] == [4, 1]
    saving.save_model(model, tmp_path / "m.keras")
    assert saving.load_model(tmp_path / "m.keras").d_base_filters == 12
    with pytest.raises(ValueError, match="d_base_filters must be a positive"):
        DCGAN(image_shape=(16, 16, 1), base_filters=4, d_base_filters=0)


def test_bad_dcgan_pack():
    with pytest.raises(ValueError, match="pack must be an integer >= 1"):
        DCGAN(image_shape=(16, 16, 1), base_filters=4, pack=0)
    with pytest.raises(ValueError, match="pack > 1 does not combine with"):
        DCGAN(image_shape=(16, 16, 1), base_filters=4, pack=2, gradient_penalty_weight=10.0)


def test_latent_code_is_the_argmax_of_z_and_survives_save_and_export(tmp_path):
    """`latent_codes=k`: the generator also sees one_hot(argmax(z[:, :k])), read from the
    same N(0, I) noise, so `.keras` files and the SavedModel's seed signature carry it."""
    import tensorflow as tf

    from keras_gan import export, saving
    from keras_gan.models import latent_from_seeds
    from keras_gan.networks.common import LatentCode

    z = np.random.default_rng(0).normal(size=(4000, 12)).astype("float32")
    out = keras.ops.convert_to_numpy(LatentCode(10)(z))
    np.testing.assert_array_equal(out[:, :12], z)
    code = out[:, 12:]
    assert set(np.unique(code)) == {0.0, 1.0} and (code.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(code.argmax(axis=1), z[:, :10].argmax(axis=1))
    # uniform over the 10 codes: 400 expected per code, binomial sd about 19
    assert np.abs(np.bincount(code.argmax(axis=1), minlength=10) - 400).max() < 100

    model = DCGAN(image_shape=(16, 16, 1), latent_dim=12, base_filters=4, latent_codes=10, seed=0)
    assert model.generator.get_layer("latent_code").num_codes == 10
    model.compile()
    x = np.random.default_rng(1).uniform(-1, 1, (8, 16, 16, 1)).astype("float32")
    model.fit(x, epochs=1, batch_size=4, verbose=0)
    seeds = np.arange(6)
    want = model.generate(seeds=seeds)
    # the code moves the output: the same z with another code gives another image
    z = latent_from_seeds(seeds, 12)
    swapped = z.copy()
    swapped[:, [0, 1]] = swapped[:, [1, 0]]  # the argmax moves where it was 0 or 1
    moved = np.isin(z[:, :10].argmax(axis=1), [0, 1])
    assert moved.any()
    a = keras.ops.convert_to_numpy(model.generator(z, training=False))
    b = keras.ops.convert_to_numpy(model.generator(swapped, training=False))
    assert np.abs(a - b)[moved].max() > 1e-4

    reloaded = saving.load_model(saving.save_model(model, tmp_path / "m.keras"))
    assert reloaded.latent_codes == 10
    np.testing.assert_allclose(reloaded.generate(seeds=seeds), want, atol=1e-5)
    path = export.export(model, name="coded", base_dir=tmp_path / "export")
    served = tf.saved_model.load(str(path)).signatures["generate"](seed=tf.constant(seeds))
    np.testing.assert_allclose(served["images"].numpy(), want, atol=1e-5)


def test_bad_dcgan_latent_codes():
    with pytest.raises(ValueError, match="between 2 and latent_dim=8"):
        DCGAN(image_shape=(16, 16, 1), latent_dim=8, base_filters=4, latent_codes=9)
    with pytest.raises(ValueError, match="whole number"):
        DCGAN(image_shape=(16, 16, 1), latent_dim=8, base_filters=4, latent_codes=2.5)
    with pytest.raises(ValueError, match="num_codes must be >= 2"):
        from keras_gan.networks.common import LatentCode

        LatentCode(1)
