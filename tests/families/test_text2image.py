"""Text-to-image GAN (GAN-INT-CLS): captions, the 3-term loss, learning, saving, export, bad text."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from keras_gan import data, export
from keras_gan.data import captions
from keras_gan.families.text2image import check_texts
from keras_gan.models import Text2ImageGAN


def small(**kwargs):
    kw = dict(latent_dim=32, base_filters=16, encoder_steps=150, seed=0)
    kw.update(kwargs)
    model = Text2ImageGAN(**kw)
    model.compile()
    return model


# --- captions ----------------------------------------------------------------------------------


def test_captions_describe_measured_attributes(mnist_train):
    x, caps = data.load_arrays("mnist_captions", "train[:4000]")
    labels = captions.caption_labels("train")[:4000]
    assert x.shape == (4000, 28, 28, 1) and caps.shape == (4000,)
    assert len(set(caps)) > 1000  # templates x synonyms x attributes
    # every caption names its digit, as a numeral or a word
    for c, y in zip(caps[:500], labels[:500]):
        assert str(y) in c or captions.DIGIT_NAMES[y] in c, (c, y)
    # attribute words match the measured buckets
    thick, lean, _ = captions.bucket(x, labels)
    named_thick = np.array(
        ["thick" if any(w in c for w in ("thick ", "bold", "heavy")) else "" for c in caps]
    )
    assert np.all(thick[named_thick == "thick"] == "thick")
    # the same split always gets the same captions
    assert list(data.load_arrays("mnist_captions", "train[:50]")[1]) == list(caps[:50])


def test_measure_slant_and_thickness_by_hand():
    img = np.zeros((2, 28, 28, 1), np.uint8)
    for r in range(4, 24):  # a "/" stroke: top to the right
        img[0, r, 20 - (r - 4) // 2] = 255
        img[1, r, 8 + (r - 4) // 2 : 8 + (r - 4) // 2 + 3] = 255  # a thicker "\" stroke
    mass, slant, _ = captions.measure(img)
    assert slant[0] > 0.3 and slant[1] < -0.3
    assert mass[1] == pytest.approx(3 * mass[0])


def test_held_out_templates_differ_from_training_ones():
    rng = np.random.default_rng(0)
    train = {
        captions.write_caption(rng, t, 7, "thick", "right")
        for t in captions.TRAIN_TEMPLATES
        for _ in range(20)
    }
    held = {
        captions.write_caption(rng, t, 7, "thick", "right")
        for t in captions.HELD_OUT_TEMPLATES
        for _ in range(20)
    }
    assert not train & held


# --- the GAN-CLS / GAN-INT losses -------------------------------------------------------------------


def _const_discriminator(real_value, wrong_value, fake_value):
    """D(x, t) that reads which kind of pair it got from the inputs (for hand values)."""
    x = keras.Input((2, 2, 1))
    t = keras.Input((4,))
    # image marker: pixel mean (real 1, fake -1); text marker: first embedding coordinate
    img = layers.GlobalAveragePooling2D()(x)
    txt = layers.Lambda(lambda v: v[:, :1])(t)
    both = layers.Concatenate()([img, txt])
    out = layers.Lambda(
        lambda v: tf.where(
            v[:, :1] < 0,
            fake_value,
            tf.where(v[:, 1:2] > 0, real_value, wrong_value),
        )
    )(both)
    return keras.Model([x, t], out)


def _hand_model(latent_dim, dense, loss, **kwargs):
    """2x2 images drawn by ``dense`` from z alone, judged by `_const_discriminator`."""
    g_in = [keras.Input((latent_dim,)), keras.Input((4,))]
    gen = keras.Model(g_in, layers.Reshape((2, 2, 1))(dense(g_in[0])))
    model = Text2ImageGAN(
        generator=gen,
        discriminator=_const_discriminator(2.0, -1.0, -3.0),
        image_shape=(2, 2, 1),
        latent_dim=latent_dim,
        embed_dim=4,
        seed=0,
        **kwargs,
    )
    model.compile(loss=loss)
    return model


def test_gan_cls_three_terms_by_hand():
    model = _hand_model(3, layers.Dense(4), "minimax")
    real = tf.ones((2, 2, 2, 1))
    fake = -tf.ones((2, 2, 2, 1))
    # right texts: first coordinate +1 for example 0, -1 for example 1 -> rolled, they swap
    cond = tf.constant([[1.0, 0, 0, 0], [-1.0, 0, 0, 0]])
    out = model.discriminator_losses(real, fake, cond, cond)
    sp = lambda v: np.log1p(np.exp(v))  # noqa: E731  softplus
    # example 0: real logit 2, wrong pair (text -1) logit -1, fake logit -3
    d0 = sp(-2.0) + 0.5 * sp(-1.0) + 0.5 * sp(-3.0)
    np.testing.assert_allclose(out["d_loss"][0], d0, rtol=1e-5)
    # example 1's own text is "wrong-looking" (-1): real pair logit -1, rolled text +1 -> 2
    d1 = sp(1.0) + 0.5 * sp(2.0) + 0.5 * sp(-3.0)
    np.testing.assert_allclose(out["d_loss"][1], d1, rtol=1e-5)


def test_mode_seeking_term_is_msgans_ratio():
    """MSGAN (Mao et al. 2019): + w / (mean|G(z1, t) - G(z2, t)| / mean|z1 - z2| + 1e-5).
    A generator that draws 0.5 z has that ratio 0.5 for any noise."""

    def model(weight):
        half_z = layers.Dense(
            4, use_bias=False, kernel_initializer=keras.initializers.Identity(0.5)
        )
        return _hand_model(
            4, half_z, "non_saturating", interpolation_weight=0.0, diversity_weight=weight
        )

    fake, cond = -tf.ones((6, 2, 2, 1)), tf.ones((6, 4))
    plain = model(0.0).generator_losses(fake, cond, fake, cond)
    out = model(2.0).generator_losses(fake, cond, fake, cond)
    assert "g_div" not in plain
    np.testing.assert_allclose(float(out["g_div"]), 0.5, rtol=1e-5)
    np.testing.assert_allclose(out["g_loss"], plain["g_loss"] + 2.0 / (0.5 + 1e-5), rtol=1e-5)
    assert model(2.0).get_config()["diversity_weight"] == 2.0
    with pytest.raises(ValueError, match="diversity_weight must be >= 0"):
        model(-1.0)


# --- learning, saving, export ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained():
    keras.utils.set_random_seed(0)
    ds = data.load("mnist_captions", batch_size=64, limit=19200, seed=0)
    model = small()
    model.fit(ds, epochs=2, verbose=0)
    return model


def test_short_run_follows_the_named_digit(trained, mnist_classifier):
    texts = [f"a {d}" if d % 2 else f"the digit {captions.DIGIT_NAMES[d]}" for d in range(10)] * 20
    digits = np.tile(np.arange(10), 20)
    images = trained.generate(texts=texts, seeds=np.arange(200))
    accuracy = float((mnist_classifier.predict(images, verbose=0).argmax(1) == digits).mean())
    assert accuracy > 0.5, accuracy  # chance is 0.1
    # style from noise: one caption, different seeds, different images
    same = trained.generate(texts="a 3", seeds=np.arange(8))
    assert np.abs(same - same.mean(0)).mean() > 0.05


def test_text_round_trips_through_keras_file(trained, tmp_path):
    path = tmp_path / "t2i.keras"
    trained.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.tokenizer.vocabulary == trained.tokenizer.vocabulary
    assert len(loaded.tokenizer.vocabulary) > 20
    texts = ["a thick 7 leaning right", "zzz unknown words 4"]
    np.testing.assert_allclose(
        loaded.generate(texts=texts, seeds=[1, 2]),
        trained.generate(texts=texts, seeds=[1, 2]),
        atol=1e-5,
    )
    assert int(loaded.encoder_ready.numpy()) == 1


def test_export_takes_raw_text(trained, tmp_path):
    version = export.export(trained, "t2i", base_dir=tmp_path)
    served = tf.saved_model.load(str(version))
    out = served.signatures["generate"](
        seed=tf.constant([5, 6], tf.int64), text=tf.constant(["a thin 2", "8, bold"])
    )
    np.testing.assert_allclose(
        out["images"].numpy(),
        trained.generate(texts=["a thin 2", "8, bold"], seeds=[5, 6]),
        atol=1e-5,
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-empty caption"):
        served.signatures["generate"](seed=tf.constant([1], tf.int64), text=tf.constant(["  "]))


# --- bad text ------------------------------------------------------------------------------------------


def test_bad_text_is_explained(trained):
    with pytest.raises(ValueError, match="empty"):
        trained.generate(texts=["a 3", ""], seeds=[1, 2])
    with pytest.raises(TypeError, match="not a string"):
        trained.generate(texts=["a 3", 7], seeds=[1, 2])
    with pytest.raises(ValueError, match="needs captions"):
        trained.generate(4)
    with pytest.raises(ValueError, match="2 texts for 3 samples"):
        check_texts(["a", "b"], 3)
    # unknown words still give an image
    assert trained.generate(texts="qwerty asdf", seeds=[1]).shape == (1, 28, 28, 1)
    with pytest.raises(ValueError, match="images only"):
        small().fit(
            data.load("mnist", limit=64, batch_size=32, with_labels=False), epochs=1, verbose=0
        )


def test_unknown_words_keep_the_caption():
    from keras_gan.families.text2image import Tokenizer, add_unknown_tokens

    tok = Tokenizer(["a", "thick", "7"], sequence_length=12)
    ids = tok(["a thick 7"] * 200)
    out = add_unknown_tokens(ids, np.random.default_rng(0))
    for row in out:
        words = row[row != 0]
        assert list(words[words != 1]) == [2, 3, 4]  # the caption, in order
        assert set(words) <= {1, 2, 3, 4}
    assert (out != ids).any() and (out == 1).sum() > 100  # unknown words were added
    # the same with real captions: none of their words is unknown to their own vocabulary
    caps = data.load_arrays("mnist_captions", "train[:2000]")[1]
    tok = Tokenizer.adapt(caps)
    assert not (tok(caps) == 1).any()


def test_tokenizer_equals_text_vectorization():
    """The Python tokenizer (JAX / PyTorch training) gives TextVectorization's ids
    (TensorFlow's tf.data path and the exported SavedModel)."""
    from keras_gan.families.text2image import Tokenizer

    caps = list(data.load_arrays("mnist_captions", "train[:3000]")[1])
    tok = Tokenizer.adapt(caps, sequence_length=10, max_tokens=60)  # some words left out
    odd = [
        "A THICK 7, Leaning RIGHT!",
        "  the\tdigit   three\n",
        "4; bold -- tilted (left)",
        "ÄÖ über 5 café",
        "it's a 'quoted' #2 [x] {y} a+b=c 3.5 1/2 ~x~ a_b",
        "one two three four five six seven eight nine ten eleven twelve",
        "",
        "zzz unknown",
    ]
    texts = caps[:500] + odd
    want = keras.ops.convert_to_numpy(tok.tf_layer()(tf.constant(texts)))
    np.testing.assert_array_equal(tok(texts), want)
    assert tok.tf_layer().get_vocabulary() == ["", "[UNK]", *tok.vocabulary]


def test_weights_only_checkpoints_carry_the_vocabulary(tmp_path):
    """A resumed run (weights-only checkpoint into a model rebuilt from the recipe) and a
    preset folder get the vocabulary the first fit learnt, not an empty one."""
    from keras_gan.models import Text2ImageGAN

    model = Text2ImageGAN(vocabulary=["a", "thick", "seven"], latent_dim=4, seed=0)
    model.save_weights(tmp_path / "state.weights.h5")
    rebuilt = Text2ImageGAN(latent_dim=4, seed=0)
    assert rebuilt.tokenizer.vocabulary == []
    rebuilt.load_weights(tmp_path / "state.weights.h5")
    assert rebuilt.tokenizer.vocabulary == ["a", "thick", "seven"]
    assert (
        rebuilt.tokenize(["a thick 7"]).tolist()[0][:3]
        == model.tokenize(["a thick 7"]).tolist()[0][:3]
    )
