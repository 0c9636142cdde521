"""Callbacks for GAN training: sample grids (PNG, GIF, TensorBoard), metrics, guards, a step clock."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import keras
import numpy as np
from PIL import Image

from keras_gan import images as images_lib

log = logging.getLogger("keras_gan")


class StepClock(keras.callbacks.Callback):
    """Times the steady training step of each `fit`: ``steady_seconds`` per step.

    From the start of the first batch to the end of the last step, divided by
    the steps. JAX (and PyTorch on a GPU) dispatch steps asynchronously, so the
    end is taken after reading a model variable back, which waits for the last
    step to finish. Used by ``tools/benchmark.py`` and ``tools/train_gpu.py``.

    Attributes (after each `fit`): ``starts`` (batch start times), ``end``,
    ``elapsed`` (seconds) and ``steady_seconds`` (seconds per step).
    """

    def on_train_begin(self, logs=None):
        self.starts = []

    def on_train_batch_begin(self, batch, logs=None):
        self.starts.append(time.perf_counter())

    def on_train_end(self, logs=None):
        keras.ops.convert_to_numpy(self.model.weights[0])  # waits for async steps
        self.end = time.perf_counter()
        self.elapsed = self.end - self.starts[0] if self.starts else 0.0
        self.steady_seconds = self.elapsed / max(len(self.starts), 1)


class SampleGrid(keras.callbacks.Callback):
    """Write a grid of samples from fixed seeds every ``every`` epochs.

    The seeds are the same every time, so the grids show how the same latent
    points evolve. At the end of training the grids are assembled into an
    animated GIF. With ``log_dir`` the grids also go to TensorBoard.

    Args:
        out_dir: folder for ``epoch_0001.png``, ... and ``samples.gif``.
        every: write a grid every this many epochs (the last epoch always).
        num_samples: samples per grid.
        seed: first of the fixed seeds.
        gif: assemble ``samples.gif`` from all grids in ``out_dir`` at the end.
        log_dir: TensorBoard log folder (images under "samples").

    Example:
        >>> model.fit(ds, epochs=10, callbacks=[SampleGrid("run/samples")])
    """

    def __init__(self, out_dir, every=1, num_samples=64, seed=0, gif=True, log_dir=None):
        super().__init__()
        if int(every) < 1:
            raise ValueError(f"every must be >= 1; got {every}.")
        self.out_dir = Path(out_dir)
        self.every = int(every)
        self.num_samples = int(num_samples)
        self.seed = int(seed)
        self.gif = gif
        self.log_dir = log_dir
        self._writer = None
        self._epochs = None

    def on_train_begin(self, logs=None):
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._epochs = self.params.get("epochs") if self.params else None
        if self.log_dir is not None:
            import tensorflow as tf

            self._writer = tf.summary.create_file_writer(str(Path(self.log_dir) / "samples"))

    def write(self, epoch):
        """Write the grid for ``epoch`` (1-based) and return its path."""
        samples, nrow = self.model.preview(self.num_samples, self.seed)
        picture = images_lib.render(samples, nrow=nrow)
        path = images_lib.save_png(picture, self.out_dir / f"epoch_{epoch:04d}.png")
        if self._writer is not None:
            import tensorflow as tf

            with self._writer.as_default():
                pic = picture if picture.ndim == 3 else picture[..., None]
                tf.summary.image("samples", pic[None], step=epoch)
            self._writer.flush()
        return path

    def on_epoch_end(self, epoch, logs=None):
        epoch += 1
        if epoch % self.every == 0 or epoch == self._epochs:
            self.write(epoch)

    def on_train_end(self, logs=None):
        if not self.gif:
            return
        frames = sorted(self.out_dir.glob("epoch_*.png"))
        if frames:
            arrays = [np.asarray(Image.open(f)) for f in frames]
            shapes = {a.shape for a in arrays}
            if len(shapes) == 1:
                images_lib.save_gif(arrays, self.out_dir / "samples.gif")
            else:
                log.warning("Sample grids in %s differ in size; no GIF written.", self.out_dir)


class EvaluateMetrics(keras.callbacks.Callback):
    """Compute sample-quality metrics every ``every`` epochs and log them like Keras metrics.

    The values are written into the epoch's ``logs``, so callbacks placed
    after this one see them: ``ModelCheckpoint(monitor="fid", mode="min")``,
    ``EarlyStopping(monitor="fid")``, ``CSVLogger``, ``TensorBoard``.

    Args:
        dataset: the real data to compare with ("mnist", "fashion_mnist", ...).
        metrics: names from `keras_gan.metrics.IMAGE_METRICS`.
        every: compute every this many epochs (and at the last epoch).
        num_samples: generated samples per evaluation (and reference size).
        extractor: a `keras_gan.metrics.FeatureExtractor` (default: the
            dataset's classifier).
        log_dir: also write the values to TensorBoard here.

    Example:
        >>> model.fit(ds, epochs=20, callbacks=[
        ...     EvaluateMetrics("mnist", ["fid"], every=5),
        ...     keras.callbacks.ModelCheckpoint("best.keras", monitor="fid", mode="min",
        ...                                     save_best_only=True)])
    """

    def __init__(
        self, dataset, metrics=("fid",), every=1, num_samples=2000, extractor=None, log_dir=None
    ):
        super().__init__()
        from keras_gan.metrics.evaluation import check_metric_names

        self.dataset = dataset
        self.metrics = check_metric_names(metrics)
        self.every = int(every)
        self.num_samples = int(num_samples)
        self.extractor = extractor
        self.log_dir = log_dir
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        epochs = self.params.get("epochs") if self.params else None
        if (epoch + 1) % self.every and epoch + 1 != epochs:
            return
        from keras_gan.metrics import FeatureExtractor, evaluate

        if self.extractor is None:
            self.extractor = FeatureExtractor.for_dataset(self.dataset)
        values = evaluate(
            self.model, self.dataset, self.metrics, self.num_samples, extractor=self.extractor
        )
        scalars = {k: float(v) for k, v in values.items() if isinstance(v, (int, float))}
        if logs is not None:
            logs.update(scalars)
        self.history[epoch + 1] = values
        log.info("epoch %d: %s", epoch + 1, ", ".join(f"{k}={v:.4g}" for k, v in scalars.items()))
        if self.log_dir is not None:
            import tensorflow as tf

            writer = tf.summary.create_file_writer(str(Path(self.log_dir) / "metrics"))
            with writer.as_default():
                for k, v in scalars.items():
                    tf.summary.scalar(k, v, step=epoch + 1)
            writer.flush()


class TrainingGuard(keras.callbacks.Callback):
    """Stop or roll back on NaN/Inf, and warn on signs of collapse, with the evidence.

    Divergence: after every batch the losses are checked; every
    ``check_weights_every`` batches the weights too. On a non-finite value,
    ``on_nan="stop"`` ends training with the state of the epoch start put
    back (the last good state); ``on_nan="rollback"`` restores the weights, optimizer state and
    noise state saved at the start of the epoch, multiplies the learning rates
    by ``lr_factor`` and goes on (at most ``max_rollbacks`` times, then stops).

    Collapse warnings at epoch ends (logged, and kept in ``self.events``):

    - discriminator accuracy (``d_acc``) at or above ``acc_pinned`` for
      ``patience`` epochs in a row;
    - generator loss ``g_loss_factor`` times its first-epoch value (not for the
      Wasserstein loss, whose scale drifts with the critic's offset);
    - sample diversity (mean pairwise distance of samples from fixed seeds)
      below ``diversity_drop`` times its first measurement.

    Args:
        on_nan: "stop" or "rollback".
        log_path: also append the events to this file.
    """

    def __init__(
        self,
        on_nan="stop",
        lr_factor=0.5,
        max_rollbacks=3,
        check_weights_every=100,
        acc_pinned=0.99,
        patience=3,
        g_loss_factor=10.0,
        diversity_drop=0.3,
        diversity_samples=64,
        log_path=None,
    ):
        super().__init__()
        if on_nan not in ("stop", "rollback"):
            raise ValueError(f"on_nan must be 'stop' or 'rollback'; got {on_nan!r}.")
        self.on_nan = on_nan
        self.lr_factor = float(lr_factor)
        self.max_rollbacks = int(max_rollbacks)
        self.check_weights_every = int(check_weights_every)
        self.acc_pinned = float(acc_pinned)
        self.patience = int(patience)
        self.g_loss_factor = float(g_loss_factor)
        self.diversity_drop = float(diversity_drop)
        self.diversity_samples = int(diversity_samples)
        self.log_path = Path(log_path) if log_path else None
        self.events = []
        self.rollbacks = 0
        self._snapshot = None
        self._pinned = 0
        self._g0 = None
        self._div0 = None
        self._epoch = 0

    def _event(self, kind, message, level=logging.WARNING):
        self.events.append({"epoch": self._epoch + 1, "kind": kind, "message": message})
        log.log(level, "TrainingGuard [%s] epoch %d: %s", kind, self._epoch + 1, message)
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_path, "a") as f:
                f.write(f"epoch {self._epoch + 1} [{kind}] {message}\n")

    def _optimizers(self):
        return [
            o
            for o in (
                getattr(self.model, "g_optimizer", None),
                getattr(self.model, "d_optimizer", None),
            )
            if o
        ]

    def _state_variables(self):
        vs = list(self.model.weights)
        for opt in self._optimizers():
            vs += list(opt.variables)
        sg = getattr(self.model, "seed_generator", None)
        if sg is not None:
            vs.append(sg.state)
        return vs

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        # Kept in both modes: stopping also puts back the last good state, so a
        # model saved after the stop holds no NaN.
        self._snapshot = [np.array(v.numpy()) for v in self._state_variables()]

    def _nonfinite_weights(self):
        for v in self.model.weights:
            a = v.numpy()
            if np.issubdtype(a.dtype, np.floating) and not np.all(np.isfinite(a)):
                return v.path
        return None

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        bad = {
            k: float(v) for k, v in logs.items() if np.ndim(v) == 0 and not np.isfinite(float(v))
        }
        bad_weight = None
        if not bad and self.check_weights_every and (batch + 1) % self.check_weights_every == 0:
            bad_weight = self._nonfinite_weights()
        if not bad and bad_weight is None:
            return
        evidence = (
            f"non-finite {', '.join(f'{k}={v}' for k, v in bad.items())}"
            if bad
            else f"non-finite weight {bad_weight}"
        )
        evidence += (
            f" at batch {batch + 1} (check the data for NaN/Inf, or lower the learning rates)"
        )
        if (
            self.on_nan == "rollback"
            and self._snapshot is not None
            and self.rollbacks < self.max_rollbacks
        ):
            # The learning rates are optimizer variables too: keep the current ones
            # (earlier rollbacks may have lowered them), restore the rest, then scale.
            rates = [
                float(keras.ops.convert_to_numpy(o.learning_rate))
                if hasattr(o.learning_rate, "assign")
                else None
                for o in self._optimizers()
            ]
            for v, value in zip(self._state_variables(), self._snapshot):
                v.assign(value)
            for opt, rate in zip(self._optimizers(), rates):
                if rate is not None:
                    opt.learning_rate.assign(rate * self.lr_factor)
            # The epoch's running means hold the NaN; start them afresh.
            for m in self.model.metrics:
                m.reset_state()
            self.rollbacks += 1
            self._event(
                "rollback",
                f"{evidence}; restored the state of the epoch start and scaled the "
                f"learning rates by {self.lr_factor} (rollback {self.rollbacks}/{self.max_rollbacks})",
                logging.ERROR,
            )
            return
        if self._snapshot is not None:
            for v, value in zip(self._state_variables(), self._snapshot):
                v.assign(value)
        self.model.stop_training = True
        self._event(
            "stopped",
            f"{evidence}; training stopped with the state of the epoch start restored",
            logging.ERROR,
        )

    def _diversity(self):
        from keras_gan.metrics.scores import mean_pairwise_distance

        samples, _ = self.model.preview(self.diversity_samples, seed=10_000)
        return mean_pairwise_distance(samples)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.model.stop_training:
            return
        acc = logs.get("d_acc")
        if acc is not None:
            self._pinned = self._pinned + 1 if acc >= self.acc_pinned else 0
            if self._pinned == self.patience:
                self._event(
                    "d_acc_pinned",
                    f"discriminator accuracy {acc:.4f} >= {self.acc_pinned} for "
                    f"{self.patience} epochs: the generator may have stopped learning",
                )
        g = logs.get("g_loss")
        # A Wasserstein critic's output has no fixed offset, so neither has the
        # generator's loss -E[D(G(z))]: its size against the first epoch means nothing.
        wasserstein = getattr(self.model, "loss_name", None) == "wasserstein"
        if g is not None and np.isfinite(g) and not wasserstein:
            if self._g0 is None:
                self._g0 = abs(g) or 1e-8
            elif abs(g) > self.g_loss_factor * self._g0:
                self._event(
                    "g_loss_diverging",
                    f"g_loss {g:.4g} is more than {self.g_loss_factor}x its "
                    f"first-epoch value {self._g0:.4g}",
                )
        if self.diversity_drop and hasattr(self.model, "preview"):
            div = self._diversity()
            if self._div0 is None:
                self._div0 = div
            elif div < self.diversity_drop * self._div0:
                self._event(
                    "diversity_falling",
                    f"sample diversity {div:.4g} is below {self.diversity_drop} "
                    f"x its first value {self._div0:.4g}: possible mode collapse",
                )
            if logs is not None:
                logs["sample_diversity"] = div
