"""Paired adversarial losses.

Every loss family is a pair of pure functions::

    <name>_generator_loss(fake_logits) -> per-example loss, shape [batch]
    <name>_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0)
        -> per-example loss, shape [batch]

Logits are the raw, unbounded outputs of the discriminator (no sigmoid). A
logit tensor may have any shape ``[batch, ...]`` (a PatchGAN returns a map);
non-batch axes are averaged so that every function returns one value per
example. The model reduces these with the global batch size, which keeps the
losses correct under ``tf.distribute``.

``label_smoothing`` is one-sided (Salimans et al. 2016): the target for real
samples becomes ``1 - label_smoothing`` and fake targets stay at 0. It applies
to the losses that have a target (minimax, non-saturating, least squares) and is
rejected by the others.

References:
- minimax, non_saturating: Goodfellow et al. 2014, "Generative Adversarial Nets".
- wasserstein: Arjovsky et al. 2017, "Wasserstein GAN".
- hinge: Lim & Ye 2017, "Geometric GAN"; Miyato et al. 2018.
- least_squares: Mao et al. 2017, "Least Squares Generative Adversarial Networks".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from keras import ops


def per_example(x):
    """Average all non-batch axes so the result has shape [batch]."""
    x = ops.convert_to_tensor(x)
    if len(x.shape) == 0:
        raise ValueError("Logits must have a batch axis; got a scalar.")
    if len(x.shape) == 1:
        return x
    return ops.mean(ops.reshape(x, (ops.shape(x)[0], -1)), axis=-1)


def mean_absolute_error(x, y):
    """Per-example mean |x - y| over all non-batch axes, in float32 (L1 reconstruction)."""
    d = ops.abs(ops.cast(x, "float32") - ops.cast(y, "float32"))
    return ops.mean(ops.reshape(d, (ops.shape(d)[0], -1)), axis=-1)


def _f32(x):
    # Losses are always computed in float32, also under mixed precision.
    return ops.cast(ops.convert_to_tensor(x), "float32")


def _no_smoothing(name, label_smoothing):
    if label_smoothing:
        raise ValueError(
            f"label_smoothing={label_smoothing} is not defined for the '{name}' loss, "
            "which has no target labels. Use it with 'minimax', 'non_saturating' or "
            "'least_squares', or set label_smoothing=0."
        )


def _bce_real(real_logits, label_smoothing):
    # Binary cross-entropy against target t = 1 - s:
    #   -t log sigmoid(r) - (1 - t) log(1 - sigmoid(r))
    #   = t softplus(-r) + (1 - t) softplus(r)
    t = 1.0 - label_smoothing
    return t * ops.softplus(-real_logits) + (1.0 - t) * ops.softplus(real_logits)


# --- minimax (the original zero-sum game) ---------------------------------


def minimax_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """-log D(x) - log(1 - D(G(z))), with D = sigmoid(logits)."""
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    return per_example(_bce_real(real_logits, label_smoothing)) + per_example(
        ops.softplus(fake_logits)
    )


def minimax_generator_loss(fake_logits):
    """log(1 - D(G(z))), minimised by the generator (it saturates early on)."""
    return per_example(-ops.softplus(_f32(fake_logits)))


# --- non-saturating (Goodfellow et al. 2014, section 3) --------------------


def non_saturating_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """Same discriminator objective as minimax."""
    return minimax_discriminator_loss(real_logits, fake_logits, label_smoothing)


def non_saturating_generator_loss(fake_logits):
    """-log D(G(z)): strong gradients while the discriminator wins."""
    return per_example(ops.softplus(-_f32(fake_logits)))


# --- Wasserstein -------------------------------------------------------------


def wasserstein_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """Critic loss D(G(z)) - D(x); its negative estimates the Wasserstein-1 distance."""
    _no_smoothing("wasserstein", label_smoothing)
    return per_example(_f32(fake_logits)) - per_example(_f32(real_logits))


def wasserstein_generator_loss(fake_logits):
    """-D(G(z))."""
    return -per_example(_f32(fake_logits))


# --- hinge -------------------------------------------------------------------


def hinge_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """max(0, 1 - D(x)) + max(0, 1 + D(G(z)))."""
    _no_smoothing("hinge", label_smoothing)
    return per_example(ops.relu(1.0 - _f32(real_logits))) + per_example(
        ops.relu(1.0 + _f32(fake_logits))
    )


def hinge_generator_loss(fake_logits):
    """-D(G(z))."""
    return -per_example(_f32(fake_logits))


# --- least squares (LSGAN, a=0, b=c=1) ----------------------------------------


def least_squares_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """0.5 (D(x) - t)^2 + 0.5 D(G(z))^2 with t = 1 - label_smoothing."""
    t = 1.0 - label_smoothing
    return per_example(0.5 * ops.square(_f32(real_logits) - t)) + per_example(
        0.5 * ops.square(_f32(fake_logits))
    )


def least_squares_generator_loss(fake_logits):
    """0.5 (D(G(z)) - 1)^2."""
    return per_example(0.5 * ops.square(_f32(fake_logits) - 1.0))


# --- the catalogue ---------------------------------------------------------------


@dataclass(frozen=True)
class LossPair:
    """A generator loss and the discriminator loss it is paired with."""

    name: str
    generator: Callable
    discriminator: Callable
    supports_label_smoothing: bool
    # Logit above which the discriminator calls a sample real (for the d_acc
    # metric); None where the loss has no such threshold (Wasserstein).
    decision_threshold: float | None = 0.0


_LOSSES = {
    "minimax": LossPair("minimax", minimax_generator_loss, minimax_discriminator_loss, True),
    "non_saturating": LossPair(
        "non_saturating",
        non_saturating_generator_loss,
        non_saturating_discriminator_loss,
        True,
    ),
    "wasserstein": LossPair(
        "wasserstein", wasserstein_generator_loss, wasserstein_discriminator_loss, False, None
    ),
    "hinge": LossPair("hinge", hinge_generator_loss, hinge_discriminator_loss, False),
    "least_squares": LossPair(
        "least_squares",
        least_squares_generator_loss,
        least_squares_discriminator_loss,
        True,
        0.5,
    ),
}


def list_losses():
    """Names of the registered loss pairs."""
    return sorted(_LOSSES)


def get(name):
    """Return the `LossPair` registered under ``name``.

    Raises:
        ValueError: for an unknown name; the message lists the known ones.
    """
    if isinstance(name, LossPair):
        return name
    if not isinstance(name, str) or name not in _LOSSES:
        raise ValueError(f"Unknown loss {name!r}. Known losses: {', '.join(list_losses())}.")
    return _LOSSES[name]
