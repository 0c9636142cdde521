"""The core every keras-gan model is built on.

`GANModel` is a `keras.Model` with what all families share, and nothing a
family would have to switch off:

- ``compile(g_optimizer=, d_optimizer=, loss=)``: one optimizer per side, the
  loss pair by name, and `get_compile_config` / `compile_from_config` so that
  a `.keras` file reloads ready to keep training;
- `keras.metrics.Mean` trackers named by `metric_names()`;
- a `keras.random.SeedGenerator` whose state is saved with the model;
- `minimize` (see `keras_gan.backend`): per-example terms -> update;
- nested networks serialised by `get_config` / `from_config`;
- hooks for export (`export_networks`, `serving_endpoints`,
  `export_metadata`), progress pictures (`preview`) and the callbacks a
  family needs in every run (`default_callbacks`).

A family subclass writes `train_step` from its losses and implements
`serving_endpoints`. Noise-to-sample families extend
`keras_gan.core.BaseGAN`; translation families (CycleGAN, pix2pix) extend
this class directly.
"""

from __future__ import annotations

import copy
import logging
import os

import keras
import numpy as np
from keras import ops

from keras_gan import backend
from keras_gan import losses as losses_lib

log = logging.getLogger("keras_gan")


def is_tf_dataset(x):
    """Whether ``x`` is a `tf.data.Dataset` (without importing TensorFlow when it is absent)."""
    import sys

    tf = sys.modules.get("tensorflow")
    return tf is not None and isinstance(x, tf.data.Dataset)


def first_batch(x):
    """The first batch of a `tf.data.Dataset` or `keras.utils.PyDataset`, or None (other input,
    or no batches)."""
    if is_tf_dataset(x) and int(x.cardinality()) != 0:
        return next(iter(x.take(1)))
    if isinstance(x, keras.utils.PyDataset) and x.num_batches != 0:
        return x[0]
    return None


def is_empty_dataset(x):
    """A `tf.data.Dataset` known to be empty, or a `keras.utils.PyDataset` of no batches."""
    if is_tf_dataset(x):
        return int(x.cardinality()) == 0
    if isinstance(x, keras.utils.PyDataset):
        return x.num_batches == 0
    return False


def walk_layers(layer, include_self=True):
    """Every layer inside ``layer`` (depth first), through public attributes only.

    Models expose their layers as ``.layers``; wrappers such as
    `keras.layers.SpectralNormalization` hold theirs as ``.layer``.
    """
    if include_self:
        yield layer
    children = list(getattr(layer, "layers", None) or [])
    wrapped = getattr(layer, "layer", None)
    if isinstance(wrapped, keras.layers.Layer):
        children.append(wrapped)
    for child in children:
        yield from walk_layers(child)


def assert_labels(labels, num_classes, where="labels"):
    """Integer labels, checked to lie in [0, num_classes) on every backend.

    A violation fails the step (or a TF Serving request) with a clear message
    instead of looking up a wrong embedding row.
    """
    return backend.assert_in_range(
        labels,
        0,
        num_classes,
        f"{where} must be in [0, {num_classes})",
        below=f"{where} must be in [0, {num_classes}); got a negative label",
        above=f"{where} must be in [0, {num_classes}); got a label >= {num_classes}",
    )


MAX_STEPS_ENV = "KERAS_GAN_MAX_STEPS"


def max_steps():
    """N from ``$KERAS_GAN_MAX_STEPS``, or None.

    A smoke run: with it set, every keras-gan `fit` (and the text encoders'
    pre-training) runs one epoch of at most N steps. The README's and the
    documentation's tests run their examples this way.
    """
    value = os.environ.get(MAX_STEPS_ENV)
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{MAX_STEPS_ENV} must be a positive integer; got {value!r}.")
    return int(value)


def _is_lost(variable):
    """Whether a variable's value is gone (donated to a JAX step that failed)."""
    try:
        value = variable.value
        return value is None or keras.ops.convert_to_numpy(value) is None
    except Exception:  # jax: "Array has been deleted"
        return True


