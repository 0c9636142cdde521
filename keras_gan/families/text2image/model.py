"""Text-to-image GAN: GAN-INT-CLS (Reed et al. 2016)."""

from __future__ import annotations

import logging

import keras
import numpy as np
from keras import ops

from keras_gan import losses as losses_lib
from keras_gan.core.model import first_batch, is_empty_dataset, is_tf_dataset, max_steps
from keras_gan.core.noise_gan import BaseGAN
from keras_gan.families.text2image import networks as text_nets
from keras_gan.families.text2image.tokenizer import Tokenizer, add_unknown_tokens

log = logging.getLogger("keras_gan")


def symmetric_infonce(y_true, logits):
    """Each image picks its caption among the batch's and each caption its image.

    ``logits[i, j]`` scores image ``i`` with caption ``j``; ``y_true`` is unused
    (the matching pairs are the diagonal).
    """
    labels = ops.arange(ops.shape(logits)[0])
    ce = keras.losses.sparse_categorical_crossentropy
    return 0.5 * (
        ce(labels, logits, from_logits=True) + ce(labels, ops.transpose(logits), from_logits=True)
    )


def match_accuracy(y_true, logits):
    """Fraction of images whose own caption scores highest in the batch."""
    labels = ops.arange(ops.shape(logits)[0])
    return ops.cast(ops.equal(ops.argmax(logits, axis=1), labels), "float32")


class DualEncoder(keras.Model):
    """Joint image-text embedding, trained with a symmetric contrastive loss.

    Reed et al. 2016 pre-train their char-CNN-RNN text encoder with a
    structured joint embedding of images and captions; this is the same idea
    with the now-standard symmetric InfoNCE objective (`symmetric_infonce`):
    in a batch of (image, caption) pairs, each image must pick its own caption
    among the batch's captions and vice versa. A plain Keras model: ``call``
    returns the batch's similarity logits and `fit` trains it on any backend.
    """

    def __init__(self, text_encoder, image_encoder, temperature=0.1, **kwargs):
        super().__init__(**kwargs)
        self.text_encoder = text_encoder
        self.image_encoder = image_encoder
        self.temperature = float(temperature)

    def call(self, inputs, training=False):
        images, ids = inputs
        ti = self.text_encoder(ids, training=training)
        im = self.image_encoder(images, training=training)
        return ops.matmul(im, ops.transpose(ti)) / self.temperature


class _PretrainBatches(keras.utils.PyDataset):
    """Random (image, caption ids + unknown words) batches for `DualEncoder`; batch i
    is a function of (seed, i)."""

    def __init__(self, images, ids, batch_size, steps, seed):
        super().__init__()
        self.images, self.ids = images, ids
        self.batch_size, self.steps, self.seed = int(batch_size), int(steps), seed

    def __len__(self):
        return self.steps

    def __getitem__(self, i):
        rng = np.random.default_rng([self.seed, i])
        idx = rng.choice(len(self.images), min(self.batch_size, len(self.images)), replace=False)
        ids = add_unknown_tokens(self.ids[idx], rng)
        return (self.images[idx], ids), np.zeros(len(idx), np.float32)


class _TokenizedBatches(keras.utils.PyDataset):
    """A `keras.utils.PyDataset` of (images, captions) seen as (images, token ids)."""

    def __init__(self, batches, tokenizer):
        super().__init__()
        self.batches, self.tokenizer = batches, tokenizer

    @property
    def num_batches(self):
        return self.batches.num_batches

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, i):
        x, texts = self.batches[i][:2]
        return x, self.tokenizer(texts)

    def on_epoch_end(self):
        self.batches.on_epoch_end()


def _is_text(values):
    """Whether a batch's second element holds strings (numpy or TensorFlow)."""
    dtype = getattr(values, "dtype", None)
    if dtype is None:
        values = np.asarray(values)
        dtype = values.dtype
    if getattr(dtype, "name", None) == "string":  # tf.string
        return True
    dtype = np.dtype(dtype) if not hasattr(dtype, "kind") else dtype
    if dtype.kind in "USa":
        return True
    if dtype.kind == "O":
        flat = np.asarray(values).reshape(-1)
        return all(isinstance(v, (str, bytes)) for v in flat[:64])
    return False


