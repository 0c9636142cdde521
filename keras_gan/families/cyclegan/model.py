"""CycleGAN: unpaired image-to-image translation (Zhu et al. 2017)."""

from __future__ import annotations

import logging

import keras
import numpy as np
from keras import ops

from keras_gan.core.model import GANModel, assert_labels, first_batch
from keras_gan.core.signatures import translator_endpoints
from keras_gan.families.cyclegan.networks import (
    digit_classifier,
    patch_discriminator,
    resnet_generator,
)
from keras_gan.families.cyclegan.schedules import (
    check_decay_start,
    linear_decay_adam,
    linear_decay_config,
)
from keras_gan.losses import mean_absolute_error

log = logging.getLogger("keras_gan")

PREVIEW_IMAGES = 8


def _steps_per_epoch(x, fit_kwargs):
    """Batches in one `fit` epoch: ``steps_per_epoch``, or the dataset's length (None: unknown)."""
    if fit_kwargs.get("steps_per_epoch") is not None:
        return int(fit_kwargs["steps_per_epoch"])
    if isinstance(x, keras.utils.PyDataset):
        return len(x)
    cardinality = getattr(x, "cardinality", None)
    if callable(cardinality):  # a tf.data.Dataset: -1 infinite, -2 unknown
        n = int(cardinality())
        return n if n > 0 else None
    return None


@keras.saving.register_keras_serializable(package="keras_gan")
class ImagePool(keras.layers.Layer):
    """A history of generated images for the discriminator (Shrivastava et al. 2017).

    CycleGAN's buffer: the first ``pool_size`` images fill it and pass through;
    after that each new image, with probability 1/2, is swapped for a random
    stored one (the stored one goes to the discriminator, the new one into the
    pool), otherwise it passes through. The pool is a layer weight, so it is
    saved with the model and a resumed run continues with the same history.
    ``pool_size=0`` disables it.
    """

    def __init__(self, pool_size=50, image_shape=(28, 28, 1), **kwargs):
        super().__init__(**kwargs)
        self.pool_size = int(pool_size)
        if self.pool_size < 0:
            raise ValueError(f"pool_size must be >= 0; got {pool_size!r}.")
        self.image_shape = tuple(int(d) for d in image_shape)
        if self.pool_size:
            self.images = self.add_weight(
                shape=(self.pool_size, *self.image_shape),
                initializer="zeros",
                trainable=False,
                name="images",
                aggregation="only_first_replica",
            )
            self.count = self.add_weight(
                shape=(),
                initializer="zeros",
                dtype="int32",
                trainable=False,
                name="count",
                aggregation="only_first_replica",
            )
        self.built = True

    def query(self, images, uniform, slots):
        """Images for the discriminator; updates the pool.

        Args:
            images: generated images [B, H, W, C].
            uniform: [B] draws from U(0, 1) (swap when < 0.5).
            slots: [B] int32 pool slots in [0, pool_size) to swap with.
        """
        if not self.pool_size:
            return images
        pool = ops.convert_to_tensor(self.images)
        count = ops.convert_to_tensor(self.count)
        images = ops.cast(images, pool.dtype)
        b = ops.shape(images)[0]
        idx = count + ops.arange(b, dtype="int32")
        fill = idx < self.pool_size
        swap = ops.logical_and(ops.logical_not(fill), uniform < 0.5)
        stored = ops.take(pool, slots, axis=0)
        out = ops.where(swap[:, None, None, None], stored, images)
        write = ops.logical_or(fill, swap)
        # Scatter without dynamic shapes (XLA-friendly, every backend): slot p
        # takes the image of the last batch row that writes to it, if any.
        target = ops.where(fill, idx, slots)
        hits = ops.logical_and(
            ops.expand_dims(target, 1) == ops.arange(self.pool_size, dtype="int32")[None],
            ops.expand_dims(write, 1),
        )  # [B, pool_size]
        rank = ops.cast(hits, "int32") * ops.arange(1, b + 1, dtype="int32")[:, None]
        writer = ops.max(rank, axis=0)  # 0: no writer, else row + 1
        incoming = ops.take(images, ops.maximum(writer - 1, 0), axis=0)
        self.images.assign(ops.where((writer > 0)[:, None, None, None], incoming, pool))
        self.count.assign(ops.minimum(count + b, self.pool_size))
        return out

    def call(self, images):
        return images

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "image_shape": self.image_shape,
        }


