"""The GAN base class every family extends.

`BaseGAN` is a `keras.Model` whose `train_step` runs one adversarial step:
``d_steps`` discriminator updates, then one generator update (Goodfellow et al.
2014, Algorithm 1). It is trained with plain `fit`, saved with `save`, reloaded
with `keras.models.load_model`, and keeps training where it stopped.

A family is a `train_step` that wires networks, losses and penalties together:
it overrides the hooks below rather than re-implementing the loop.

- `discriminator_losses(real, fake, cond, fake_cond)` -> dict of per-example terms
- `generator_losses(fake, fake_cond, real, cond)` -> dict of per-example terms
- `discriminate(x, cond, training)`, `generator_inputs(z, cond)`,
  `sample_fake_conditions(cond, batch_size)`, `check_conditions(y)`
- `metric_names()` -> the trackers the step reports
"""

from __future__ import annotations

import copy
import logging

import keras
import numpy as np
import tensorflow as tf

from keras_gan import losses as losses_lib
from keras_gan import penalties

log = logging.getLogger("keras_gan")

# Second word of every per-sample stateless seed; bump it to change all samples.
LATENT_SEED_SALT = 0


def latent_from_seeds(seeds, latent_dim):
    """One latent vector per integer seed: z_i ~ N(0, I) from a stateless Philox draw.

    The same seed gives the same z on every machine and in every batch, which
    is what makes an exported generator's output for a seed independent of the
    other requests TF Serving batches it with.

    Args:
        seeds: int tensor or array of shape [batch].
        latent_dim: size of each z.

    Returns:
        float32 tensor [batch, latent_dim].
    """
    return _latent_from_seeds(tf.reshape(tf.cast(seeds, tf.int64), [-1]), int(latent_dim))


@tf.function(reduce_retracing=True)
def _latent_from_seeds(seeds, latent_dim):
    # A graph loop: eager map_fn would run one Python call per seed.
    salt = tf.constant(LATENT_SEED_SALT, tf.int64)

    def one(s):
        return tf.random.stateless_normal(
            [latent_dim], seed=tf.stack([s, salt]), dtype=tf.float32, alg="philox"
        )

    return tf.map_fn(one, seeds, fn_output_signature=tf.TensorSpec([latent_dim], tf.float32))


def _replica_info():
    ctx = tf.distribute.get_replica_context()
    if ctx is None:  # cross-replica context
        return 1, 0
    return ctx.num_replicas_in_sync, ctx.replica_id_in_sync_group


def scale_for_distribution(loss):
    """Divide a per-replica mean loss by the number of replicas.

    The optimizers sum gradients over replicas, so this gives the gradient of
    the mean over the global batch, as on one device.
    """
    n, _ = _replica_info()
    return loss / tf.cast(n, loss.dtype) if n > 1 else loss