@keras.saving.register_keras_serializable(package="keras_gan")
class GANModel(keras.Model):
    """Base of every keras-gan model.

    Args:
        seed: seed of the model's `keras.random.SeedGenerator` (training noise).
        **kwargs: `keras.Model` arguments (``name``, ``dtype``).
    """

    # The loss pair `compile` uses when given none (`keras_gan.losses`).
    default_loss = "non_saturating"
    # Attribute names of the nested networks that get_config serialises.
    network_keys = ("generator", "discriminator")
    # Which networks each optimizer updates.
    generator_keys = ("generator",)
    discriminator_keys = ("discriminator",)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A family writes an ordinary imperative train_step(data); on JAX,
        # Keras calls train_step(state, data) and wants (logs, state) back.
        # `backend.portable_step` makes the one definition serve every backend.
        for name, training in (("train_step", True), ("test_step", False)):
            if name in cls.__dict__:
                setattr(cls, name, backend.portable_step(cls.__dict__[name], training))

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.g_optimizer = None
        self.d_optimizer = None
        self.loss_name = None
        self.loss_pair = None
        self._trackers = {}
        self._compile_args = None
        # Where the model came from ({"preset", "dataset", "data"}): set by
        # keras_gan.zoo.load and from_preset, recorded by export.
        self.source = {}
        # The networks are functional models, built at construction.
        self.built = True

    # --- networks -------------------------------------------------------------

    def _variables(self, keys):
        return [
            v
            for k in keys
            if getattr(self, k) is not None
            for v in getattr(self, k).trainable_variables
        ]

    def generator_variables(self):
        """The variables `g_optimizer` updates."""
        return self._variables(self.generator_keys)

    def discriminator_variables(self):
        """The variables `d_optimizer` updates."""
        return self._variables(self.discriminator_keys)

    # --- compile --------------------------------------------------------------

    def default_optimizers(self):
        """(generator optimizer, discriminator optimizer) when compile gets none."""
        return (
            keras.optimizers.Adam(2e-4, beta_1=0.5),
            keras.optimizers.Adam(2e-4, beta_1=0.5),
        )

    def xla_support(self):
        """(True, "") or (False, reason) for XLA compilation of `train_step`."""
        for layer in walk_layers(self):
            if not getattr(layer, "supports_jit", True):
                return False, f"layer {layer.name!r} ({type(layer).__name__}) does not support XLA"
        return True, ""

    def _resolve_jit(self, jit_compile):
        """ "auto" -> XLA where the model supports it and it pays off.

        Measured on the project's 2-core CPU machine (tools/benchmark.py, README),
        XLA made the convolutional models slower than TensorFlow's oneDNN
        kernels, so on machines without an accelerator "auto" trains without
        XLA, as Keras itself does. ``jit_compile=True`` forces it.
        """
        ok, reason = self.xla_support()
        if jit_compile != "auto":
            if jit_compile and not ok:
                raise ValueError(f"jit_compile=True is not possible: {reason}.")
            return bool(jit_compile)
        if not ok:
            log.warning("%s: training without XLA because %s.", type(self).__name__, reason)
            return False
        if keras.backend.backend() == "jax":
            # XLA is how JAX runs at all; jit_compile=False means op-by-op.
            return True
        if keras.backend.backend() != "tensorflow":
            return False
        import tensorflow as tf

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

    def check_compile(self, loss_pair):
        """Reject a loss that does not fit the model's settings (families extend this)."""

    def compile(self, g_optimizer=None, d_optimizer=None, loss=None, jit_compile="auto", **kwargs):
        """Configure training.

        Args:
            g_optimizer: optimizer (instance, name or config) for the generator side.
            d_optimizer: optimizer for the discriminator side.
            loss: name of a loss pair (`keras_gan.losses.list_losses()`);
                defaults to the family's ``default_loss``.
            jit_compile: "auto" (XLA where the model allows it and it pays), True or False.
            **kwargs: passed to `keras.Model.compile` (e.g. ``steps_per_execution``,
                ``run_eagerly``).
        """
        if "optimizer" in kwargs:
            raise TypeError(
                f"{type(self).__name__}.compile takes g_optimizer= and d_optimizer= "
                "(one optimizer per network), not optimizer=."
            )
        loss_pair = losses_lib.get(loss if loss is not None else self.default_loss)
        self.check_compile(loss_pair)
        default_g, default_d = self.default_optimizers()
        g_opt = keras.optimizers.get(g_optimizer) if g_optimizer is not None else default_g
        d_opt = keras.optimizers.get(d_optimizer) if d_optimizer is not None else default_d
        if g_opt is d_opt:
            raise ValueError("g_optimizer and d_optimizer must be two different optimizer objects.")
        if "mixed_float16" in (self.dtype_policy.name, keras.config.dtype_policy().name):
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
        if g_opt.name == d_opt.name:
            # distinct names, so that per-optimizer logs (learning_rate_<name>) do not collide
            g_opt.name, d_opt.name = f"g_{g_opt.name}", f"d_{d_opt.name}"
        # What Keras's trainers and callbacks treat as the model's optimizer (both sides).
        self.optimizer = backend.OptimizerPair(
            g_opt, d_opt, self.generator_variables, self.discriminator_variables
        )
        # Build optimizer state now so that `load_model` can restore it.
        self.g_optimizer.build(self.generator_variables())
        if self.discriminator_variables():
            self.d_optimizer.build(self.discriminator_variables())
        self.base_learning_rates = tuple(
            float(keras.ops.convert_to_numpy(o.learning_rate)) for o in (g_opt, d_opt)
        )
        # "loss" (Keras's name for the total) is g_loss + d_loss: not a quantity to
        # read, but NaN or inf whenever either side is, which is what TerminateOnNaN
        # and the callbacks' default monitors look for.
        names = ["loss", *(n for n in self.metric_names() if n != "loss")]
        self._trackers = {name: keras.metrics.Mean(name=name) for name in names}
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

    def _check_compiled(self, what):
        if self.loss_pair is None:
            raise RuntimeError(
                f"{type(self).__name__} must be compiled before {what}: call model.compile() "
                "(or load it with keras_gan.zoo.load, which compiles it)."
            )

    # --- metrics --------------------------------------------------------------

    def metric_names(self):
        """Names of the `keras.metrics.Mean` trackers `train_step` reports."""
        return []

    @property
    def metrics(self):
        return list(getattr(self, "_trackers", {}).values())

    def update_trackers(self, logs):
        """Feed per-example terms to the trackers; return ``{name: result}`` for `fit`."""
        sides = [ops.mean(ops.cast(logs[k], "float32")) for k in ("g_loss", "d_loss") if k in logs]
        if sides and "loss" not in logs:
            logs = {**logs, "loss": sum(sides[1:], sides[0])}
        for name, tracker in self._trackers.items():
            if name in logs:
                tracker.update_state(ops.mean(ops.cast(logs[name], "float32")))
        results = {m.name: m.result() for m in self.metrics}
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
                # Keras 3 reduces per-replica logs under multi-worker strategies with
                # strategy.reduce("MEAN", v, axis=0), which needs a batch axis.
                results = {k: tf.reshape(v, [1]) for k, v in results.items()}
        return results

    # --- steps ----------------------------------------------------------------

    def minimize(self, terms_fn, side, loss_key=None, recorded=None):
        """Differentiate ``terms_fn()[loss_key]`` and update one side ("g" or "d").

        ``recorded``: a `keras_gan.backend.record`-ed forward pass that
        ``terms_fn`` reads; the gradient flows back through it.
        """
        if side == "g":
            return backend.minimize(
                terms_fn,
                self.generator_variables(),
                self.g_optimizer,
                loss_key or "g_loss",
                recorded=recorded,
            )
        return backend.minimize(
            terms_fn,
            self.discriminator_variables(),
            self.d_optimizer,
            loss_key or "d_loss",
            recorded=recorded,
        )

    def random(self, kind, batch_size, tail=()):
        """Noise for this replica's part of the global batch ("normal" or "uniform").

        Every replica draws the global batch from the same seed and keeps its
        own slice, so a run on N devices sees the same noise as a run with the
        same global batch on one device.
        """
        n, rid = backend.replica_info()
        shape = (batch_size * n, *tail)
        if kind == "normal":
            full = keras.random.normal(shape, seed=self.seed_generator)
        else:
            full = keras.random.uniform(shape, seed=self.seed_generator)
        if n == 1:
            return full
        return full[rid * batch_size : (rid + 1) * batch_size]

    def check_conditions(self, y):
        """Validate and return what a batch carries beside its samples (None: nothing)."""
        return None

    def unpack_batch(self, data):
        """(samples, conditions) of a batch from `fit`, both validated."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        return self.check_samples(x), self.check_conditions(y)

    def check_samples(self, x, shape=None, what="samples"):
        """Fail at trace time, with what was expected, on a batch the model cannot use."""
        if isinstance(x, (dict, list, tuple)):
            raise ValueError(
                f"{type(self).__name__} expects batches of samples (or (samples, labels) "
                f"pairs); got a {type(x).__name__}."
            )
        x = ops.convert_to_tensor(x)
        dtype = keras.backend.standardize_dtype(x.dtype)
        if not dtype.startswith(("float", "bfloat")):
            raise TypeError(
                f"{type(self).__name__} expects float images scaled to [-1, 1]; the dataset "
                f"yields {dtype}. Use keras_gan.data.load(...) or map "
                "keras_gan.data.to_float over your dataset (x / 127.5 - 1)."
            )
        want = tuple(shape if shape is not None else self.data_shape)
        got = tuple(x.shape[1:])
        if len(got) != len(want) or any(g is not None and g != w for g, w in zip(got, want)):
            raise ValueError(
                f"{type(self).__name__} generates {what} of shape {want} but the dataset "
                f"yields batches of shape {tuple(x.shape)} (samples of shape {got}). Build the "
                f"model for this data (e.g. image_shape={got}) or resize the data "
                "(keras_gan.data.load(..., image_size=...))."
            )
        return ops.cast(x, "float32")

    def image_batch(self, images, shape):
        """User images -> float32 numpy [N, *shape] in [-1, 1], validated.

        Takes uint8 images in [0, 255] or floats in [-1, 1], one image or a
        batch, with or without the trailing channel axis of grey images.
        """
        shape = tuple(shape)
        x = np.asarray(keras.ops.convert_to_numpy(images))
        if x.ndim == len(shape) - 1 and shape[-1] == 1:
            x = x[..., None]
        if x.ndim == len(shape):
            x = x[None]
        if tuple(x.shape[1:]) != shape:
            raise ValueError(
                f"{type(self).__name__} translates images of shape {shape}; got a batch of shape "
                f"{tuple(x.shape)}. Resize the images (keras_gan.data.resize_images) first."
            )
        if x.dtype == np.uint8:
            return x.astype(np.float32) / 127.5 - 1.0
        x = x.astype(np.float32)
        if x.size and (x.min() < -1.001 or x.max() > 1.001):
            raise ValueError(
                "Float images must be scaled to [-1, 1] (or pass uint8 images in [0, 255]); "
                f"got values in [{x.min():.3g}, {x.max():.3g}]."
            )
        return x

    @staticmethod
    def predict_batches(network, x, batch_size=256):
        """``network(x, training=False)`` in batches, as float32 numpy."""
        out = [
            keras.ops.convert_to_numpy(network(x[i : i + batch_size], training=False))
            for i in range(0, len(x), batch_size)
        ]
        return np.concatenate(out).astype(np.float32) if out else x[:0]

    def fit(self, x=None, *args, **kwargs):
        if is_empty_dataset(x):
            raise ValueError("The dataset passed to fit() is empty: there is nothing to train on.")
        cap = max_steps()
        if cap is not None:
            start = int(kwargs.get("initial_epoch", 0))
            kwargs["epochs"] = min(int(kwargs.get("epochs", 1)), start + 1)
            kwargs["steps_per_epoch"] = min(int(kwargs.get("steps_per_epoch") or cap), cap)
            log.warning("%s=%d: a smoke run of %d step(s).", MAX_STEPS_ENV, cap, cap)
        history = self._fit(x, *args, **kwargs)
        # What Keras's trainers do for a single optimizer: `use_ema=True` swaps the
        # moving averages into the variables when fit ends (each side its own).
        if self.optimizer is not None and history.epoch:
            self.optimizer.finalize_variable_values()
        return history

    def _fit(self, x=None, *args, **kwargs):
        if backend.name() != "jax":
            return super().fit(x, *args, **kwargs)
        # Keras's JAX trainer detaches the variables' values while it trains and
        # donates them to each step; a step that fails (an out-of-range label)
        # would leave the model without weights. Keep the start of this fit.
        variables = list(
            {
                id(v): v
                for v in self.variables
                + list(getattr(self.optimizer, "variables", []))
                + self.metrics_variables
            }.values()
        )
        start = [keras.ops.copy(v.value) for v in variables]
        try:
            return super().fit(x, *args, **kwargs)
        except Exception:
            lost = any(_is_lost(v) for v in variables)
            if lost:  # the last completed step's state was donated too: back to the start
                for v, value in zip(variables, start):
                    v.assign(value)
                log.warning("fit() failed; the model's variables are as they were before it.")
            raise

    # --- hooks ----------------------------------------------------------------

    def preview(self, num_samples=64, seed=0):
        """Samples for progress pictures: ``(samples, images_per_row)``."""
        raise NotImplementedError(f"{type(self).__name__} defines no preview().")

    def default_callbacks(self, epochs=None):
        """Callbacks a family needs in every run of ``epochs`` epochs (e.g. a schedule)."""
        return []

    def export_networks(self):
        """The networks a SavedModel export carries (only the inference side)."""
        return [self.generator]

    def serving_endpoints(self):
        """``{name: (fn, input_signature, example_inputs)}`` for `keras_gan.export`."""
        raise NotImplementedError(f"{type(self).__name__} defines no serving_endpoints().")

    def export_metadata(self):
        """JSON-able facts written beside an export (``assets.extra/keras_gan.json``)."""
        return {"data_shape": list(self.data_shape)}

    # --- saving ---------------------------------------------------------------

    @classmethod
    def from_preset(cls, preset, compile=True):
        """The trained model of a preset: a zoo name (``"dcgan_mnist"``) or a local folder.

        keras-hub's convention: the folder holds ``config.json``,
        ``model.weights.h5`` and ``metadata.json``; every file is checked
        against its SHA-256 before loading. The model comes back compiled with
        the optimizers and loss it was trained with (fresh optimizer state).

        Example:
            >>> model = keras_gan.models.DCGAN.from_preset("dcgan_mnist")
            >>> images = model.generate(seeds=[1, 2, 3])

        Raises:
            keras_gan.core.pretrained.PresetError: an unknown name (the message
                lists the presets with weights), a damaged file (named), or a
                preset of another class (the message names the class to use).
        """
        from keras_gan.core import pretrained

        return pretrained.load(preset, cls=None if cls is GANModel else cls, compile=compile)

    def save_to_preset(self, folder, metadata=None):
        """Write the model as a preset folder that `from_preset` loads.

        The folder gets ``config.json``, ``model.weights.h5`` (every network,
        no optimizer state) and ``metadata.json`` (versions, parameter counts,
        hashes, ``metadata``).
        """
        from keras_gan.core import pretrained

        return pretrained.save(self, folder, metadata=metadata)

    _SEED_KEY = "seed_generator_state"

    def _layer_seed_generators(self):
        """SeedGenerators inside the networks (e.g. Dropout's), in a fixed order."""
        found = []
        for key in self.network_keys + ("ema_generator",):
            net = getattr(self, key, None)
            for layer in walk_layers(net) if net is not None else ():
                gen = getattr(layer, "seed_generator", None)
                if isinstance(gen, keras.random.SeedGenerator) and all(gen is not g for g in found):
                    found.append(gen)
        return found

    def save_own_variables(self, store):
        super().save_own_variables(store)
        # Keras does not save SeedGenerator states; training noise (the model's and
        # the layers', e.g. dropout) must resume too.
        store[self._SEED_KEY] = self.seed_generator.state
        for i, gen in enumerate(self._layer_seed_generators()):
            store[f"{self._SEED_KEY}_{i}"] = gen.state

    def load_own_variables(self, store):
        keys = list(store.keys())
        if self._SEED_KEY in keys:
            self.seed_generator.state.assign(np.asarray(store[self._SEED_KEY]))
        for i, gen in enumerate(self._layer_seed_generators()):
            if f"{self._SEED_KEY}_{i}" in keys:
                gen.state.assign(np.asarray(store[f"{self._SEED_KEY}_{i}"]))
        super().load_own_variables({k: store[k] for k in keys if not k.startswith(self._SEED_KEY)})

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        if self.dtype_policy.name != keras.config.dtype_policy().name:
            config["dtype"] = keras.dtype_policies.serialize(self.dtype_policy)
        for key in self.network_keys:
            net = getattr(self, key)
            config[key] = None if net is None else keras.layers.serialize(net)
        config["seed"] = self.seed
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