def _dtype_name(values):
    dtype = getattr(values, "dtype", None)
    return getattr(dtype, "name", str(dtype)) if dtype is not None else type(values).__name__


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

    - the text encoder (`Tokenizer` -> embedding -> GRU; the vocabulary is
      saved in the model's config) is pre-trained with a joint image-text
      embedding on the training data at the start of the first `fit` (as Reed
      et al. pre-train theirs), then frozen: the GAN sees fixed caption
      embeddings, so the generator and discriminator agree on what a caption means;
    - GAN-CLS: the discriminator scores (real image, matching text) as real and
      both (real image, mismatching text) and (fake image, its text) as fake,
      each fake term weighted 0.5;
    - GAN-INT: the generator is also trained on interpolations
      ``beta t1 + (1 - beta) t2`` of caption embeddings in the batch (beta 0.5).

    Batches are ``(images, captions)`` with captions as strings
    (``keras_gan.data.load("mnist_captions")``, a `tf.data.Dataset`, a
    `keras.utils.PyDataset` or numpy arrays). `fit` turns the captions into
    token ids before the step, in plain Python on JAX and PyTorch and with the
    equivalent ``TextVectorization`` in `tf.data` on TensorFlow, so the model
    trains on every backend; the exported SavedModel takes raw strings.

    Args:
        image_shape: (H, W, C) of the images.
        latent_dim: size of z.
        embed_dim: size of the caption embedding.
        projection_dim: size the embedding is reduced to in G and D (Reed: 128
            for 1024-d embeddings; 32 here).
        base_filters: width of the DCGAN networks.
        d_norm: discriminator normalisation.
        max_tokens, sequence_length: vocabulary size and tokens per caption.
        vocabulary: the known words, most frequent first (learnt by the first
            `fit`; given when a saved model is loaded).
        interpolation_weight: weight of the GAN-INT generator term (0 disables it).
        beta: interpolation coefficient of GAN-INT.
        mismatch_weight: weight of the (real image, wrong text) term; the fake
            term gets ``1 - mismatch_weight`` (GAN-CLS: 0.5 each); 0 gives a
            plain text-conditional GAN.
        encoder_steps: batches of joint-embedding pre-training at the first fit.
        diversity_weight: weight of the mode-seeking term of MSGAN (Mao et al.
            2019, arXiv:1903.05628, who add it to StackGAN++ for text-to-image):
            the generator minimises ``1 / (d_img / d_z + 1e-5)`` for two noise
            vectors on the same caption, d the mean absolute difference, so
            one caption does not collapse to one drawing. 0 (the paper's
            GAN-INT-CLS) disables it; it costs one more generator pass on half
            a batch per step.
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
        diversity_weight=0.0,
        vocabulary=(),
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
        self.diversity_weight = float(diversity_weight)
        if not self.diversity_weight >= 0.0:
            raise ValueError(
                f"diversity_weight must be >= 0 (0 disables the mode-seeking term); "
                f"got {diversity_weight!r}."
            )
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
        elif keras.backend.standardize_dtype(text_encoder.inputs[0].dtype) == "string":
            raise ValueError(
                "This text-to-image model was saved by an earlier keras-gan whose text encoder "
                "took raw strings (TextVectorization inside the network). The encoder now takes "
                "token ids; retrain the model (keras-gan train text2image_mnist)."
            )
        self.tokenizer = Tokenizer(vocabulary, self.sequence_length, self.max_tokens)
        if image_encoder is None:
            image_encoder = text_nets.image_encoder(self.image_shape, embed_dim)
        super().__init__(generator, discriminator, **kwargs)
        self.text_encoder = text_encoder
        self.image_encoder = image_encoder
        self.encoder_ready = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, name="encoder_ready"
        )

    # --- text -------------------------------------------------------------------------------

    def tokenize(self, texts):
        """Captions -> int32 token ids ``[N, sequence_length]`` (0: padding, 1: unknown word)."""
        return self.tokenizer(texts)

    def encode_texts(self, texts):
        """Caption embeddings [N, embed_dim] for a list of strings (validated)."""
        texts = check_texts(texts)
        self._check_vocabulary()
        return self.predict_batches(self.text_encoder, self.tokenize(texts), batch_size=1024)

    def _check_vocabulary(self):
        if not self.tokenizer.vocabulary:
            raise RuntimeError(
                "Text2ImageGAN's text encoder has no vocabulary yet: it is learnt from the "
                "training captions by the first fit(). Train the model first (model.fit on "
                "(images, captions) batches, e.g. keras_gan.data.load('mnist_captions')), or "
                "load a trained one with keras_gan.saving.load_model(path)."
            )

    def pretrain_encoders(self, x, y=None, steps=None, verbose=0):
        """Learn the vocabulary and train the joint image-text embedding on ``(x, y)``.

        Called by the first `fit`, with what `fit` got; afterwards the text
        encoder is frozen. Reads ``max(steps, 200)`` batches of (images,
        captions); the captions get random unknown words (`add_unknown_tokens`)
        so that the encoder learns to ignore words outside its vocabulary.

        Returns:
            the `keras.callbacks.History` of the embedding training.
        """
        steps = int(steps or self.encoder_steps)
        steps = min(steps, max_steps() or steps)  # a smoke run ($KERAS_GAN_MAX_STEPS)
        images, texts, batch_size = _collect(x, y, max(steps, 200))
        self.tokenizer = Tokenizer.adapt(texts, self.sequence_length, self.max_tokens)
        log.info(
            "Text2ImageGAN: vocabulary of %d tokens; pre-training the encoders.",
            len(self.tokenizer),
        )
        pair = DualEncoder(self.text_encoder, self.image_encoder)
        pair.compile(
            optimizer=keras.optimizers.Adam(1e-3), loss=symmetric_infonce, metrics=[match_accuracy]
        )
        seed = np.random.SeedSequence().entropy if self.seed is None else int(self.seed) % 2**63
        batches = _PretrainBatches(images, self.tokenize(texts), batch_size, steps, seed)
        history = pair.fit(batches, epochs=1, verbose=verbose)
        self.encoder_ready.assign(1)
        return history

    def _tokenized(self, x, y=None):
        """``(x, y)`` as `fit` / `evaluate` take them, with captions turned into token ids."""
        if is_tf_dataset(x):
            vectorize = self.tokenizer.tf_layer()
            import tensorflow as tf

            @tf.autograph.experimental.do_not_convert
            def ids(images, texts, *rest):
                return (images, vectorize(tf.reshape(texts, [-1])), *rest)

            return x.map(ids, num_parallel_calls=tf.data.AUTOTUNE), y
        if isinstance(x, keras.utils.PyDataset):
            return _TokenizedBatches(x, self.tokenizer), y
        if y is not None and _is_text(y):
            return x, self.tokenize(y)
        return x, y

    def _check_fit_data(self, x, y):
        """Images and string captions, checked before anything is trained on them."""
        if is_tf_dataset(x):
            spec = x.element_spec
            if not isinstance(spec, tuple) or len(spec) < 2:
                self.check_conditions(None)  # raises: images only
            images_spec, texts_spec = spec[0], spec[1]
            # Bad images fail here, before the encoders are pre-trained on them.
            shape = [1 if d is None else d for d in images_spec.shape]
            self.check_samples(np.zeros(shape, images_spec.dtype.as_numpy_dtype))
            if texts_spec.dtype.name != "string":
                self._not_text(texts_spec.dtype.name)
            return
        if isinstance(x, keras.utils.PyDataset):
            batch = first_batch(x)
            if not isinstance(batch, (tuple, list)) or len(batch) < 2:
                self.check_conditions(None)
            images, texts = batch[0], batch[1]
        elif x is None:
            raise TypeError(
                "Text2ImageGAN.fit needs (images, captions): a tf.data.Dataset or "
                "keras.utils.PyDataset of such batches (keras_gan.data.load('mnist_captions')), "
                "or fit(images, captions) with numpy arrays."
            )
        else:
            if y is None:
                self.check_conditions(None)
            images, texts = x, y
        self.check_samples(np.asarray(images[:1], np.float32))
        if not _is_text(texts):
            self._not_text(_dtype_name(texts))

    @staticmethod
    def _not_text(dtype):
        raise TypeError(
            "Text2ImageGAN expects (images, captions) with captions as strings; the dataset "
            f"yields {dtype} labels (for class labels use the cgan family)."
        )

    def fit(self, x=None, y=None, *args, **kwargs):
        if not is_empty_dataset(x):
            self._check_fit_data(x, y)
            if not int(keras.ops.convert_to_numpy(self.encoder_ready)):
                self.pretrain_encoders(x, y)
            x, y = self._tokenized(x, y)
            if isinstance(kwargs.get("validation_data"), tuple):
                kwargs["validation_data"] = self._tokenized(*kwargs["validation_data"][:2])
            elif kwargs.get("validation_data") is not None:
                kwargs["validation_data"] = self._tokenized(kwargs["validation_data"])[0]
        return super().fit(x, y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        x, y = self._tokenized(x, y)
        return super().evaluate(x, y, *args, **kwargs)

    def train_on_batch(self, x=None, y=None, *args, **kwargs):
        return super().train_on_batch(*self._tokenized(x, y), *args, **kwargs)

    def test_on_batch(self, x=None, y=None, *args, **kwargs):
        return super().test_on_batch(*self._tokenized(x, y), *args, **kwargs)

    # --- training hooks ---------------------------------------------------------------------------

    def check_conditions(self, y):
        if y is None:
            raise ValueError(
                "Text2ImageGAN trains on (images, captions) batches; the dataset yields images "
                "only. Use keras_gan.data.load('mnist_captions') or zip your images with texts."
            )
        dtype = keras.backend.standardize_dtype(y.dtype)
        if dtype == "string" and keras.backend.backend() == "tensorflow":
            import tensorflow as tf  # captions straight into a step: tokenize in the graph

            y = self.tokenizer.tf_layer()(tf.reshape(y, [-1]))
        elif "int" not in dtype:
            self._not_text(dtype)
        # frozen encoder: fixed embeddings for G and D
        return ops.stop_gradient(self.text_encoder(y, training=False))

    def extra_discriminator_terms(self, real, real_out, fake_out, cond, fake_cond):
        """GAN-CLS's third pair: a real image with a mismatching text counts as fake.

        GAN-CLS minimises ``(1 - m) L(real, fake) + m L(real, wrong)`` where the
        core minimises ``L(real, fake)``. Every loss pair is a real-side term
        plus a fake-side term, so the real-side terms cancel in the difference,
        ``m (L(real, wrong) - L(real, fake))``, which is what this adds.
        """
        wrong = self.discriminate(real, ops.roll(cond, shift=1, axis=0), training=True)
        wrong_logits = self.adversarial_logits(wrong)
        logs = {"d_wrong": losses_lib.per_example(wrong_logits)}
        threshold = self.loss_pair.decision_threshold
        if threshold is not None:
            logs["d_text_acc"] = ops.cast(logs["d_wrong"] < threshold, "float32")
        m = self.mismatch_weight
        if not m:
            return None, logs
        loss, smoothing = self.loss_pair.discriminator, self.label_smoothing
        real_logits = self.adversarial_logits(real_out)
        fake_logits = self.adversarial_logits(fake_out)
        extra = m * (
            loss(real_logits, wrong_logits, smoothing) - loss(real_logits, fake_logits, smoothing)
        )
        return extra, logs

    def extra_generator_terms(self, fake_out, fake_cond):
        """GAN-INT on interpolated texts and MSGAN's mode-seeking term, when weighted."""
        extra, logs = None, {}
        batch = ops.shape(fake_cond)[0]
        if self.interpolation_weight:
            t_int = self.beta * fake_cond + (1.0 - self.beta) * ops.roll(fake_cond, 1, axis=0)
            fake_int = self.generator([self.sample_latent(batch), t_int], training=True)
            g_int = self.loss_pair.generator(self.discriminate(fake_int, t_int, training=True))
            logs["g_int"] = g_int
            extra = self.interpolation_weight * g_int
        if self.diversity_weight:
            # MSGAN's mode-seeking term on half the batch: two noise vectors, same caption.
            half = max(batch // 2, 1) if isinstance(batch, int) else ops.maximum(batch // 2, 1)
            c = fake_cond[:half]
            z = self.sample_latent(2 * half)
            pair = self.generator([z, ops.concatenate([c, c], axis=0)], training=True)
            d_img = ops.mean(ops.abs(ops.cast(pair[:half] - pair[half:], "float32")))
            d_z = ops.mean(ops.abs(ops.cast(z[:half] - z[half:], "float32")))
            ratio = d_img / d_z
            logs["g_div"] = ratio
            term = self.diversity_weight / (ratio + 1e-5)
            extra = term if extra is None else extra + term
        return extra, logs

    def metric_names(self):
        names = super().metric_names() + ["d_wrong"]
        if self.loss_pair.decision_threshold is not None:
            names.append("d_text_acc")
        if self.interpolation_weight:
            names.append("g_int")
        if self.diversity_weight:
            names.append("g_div")
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
        # serving_condition's TextVectorization (this vocabulary, as a lookup table):
        # the SavedModel takes raw strings
        return [self.sampling_generator, self.text_encoder, self.tokenizer.tf_layer()]

    def serving_endpoints(self):
        # An export without a vocabulary would answer every request with "Table not initialized".
        self._check_vocabulary()
        return super().serving_endpoints()

    def serving_inputs(self):
        import tensorflow as tf

        examples = np.array(
            ["a thick 7 leaning right", "a 0", "the digit three", "2"], dtype=object
        )
        return [("text", tf.TensorSpec([None], tf.string), examples)]

    def serving_condition(self, text):
        import tensorflow as tf

        length = tf.strings.length(tf.strings.strip(text))
        check = tf.debugging.assert_greater(
            tf.reduce_min(tf.concat([length, [1]], 0)),
            0,
            message="text must be a non-empty caption, e.g. 'a thick 7 leaning right'",
        )
        with tf.control_dependencies([check]):
            ids = self.tokenizer.tf_layer()(tf.reshape(text, [-1]))
            return self.text_encoder(ids, training=False)

    def export_metadata(self):
        return {
            **super().export_metadata(),
            "vocabulary_size": len(self.tokenizer),
            "text_input": True,
        }

    # --- saving ---------------------------------------------------------------------------

    _VOCABULARY_KEY = "tokenizer_vocabulary"

    def save_own_variables(self, store):
        # The vocabulary is learnt by the first fit, so it is state as well as config:
        # a weights-only checkpoint (crash-safe resume, preset weights) must carry it.
        super().save_own_variables(store)
        text = "\n".join(["v1", *self.tokenizer.vocabulary])
        store[self._VOCABULARY_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)

    def load_own_variables(self, store):
        keys = list(store.keys())
        if self._VOCABULARY_KEY in keys:
            text = bytes(np.asarray(store[self._VOCABULARY_KEY], dtype=np.uint8)).decode("utf-8")
            vocabulary = text.split("\n")[1:]
            if vocabulary:
                self.tokenizer = Tokenizer(vocabulary, self.sequence_length, self.max_tokens)
        super().load_own_variables({k: store[k] for k in keys if k != self._VOCABULARY_KEY})

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
            diversity_weight=self.diversity_weight,
            vocabulary=list(self.tokenizer.vocabulary),
        )
        return config


def _collect(x, y, max_batches):
    """(images float32, captions, batch size) from up to ``max_batches`` batches of ``x``."""
    if is_tf_dataset(x):
        batches = ((b[0], b[1]) for b in x.take(max_batches).as_numpy_iterator())
    elif isinstance(x, keras.utils.PyDataset):
        batches = (x[i][:2] for i in range(min(len(x), max_batches)))
    else:
        batches = iter([(np.asarray(x), np.asarray(y))])
    images, texts, batch_size = [], [], 0
    for im, tx in batches:
        im = np.asarray(keras.ops.convert_to_numpy(im), np.float32)
        images.append(im)
        texts.extend(t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in np.ravel(tx))
        batch_size = max(batch_size, len(im))
    if not images:
        raise ValueError("The dataset passed to fit() is empty: there is nothing to train on.")
    if is_tf_dataset(x) or isinstance(x, keras.utils.PyDataset):
        return np.concatenate(images), np.array(texts, dtype=object), batch_size
    return images[0], np.array(texts, dtype=object), min(64, len(images[0]))