@keras.saving.register_keras_serializable(package="keras_gan")
class BaseGAN(keras.Model):
    """Base class of every GAN in the zoo.

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
        seed: seed of the model's `keras.random.SeedGenerator` (training noise).

    Example:
        >>> model = keras_gan.models.DCGAN(image_shape=(28, 28, 1))
        >>> model.compile()  # the family's default optimizers and loss
        >>> model.fit(keras_gan.data.load("mnist"), epochs=5)
        >>> images = model.generate(seeds=[1, 2, 3])  # [3, 28, 28, 1] in [-1, 1]
    """

    default_loss = "non_saturating"
    # Attribute names of the nested networks that get_config serialises.
    network_keys = ("generator", "discriminator")

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
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
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
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        if self.ema_decay is not None:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.name = f"ema_{generator.name}"
            self.ema_generator.set_weights(generator.get_weights())
        else:
            self.ema_generator = None
        self.g_optimizer = None
        self.d_optimizer = None
        self.loss_name = None
        self._trackers = {}
        self._compile_args = None
        # The networks are functional models, built at construction.
        self.built = True

    # --- shapes ---------------------------------------------------------------

    @property
    def latent_dim(self) -> int:
        return int(self.generator.inputs[0].shape[-1])

    @property
    def data_shape(self) -> tuple:
        """Shape of one generated sample, e.g. (28, 28, 1)."""
        return tuple(int(d) for d in self.generator.outputs[0].shape[1:])

    @property
    def sampling_generator(self):
        """The generator that sampling and export use (the EMA copy when enabled)."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    # --- compile --------------------------------------------------------------

    def default_optimizers(self):
        """(generator optimizer, discriminator optimizer) when compile gets none."""
        return (
            keras.optimizers.Adam(2e-4, beta_1=0.5),
            keras.optimizers.Adam(2e-4, beta_1=0.5),
        )

    def xla_support(self):
        """(True, "") or (False, reason) for XLA compilation of `train_step`."""
        for layer in self._flatten_layers():
            if not getattr(layer, "supports_jit", True):
                return False, f"layer {layer.name!r} ({type(layer).__name__}) does not support XLA"
        return True, ""

    def _resolve_jit(self, jit_compile):
        """ "auto" -> XLA where the model supports it and it pays off.

        Measured on the project's 2-core CPU machine (tools/benchmark.py, README),
        XLA made the convolutional models about 2x slower than TensorFlow's
        oneDNN kernels, so on machines without an accelerator "auto" trains
        without XLA, as Keras itself does. ``jit_compile=True`` forces it.
        """
        if jit_compile != "auto":
            if jit_compile:
                ok, reason = self.xla_support()
                if not ok:
                    raise ValueError(f"jit_compile=True is not possible: {reason}.")
            return bool(jit_compile)
        ok, reason = self.xla_support()
        if not ok:
            log.warning("%s: training without XLA because %s.", type(self).__name__, reason)
            return False
        if tf.distribute.has_strategy():
            log.info(
                "%s: training without XLA: Keras does not XLA-compile train_step under "
                "tf.distribute by default (pass jit_compile=True to force it).",
                type(self).__name__,
            )
            return False
        if not any(d.device_type != "CPU" for d in tf.config.list_physical_devices()):
            log.info(
                "%s: training without XLA: no GPU/TPU here, and on CPU XLA was slower than "
                "TensorFlow's own kernels in the project's benchmark (pass jit_compile=True "
                "to force it).",
                type(self).__name__,
            )
            return False
        return True

    def compile(self, g_optimizer=None, d_optimizer=None, loss=None, jit_compile="auto", **kwargs):
        """Configure training.

        Args:
            g_optimizer: optimizer (instance, name or config) for the generator.
            d_optimizer: optimizer for the discriminator.
            loss: name of a loss pair (`keras_gan.losses.list_losses()`);
                defaults to the family's ``default_loss``.
            jit_compile: "auto" (XLA where the model allows it), True or False.
            **kwargs: passed to `keras.Model.compile` (e.g. ``steps_per_execution``,
                ``run_eagerly``).
        """
        if "optimizer" in kwargs:
            raise TypeError(
                f"{type(self).__name__}.compile takes g_optimizer= and d_optimizer= "
                "(one optimizer per network), not optimizer=."
            )
        loss_name = loss if loss is not None else self.default_loss
        loss_pair = losses_lib.get(loss_name)
        if self.label_smoothing and not loss_pair.supports_label_smoothing:
            raise ValueError(
                f"label_smoothing={self.label_smoothing} does not apply to the {loss_name!r} "
                "loss; use 'minimax', 'non_saturating' or 'least_squares'."
            )
        default_g, default_d = self.default_optimizers()
        g_opt = keras.optimizers.get(g_optimizer) if g_optimizer is not None else default_g
        d_opt = keras.optimizers.get(d_optimizer) if d_optimizer is not None else default_d
        if g_opt is d_opt:
            raise ValueError("g_optimizer and d_optimizer must be two different optimizer objects.")
        if (
            self.dtype_policy.name == "mixed_float16"
            or keras.config.dtype_policy().name == "mixed_float16"
        ):
            # float16 gradients underflow without loss scaling (one scale per optimizer).
            g_opt, d_opt = (
                o
                if isinstance(o, keras.optimizers.LossScaleOptimizer)
                else keras.optimizers.LossScaleOptimizer(o)
                for o in (g_opt, d_opt)
            )
        jit = self._resolve_jit(jit_compile)
        super().compile(jit_compile=jit, **kwargs)
        self.loss_name = loss_pair.name
        self.loss_pair = loss_pair
        self.g_optimizer = g_opt
        self.d_optimizer = d_opt
        # Build optimizer state now so that `load_model` can restore it.
        self.g_optimizer.build(self.generator_variables())
        if self.discriminator is not None:
            self.d_optimizer.build(self.discriminator_variables())
        self._trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names()}
        self._compile_args = {"loss": loss_pair.name, "jit_compile": jit_compile, **kwargs}

    def get_compile_config(self):
        if self._compile_args is None:
            return None
        return {
            "g_optimizer": keras.optimizers.serialize(self.g_optimizer),
            "d_optimizer": keras.optimizers.serialize(self.d_optimizer),
            **self._compile_args,
        }

    def compile_from_config(self, config):
        config = dict(config)
        config["g_optimizer"] = keras.optimizers.deserialize(config["g_optimizer"])
        config["d_optimizer"] = keras.optimizers.deserialize(config["d_optimizer"])
        self.compile(**config)

    def generator_variables(self):
        """The variables `g_optimizer` updates (CycleGAN has two generators)."""
        return self.generator.trainable_variables

    def discriminator_variables(self):
        """The variables `d_optimizer` updates."""
        return self.discriminator.trainable_variables

    # --- metrics --------------------------------------------------------------

    def metric_names(self):
        """Names of the `keras.metrics.Mean` trackers `train_step` reports."""
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

    @property
    def metrics(self):
        return list(getattr(self, "_trackers", {}).values())

    # --- randomness -------------------------------------------------------------

    def _random(self, kind, batch_size, tail=()):
        """Noise for this replica's part of the global batch.

        Every replica draws the global batch from the same seed and keeps its
        own slice, so a run on N devices sees the same noise as a run with the
        same global batch on one device.
        """
        n, rid = _replica_info()
        shape = tf.concat([[batch_size * n], tf.constant(tail, tf.int32)], axis=0)
        if kind == "normal":
            full = keras.random.normal(shape, seed=self.seed_generator)
        else:
            full = keras.random.uniform(shape, seed=self.seed_generator)
        if n == 1:
            return full
        return full[rid * batch_size : (rid + 1) * batch_size]

    def sample_latent(self, batch_size):
        """z ~ N(0, I) of shape [batch_size, latent_dim] from the model's SeedGenerator."""
        return self._random("normal", batch_size, (self.latent_dim,))

    # --- hooks for conditional families ------------------------------------------

    def check_conditions(self, y):
        """Validate and return the conditions a batch carries (None: unconditional)."""
        return None

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
            for layer in net._flatten_layers()
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
        if isinstance(data, tf.data.Dataset):
            parts = []
            for batch in data.take(max_batches):
                x, _, _ = keras.utils.unpack_x_y_sample_weight(batch)
                parts.append(np.asarray(x))
            if not parts:
                raise ValueError("adapt() got an empty dataset.")
            samples = np.concatenate(parts)
        elif isinstance(data, (np.ndarray, tf.Tensor)):
            samples = np.asarray(data)
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
        if isinstance(x, tf.data.Dataset) and int(x.cardinality()) == 0:
            raise ValueError("The dataset passed to fit() is empty: there is nothing to train on.")
        if any(not layer.is_adapted for layer in self._standardize_layers()):
            self.adapt(x)
        return super().fit(x, *args, **kwargs)

    # --- the step -----------------------------------------------------------------

    def check_samples(self, x):
        """Fail at trace time, with what was expected, on a batch the model cannot use."""
        if isinstance(x, (dict, list, tuple)):
            raise ValueError(
                f"{type(self).__name__} expects batches of samples (or (samples, labels) "
                f"pairs); got a {type(x).__name__}."
            )
        x = tf.convert_to_tensor(x)
        if not x.dtype.is_floating:
            raise TypeError(
                f"{type(self).__name__} expects float images scaled to [-1, 1]; the dataset "
                f"yields {x.dtype.name}. Use keras_gan.data.load(...) or map "
                "keras_gan.data.to_float over your dataset (x / 127.5 - 1)."
            )
        want = self.data_shape
        got = tuple(x.shape[1:])
        if len(got) != len(want) or any(g is not None and g != w for g, w in zip(got, want)):
            raise ValueError(
                f"{type(self).__name__} generates samples of shape {want} but the dataset "
                f"yields batches of shape {tuple(x.shape)} (samples of shape {got}). Build the "
                f"model for this data (e.g. image_shape={got}) or resize the data "
                "(keras_gan.data.load(..., image_size=...))."
            )
        return tf.cast(x, tf.float32)

    def unpack_batch(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        return self.check_samples(x), self.check_conditions(y)

    def _reduce(self, per_example):
        return scale_for_distribution(tf.reduce_mean(per_example))

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
            for layer in self.discriminator._flatten_layers()
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
        batch = tf.shape(real)[0]
        both = tf.concat([real, fake], axis=0)
        both_cond = None if cond is None else tf.concat([cond, fake_cond], axis=0)
        out = self.discriminate(both, both_cond, training=True)
        return (
            tf.nest.map_structure(lambda t: t[:batch], out),
            tf.nest.map_structure(lambda t: t[batch:], out),
        )

    def adversarial_logits(self, outputs):
        """The real/fake logits among the discriminator's outputs (AC-GAN has two heads)."""
        return outputs

    def extra_discriminator_terms(self, real_out, fake_out, cond, fake_cond):
        """(per-example loss to add to d_loss or None, dict of logged terms)."""
        return None, {}

    def extra_generator_terms(self, fake_out, fake_cond):
        """(per-example loss to add to g_loss or None, dict of logged terms)."""
        return None, {}

    def discriminator_losses(self, real, fake, cond, fake_cond):
        """Per-example discriminator terms; "d_loss" is what gets minimised."""
        batch = tf.shape(real)[0]
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
            correct_real = tf.cast(out["d_real"] > threshold, tf.float32)
            correct_fake = tf.cast(out["d_fake"] < threshold, tf.float32)
            out["d_acc"] = 0.5 * (correct_real + correct_fake)

        def critic(x):
            return self.adversarial_logits(self.discriminate(x, cond, training=True))

        if self.gradient_penalty_weight:
            alpha = self._random("uniform", batch)
            gp = penalties.gradient_penalty(critic, real, fake, alpha)
            out["gp"] = gp
            d_loss = d_loss + self.gradient_penalty_weight * gp
        if self.r1_weight:
            r1 = penalties.r1_penalty(critic, real)
            out["r1"] = r1
            d_loss = d_loss + 0.5 * self.r1_weight * r1
        extra, logs = self.extra_discriminator_terms(real_out, fake_out, cond, fake_cond)
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

    def _discriminator_step(self, real, cond):
        batch = tf.shape(real)[0]
        z = self.sample_latent(batch)
        fake_cond = self.sample_fake_conditions(cond, batch)
        # No gradient flows into the generator here, so it runs outside the tape.
        fake = tf.stop_gradient(self.generator(self.generator_inputs(z, fake_cond), training=True))
        d_vars = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            terms = self.discriminator_losses(real, fake, cond, fake_cond)
            loss = self._reduce(terms["d_loss"])
            scaled = self.d_optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, d_vars)
        self.d_optimizer.apply(grads, d_vars)
        if self.clip_value is not None:
            penalties.clip_weights(d_vars, self.clip_value)
        return terms

    def _generator_step(self, real, cond):
        batch = tf.shape(real)[0]
        z = self.sample_latent(batch)
        fake_cond = self.sample_fake_conditions(cond, batch)
        g_vars = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake = self.generator(self.generator_inputs(z, fake_cond), training=True)
            terms = self.generator_losses(fake, fake_cond, real, cond)
            loss = self._reduce(terms["g_loss"])
            scaled = self.g_optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, g_vars)
        self.g_optimizer.apply(grads, g_vars)
        self._update_ema()
        return terms

    def train_step(self, data):
        real, cond = self.unpack_batch(data)
        logs = {}
        if self.discriminator is not None:
            for _ in range(self.d_steps):
                logs = self._discriminator_step(real, cond)
        logs = {**logs, **self._generator_step(real, cond)}
        return self._update_trackers(logs)

    def _update_trackers(self, logs):
        for name, tracker in self._trackers.items():
            if name in logs:
                tracker.update_state(tf.reduce_mean(tf.cast(logs[name], tf.float32)))
        results = {m.name: m.result() for m in self.metrics}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras 3 reduces per-replica logs under multi-worker strategies with
            # strategy.reduce("MEAN", v, axis=0), which needs a batch axis.
            results = {k: tf.reshape(v, [1]) for k, v in results.items()}
        return results

    def test_step(self, data):
        # `evaluate` reports the losses on held-out data without updating anything.
        real, cond = self.unpack_batch(data)
        batch = tf.shape(real)[0]
        z = self.sample_latent(batch)
        fake_cond = self.sample_fake_conditions(cond, batch)
        fake = self.generator(self.generator_inputs(z, fake_cond), training=False)
        logs = {}
        if self.discriminator is not None:
            logs = self.discriminator_losses(real, fake, cond, fake_cond)
        logs.update(self.generator_losses(fake, fake_cond, real, cond))
        return self._update_trackers(logs)

    # --- EMA ------------------------------------------------------------------------

    def _update_ema(self):
        if self.ema_generator is None:
            return
        # Warm-up as in tf.train.ExponentialMovingAverage(num_updates=...):
        # the decay grows from 0.1 towards ema_decay over the first steps.
        t = tf.cast(self.g_optimizer.iterations, tf.float32)
        decay = tf.minimum(self.ema_decay, (1.0 + t) / (10.0 + t))
        for ema_v, v in zip(
            self.ema_generator.trainable_variables, self.generator.trainable_variables
        ):
            ema_v.assign(decay * ema_v + (1.0 - decay) * tf.cast(v, ema_v.dtype))
        for ema_v, v in zip(
            self.ema_generator.non_trainable_variables, self.generator.non_trainable_variables
        ):
            ema_v.assign(v)

    # --- sampling ---------------------------------------------------------------------

    def call(self, inputs, training=False):
        """The generator's forward pass (EMA weights when enabled), so `predict` works."""
        return self.sampling_generator(inputs, training=training)

    def _resolve_seeds(self, num_samples, seeds, seed):
        if seeds is None:
            if num_samples is None:
                raise ValueError("generate() needs num_samples or seeds.")
            if int(num_samples) < 1:
                raise ValueError(f"num_samples must be >= 1; got {num_samples}.")
            seeds = np.random.default_rng(seed).integers(0, 2**31 - 1, int(num_samples))
        seeds = np.asarray(seeds)
        if seeds.ndim != 1 or seeds.size == 0 or not np.issubdtype(seeds.dtype, np.integer):
            raise ValueError(f"seeds must be a non-empty 1-D list of integers; got {seeds!r}.")
        if num_samples is not None and int(num_samples) != len(seeds):
            raise ValueError(f"num_samples={num_samples} but {len(seeds)} seeds were given.")
        return seeds.astype(np.int64)

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
        seeds = self._resolve_seeds(num_samples, seeds, seed)
        conds = self.prepare_conditions(conditions, len(seeds))
        out = []
        for i in range(0, len(seeds), batch_size):
            z = latent_from_seeds(seeds[i : i + batch_size], self.latent_dim)
            c = None if conds is None else tf.convert_to_tensor(conds[i : i + batch_size])
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

    def default_callbacks(self, preset=None):
        """Callbacks a family needs in every run (e.g. a learning-rate schedule)."""
        return []

    # --- export hooks (keras_gan.export) ----------------------------------------------

    def export_networks(self):
        """The networks a SavedModel export carries (only the sampling side)."""
        return [self.sampling_generator]

    def serving_inputs(self):
        """Extra signature inputs beyond seed / z: [(name, TensorSpec, example values)]."""
        return []

    def serving_condition(self, *inputs):
        """Turn the extra serving inputs into the generator's condition (in-graph)."""
        return None

    def export_metadata(self):
        return {
            "latent_dim": self.latent_dim,
            "data_shape": list(self.data_shape),
            "ema": self.ema_generator is not None,
        }

    # --- saving -------------------------------------------------------------------------

    _SEED_KEY = "seed_generator_state"

    def save_own_variables(self, store):
        super().save_own_variables(store)
        # Keras does not save SeedGenerator states; training noise must resume too.
        store[self._SEED_KEY] = self.seed_generator.state

    def load_own_variables(self, store):
        keys = list(store.keys())
        if self._SEED_KEY in keys:
            self.seed_generator.state.assign(np.asarray(store[self._SEED_KEY]))
        super().load_own_variables({k: store[k] for k in keys if k != self._SEED_KEY})

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        if self.dtype_policy.name != keras.config.dtype_policy().name:
            config["dtype"] = keras.dtype_policies.serialize(self.dtype_policy)
        for key in self.network_keys:
            net = getattr(self, key)
            config[key] = None if net is None else keras.layers.serialize(net)
        config.update(
            d_steps=self.d_steps,
            label_smoothing=self.label_smoothing,
            gradient_penalty_weight=self.gradient_penalty_weight,
            r1_weight=self.r1_weight,
            clip_value=self.clip_value,
            ema_decay=self.ema_decay,
            seed=self.seed,
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # Deep copy: Keras's deserialisation consumes the nested network configs.
        config = copy.deepcopy(config)
        for key in cls.network_keys:
            if config.get(key) is not None:
                config[key] = keras.layers.deserialize(config[key], custom_objects=custom_objects)
        if "dtype" in config and isinstance(config["dtype"], dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return cls(**config)
