"""Text-to-image GAN: GAN-INT-CLS (Reed et al. 2016)."""

from __future__ import annotations

import importlib
import logging

import keras
import numpy as np

from keras_gan import backend
from keras_gan.core.noise_gan import BaseGAN
from keras_gan.families.text2image import networks as text_nets

log = logging.getLogger("keras_gan")


class _TensorFlow:
    """TensorFlow, imported on first use: this family trains on TensorFlow only (see
    its declaration), and discovering it must not import TensorFlow on JAX or PyTorch."""

    def __getattr__(self, name):
        return getattr(importlib.import_module("tensorflow"), name)


tf = _TensorFlow()


class DualEncoder(keras.Model):
    """Joint image-text embedding, trained with a symmetric contrastive loss.

    Reed et al. 2016 pre-train their char-CNN-RNN text encoder with a
    structured joint embedding of images and captions; this is the same idea
    with the now-standard symmetric InfoNCE objective: in a batch of (image,
    caption) pairs, each image must pick its own caption among the batch's
    captions and vice versa.
    """

    def __init__(self, text_encoder, image_encoder, temperature=0.1, **kwargs):
        super().__init__(**kwargs)
        self.text_encoder = text_encoder
        self.image_encoder = image_encoder
        self.temperature = float(temperature)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.acc_tracker = keras.metrics.Mean(name="match_accuracy")

    @property
    def metrics(self):
        return [self.loss_tracker, self.acc_tracker]

    def train_step(self, data):
        images, texts = data

        def terms():
            ti = self.text_encoder(tf.reshape(texts, [-1, 1]), training=True)
            im = self.image_encoder(images, training=True)
            logits = tf.matmul(im, ti, transpose_b=True) / self.temperature
            labels = tf.range(tf.shape(logits)[0])
            # symmetric InfoNCE: each image picks its caption and each caption its image
            loss = 0.5 * (
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
                + tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=labels, logits=tf.transpose(logits)
                )
            )
            return {"loss": loss, "logits": logits, "labels": labels}

        variables = self.text_encoder.trainable_variables + self.image_encoder.trainable_variables
        out = backend.minimize(terms, variables, self.optimizer, "loss")
        loss, logits, labels = tf.reduce_mean(out["loss"]), out["logits"], out["labels"]
        self.loss_tracker.update_state(loss)
        hits = tf.cast(
            tf.equal(tf.argmax(logits, axis=1, output_type=tf.int32), labels), tf.float32
        )
        self.acc_tracker.update_state(tf.reduce_mean(hits))
        return {m.name: m.result() for m in self.metrics}


# Words that never occur in training captions, so they map to the OOV token.
FILLER_WORDS = ("lorem", "ipsum", "dolor", "amet", "consectetur", "adipiscing", "elit", "tempor")


def add_unknown_words(texts, rate=0.3, before=4, after=3):
    """Insert random out-of-vocabulary words before and after each caption.

    Used while pre-training the text encoder: it learns that words it has never
    seen carry no meaning, so a caption phrased in an unseen way ("a picture of
    the number seven that is thick") still encodes like "seven thick". Each of
    ``before`` + ``after`` slots holds a filler word with probability ``rate``.
    """
    batch = tf.shape(texts)[0]
    fillers = tf.constant(FILLER_WORDS)

    def words(n):
        idx = tf.random.uniform([batch, n], 0, len(FILLER_WORDS), dtype=tf.int32)
        keep = tf.random.uniform([batch, n]) < rate
        picked = tf.where(keep, tf.gather(fillers, idx), tf.fill([batch, n], ""))
        return tf.strings.reduce_join(picked, axis=1, separator=" ")

    return tf.strings.strip(tf.strings.join([words(before), texts, words(after)], " "))


