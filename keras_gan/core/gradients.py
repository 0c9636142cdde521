"""Gradient plumbing: the one place a loss becomes an optimizer update.

Every family writes its losses as per-example terms; `minimize` reduces them
to the mean over this replica's batch, divides by the number of replicas (the
optimizers sum gradients across replicas, so this gives the gradient of the
mean over the global batch, as on one device), applies the optimizer's loss
scale (mixed float16), and applies the gradients. The backend-specific part
(today TensorFlow's `GradientTape`) lives here and nowhere else.
"""

from __future__ import annotations

import tensorflow as tf


def replica_info():
    """(number of replicas in sync, this replica's id); (1, 0) outside a strategy."""
    ctx = tf.distribute.get_replica_context()
    if ctx is None:  # cross-replica context
        return 1, 0
    return ctx.num_replicas_in_sync, ctx.replica_id_in_sync_group


def scale_for_distribution(loss):
    """Divide a per-replica mean loss by the number of replicas."""
    n, _ = replica_info()
    return loss / tf.cast(n, loss.dtype) if n > 1 else loss


def reduce_loss(per_example):
    """Mean of per-example terms, scaled for the replicas (what gets differentiated)."""
    return scale_for_distribution(tf.reduce_mean(per_example))


def minimize(terms_fn, variables, optimizer, loss_key):
    """Run ``terms_fn()``, differentiate ``terms[loss_key]`` and apply it with ``optimizer``.

    Args:
        terms_fn: a callable returning a dict of per-example terms (and any other
            values the caller wants back); evaluated under the gradient tape.
        variables: the variables to update.
        optimizer: a `keras.optimizers.Optimizer` (a `LossScaleOptimizer` too).
        loss_key: which entry of the dict is minimised.

    Returns:
        The dict ``terms_fn`` returned.
    """
    with tf.GradientTape() as tape:
        terms = terms_fn()
        loss = optimizer.scale_loss(reduce_loss(terms[loss_key]))
    optimizer.apply(tape.gradient(loss, variables), variables)
    return terms
