"""The noise-to-sample layer on the core: every model that maps noise to samples.

`BaseGAN` runs one adversarial step per batch: ``d_steps`` discriminator
updates, then one generator update (Goodfellow et al. 2014, Algorithm 1).
A family is a `train_step` that wires networks, losses and penalties
together: it overrides the hooks below rather than re-implementing the loop.

What a family overrides (all optional):

- `discriminator_losses(real, fake, cond, fake_cond)` / `generator_losses(fake,
  fake_cond, real, cond)` -> dicts of per-example terms ("d_loss" / "g_loss"
  are minimised); or, for small changes, `extra_discriminator_terms` /
  `extra_generator_terms` and `adversarial_logits`;
- conditions: `check_conditions(y)`, `sample_fake_conditions(cond, n)`,
  `generator_inputs(z, cond)`, `discriminate(x, cond)`, `prepare_conditions`
  (for `generate`), `serving_inputs` / `serving_condition` (for export);
- `metric_names()`, `default_optimizers()`, `preview()`.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from keras_gan import backend, penalties
from keras_gan import losses as losses_lib
from keras_gan.core.model import GANModel, is_empty_dataset, is_tf_dataset, walk_layers
from keras_gan.core.seeds import latent_from_seeds, resolve_seeds
from keras_gan.core.signatures import generator_endpoints


@keras.saving.register_keras_serializable(package="keras_gan")
class BaseGAN(GANModel):
    """Base of every noise-to-sample GAN in the zoo.

    Args:
        generator: a Keras model mapping a latent batch (and, for conditional
            models, a condition) to samples.
        discriminator: a Keras model mapping samples (and condition) to logits
            (no sigmoid). None for families without one (moment matching).
        d_steps: discriminator updates per generator update (k in Goodfellow et
            al. 2014, n_critic in WGAN).
        label_smoothing: one-sided label smoothing for real targets.
        gradient_penalty_weight: lambda of the two-sided gradient penalty on
            real/fake interpolates (WGAN-GP uses 10); 0 disables it.
        r1_weight: gamma of the R1 penalty gamma/2 ||grad D(x)||^2; 0 disables it.
        clip_value: clip every discriminator weight to [-c, c] after each
            discriminator update (WGAN); None disables it.
        ema_decay: keep an exponential moving average of the generator weights
            with this decay (e.g. 0.999); sampling and export use it. None
            disables it.
        reuse_fake_batch: the generator update reuses the fake batch of the last
            discriminator update (same noise, one generator forward pass per
            step, as in PyTorch's reference DCGAN) instead of drawing new
            noise and running the generator again. False follows Goodfellow
            et al.'s Algorithm 1 literally.
        seed: seed of the model's `keras.random.SeedGenerator` (training noise).

    Example:
        >>> model = keras_gan.models.DCGAN(image_shape=(28, 28, 1))
        >>> model.compile()  # the family's default optimizers and loss
        >>> model.fit(keras_gan.data.load("mnist"), epochs=5)
        >>> images = model.generate(seeds=[1, 2, 3])  # [3, 28, 28, 1] in [-1, 1]
    """

    def __init__(
        self,
        generator,
        discriminator=None,
        d_steps=1,
        label_smoothing=0.0,
        gradient_penalty_weight=0.0,
        r1_weight=0.0,
        clip_value=None,
        ema_decay=None,
        reuse_fake_batch=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if not isinstance(generator, keras.Model):
            raise TypeError(f"generator must be a keras.Model; got {type(generator).__name__}.")
        if discriminator is not None and not isinstance(discriminator, keras.Model):
            raise TypeError(
                f"discriminator must be a keras.Model or None; got {type(discriminator).__name__}."
            )
        if isinstance(d_steps, bool) or not isinstance(d_steps, (int, np.integer)) or d_steps < 1:
            raise ValueError(
                "d_steps must be an integer >= 1 (discriminator updates per generator "
                f"update); got {d_steps!r}."
            )
        if not 0.0 <= float(label_smoothing) < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1); got {label_smoothing!r}.")
        if gradient_penalty_weight < 0 or r1_weight < 0:
            raise ValueError("Penalty weights must be >= 0.")
        if clip_value is not None and clip_value <= 0:
            raise ValueError(f"clip_value must be positive or None; got {clip_value!r}.")
        if ema_decay is not None and not 0.0 < float(ema_decay) < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1) or None; got {ema_decay!r}.")
        self.generator = generator
        self.discriminator = discriminator
        self.d_steps = int(d_steps)
        self.label_smoothing = float(label_smoothing)
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.r1_weight = float(r1_weight)
        self.clip_value = None if clip_value is None else float(clip_value)
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        self.reuse_fake_batch = bool(reuse_fake_batch)
        # Derived from the networks: the size of z and the shape of one sample.
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.data_shape = tuple(int(d) for d in generator.outputs[0].shape[1:])
        if self.ema_decay is not None:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.name = f"ema_{generator.name}"
            self.ema_generator.set_weights(generator.get_weights())
        else:
            self.ema_generator = None

    @property
    def sampling_generator(self):
        """The generator that sampling and export use (the EMA copy when enabled)."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def check_compile(self, loss_pair):
        if self.label_smoothing and not loss_pair.supports_label_smoothing:
            raise ValueError(
                f"label_smoothing={self.label_smoothing} does not apply to the "
                f"{loss_pair.name!r} loss; use 'minimax', 'non_saturating' or 'least_squares'."
            )

    def metric_names(self):
        if self.discriminator is None:
            return ["g_loss"]
        names = ["d_loss", "g_loss", "d_real", "d_fake"]
        if self.loss_pair.decision_threshold is not None:
            names.append("d_acc")
        if self.loss_pair.name == "wasserstein":
            names.append("w_distance")
        if self.gradient_penalty_weight:
            names.append("gp")
        if self.r1_weight:
            names.append("r1")
        return names

    def sample_latent(self, batch_size):
        """z ~ N(0, I) of shape [batch_size, latent_dim] from the model's SeedGenerator."""
        return self.random("normal", batch_size, (self.latent_dim,))

    # --- hooks for conditional families ------------------------------------------

    def sample_fake_conditions(self, cond, batch_size):
        """Conditions for generated samples in a training step (default: the real ones)."""
        return cond

    def generator_inputs(self, z, cond):
        return z if cond is None else [z, cond]

    def discriminate(self, x, cond, training=False):
        return self.discriminator(x if cond is None else [x, cond], training=training)

    # --- data-dependent layers ----------------------------------------------------

    def _standardize_layers(self):
        from keras_gan.networks.common import Standardize

        nets = [getattr(self, key) for key in self.network_keys]
        return [
            layer
            for net in nets
            if net is not None
            for layer in walk_layers(net)
            if isinstance(layer, Standardize)
        ]

    def adapt(self, data, max_batches=100):
        """Fill input-standardisation layers with the mean and std of real samples.

        Keras's preprocessing convention (like `Normalization.adapt`). `fit`
        calls it on its first run when a layer has not been adapted yet.

        Args:
            data: a `tf.data.Dataset` of samples or (samples, labels) batches,
                or an array of samples.
            max_batches: how many batches of a dataset to read.
        """
        layers = self._standardize_layers()
        if not layers:
            return
        if is_tf_dataset(data) or isinstance(data, keras.utils.PyDataset):
            batches = (
                data.take(max_batches)
                if is_tf_dataset(data)
                else (data[i] for i in range(min(max_batches, data.num_batches or max_batches)))
            )
            parts = []
            for batch in batches:
                x, _, _ = keras.utils.unpack_x_y_sample_weight(batch)
                parts.append(np.asarray(x))
            if not parts:
                raise ValueError("adapt() got an empty dataset.")
            samples = np.concatenate(parts)
        elif isinstance(data, np.ndarray) or ops.is_tensor(data):
            samples = np.asarray(keras.ops.convert_to_numpy(data))
        else:
            raise TypeError(
                f"{type(self).__name__} standardises its discriminator's input with the real "
                f"data's statistics; call model.adapt(samples) with a tf.data.Dataset or an "
                f"array before fit (got {type(data).__name__})."
            )
        flat = samples.reshape(len(samples), -1).astype("float64")
        mean, std = flat.mean(axis=0), np.maximum(flat.std(axis=0), 1e-3)
        for layer in layers:
            layer.set_statistics(mean, std)

    def fit(self, x=None, *args, **kwargs):
        if is_empty_dataset(x):
            return super().fit(x, *args, **kwargs)  # the core's clear error
        if any(not layer.is_adapted for layer in self._standardize_layers()):
            self.adapt(x)
        return super().fit(x, *args, **kwargs)

    # --- the step ---------------------------------------------------------------

    @property
    def discriminator_is_batch_dependent(self):
        """True when a sample's logit depends on the rest of its batch.

        Batch norm and the minibatch standard-deviation layer do that.
        """
        if self.discriminator is None:
            return False
        return any(
            isinstance(layer, keras.layers.BatchNormalization)
            or getattr(layer, "batch_dependent", False)
            for layer in walk_layers(self.discriminator)
        )

    def discriminate_pair(self, real, fake, cond, fake_cond):
        """(real logits, fake logits), in one discriminator call where that is exact.

        When the discriminator is batch dependent (batch norm, minibatch
        standard deviation), real and fake batches go through separate calls, as
        in the DCGAN reference: a mixed batch would give the discriminator other
        statistics than the fake-only batch of the generator step, and the
        generator could win by batch statistics alone.
        """
        if self.discriminator_is_batch_dependent:
            return (
                self.discriminate(real, cond, training=True),
                self.discriminate(fake, fake_cond, training=True),
            )
        batch = ops.shape(real)[0]
        # real batches are float32; a mixed-precision generator's are float16/bfloat16
        both = ops.concatenate([real, ops.cast(fake, real.dtype)], axis=0)
        both_cond = None if cond is None else ops.concatenate([cond, fake_cond], axis=0)
        out = self.discriminate(both, both_cond, training=True)
        return (
            keras.tree.map_structure(lambda t: t[:batch], out),
            keras.tree.map_structure(lambda t: t[batch:], out),
        )

    def adversarial_logits(self, outputs):
        """The real/fake logits among the discriminator's outputs (AC-GAN has two heads)."""
        return outputs

    def extra_discriminator_terms(self, real, real_out, fake_out, cond, fake_cond):
        """(per-example loss to add to d_loss or None, dict of logged terms).

        ``real`` is the real batch, ``real_out`` / ``fake_out`` the
        discriminator's outputs on the real and the generated batch.
        """
        return None, {}

    def extra_generator_terms(self, fake_out, fake_cond):
        """(per-example loss to add to g_loss or None, dict of logged terms)."""
        return None, {}

    def discriminator_losses(self, real, fake, cond, fake_cond):
        """Per-example discriminator terms; "d_loss" is what gets minimised."""
        batch = ops.shape(real)[0]
        real_out, fake_out = self.discriminate_pair(real, fake, cond, fake_cond)
        real_logits, fake_logits = (
            self.adversarial_logits(real_out),
            self.adversarial_logits(fake_out),
        )
        d_loss = self.loss_pair.discriminator(real_logits, fake_logits, self.label_smoothing)
        out = {
            "d_real": losses_lib.per_example(real_logits),
            "d_fake": losses_lib.per_example(fake_logits),
        }
        if self.loss_pair.name == "wasserstein":
            # The critic's estimate of the Wasserstein-1 distance (Arjovsky et al. 2017).
            out["w_distance"] = out["d_real"] - out["d_fake"]
        threshold = self.loss_pair.decision_threshold
        if threshold is not None:
            correct_real = ops.cast(out["d_real"] > threshold, "float32")
            correct_fake = ops.cast(out["d_fake"] < threshold, "float32")
            out["d_acc"] = 0.5 * (correct_real + correct_fake)

        def critic(x):
            return self.adversarial_logits(self.discriminate(x, cond, training=True))

        if self.gradient_penalty_weight:
            alpha = self.random("uniform", batch)
            gp = penalties.gradient_penalty(critic, real, fake, alpha)
            out["gp"] = gp
            d_loss = d_loss + self.gradient_penalty_weight * gp
        if self.r1_weight:
            r1 = penalties.r1_penalty(critic, real)
            out["r1"] = r1
            d_loss = d_loss + 0.5 * self.r1_weight * r1
        extra, logs = self.extra_discriminator_terms(real, real_out, fake_out, cond, fake_cond)
        if extra is not None:
            d_loss = d_loss + extra
        out.update(logs)
        out["d_loss"] = d_loss
        return out

    def generator_losses(self, fake, fake_cond, real, cond):
        """Per-example generator terms; "g_loss" is what gets minimised."""
        fake_out = self.discriminate(fake, fake_cond, training=True)
        g_loss = self.loss_pair.generator(self.adversarial_logits(fake_out))
        extra, logs = self.extra_generator_terms(fake_out, fake_cond)
        if extra is not None:
            g_loss = g_loss + extra
        return {**logs, "g_loss": g_loss}

    def train_step(self, data):
        """One adversarial step: ``d_steps`` discriminator updates, then one generator update.

        Goodfellow et al. 2014, Algorithm 1. The losses are the family's
        (`discriminator_losses`, `generator_losses`); ``self.minimize`` turns
        per-example terms into an optimizer update on every backend.
        """
        real, cond = self.unpack_batch(data)
        batch = ops.shape(real)[0]
        logs, kept = {}, None

        def fake_batch():
            """A generator forward pass on fresh noise, and the conditions it was given."""
            z = self.sample_latent(batch)
            fake_cond = self.sample_fake_conditions(cond, batch)
            return lambda: self.generator(self.generator_inputs(z, fake_cond), training=True), (
                fake_cond
            )

        # 1. The discriminator (critic): real batch against a fake one it cannot
        #    differentiate through (no gradient reaches the generator here).
        for i in range(self.d_steps if self.discriminator is not None else 0):
            forward, fake_cond = fake_batch()
            if self.reuse_fake_batch and i == self.d_steps - 1:
                # keep this pass for the generator update (one generator pass per step)
                kept = (backend.record(forward), fake_cond)
                fake = ops.stop_gradient(kept[0].output)
            else:
                fake = ops.stop_gradient(forward())
            logs = self.minimize(
                lambda fake=fake, fake_cond=fake_cond: self.discriminator_losses(
                    real, fake, cond, fake_cond
                ),
                "d",
            )
            if self.clip_value is not None:  # WGAN's weight clipping
                penalties.clip_weights(self.discriminator_variables(), self.clip_value)

        # 2. The generator: new noise (or the kept pass), scored by the updated discriminator.
        if kept is None:
            forward, fake_cond = fake_batch()
            recorded = None
        else:
            (recorded, fake_cond), forward = kept, None

        def generator_terms():
            fake = forward() if recorded is None else recorded.value()
            return self.generator_losses(fake, fake_cond, real, cond)

        logs = {**logs, **self.minimize(generator_terms, "g", recorded=recorded)}

        # 3. The moving average of the generator's weights, if enabled.
        self._update_ema()
        return self.update_trackers(logs)

    def test_step(self, data):
        # `evaluate` reports the losses on held-out data without updating anything.
        real, cond = self.unpack_batch(data)
        batch = ops.shape(real)[0]
        z = self.sample_latent(batch)
        fake_cond = self.sample_fake_conditions(cond, batch)
        fake = self.generator(self.generator_inputs(z, fake_cond), training=False)
        logs = {}
        if self.discriminator is not None:
            logs = self.discriminator_losses(real, fake, cond, fake_cond)
        logs.update(self.generator_losses(fake, fake_cond, real, cond))
        return self.update_trackers(logs)

    # --- EMA ------------------------------------------------------------------------

    def _update_ema(self):
        if self.ema_generator is None:
            return
        # Warm-up as in tf.train.ExponentialMovingAverage(num_updates=...):
        # the decay grows from 0.1 towards ema_decay over the first steps.
        t = ops.cast(self.g_optimizer.iterations, "float32")
        decay = ops.minimum(self.ema_decay, (1.0 + t) / (10.0 + t))
        for ema_v, v in zip(
            self.ema_generator.trainable_variables, self.generator.trainable_variables
        ):
            ema_v.assign(decay * ema_v + (1.0 - decay) * ops.cast(v, ema_v.dtype))
        for ema_v, v in zip(
            self.ema_generator.non_trainable_variables, self.generator.non_trainable_variables
        ):
            ema_v.assign(v)

    # --- sampling ---------------------------------------------------------------------

    def call(self, inputs, training=False):
        """The generator's forward pass (EMA weights when enabled), so `predict` works."""
        return self.sampling_generator(inputs, training=training)

    # --- sampling hooks ----------------------------------------------------------

    def prepare_conditions(self, conditions, num_samples):
        """Validate user-given conditions for `generate`; unconditional models take none."""
        if conditions is not None:
            raise ValueError(f"{type(self).__name__} is unconditional; it takes no conditions.")
        return None

    def generate(self, num_samples=None, seeds=None, conditions=None, seed=None, batch_size=256):
        """Generate samples in [-1, 1] (images) as a numpy array.

        Args:
            num_samples: how many samples (random seeds drawn from ``seed``).
            seeds: one integer seed per sample; a seed always gives the same
                sample, whatever else is in the batch.
            conditions: per-sample conditions for conditional models.
            seed: seed for drawing the per-sample seeds when ``seeds`` is None.
            batch_size: samples per generator call.

        Returns:
            numpy float32 array [num_samples, *data_shape].
        """
        seeds = resolve_seeds(num_samples, seeds, seed)
        conds = self.prepare_conditions(conditions, len(seeds))
        out = []
        for i in range(0, len(seeds), batch_size):
            z = ops.convert_to_tensor(latent_from_seeds(seeds[i : i + batch_size], self.latent_dim))
            c = None if conds is None else ops.convert_to_tensor(conds[i : i + batch_size])
            out.append(
                keras.ops.convert_to_numpy(
                    self.sampling_generator(self.generator_inputs(z, c), training=False)
                ).astype(np.float32)
            )
        return np.concatenate(out, axis=0)

    def preview(self, num_samples=64, seed=0):
        """Samples for progress pictures: ``(samples, images_per_row)``.

        Always the same seeds, so successive grids show the same latent points.
        Conditional families lay out one row per class; CycleGAN shows input,
        translation and reconstruction.
        """
        return self.generate(seeds=np.arange(seed, seed + num_samples)), None

    # --- export hooks (keras_gan.export) ----------------------------------------------

    def serving_inputs(self):
        """Extra signature inputs beyond seed / z: [(name, TensorSpec, example values)]."""
        return []

    def serving_condition(self, *inputs):
        """Turn the extra serving inputs into the generator's condition (in-graph)."""
        return None

    def export_networks(self):
        """The networks a SavedModel export carries (only the sampling side)."""
        return [self.sampling_generator]

    def export_metadata(self):
        return {
            "latent_dim": self.latent_dim,
            "data_shape": list(self.data_shape),
            "ema": self.ema_generator is not None,
        }

    def serving_endpoints(self):
        """``generate`` (int64 seeds) and ``from_latent`` (z), plus the family's conditions."""
        return generator_endpoints(self)

    def get_config(self):
        config = super().get_config()
        config.update(
            d_steps=self.d_steps,
            label_smoothing=self.label_smoothing,
            gradient_penalty_weight=self.gradient_penalty_weight,
            r1_weight=self.r1_weight,
            clip_value=self.clip_value,
            ema_decay=self.ema_decay,
            reuse_fake_batch=self.reuse_fake_batch,
        )
        return config