def check_texts(texts, num_samples=None):
    """Validate captions given to `generate`: a non-empty string or list of them."""
    if isinstance(texts, (str, bytes)):
        texts = [texts] * (num_samples or 1)
    if isinstance(texts, np.ndarray):
        texts = texts.reshape(-1).tolist()
    if not isinstance(texts, (list, tuple)) or not texts:
        raise TypeError(
            f"texts must be a string or a non-empty list of strings; got {type(texts).__name__}."
        )
    out = []
    for i, t in enumerate(texts):
        if isinstance(t, bytes):
            t = t.decode("utf-8")
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}] is a {type(t).__name__}, not a string: {t!r}.")
        if not t.strip():
            raise ValueError(
                f"texts[{i}] is empty; describe the image, e.g. 'a thick 7 leaning right'."
            )
        out.append(t)
    if num_samples is not None and len(out) == 1:
        out = out * int(num_samples)
    if num_samples is not None and len(out) != int(num_samples):
        raise ValueError(f"Got {len(out)} texts for {num_samples} samples.")
    return out


@keras.saving.register_keras_serializable(package="keras_gan")
class Text2ImageGAN(BaseGAN):
    """Generate images from sentences: GAN-INT-CLS.

    Reed, Akata, Yan, Logeswaran, Schiele & Lee 2016, "Generative Adversarial
    Text to Image Synthesis" (arXiv:1605.05396):

    - the text encoder (`TextVectorization` -> embedding -> GRU, inside the
      model, vocabulary saved with it) is pre-trained with a joint image-text
      embedding on the training data at the start of the first `fit` (as Reed
      et al. pre-train theirs), then frozen: the GAN sees fixed caption
      embeddings, so the generator and discriminator agree on what a caption means;
    - GAN-CLS: the discriminator scores (real image, matching text) as real and
      both (real image, mismatching text) and (fake image, its text) as fake,
      each fake term weighted 0.5;
    - GAN-INT: the generator is also trained on interpolations
      ``beta t1 + (1 - beta) t2`` of caption embeddings in the batch (beta 0.5).

    Batches are ``(images, captions)`` with captions as strings
    (``keras_gan.data.load("mnist_captions")`` or any such dataset).

    Args:
        image_shape: (H, W, C) of the images.
        latent_dim: size of z.
        embed_dim: size of the caption embedding.
        projection_dim: size the embedding is reduced to in G and D (Reed: 128
            for 1024-d embeddings; 32 here).
        base_filters: width of the DCGAN networks.
        d_norm: discriminator normalisation.
        max_tokens, sequence_length: vocabulary size and tokens per caption.
        interpolation_weight: weight of the GAN-INT generator term (0 disables it).
        beta: interpolation coefficient of GAN-INT.
        mismatch_weight: weight of the (real image, wrong text) term; the fake
            term gets ``1 - mismatch_weight`` (GAN-CLS: 0.5 each); 0 gives a
            plain text-conditional GAN.
        encoder_steps: batches of joint-embedding pre-training at the first fit.
        **kwargs: `BaseGAN` arguments.

    Example:
        >>> model = Text2ImageGAN(image_shape=(28, 28, 1))
        >>> model.compile()
        >>> model.fit(keras_gan.data.load("mnist_captions", batch_size=64), epochs=5)
        >>> images = model.generate(texts=["a thick 7 leaning right"] * 8, seed=0)
    """

    network_keys = ("generator", "discriminator", "text_encoder", "image_encoder")

    def __init__(
        self,
        generator=None,
        discriminator=None,
        text_encoder=None,
        image_encoder=None,
        image_shape=(28, 28, 1),
        latent_dim=100,
        embed_dim=128,
        projection_dim=32,
        base_filters=64,
        d_norm="batch",
        max_tokens=1000,
        sequence_length=24,
        interpolation_weight=1.0,
        beta=0.5,
        mismatch_weight=0.5,
        encoder_steps=600,
        **kwargs,
    ):
        self.image_shape = tuple(int(d) for d in image_shape)
        latent_dim = int(latent_dim)
        self.embed_dim = int(embed_dim)
        self.projection_dim = int(projection_dim)
        self.base_filters = int(base_filters)
        self.d_norm = d_norm
        self.max_tokens = int(max_tokens)
        self.sequence_length = int(sequence_length)
        self.interpolation_weight = float(interpolation_weight)
        self.beta = float(beta)
        self.mismatch_weight = float(mismatch_weight)
        self.encoder_steps = int(encoder_steps)
        if not 0.0 <= self.mismatch_weight < 1.0:
            raise ValueError(f"mismatch_weight must be in [0, 1); got {mismatch_weight!r}.")
        if not 0.0 <= self.beta <= 1.0:
            raise ValueError(f"beta must be in [0, 1]; got {beta!r}.")
        if generator is None:
            generator = text_nets.text_generator(
                latent_dim, self.image_shape, embed_dim, projection_dim, base_filters
            )
        if discriminator is None:
            discriminator = text_nets.text_discriminator(
                self.image_shape, embed_dim, projection_dim, base_filters, norm=d_norm
            )
        if text_encoder is None:
            text_encoder = text_nets.text_encoder(max_tokens, sequence_length, embed_dim)
        if image_encoder is None:
            image_encoder = text_nets.image_encoder(self.image_shape, embed_dim)
        super().__init__(generator, discriminator, **kwargs)
        self.text_encoder = text_encoder
        self.image_encoder = image_encoder
        self.encoder_ready = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, name="encoder_ready"
        )

    # --- text -------------------------------------------------------------------------------

    def xla_support(self):
        return (
            False,
            "the text encoder's TextVectorization runs string ops, which XLA cannot compile",
        )

    def encode_texts(self, texts):
        """Caption embeddings [N, embed_dim] for a list of strings (validated)."""
        texts = check_texts(texts)
        self._check_vocabulary()
        out = [
            keras.ops.convert_to_numpy(
                self.text_encoder(tf.constant(texts[i : i + 1024])[:, None], training=False)
            )
            for i in range(0, len(texts), 1024)
        ]
        return np.concatenate(out).astype(np.float32)

    def _check_vocabulary(self):
        vectorize = self.text_encoder.get_layer("vectorize")
        if vectorize.vocabulary_size() <= 2:  # only the padding and [UNK] tokens
            raise RuntimeError(
                "Text2ImageGAN's text encoder has no vocabulary yet: it is learnt from the "
                "training captions by the first fit(). Train the model first (model.fit on "
                "(images, captions) batches, e.g. keras_gan.data.load('mnist_captions')), or "
                "load a trained one with keras_gan.saving.load_model(path)."
            )

    def pretrain_encoders(self, dataset, steps=None, verbose=0):
        """Fit the vocabulary and train the joint image-text embedding on ``dataset``.

        Called by the first `fit`; afterwards the text encoder is frozen. The
        captions get random unknown filler words (`add_unknown_words`) so that
        the encoder ignores words outside its vocabulary.

        Returns:
            the `keras.callbacks.History` of the embedding training.
        """
        steps = int(steps or self.encoder_steps)
        vectorize = self.text_encoder.get_layer("vectorize")
        vectorize.adapt(dataset.map(lambda x, t: tf.reshape(t, [-1])).take(max(steps, 200)))
        vocab = len(vectorize.get_vocabulary())
        log.info("Text2ImageGAN: vocabulary of %d tokens; pre-training the encoders.", vocab)
        pair = DualEncoder(self.text_encoder, self.image_encoder)
        pair.compile(optimizer=keras.optimizers.Adam(1e-3))
        data = dataset.map(lambda x, t: (x, add_unknown_words(tf.reshape(t, [-1]))))
        data = data.repeat().take(steps)
        history = pair.fit(data, epochs=1, verbose=verbose)
        self.encoder_ready.assign(1)
        return history

    def fit(self, x=None, *args, **kwargs):
        if keras.backend.backend() != "tensorflow":
            raise NotImplementedError(
                "Text2ImageGAN trains on the TensorFlow backend only for now: its text encoder "
                "tokenizes with TextVectorization (TensorFlow string ops). Set "
                "KERAS_BACKEND=tensorflow; the other families train on JAX and PyTorch too."
            )
        if isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            if not isinstance(spec, tuple) or len(spec) < 2:
                self.check_conditions(None)  # raises: images only
            # Bad images fail here, before the encoders are pre-trained on them.
            shape = [1 if d is None else d for d in spec[0].shape]
            self.check_samples(tf.zeros(shape, spec[0].dtype))
            if spec[1].dtype != tf.string:
                raise TypeError(
                    "Text2ImageGAN expects (images, captions) with captions as strings; the "
                    f"dataset yields {spec[1].dtype.name} labels (for class labels use the cgan "
                    "family)."
                )
        if not int(self.encoder_ready.numpy()):
            if not isinstance(x, tf.data.Dataset):
                raise TypeError(
                    "Text2ImageGAN.fit needs a tf.data.Dataset of (images, captions) "
                    "(e.g. keras_gan.data.load('mnist_captions')) to pre-train its text encoder."
                )
            self.pretrain_encoders(x)
        return super().fit(x, *args, **kwargs)

    # --- training hooks ---------------------------------------------------------------------------

    def check_conditions(self, y):
        if y is None:
            raise ValueError(
                "Text2ImageGAN trains on (images, captions) batches; the dataset yields images "
                "only. Use keras_gan.data.load('mnist_captions') or zip your images with texts."
            )
        y = tf.convert_to_tensor(y)
        if y.dtype != tf.string:
            raise TypeError(
                f"Text2ImageGAN expects captions as strings; the dataset yields {y.dtype.name} "
                "labels (for class labels use the cgan family)."
            )
        # frozen encoder: fixed embeddings for G and D
        return tf.stop_gradient(self.text_encoder(tf.reshape(y, [-1, 1]), training=False))

    def discriminator_losses(self, real, fake, cond, fake_cond):
        """GAN-CLS: real/right text vs. real/wrong text and fake/its text."""
        lp = self.loss_pair
        wrong = tf.roll(cond, shift=1, axis=0)
        real_logits = self.discriminate(real, cond, training=True)
        wrong_logits = self.discriminate(real, wrong, training=True)
        fake_logits = self.discriminate(fake, fake_cond, training=True)
        m = self.mismatch_weight
        d_loss = lp.discriminator(real_logits, fake_logits, self.label_smoothing)
        if m:
            d_loss = (1.0 - m) * d_loss + m * lp.discriminator(
                real_logits, wrong_logits, self.label_smoothing
            )
        from keras_gan import losses as losses_lib

        out = {
            "d_real": losses_lib.per_example(real_logits),
            "d_fake": losses_lib.per_example(fake_logits),
            "d_wrong": losses_lib.per_example(wrong_logits),
            "d_loss": d_loss,
        }
        threshold = lp.decision_threshold
        if threshold is not None:
            out["d_acc"] = 0.5 * (
                tf.cast(out["d_real"] > threshold, tf.float32)
                + tf.cast(out["d_fake"] < threshold, tf.float32)
            )
            out["d_text_acc"] = tf.cast(out["d_wrong"] < threshold, tf.float32)
        return out

    def generator_losses(self, fake, fake_cond, real, cond):
        """Non-saturating on (fake, its text) plus GAN-INT on interpolated texts."""
        lp = self.loss_pair
        g_loss = lp.generator(self.discriminate(fake, fake_cond, training=True))
        out = {}
        if self.interpolation_weight:
            batch = tf.shape(fake)[0]
            t_int = self.beta * fake_cond + (1.0 - self.beta) * tf.roll(fake_cond, 1, axis=0)
            z = self.sample_latent(batch)
            fake_int = self.generator([z, t_int], training=True)
            g_int = lp.generator(self.discriminate(fake_int, t_int, training=True))
            out["g_int"] = g_int
            g_loss = g_loss + self.interpolation_weight * g_int
        out["g_loss"] = g_loss
        return out

    def metric_names(self):
        names = super().metric_names() + ["d_wrong"]
        if self.loss_pair.decision_threshold is not None:
            names.append("d_text_acc")
        if self.interpolation_weight:
            names.append("g_int")
        return names

    # --- sampling ------------------------------------------------------------------------------

    def prepare_conditions(self, conditions, num_samples):
        if conditions is None:
            raise ValueError(
                "Text2ImageGAN needs captions: generate(texts=['a thick 7 leaning right', ...])."
            )
        return self.encode_texts(check_texts(conditions, num_samples))

    def generate(
        self, num_samples=None, seeds=None, conditions=None, seed=None, batch_size=256, texts=None
    ):
        """Images for captions: ``generate(texts=[...], seeds=[...])``.

        ``texts`` is one string (repeated for every sample) or one per sample.
        Unknown words map to the out-of-vocabulary token; an empty or
        non-string caption is an error.
        """
        if texts is not None and conditions is not None:
            raise ValueError("Pass texts= or conditions=, not both.")
        texts = texts if texts is not None else conditions
        if num_samples is None and seeds is None and texts is not None:
            num_samples = 1 if isinstance(texts, (str, bytes)) else len(texts)
        return super().generate(num_samples, seeds, texts, seed, batch_size)

    def preview(self, num_samples=64, seed=0):
        """One row per caption (a digit with or without attributes), 8 seeds each."""
        from keras_gan.data.captions import DIGIT_NAMES

        rows = []
        for d in range(10):
            rows.append(
                [
                    f"a {d}",
                    f"a thick {DIGIT_NAMES[d]}",
                    f"a thin {d}",
                    f"{d} leaning left",
                    f"{d} leaning right",
                    f"a wide {DIGIT_NAMES[d]}",
                    f"a narrow {d}",
                    f"the digit {DIGIT_NAMES[d]}",
                ]
            )
        texts = [t for row in rows for t in row]
        seeds = np.arange(seed, seed + len(texts))
        return self.generate(seeds=seeds, texts=texts), 8

    # --- export --------------------------------------------------------------------------------

    def export_networks(self):
        return [self.sampling_generator, self.text_encoder]

    def serving_inputs(self):
        examples = np.array(
            ["a thick 7 leaning right", "a 0", "the digit three", "2"], dtype=object
        )
        return [("text", tf.TensorSpec([None], tf.string), examples)]

    def serving_condition(self, text):
        length = tf.strings.length(tf.strings.strip(text))
        check = tf.debugging.assert_greater(
            tf.reduce_min(tf.concat([length, [1]], 0)),
            0,
            message="text must be a non-empty caption, e.g. 'a thick 7 leaning right'",
        )
        with tf.control_dependencies([check]):
            return self.text_encoder(tf.reshape(text, [-1, 1]), training=False)

    def export_metadata(self):
        vocab = self.text_encoder.get_layer("vectorize").get_vocabulary()
        return {**super().export_metadata(), "vocabulary_size": len(vocab), "text_input": True}

    def get_config(self):
        config = super().get_config()
        config.update(
            image_shape=self.image_shape,
            latent_dim=self.latent_dim,
            embed_dim=self.embed_dim,
            projection_dim=self.projection_dim,
            base_filters=self.base_filters,
            d_norm=self.d_norm,
            max_tokens=self.max_tokens,
            sequence_length=self.sequence_length,
            interpolation_weight=self.interpolation_weight,
            beta=self.beta,
            mismatch_weight=self.mismatch_weight,
            encoder_steps=self.encoder_steps,
        )
        return config