@keras.saving.register_keras_serializable(package="keras_gan")
class CycleGAN(GANModel):
    """Unpaired translation between domains A and B.

    Zhu, Park, Isola & Efros 2017, "Unpaired Image-to-Image Translation using
    Cycle-Consistent Adversarial Networks" (arXiv:1703.10593): generators
    G: A -> B (``generator``) and F: B -> A (``generator_ba``), discriminators
    D_B (``discriminator``) and D_A (``discriminator_a``), least-squares
    adversarial losses, cycle consistency ``lambda (|F(G(a)) - a| + |G(F(b)) - b|)``,
    identity loss ``identity_weight * lambda (|G(b) - b| + |F(a) - a|)``, and a
    pool of 50 past translations per discriminator.

    Batches are ``(images_a, images_b)`` pairs of unrelated images
    (`keras_gan.data.load_unpaired`). Both domains share one image shape.

    Opt-in semantic consistency (CyCADA-style; Hoffman et al. 2018,
    arXiv:1711.03213), for domains with class labels: with
    ``semantic_weight > 0`` the model also holds a classifier per domain
    (``classifier_a``, ``classifier_b``, LeNet-style), trained on real labelled
    images by the discriminator optimizer, and the generators minimise
    ``semantic_weight * (CE(C_B(G(a)), y_a) + CE(C_A(F(b)), y_b))``: a
    translation must keep its class for the target domain's classifier.
    Batches are then ``((images_a, images_b), (labels_a, labels_b))``
    (``load_unpaired(..., labels=True)``). CyCADA trains its classifier on the
    labelled source domain only and uses its guesses on the target; here both
    domains are labelled, and each classifier learns its own domain.

    Args:
        image_shape: (H, W, C) of both domains.
        filters: width of the ResNet generators (64 in the paper for 256x256).
        num_res_blocks: residual blocks per generator (6 for 128x128 in the paper).
        d_filters: width of the PatchGAN discriminators.
        norm: normalisation in both networks ("instance" as in the paper).
        cycle_weight: lambda (10).
        identity_weight: identity loss weight as a fraction of lambda (0.5); 0
            disables it.
        pool_size: images in each discriminator's history pool (50); 0 disables it.
        decay_start: fraction of the epochs after which the learning rates
            decay linearly to zero, in [0, 1) (0.5: the second half of
            training), for `linear_decay_optimizers`. The decay itself is the
            optimizers' `LinearDecaySchedule`: a model compiled with plain
            optimizers (``compile()``) trains at constant rates.
        semantic_weight: weight of the semantic-consistency term (0: plain
            CycleGAN, no classifiers, labels never read; CyCADA uses 1).
        num_classes: classes of both domains (with ``semantic_weight > 0``).
        classifier_shift: with the semantic term on, shift each real image the
            classifiers learn from by up to this many pixels in each direction
            (uniform, background -1): augmentation for a small labelled domain
            (the UCI digits have 1,497 training images). 0 (default): none.
        **kwargs: `GANModel` arguments (``seed``, ``name``).

    Learning rates: the paper's Adam(2e-4, beta_1=0.5), constant for the first
    half of the epochs and then decaying linearly to zero, is
    `linear_decay_optimizers(epochs, steps_per_epoch)`: two Adam optimizers
    whose rate is a `LearningRateSchedule` of their iteration count (each
    counts one update per `train_step`), so no callback is needed, a `.keras`
    file keeps the schedule and a resumed run continues it. The zoo's
    recipes (``cyclegan_mnist_digits``, ``cycada_mnist_digits``) compile with
    it. ``compile()`` alone gives constant rates.

    Example:
        >>> model = CycleGAN(image_shape=(28, 28, 1))
        >>> g_opt, d_opt = model.linear_decay_optimizers(epochs=10, steps_per_epoch=200)
        >>> model.compile(g_optimizer=g_opt, d_optimizer=d_opt)
        >>> unpaired = keras_gan.data.load_unpaired(
        ...     "mnist", "digits", image_size=28, steps_per_epoch=200)
        >>> model.fit(unpaired, epochs=10)  # 2e-4 in epochs 0-5, then 0.8x, 0.6x, 0.4x, 0.2x
        >>> digits_style = model.translate(mnist_images, direction="a_to_b")
    """

    default_loss = "least_squares"
    network_keys = (
        "generator",
        "discriminator",
        "generator_ba",
        "discriminator_a",
        "classifier_a",
        "classifier_b",
    )
    generator_keys = ("generator", "generator_ba")
    # The classifiers learn from real labelled images with the discriminators' optimizer.
    discriminator_keys = ("discriminator", "discriminator_a", "classifier_a", "classifier_b")

    def __init__(
        self,
        generator=None,
        discriminator=None,
        generator_ba=None,
        discriminator_a=None,
        classifier_a=None,
        classifier_b=None,
        image_shape=(28, 28, 1),
        filters=32,
        num_res_blocks=6,
        d_filters=64,
        norm="instance",
        cycle_weight=10.0,
        identity_weight=0.5,
        pool_size=50,
        decay_start=0.5,
        semantic_weight=0.0,
        num_classes=10,
        classifier_shift=0,
        **kwargs,
    ):
        if cycle_weight < 0 or identity_weight < 0:
            raise ValueError("cycle_weight and identity_weight must be >= 0.")
        if semantic_weight < 0:
            raise ValueError(
                f"semantic_weight must be >= 0 (0 turns the term off); got {semantic_weight!r}."
            )
        if int(classifier_shift) != classifier_shift or not 0 <= classifier_shift < min(
            image_shape[:2]
        ):
            raise ValueError(
                "classifier_shift is a whole number of pixels, at least 0 and less than the "
                f"image size {tuple(image_shape[:2])}; got {classifier_shift!r}."
            )
        decay_start = check_decay_start(decay_start)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.filters = int(filters)
        self.num_res_blocks = int(num_res_blocks)
        self.d_filters = int(d_filters)
        self.norm = norm
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self.pool_size = int(pool_size)
        self.decay_start = float(decay_start)
        self.semantic_weight = float(semantic_weight)
        self.num_classes = int(num_classes)
        self.classifier_shift = int(classifier_shift)
        shape = self.image_shape
        if generator is None:
            generator = resnet_generator(shape, filters, num_res_blocks, norm, name="generator_ab")
        if generator_ba is None:
            generator_ba = resnet_generator(
                shape, filters, num_res_blocks, norm, name="generator_ba"
            )
        if discriminator is None:
            discriminator = patch_discriminator(shape, d_filters, norm, name="discriminator_b")
        if discriminator_a is None:
            discriminator_a = patch_discriminator(shape, d_filters, norm, name="discriminator_a")
        if self.semantic_weight:
            if classifier_a is None:
                classifier_a = digit_classifier(shape, self.num_classes, name="classifier_a")
            if classifier_b is None:
                classifier_b = digit_classifier(shape, self.num_classes, name="classifier_b")
            for net, what in ((classifier_a, "classifier_a"), (classifier_b, "classifier_b")):
                got = tuple(net.outputs[0].shape[1:])
                if got != (self.num_classes,):
                    raise ValueError(
                        f"CycleGAN's {what} must map images to {self.num_classes} class "
                        f"logits (num_classes); it outputs shape {got}."
                    )
        else:
            classifier_a = classifier_b = None  # plain CycleGAN: no classifiers
        super().__init__(**kwargs)
        for net, what in ((generator, "generator"), (generator_ba, "generator_ba")):
            got = tuple(net.outputs[0].shape[1:])
            if tuple(net.inputs[0].shape[1:]) != got or got != shape:
                raise ValueError(
                    f"CycleGAN's {what} must map images of shape {shape} to the same shape; "
                    f"it maps {tuple(net.inputs[0].shape[1:])} -> {got}."
                )
        self.generator = generator
        self.discriminator = discriminator
        self.generator_ba = generator_ba
        self.discriminator_a = discriminator_a
        self.classifier_a = classifier_a
        self.classifier_b = classifier_b
        self.pool_a = ImagePool(self.pool_size, shape, name="pool_a")
        self.pool_b = ImagePool(self.pool_size, shape, name="pool_b")
        # Fixed inputs of the progress pictures (saved with the model).
        self.preview_a = self.add_weight(
            shape=(PREVIEW_IMAGES, *shape), initializer="zeros", trainable=False, name="preview_a"
        )
        self.preview_b = self.add_weight(
            shape=(PREVIEW_IMAGES, *shape), initializer="zeros", trainable=False, name="preview_b"
        )
        self.preview_set = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, name="preview_set"
        )

    @property
    def data_shape(self):
        """The shape of one image (both domains)."""
        return self.image_shape

    def metric_names(self):
        names = ["g_loss", "d_loss", "g_adv", "cycle", "d_a", "d_b"]
        if self.identity_weight:
            names.insert(4, "identity")
        if self.semantic_weight:
            names += ["semantic", "classify"]
        return names

    def linear_decay_optimizers(
        self, epochs, steps_per_epoch, g_learning_rate=2e-4, d_learning_rate=2e-4, **adam_kwargs
    ):
        """``(g_optimizer, d_optimizer)`` for `compile`: the paper's linearly decaying Adams.

        Each is ``Adam(learning_rate=LinearDecaySchedule(rate, epochs,
        steps_per_epoch, self.decay_start), beta_1=0.5)``: the rate is constant
        for the first ``decay_start`` of the ``epochs``, then falls linearly,
        epoch by epoch, towards zero. Both optimizers count one iteration per
        `train_step`, so ``steps_per_epoch`` is the number of batches of one
        `fit` epoch (the preset's ``train.steps_per_epoch``).

        Args:
            epochs: the length of the run the rates decay over.
            steps_per_epoch: batches per epoch.
            g_learning_rate, d_learning_rate: the rates before the decay.
            **adam_kwargs: other `keras.optimizers.Adam` arguments (``beta_1``
                defaults to 0.5, ``beta_2`` to 0.999).

        Example:
            >>> model.compile(*model.linear_decay_optimizers(epochs=10, steps_per_epoch=200))
        """
        return tuple(
            linear_decay_adam(epochs, steps_per_epoch, rate, self.decay_start, **adam_kwargs)
            for rate in (g_learning_rate, d_learning_rate)
        )

    def _check_schedules(self, epochs, steps):
        """Warn when the optimizers' linear decay does not match the run `fit` starts."""
        sides = {}  # one warning for both optimizers when they share a schedule
        for side, opt in (("g_optimizer", self.g_optimizer), ("d_optimizer", self.d_optimizer)):
            cfg = None if opt is None else linear_decay_config(opt)
            if cfg is not None:
                sides.setdefault(tuple(sorted(cfg.items())), []).append(side)
        for key, names in sides.items():
            cfg, who = dict(key), " and ".join(names)
            decays = round(cfg["decay_start"] * cfg["epochs"]) < cfg["epochs"]
            if epochs is not None and int(epochs) > cfg["epochs"] and decays:
                log.warning(
                    "%s: the LinearDecaySchedule of %s ends after %d epochs, but fit runs %d: "
                    "the rate is 0 from epoch %d on, so the rest of the run does not learn. "
                    "Build the optimizers for the run (CycleGAN.linear_decay_optimizers(epochs, "
                    "steps_per_epoch)), or in a preset set the schedule's epochs to train.epochs.",
                    type(self).__name__,
                    who,
                    cfg["epochs"],
                    int(epochs),
                    cfg["epochs"],
                )
            if steps is not None and int(steps) != cfg["steps_per_epoch"]:
                log.warning(
                    "%s: the LinearDecaySchedule of %s has epochs of %d steps, but fit's epochs "
                    "are %d steps: the rate changes every %d steps, not when fit's epochs start. "
                    "Build the optimizers with steps_per_epoch=%d (in a preset: the schedule's "
                    "steps_per_epoch equal to train.steps_per_epoch).",
                    type(self).__name__,
                    who,
                    cfg["steps_per_epoch"],
                    int(steps),
                    cfg["steps_per_epoch"],
                    int(steps),
                )

    # --- training -----------------------------------------------------------------------

    def check_conditions(self, y):
        if y is None:
            raise ValueError(
                "CycleGAN trains on (images_a, images_b) batches; the dataset yields single "
                "images. Use keras_gan.data.load_unpaired(domain_a, domain_b)."
            )
        return self.check_samples(y)

    def unpack_batch(self, data):
        """``(a, b, labels)`` of a batch; ``labels`` is ``(labels_a, labels_b)`` or None.

        Plain batches are ``(images_a, images_b)``; labelled ones (for the
        semantic term) ``((images_a, images_b), (labels_a, labels_b))``.
        """
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if not isinstance(x, (tuple, list)):
            if self.semantic_weight:
                raise ValueError(
                    f"This CycleGAN has semantic_weight={self.semantic_weight} and needs the class "
                    "labels of both domains: batches ((images_a, images_b), (labels_a, "
                    "labels_b)), as keras_gan.data.load_unpaired(..., labels=True) yields."
                )
            return self.check_samples(x), self.check_conditions(y), None
        if len(x) != 2 or not isinstance(y, (tuple, list)) or len(y) != 2:
            raise ValueError(
                "CycleGAN's labelled batches are ((images_a, images_b), (labels_a, labels_b)); "
                f"got a {len(x)}-tuple of images with {type(y).__name__} labels."
            )
        a, b = self.check_samples(x[0]), self.check_samples(x[1])
        if not self.semantic_weight:
            return a, b, None  # plain CycleGAN ignores labels
        labels = tuple(
            assert_labels(ops.reshape(ops.cast(v, "int32"), (-1,)), self.num_classes, where=w)
            for v, w in zip(y, ("labels_a", "labels_b"))
        )
        return a, b, labels

    def fit(self, x=None, *args, **kwargs):
        self._check_schedules(kwargs.get("epochs", 1), _steps_per_epoch(x, kwargs))
        if not int(keras.ops.convert_to_numpy(self.preview_set)):
            first = first_batch(x)
            if first is not None:
                a, b, _ = self.unpack_batch(first)
                self.set_preview_images(
                    keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b)
                )
        return super().fit(x, *args, **kwargs)

    def set_preview_images(self, images_a, images_b):
        """Fix the images the sample grids translate (the first batch by default)."""
        a = self.image_batch(images_a, self.image_shape)[:PREVIEW_IMAGES]
        b = self.image_batch(images_b, self.image_shape)[:PREVIEW_IMAGES]
        if len(a) < PREVIEW_IMAGES or len(b) < PREVIEW_IMAGES:
            a = np.resize(a, (PREVIEW_IMAGES, *self.image_shape))
            b = np.resize(b, (PREVIEW_IMAGES, *self.image_shape))
        self.preview_a.assign(a)
        self.preview_b.assign(b)
        self.preview_set.assign(1)

    def _pool_draws(self, batch):
        u = self.random("uniform", batch, (2,))
        slots = ops.cast(ops.floor(u[:, 1] * max(self.pool_size, 1)), "int32")
        return u[:, 0], ops.minimum(slots, max(self.pool_size, 1) - 1)

    def _shifted(self, images):
        """Each image moved by its own random (dy, dx) in [-s, s]^2, the background (-1)
        filling in: a sum of the (2s+1)^2 crops of the padded batch, one kept per image."""
        s = self.classifier_shift
        n = 2 * s + 1
        h, w = self.image_shape[:2]
        picks = ops.cast(ops.floor(self.random("uniform", ops.shape(images)[0], (2,)) * n), "int32")
        picks = ops.minimum(picks, n - 1)
        padded = ops.pad(images, [[0, 0], [s, s], [s, s], [0, 0]], constant_values=-1.0)
        out = ops.zeros_like(images)
        for i in range(n):
            for j in range(n):
                keep = ops.logical_and(ops.equal(picks[:, 0], i), ops.equal(picks[:, 1], j))
                keep = ops.reshape(ops.cast(keep, images.dtype), (-1, 1, 1, 1))
                out = out + keep * padded[:, i : i + h, j : j + w, :]
        return out

    def _cross_entropy(self, classifier, images, labels):
        logits = classifier(images, training=False)
        return keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)

    def generator_terms(self, a, b, labels=None):
        """Per-example generator terms and the translations, for one (a, b) batch.

        ``labels``: ``(labels_a, labels_b)`` for the semantic term (when it is on).
        """
        fake_b = self.generator(a, training=True)
        fake_a = self.generator_ba(b, training=True)
        rec_a = self.generator_ba(fake_b, training=True)
        rec_b = self.generator(fake_a, training=True)
        adv = self.loss_pair.generator(self.discriminator(fake_b, training=True))
        adv = adv + self.loss_pair.generator(self.discriminator_a(fake_a, training=True))
        cycle = mean_absolute_error(rec_a, a) + mean_absolute_error(rec_b, b)
        terms = {"g_adv": adv, "cycle": cycle}
        g_loss = adv + self.cycle_weight * cycle
        if self.identity_weight:
            identity = mean_absolute_error(self.generator(b, training=True), b)
            identity = identity + mean_absolute_error(self.generator_ba(a, training=True), a)
            terms["identity"] = identity
            g_loss = g_loss + self.identity_weight * self.cycle_weight * identity
        if self.semantic_weight:
            # G(a) keeps a's class for B's classifier, F(b) keeps b's for A's
            semantic = self._cross_entropy(self.classifier_b, fake_b, labels[0])
            semantic = semantic + self._cross_entropy(self.classifier_a, fake_a, labels[1])
            terms["semantic"] = semantic
            g_loss = g_loss + self.semantic_weight * semantic
        terms["g_loss"] = g_loss
        return terms, fake_a, fake_b

    def discriminator_terms(self, a, b, fake_a, fake_b, labels=None):
        """Per-example discriminator losses (each halved, as in the paper); with the
        semantic term on, plus the classifiers' cross-entropy on real labelled images."""
        d_a = 0.5 * self.loss_pair.discriminator(
            self.discriminator_a(a, training=True), self.discriminator_a(fake_a, training=True)
        )
        d_b = 0.5 * self.loss_pair.discriminator(
            self.discriminator(b, training=True), self.discriminator(fake_b, training=True)
        )
        terms = {"d_a": d_a, "d_b": d_b, "d_loss": d_a + d_b}
        if self.semantic_weight:
            if self.classifier_shift:
                a, b = self._shifted(a), self._shifted(b)
            classify = self._cross_entropy(self.classifier_a, a, labels[0])
            classify = classify + self._cross_entropy(self.classifier_b, b, labels[1])
            terms["classify"] = classify
            terms["d_loss"] = terms["d_loss"] + classify
        return terms

    def train_step(self, data):
        a, b, labels = self.unpack_batch(data)
        batch = ops.shape(a)[0]

        def g_terms():
            terms, fake_a, fake_b = self.generator_terms(a, b, labels)
            # The translations come back with the terms (no side channel: on JAX
            # they must leave the differentiated function as its output).
            return {**terms, "fake_a": fake_a, "fake_b": fake_b}

        terms = self.minimize(g_terms, "g")
        fake_a, fake_b = terms.pop("fake_a"), terms.pop("fake_b")
        # The discriminators see translations from the history pools.
        pooled_a = self.pool_a.query(ops.stop_gradient(fake_a), *self._pool_draws(batch))
        pooled_b = self.pool_b.query(ops.stop_gradient(fake_b), *self._pool_draws(batch))
        d_terms = self.minimize(
            lambda: self.discriminator_terms(a, b, pooled_a, pooled_b, labels), "d"
        )
        return self.update_trackers({**terms, **d_terms})

    def test_step(self, data):
        a, b, labels = self.unpack_batch(data)
        terms, fake_a, fake_b = self.generator_terms(a, b, labels)
        d_terms = self.discriminator_terms(a, b, fake_a, fake_b, labels)
        return self.update_trackers({**terms, **d_terms})

    # --- translation ----------------------------------------------------------------------

    def translate(self, images, direction="a_to_b", batch_size=256):
        """Translate images: ``direction="a_to_b"`` (G) or ``"b_to_a"`` (F).

        Args:
            images: [N, H, W, C] floats in [-1, 1] or uint8 in [0, 255].
            direction: "a_to_b" or "b_to_a".

        Returns:
            float32 numpy [N, H, W, C] in [-1, 1].
        """
        nets = {"a_to_b": self.generator, "b_to_a": self.generator_ba}
        if direction not in nets:
            raise ValueError(f"direction must be 'a_to_b' or 'b_to_a'; got {direction!r}.")
        x = self.image_batch(images, self.image_shape)
        return self.predict_batches(nets[direction], x, batch_size)

    def preview(self, num_samples=64, seed=0):
        """Six rows: A inputs, A->B, A->B->A, then B inputs, B->A, B->A->B."""
        a, b = self.preview_a.numpy(), self.preview_b.numpy()
        ab = self.translate(a, "a_to_b")
        ba = self.translate(b, "b_to_a")
        rows = [a, ab, self.translate(ab, "b_to_a"), b, ba, self.translate(ba, "a_to_b")]
        return np.concatenate(rows), PREVIEW_IMAGES

    # --- export --------------------------------------------------------------------------------

    def export_networks(self):
        return [self.generator, self.generator_ba]

    def serving_endpoints(self):
        """a_to_b / b_to_a from uint8 images (``images_uint8``), and ``*_bytes`` variants
        taking encoded PNG/JPEG images (``image_bytes``; {"b64": ...} over REST)."""
        return translator_endpoints(
            {"a_to_b": self.generator, "b_to_a": self.generator_ba}, self.image_shape
        )

    def export_metadata(self):
        return {"data_shape": list(self.image_shape), "directions": ["a_to_b", "b_to_a"]}

    def get_config(self):
        config = super().get_config()
        config.update(
            image_shape=self.image_shape,
            filters=self.filters,
            num_res_blocks=self.num_res_blocks,
            d_filters=self.d_filters,
            norm=self.norm,
            cycle_weight=self.cycle_weight,
            identity_weight=self.identity_weight,
            pool_size=self.pool_size,
            decay_start=self.decay_start,
            semantic_weight=self.semantic_weight,
            num_classes=self.num_classes,
            classifier_shift=self.classifier_shift,
        )
        return config
