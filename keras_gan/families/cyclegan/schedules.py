"""CycleGAN's learning-rate policy as a Keras `LearningRateSchedule`.

The reference implementation's "linear" policy keeps the rate constant for
the first epochs and then lowers it linearly to zero, once per epoch. Here it
is a function of the optimizer's iteration count, so it needs no callback: it
is saved in `.keras` files with the optimizer (config and iteration count), a
resumed run continues it exactly, and it works beside any stock callback::

    optimizer = linear_decay_adam(epochs=10, steps_per_epoch=200)  # Adam(2e-4, beta_1=0.5)
    model.compile(g_optimizer=optimizer, d_optimizer=linear_decay_adam(10, 200))

or, with the model's own ``decay_start``,
``model.compile(*model.linear_decay_optimizers(epochs=10, steps_per_epoch=200))``.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def check_decay_start(decay_start):
    try:
        ok = 0.0 <= float(decay_start) < 1.0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            "decay_start is the fraction of the epochs trained at the full rate before the "
            f"linear decay to zero starts, in [0, 1); got {decay_start!r}. For a constant rate "
            "compile with a plain optimizer, e.g. keras.optimizers.Adam(2e-4, beta_1=0.5)."
        )
    return float(decay_start)


def _positive_int(value, what, hint):
    whole = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not (whole and float(value).is_integer() and value >= 1):
        raise ValueError(f"{what} must be a whole number >= 1 ({hint}); got {value!r}.")
    return int(value)


@keras.saving.register_keras_serializable(package="keras_gan")
class LinearDecaySchedule(keras.optimizers.schedules.LearningRateSchedule):
    """Constant for the first ``decay_start`` of the epochs, then linear decay to zero.

    CycleGAN's "linear" policy (Zhu et al. 2017; the reference sets the rate
    once per epoch). Epoch ``e`` is ``step // steps_per_epoch``, where ``step``
    is the optimizer's iteration count (one per `train_step` for both of
    CycleGAN's optimizers), and gets ``initial_learning_rate * factor(e)``::

        factor(e) = 1                                  for e < k
                  = 1 - (e - k) / (epochs - k)         for k <= e < epochs
                  = 0                                  for e >= epochs

    with ``k = round(decay_start * epochs)`` (Python's `round`); if
    ``k >= epochs`` the rate never decays. The rate is piecewise constant: it
    changes only when an epoch starts, so step ``e * steps_per_epoch`` (the
    first step of epoch ``e``) and every other step of that epoch get exactly
    the float32 rate that the callback this schedule replaces set at the start
    of epoch ``e``. The last epoch trains at ``1 / (epochs - k)`` of the rate,
    not at zero.

    The schedule counts optimizer updates, not `fit` epochs: a run whose
    epochs are not ``steps_per_epoch`` steps long, or which runs past
    ``epochs`` (at rate 0 from then on), should build a schedule for its own
    length. Under mixed float16 a step whose gradients overflow is skipped by
    `keras.optimizers.LossScaleOptimizer` and does not count.

    Args:
        initial_learning_rate: the rate of the constant part (a float > 0).
        epochs: the length of the run in epochs (>= 1).
        steps_per_epoch: optimizer steps per epoch (>= 1).
        decay_start: fraction of the epochs at the full rate, in [0, 1)
            (0.5: decay over the second half, as the paper's 100 + 100 epochs).
        name: the schedule's name.

    Example:
        >>> schedule = LinearDecaySchedule(2e-4, epochs=10, steps_per_epoch=200)
        >>> [round(schedule.factor(e), 2) for e in range(10)]
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.6, 0.4, 0.2]
        >>> optimizer = keras.optimizers.Adam(learning_rate=schedule, beta_1=0.5)
    """

    def __init__(
        self,
        initial_learning_rate,
        epochs,
        steps_per_epoch,
        decay_start=0.5,
        name="linear_decay",
    ):
        super().__init__()
        try:
            rate = float(initial_learning_rate)
        except (TypeError, ValueError):
            rate = float("nan")
        if not np.isfinite(rate) or rate <= 0:
            raise ValueError(
                f"initial_learning_rate must be a finite number > 0; got {initial_learning_rate!r}."
            )
        self.initial_learning_rate = rate
        self.epochs = _positive_int(epochs, "epochs", "the length of the run the rates decay over")
        self.steps_per_epoch = _positive_int(
            steps_per_epoch,
            "steps_per_epoch",
            "optimizer steps per epoch; the preset's train.steps_per_epoch, or len(dataset)",
        )
        self.decay_start = check_decay_start(decay_start)
        self.name = name
        # The rates as float32, epoch by epoch, then 0 (or the constant) from `epochs` on:
        # computed as the callback did (float32 base times the float64 factor, rounded).
        base = float(np.float32(self.initial_learning_rate))
        self.rates = tuple(float(np.float32(base * self.factor(e))) for e in range(self.epochs + 1))

    @property
    def decay_start_epoch(self):
        """The first epoch with a lowered rate, ``round(decay_start * epochs)``."""
        return round(self.decay_start * self.epochs)

    def factor(self, epoch):
        """The fraction of ``initial_learning_rate`` of epoch ``epoch`` (Python float)."""
        k = self.decay_start_epoch
        if epoch < k or self.epochs <= k:
            return 1.0
        return max(0.0, 1.0 - (epoch - k) / (self.epochs - k))

    def rate(self, epoch):
        """The float32 learning rate of epoch ``epoch`` (Python float)."""
        return self.rates[min(max(int(epoch), 0), self.epochs)]

    def __call__(self, step):
        # Integer arithmetic for the epoch (exact at any step count), then a table
        # lookup: the rates are bit for bit those of `rate`.
        epoch = ops.floor_divide(ops.cast(step, "int32"), self.steps_per_epoch)
        epoch = ops.clip(epoch, 0, self.epochs)
        return ops.take(ops.convert_to_tensor(self.rates, dtype="float32"), epoch)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "epochs": self.epochs,
            "steps_per_epoch": self.steps_per_epoch,
            "decay_start": self.decay_start,
            "name": self.name,
        }


def linear_decay_adam(
    epochs,
    steps_per_epoch,
    learning_rate=2e-4,
    decay_start=0.5,
    beta_1=0.5,
    beta_2=0.999,
    **kwargs,
):
    """``Adam(learning_rate=LinearDecaySchedule(...))``: CycleGAN's optimizer for a run.

    Args:
        epochs, steps_per_epoch: the run the rate decays over (see `LinearDecaySchedule`).
        learning_rate: the rate before the decay (2e-4 in the paper).
        decay_start: fraction of the epochs at the full rate, in [0, 1).
        beta_1, beta_2: Adam's (0.5, 0.999 in the paper).
        **kwargs: other `keras.optimizers.Adam` arguments.
    """
    schedule = LinearDecaySchedule(learning_rate, epochs, steps_per_epoch, decay_start)
    return keras.optimizers.Adam(learning_rate=schedule, beta_1=beta_1, beta_2=beta_2, **kwargs)


def linear_decay_config(optimizer):
    """The `LinearDecaySchedule` config that ``optimizer``'s rate follows, or None."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        optimizer = optimizer.inner_optimizer
    rate = optimizer.get_config().get("learning_rate")
    if isinstance(rate, dict) and rate.get("registered_name") == "keras_gan>LinearDecaySchedule":
        return rate.get("config")
    return None
