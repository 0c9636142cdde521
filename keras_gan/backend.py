"""Backend plumbing: the one place a loss becomes an optimizer update, on every backend.

Every family writes its losses as per-example terms with `keras.ops`;
`minimize` reduces them to the mean over this replica's batch, divides by the
number of replicas (the optimizers sum gradients across replicas, so this
gives the gradient of the mean over the global batch, as on one device),
applies the optimizer's loss scale (mixed float16), and applies the gradients.
What differs between Keras backends lives here and nowhere else:

- TensorFlow: `tf.GradientTape`; replicas from `tf.distribute`.
- PyTorch: autograd (`torch.autograd.grad` on the variables' tensors).
- JAX: `jax.value_and_grad` of a pure function. Keras's JAX trainer calls
  ``train_step(state, data)`` and expects ``(logs, new_state)``; `portable_step`
  runs a family's ordinary imperative ``train_step(data)`` inside a
  `keras.StatelessScope` that maps every variable to its value in ``state``, so
  reads, assignments (optimizer slots, batch-norm statistics, EMA weights, the
  seed generator, metrics) all stay functional. `minimize` differentiates
  ``terms_fn`` in a nested scope that maps the updated side's variables to
  traced values (and every other variable to its current value), then applies
  ``optimizer.stateless_apply``. Only public Keras API: `keras.StatelessScope`
  and its ``get_current_value``, and the state tuple of the JAX guide.

`input_gradients` gives d(sum of outputs)/d(inputs) with the graph kept for a
second derivative (gradient penalty, R1) on each backend.
"""

from __future__ import annotations

import functools

import keras
from keras import ops


def name():
    """The Keras backend this process runs: "tensorflow", "jax" or "torch"."""
    return keras.backend.backend()


def replica_info():
    """(number of replicas in sync, this replica's id); (1, 0) outside a strategy.

    Only `tf.distribute` runs one step function per replica; JAX's
    `keras.distribution.DataParallel` shards one global step (so 1, 0 there).
    """
    if name() != "tensorflow":
        return 1, 0
    import tensorflow as tf

    ctx = tf.distribute.get_replica_context()
    if ctx is None:  # cross-replica context
        return 1, 0
    return ctx.num_replicas_in_sync, ctx.replica_id_in_sync_group


def scale_for_distribution(loss):
    """Divide a per-replica mean loss by the number of replicas."""
    n, _ = replica_info()
    return loss / ops.cast(n, loss.dtype) if n > 1 else loss


def reduce_loss(per_example):
    """Mean of per-example terms, scaled for the replicas (what gets differentiated)."""
    return scale_for_distribution(ops.mean(per_example))


def stop_gradient(x):
    return ops.stop_gradient(x)


# --- precision ---------------------------------------------------------------------

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16", "auto")


def native_bfloat16(cpuinfo="/proc/cpuinfo"):
    """True where this process's accelerator or CPU computes bfloat16 natively.

    A GPU of compute capability 8.0 or more (Ampere, Hopper) or a TPU; else a
    CPU with AVX512-BF16 or AMX-BF16 (x86) or BF16 (Arm), read from the
    kernel's CPU flags. Elsewhere bfloat16 is emulated: 2-7x slower than
    float32 on the project's CPUs without it.
    """
    backend = name()
    try:
        if backend == "jax":
            import jax

            device = jax.devices()[0]
            if device.platform == "tpu":
                return True
            if device.platform == "gpu":
                return float(getattr(device, "compute_capability", "0")) >= 8.0
        elif backend == "torch":
            import torch

            if torch.cuda.is_available():
                return torch.cuda.get_device_capability(0) >= (8, 0)
        elif backend == "tensorflow":
            import tensorflow as tf

            if tf.config.list_logical_devices("TPU"):
                return True
            gpus = tf.config.list_physical_devices("GPU")
            if gpus:
                capability = tf.config.experimental.get_device_details(gpus[0]).get(
                    "compute_capability", (0, 0)
                )
                return tuple(capability) >= (8, 0)
    except (RuntimeError, ValueError, ImportError):
        pass
    try:
        with open(cpuinfo) as f:
            flags = {
                flag
                for line in f
                if line.startswith(("flags", "Features"))
                for flag in line.split(":", 1)[1].split()
            }
    except OSError:
        return False
    return bool(flags & {"avx512_bf16", "amx_bf16", "bf16"})


