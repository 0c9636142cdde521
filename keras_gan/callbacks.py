"""Callbacks for GAN training: sample grids (PNG, GIF, TensorBoard)."""

from __future__ import annotations

import logging
from pathlib import Path

import keras
import numpy as np
from PIL import Image

from keras_gan import images as images_lib

log = logging.getLogger("keras_gan")


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