def resolve_precision(precision):
    """A Keras dtype policy name for ``precision`` ("auto": the fastest native one)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}.")
    if precision == "auto":
        return "mixed_bfloat16" if native_bfloat16() else "float32"
    return precision


# --- minimize ---------------------------------------------------------------------


class Recorded:
    """A forward pass kept for a later `minimize` (see `record`).

    ``value()`` is the output. On TensorFlow and PyTorch it is the output
    computed once, with what its gradient needs (the tape, autograd's graph);
    on JAX, where a gradient is a function of the variables' values, it is
    computed again inside the differentiated function (same inputs, same
    result).
    """

    def __init__(self, fn, output, tape=None, recompute=False):
        self.fn = fn
        self.output = output
        self.tape = tape
        self.recompute = recompute

    def value(self):
        return self.fn() if self.recompute else self.output


def record(fn):
    """Run ``fn()`` once and keep what a later `minimize` needs to differentiate through it.

    The output, ``stop_gradient``-ed, can feed another update first (the
    discriminator's) and then, through ``Recorded.value()`` inside the
    ``terms_fn`` of ``minimize(..., recorded=...)``, the update of the variables
    that produced it, without a second forward pass (the step of PyTorch's
    reference DCGAN: one generator pass serves both updates).
    """
    if name() == "tensorflow":
        import tensorflow as tf

        tape = tf.GradientTape()
        with tape:
            output = fn()
        return Recorded(fn, output, tape)
    return Recorded(fn, fn(), recompute=name() == "jax")


def minimize(terms_fn, variables, optimizer, loss_key, recorded=None):
    """Run ``terms_fn()``, differentiate ``terms[loss_key]`` and apply it with ``optimizer``.

    Args:
        terms_fn: a callable returning a dict of per-example terms (and any other
            values the caller wants back); evaluated where gradients are recorded.
        variables: the variables to update.
        optimizer: a `keras.optimizers.Optimizer` (a `LossScaleOptimizer` too).
        loss_key: which entry of the dict is minimised.
        recorded: a `Recorded` forward pass that ``terms_fn`` reads through
            ``recorded.value()``; the gradient flows back through it.

    Returns:
        The dict ``terms_fn`` returned.
    """
    backend = name()
    if backend == "tensorflow":
        return _minimize_tensorflow(terms_fn, variables, optimizer, loss_key, recorded)
    if backend == "jax":
        return _minimize_jax(terms_fn, variables, optimizer, loss_key)
    if backend == "torch":
        return _minimize_torch(terms_fn, variables, optimizer, loss_key)
    raise NotImplementedError(
        f"keras-gan trains on the tensorflow, jax and torch backends; KERAS_BACKEND={backend!r}."
    )


def _minimize_tensorflow(terms_fn, variables, optimizer, loss_key, recorded=None):
    import tensorflow as tf

    # Re-entering the tape that recorded an earlier forward pass continues it, so
    # the gradient reaches the variables through that pass.
    tape = getattr(recorded, "tape", None) or tf.GradientTape()
    with tape:
        terms = terms_fn()
        loss = optimizer.scale_loss(reduce_loss(terms[loss_key]))
    optimizer.apply(tape.gradient(loss, variables), variables)
    return terms


def _minimize_torch(terms_fn, variables, optimizer, loss_key):
    import torch

    terms = terms_fn()
    loss = optimizer.scale_loss(reduce_loss(terms[loss_key]))
    tensors = [v.value for v in variables]
    grads = torch.autograd.grad(loss, tensors, allow_unused=True)
    grads = [torch.zeros_like(t) if g is None else g for g, t in zip(grads, tensors)]
    with torch.no_grad():
        optimizer.apply(grads, variables)
    # The terms are logged, not differentiated again: free the graph.
    return keras.tree.map_structure(
        lambda t: t.detach() if isinstance(t, torch.Tensor) else t, terms
    )


def _minimize_jax(terms_fn, variables, optimizer, loss_key):
    import jax

    state, values = _step_state()
    diff = {id(v): i for i, v in enumerate(variables)}

    def loss_fn(diff_values):
        # The forward pass runs in its own stateless scope: the differentiated
        # variables take the traced values, every other variable its current one.
        mapping = [
            (v, diff_values[diff[id(v)]] if id(v) in diff else x) for v, x in zip(state, values)
        ]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            before = {id(v): scope.get_current_value(v) for v in state}
            terms = terms_fn()
            loss = optimizer.scale_loss(reduce_loss(terms[loss_key]))
        # Non-differentiated state the forward pass updated (batch-norm
        # statistics, seed generators, ...), handed out as auxiliary output.
        updates = [
            scope.get_current_value(v)
            if id(v) not in diff and scope.get_current_value(v) is not before[id(v)]
            else None
            for v in state
        ]
        return loss, (terms, updates)

    current = [v.value for v in variables]
    (_, (terms, updates)), grads = jax.value_and_grad(loss_fn, has_aux=True)(current)
    for v, value in zip(state, updates):
        if value is not None:
            v.assign(value)  # recorded by the step's own stateless scope
    # Functional update (what Keras's own JAX train_step does): `apply` would run
    # LossScaleOptimizer's stateful branches inside lax.cond.
    slots = optimizer.variables
    new_values, new_slots = optimizer.stateless_apply(
        [v.value for v in slots], grads, [v.value for v in variables]
    )
    for v, value in zip(variables, new_values):
        v.assign(value)
    for v, value in zip(slots, new_slots):
        v.assign(value)
    return terms


# --- gradients with respect to inputs (penalties) -----------------------------------


def input_gradients(fn, x):
    """d(sum fn(x))/dx, differentiable again (for penalties inside a loss).

    ``fn`` maps a batch to per-example outputs; the sum makes the gradient of
    each example's output with respect to its own input (examples do not
    interact unless the network mixes the batch).
    """
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = ops.sum(ops.cast(fn(x), "float32"))
        return tape.gradient(out, x)
    if backend == "torch":
        import torch

        x = x.detach().requires_grad_(True)
        out = ops.sum(ops.cast(fn(x), "float32"))
        (grad,) = torch.autograd.grad(out, x, create_graph=True)
        return grad
    if backend == "jax":
        import jax

        if not _STEP_STATE:  # outside a training step: nothing to keep functional
            return jax.grad(lambda inputs: ops.sum(ops.cast(fn(inputs), "float32")))(x)
        state, values = _step_state()

        def total(inputs):
            # The penalty's forward pass reads the step's current values and its
            # own state updates (and their tracers) stay inside this scope.
            with keras.StatelessScope(state_mapping=list(zip(state, values))):
                return ops.sum(ops.cast(fn(inputs), "float32"))

        return jax.grad(total)(x)
    raise NotImplementedError(f"No input gradients on the {backend!r} backend.")


# --- the step on every backend ------------------------------------------------------


class OptimizerPair:
    """What Keras's trainers and callbacks see as ``model.optimizer``: both sides' optimizers.

    - ``optimizers``: ``[g_optimizer, d_optimizer]``. Keras's
      `LearningRateScheduler` and `ReduceLROnPlateau` schedule each optimizer
      of a model whose optimizer has ``optimizers``, so a schedule reaches both
      sides (each from its own current rate: ``lambda epoch, lr: lr * 0.5``
      halves both and keeps their ratio).
    - ``learning_rate``: the generator's; setting it sets the generator's and
      scales the discriminator's by the same factor.
    - ``variables``: both optimizers' variables in a fixed order (what Keras's
      JAX trainer hands to the step as state and syncs back).
    - ``finalize_variable_values``: each optimizer finalises its own side
      (``use_ema=True`` swaps in the moving averages at the end of `fit`).

    It applies no gradients itself and is not saved (the two optimizers are,
    by `GANModel`).
    """

    built = True

    def __init__(self, g_optimizer, d_optimizer, g_variables=list, d_variables=list):
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        self.optimizers = [g_optimizer, d_optimizer]
        self._sides = ((g_optimizer, g_variables), (d_optimizer, d_variables))

    @property
    def variables(self):
        return list(self.g_optimizer.variables) + list(self.d_optimizer.variables)

    @property
    def iterations(self):
        return self.g_optimizer.iterations

    @property
    def learning_rate(self):
        return self.g_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        old = float(ops.convert_to_numpy(self.g_optimizer.learning_rate))
        new = float(ops.convert_to_numpy(value))
        d_old = float(ops.convert_to_numpy(self.d_optimizer.learning_rate))
        self.g_optimizer.learning_rate = new
        self.d_optimizer.learning_rate = d_old * new / old if old else new

    def build(self, variables=None):
        return None

    def finalize_variable_values(self, variables=None):
        for optimizer, side_variables in self._sides:
            side = side_variables()
            if side and optimizer.built:
                optimizer.finalize_variable_values(side)

    def scale_loss(self, loss):
        return loss


# The variables of the JAX step being traced (innermost last). `minimize` and
# `input_gradients` run forward passes in nested `keras.StatelessScope`s and
# need every variable the pass may read, with its value in the step.
_STEP_STATE = []


def _step_state():
    """(every state variable of the JAX step in progress, its current value)."""
    if not _STEP_STATE:
        raise RuntimeError(
            "On JAX, keras-gan steps run inside Keras's stateless train_step(state, data); "
            "call fit() / train_on_batch() rather than train_step() directly."
        )
    state = _STEP_STATE[-1]
    return state, [v.value for v in state]


def _jax_step(model, fn, state, data, training):
    """One imperative step inside Keras's stateless JAX ``train_step(state, data)``.

    ``state`` is the tuple the Keras guide "Customizing what happens in fit()
    with JAX" documents: (trainable, non-trainable, optimizer, metrics)
    variables' values while training, without the optimizer's in evaluation.
    """
    if training:
        trainable, non_trainable, optimizer_values, metrics = state
        groups = [
            model.trainable_variables,
            model.non_trainable_variables,
            model.optimizer.variables,
            model.metrics_variables,
        ]
        values = [trainable, non_trainable, optimizer_values, metrics]
    else:
        trainable, non_trainable, metrics = state
        groups = [model.trainable_variables, model.non_trainable_variables, model.metrics_variables]
        values = [trainable, non_trainable, metrics]
    mapping = [(v, x) for group, vals in zip(groups, values) for v, x in zip(group, vals)]
    with keras.StatelessScope(state_mapping=mapping) as scope:
        _STEP_STATE.append([v for v, _ in mapping])
        try:
            logs = fn(model, data)
        finally:
            _STEP_STATE.pop()
    new_state = tuple(
        [
            scope.get_current_value(v) if scope.get_current_value(v) is not None else x
            for v, x in zip(group, vals)
        ]
        for group, vals in zip(groups, values)
    )
    return logs, new_state


def portable_step(fn, training):
    """Wrap an imperative ``step(self, data)`` so that Keras's trainers call it on any backend.

    JAX's trainer calls ``step(state, data)`` and wants ``(logs, new_state)``;
    TensorFlow's and PyTorch's call ``step(data)`` and want ``logs``.
    """
    if getattr(fn, "_keras_gan_portable", False):
        return fn

    @functools.wraps(fn)
    def step(self, *args):
        if len(args) == 2:
            return _jax_step(self, fn, args[0], args[1], training)
        if name() == "torch":
            import torch

            if not training:
                with torch.no_grad():
                    return fn(self, *args)
        return fn(self, *args)

    step._keras_gan_portable = True
    return step


# --- in-step checks ------------------------------------------------------------------


def assert_in_range(values, low, high, message, below=None, above=None):
    """``values`` (integers) with a check that each lies in [low, high), on every backend.

    TensorFlow checks in the graph (a step or a TF Serving request fails with
    INVALID_ARGUMENT); PyTorch checks eagerly; JAX checks concrete values at
    once and traced ones through a host callback, which fails the step with
    ``message``. ``below`` / ``above`` override the message for values below
    ``low`` / at or above ``high``.
    """
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        values = tf.cast(values, tf.int32)
        checks = [
            tf.debugging.assert_greater_equal(values, low, message=below or message),
            tf.debugging.assert_less(values, high, message=above or message),
        ]
        with tf.control_dependencies(checks):
            return tf.identity(values)
    values = ops.cast(values, "int32")

    def check(v):
        import numpy as np

        v = np.asarray(v)
        if v.size and v.min() < low:
            raise ValueError(f"{below or message} (got {v.min()})")
        if v.size and v.max() >= high:
            raise ValueError(f"{above or message} (got {v.max()})")

    if backend == "jax":
        import jax

        if isinstance(values, jax.core.Tracer):
            jax.debug.callback(check, values)
            return values
    check(ops.convert_to_numpy(values))
    return values
