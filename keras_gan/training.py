"""Training a preset into a run folder, resumable after a crash.

`train(preset, out_dir)` is what ``keras-gan train`` calls. The run folder holds::

    config.json       the resolved preset (what was run)
    samples/          epoch_0001.png, ... and samples.gif (SampleGrid)
    logs/             TensorBoard event files (scalars and sample grids)
    history.csv       one row per epoch (CSVLogger, appended on resume)
    sessions.jsonl    one line per training session: epochs, wall and CPU minutes
                      (rewritten at each epoch end: a killed session keeps its line)
    backup/           checkpoints with the full training state (ResumableBackup)
    model.keras       the trained model (written at the end, atomically)

Run it again with the same folder after a crash and it continues from the last
completed epoch: both networks, both optimizers, the EMA generator, the
SeedGenerator, the epoch count and the data order are restored.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import time
from pathlib import Path

import keras

from keras_gan import zoo
from keras_gan.callbacks import SampleGrid, TrainingGuard
from keras_gan.saving import save_model

log = logging.getLogger("keras_gan")


def _atomic_write_text(path: Path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


class SessionLog(keras.callbacks.Callback):
    """This training session's line of ``sessions.jsonl``: epochs, wall and CPU minutes.

    The line is rewritten at every epoch end (earlier sessions' lines are left
    as they are), so a run killed partway still records the epochs it trained
    and the minutes they took; resuming it adds a line of its own.
    """

    def __init__(self, path, initial_epoch=0):
        super().__init__()
        self.path = Path(path)
        self.initial_epoch = int(initial_epoch)
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def on_train_begin(self, logs=None):
        self.wall, self.cpu = time.time(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        record = {
            "epochs": [self.initial_epoch, epoch + 1],
            "wall_minutes": round((time.time() - self.wall) / 60, 2),
            "cpu_minutes": round((time.process_time() - self.cpu) / 60, 2),
            "backend": keras.backend.backend(),
            "date": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        }
        with open(self.path, "a") as f:
            f.truncate(self.offset)  # this session's previous line, if any
            f.write(json.dumps(record) + "\n")


class ResumableBackup(keras.callbacks.Callback):
    """Checkpoint the full training state at epoch ends; restore it before training.

    Like `keras.callbacks.BackupAndRestore` (which works with every keras-gan
    model in a plain `fit` loop), but every checkpoint is one
    folder (``backup/epoch_000N/`` with the weights of every tracked object and
    a ``meta.json``) written under a temporary name and renamed into place, so
    a process killed mid-write leaves the previous checkpoint intact. The
    newest checkpoint that loads is used; the ``keep`` newest are kept.

    The weights file holds what `model.save_weights` saves: both networks,
    both optimizers (slots and iteration counts), the EMA generator, extra
    state a family saves (e.g. CycleGAN's image pools) and, through
    `BaseGAN.save_own_variables`, the SeedGenerator state.

    What it adds to `BackupAndRestore`, which `keras_gan.training.train`
    needs for an exact resume: the resumed epoch is known before `fit` starts
    (`restore` returns it), so the data stream is rebuilt at that epoch and
    passed with ``fit(initial_epoch=...)``; `BackupAndRestore` learns it only
    inside `fit`. And a checkpoint is never half-written: `BackupAndRestore`
    overwrites its file in place (its ``double_checkpoint`` keeps a copy).

    Args:
        backup_dir: the folder for checkpoints.
        keep: how many checkpoints to keep (at least 1).
        delete_on_end: remove the folder when training completes.
    """

    def __init__(self, backup_dir, keep=2, delete_on_end=False, write_dir=None):
        super().__init__()
        self.backup_dir = Path(backup_dir)
        # Multi-worker: every worker resumes from the chief's checkpoints but
        # only the chief writes there (the others write to a scratch folder).
        self.write_dir = Path(write_dir) if write_dir is not None else self.backup_dir
        self.keep = max(1, int(keep))
        self.delete_on_end = delete_on_end
        self.restored_epoch = None

    def checkpoints(self):
        """Complete checkpoint folders, newest first."""
        if not self.backup_dir.is_dir():
            return []
        found = []
        for p in self.backup_dir.iterdir():
            if p.is_dir() and p.name.startswith("epoch_") and (p / "meta.json").exists():
                try:
                    found.append((int(p.name.split("_")[1]), p))
                except ValueError:
                    continue
        return [p for _, p in sorted(found, reverse=True)]

    def restore(self, model=None):
        """Load the newest checkpoint that loads into ``model``; return its epoch (0: none).

        The one place a resumed run's epoch is decided: `keras_gan.training.train`
        calls it before it builds the data stream, so the stream and the weights
        always come from the same checkpoint, also when the newest one is damaged
        and an older one is used.

        Raises:
            RuntimeError: there are checkpoints but none of them loads.
        """
        model = model if model is not None else self.model
        for ckpt in self.checkpoints():
            try:
                meta = json.loads((ckpt / "meta.json").read_text())
                model.load_weights(ckpt / "state.weights.h5")
            except Exception as e:  # a damaged checkpoint: fall back to the previous one
                log.warning("Checkpoint %s does not load (%s); trying an older one.", ckpt, e)
                continue
            self.restored_epoch = int(meta["epoch"])
            log.info("Resumed from %s (epoch %d).", ckpt, self.restored_epoch)
            return self.restored_epoch
        if self.checkpoints():
            raise RuntimeError(
                f"No checkpoint in {self.backup_dir} could be loaded. Move the folder aside to "
                "start afresh, or restore it from a copy."
            )
        self.restored_epoch = 0
        return 0

    def on_train_begin(self, logs=None):
        # Used on its own with fit(): restore here. keras_gan.training.train restores
        # before it builds the data stream and sets restored_epoch, so nothing is loaded twice.
        if self.restored_epoch is None:
            self.restore()
        self._checked_epoch = False

    def on_epoch_begin(self, epoch, logs=None):
        # fit's epoch counter is fit's own (its initial_epoch argument): a run that
        # restored epoch N must start there, or it would redo epochs with a shifted schedule.
        if not self._checked_epoch and epoch < (self.restored_epoch or 0):
            raise RuntimeError(
                f"ResumableBackup restored the state after epoch {self.restored_epoch}, but "
                f"fit() started at epoch {epoch}. Pass initial_epoch=backup.restore(model) to "
                "fit(), use keras_gan.training.train (which does), or use "
                "keras.callbacks.BackupAndRestore for a plain fit() loop."
            )
        self._checked_epoch = True

    def on_epoch_end(self, epoch, logs=None):
        self.save(epoch + 1, logs)

    def save(self, epoch, logs=None):
        self.write_dir.mkdir(parents=True, exist_ok=True)
        final = self.write_dir / f"epoch_{epoch:06d}"
        tmp = self.write_dir / f".tmp-epoch_{epoch:06d}-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        self.model.save_weights(tmp / "state.weights.h5")
        meta = {"epoch": epoch, "logs": {k: float(v) for k, v in (logs or {}).items()}}
        (tmp / "meta.json").write_text(json.dumps(meta))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        if self.write_dir == self.backup_dir:
            for old in self.checkpoints()[self.keep :]:
                shutil.rmtree(old, ignore_errors=True)

    def on_train_end(self, logs=None):
        if self.delete_on_end and self.backup_dir.exists():
            shutil.rmtree(self.backup_dir)


def make_strategy(name):
    """A strategy by name: None/"default", "mirrored", "multiworker", "tpu" (`tf.distribute`),
    or "data_parallel" (`keras.distribution.DataParallel` over all local devices, JAX).

    "data_parallel" sets Keras's global distribution and returns None: on JAX
    one jit-compiled step runs on the sharded global batch.
    """
    if name in (None, "", "default", "none"):
        return None
    if name == "data_parallel":
        if keras.backend.backend() != "jax":
            raise ValueError(
                "--strategy data_parallel is keras.distribution.DataParallel, which needs "
                "KERAS_BACKEND=jax; on TensorFlow use --strategy mirrored."
            )
        keras.distribution.set_distribution(keras.distribution.DataParallel())
        return None
    if keras.backend.backend() != "tensorflow":
        raise ValueError(
            f"--strategy {name} is a tf.distribute strategy and needs KERAS_BACKEND=tensorflow; "
            "on JAX use --strategy data_parallel (keras.distribution)."
        )
    import tensorflow as tf

    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise ValueError(f"Unknown strategy {name!r}; expected mirrored, multiworker or tpu.")


def worker_role(strategy):
    """(is_chief, task id) of this process in a multi-worker strategy; (True, 0) otherwise."""
    if strategy is None or not hasattr(strategy.extended, "should_checkpoint"):
        return True, 0
    resolver = getattr(strategy, "cluster_resolver", None)
    task_id = getattr(resolver, "task_id", 0) or 0
    return bool(strategy.extended.should_checkpoint), int(task_id)


def _check_out_dir(out_dir: Path):
    probe = out_dir
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise NotADirectoryError(
            f"Cannot write the run to {str(out_dir)!r}: {str(probe)!r} is a file."
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise PermissionError(
            f"Cannot write the run to {str(out_dir)!r}: {str(probe)!r} is not writable. "
            "Pass another --out folder."
        )


def train(
    preset, out_dir=None, strategy=None, resume=True, verbose=1, extra_callbacks=(), **overrides
):
    """Train a preset, writing grids, logs, checkpoints and ``model.keras`` to ``out_dir``.

    Args:
        preset: a preset name or a resolved preset dict.
        out_dir: the run folder (default ``runs/<preset name>``).
        strategy: a `tf.distribute.Strategy`, or its name (see `make_strategy`).
        resume: continue from the last checkpoint in ``out_dir/backup``.
        verbose: Keras progress output (1: bar, 2: a line per epoch, 0: none).
        extra_callbacks: more Keras callbacks.
        **overrides: preset settings to replace (see `keras_gan.zoo.resolve`).

    Returns:
        dict with the run folder, the model path, the final logs and the model.
    """
    preset = zoo.resolve(preset, **overrides) if isinstance(preset, str) or overrides else preset
    out_dir = Path(out_dir or Path("runs") / preset["name"])
    _check_out_dir(out_dir)
    train_cfg = preset["train"]
    epochs = int(train_cfg["epochs"])
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1; got {epochs}.")
    if isinstance(strategy, str) or strategy is None:
        strategy = make_strategy(strategy)

    run_dir = out_dir
    is_chief, task_id = worker_role(strategy)
    if not is_chief:
        # Workers other than the chief write their copies to a scratch folder.
        out_dir = run_dir / f".worker-{task_id}"
    config_path = run_dir / "config.json"
    if resume and config_path.exists():
        previous = json.loads(config_path.read_text())
        if previous.get("model") != preset.get("model"):
            raise ValueError(
                f"{out_dir} holds a run of a different model configuration; resume needs the "
                "same one. Pass another --out folder, or --no-resume to start afresh there."
            )
        if previous.get("compile") != preset.get("compile"):
            # Allowed (a decay phase added on resume is a real recipe), but Keras restores
            # an optimizer's state only when its variables match: replacing a constant
            # learning rate by a schedule restarts the moments and the step count.
            log.warning(
                "Resuming %s with a different compile section than it was trained with. "
                "Where an optimizer's variables no longer match (e.g. a learning-rate "
                "schedule in place of a constant), Keras skips its saved state: its "
                "moments and step count restart at 0, so a schedule counts from the resume.",
                out_dir,
            )
    backup = ResumableBackup(run_dir / "backup", write_dir=out_dir / "backup")
    # Build everything before writing anything: a bad setting leaves no half-made run.
    model = zoo.build_model(preset, strategy=strategy)
    # The resume epoch is decided once, by the checkpoint that actually loads;
    # the data stream is then built for exactly that epoch.
    initial_epoch = min(backup.restore(model), epochs) if resume else 0
    backup.restored_epoch = initial_epoch
    dataset, steps = zoo.build_dataset(preset, stream=True, initial_epoch=initial_epoch)

    out_dir.mkdir(parents=True, exist_ok=True)
    if is_chief:
        _atomic_write_text(config_path, json.dumps(preset, indent=2) + "\n")
    if not resume and backup.backup_dir.exists():
        shutil.rmtree(backup.backup_dir)
    if initial_epoch >= epochs:
        log.info("The run in %s already completed %d epochs.", out_dir, initial_epoch)
        model_path = save_model(model, out_dir / "model.keras")
        return {
            "out_dir": out_dir,
            "model_path": model_path,
            "logs": {},
            "model": model,
            "initial_epoch": initial_epoch,
        }

    # TensorBoard logs are written with tf.summary: where TensorFlow is not
    # installed (a JAX-only GPU machine), the run keeps its PNG grids and CSV log.
    tensorboard = importlib.util.find_spec("tensorflow") is not None
    if not tensorboard:
        log.info("TensorFlow is not installed: no TensorBoard logs (grids and CSV only).")
    callbacks = [
        TrainingGuard(log_path=out_dir / "guard.log"),
        SampleGrid(
            out_dir / "samples",
            every=int(train_cfg["sample_every"]),
            num_samples=int(train_cfg["num_samples"]),
            log_dir=out_dir / "logs" if tensorboard else None,
        ),
        keras.callbacks.CSVLogger(str(out_dir / "history.csv"), append=initial_epoch > 0),
        *(
            [keras.callbacks.TensorBoard(str(out_dir / "logs"), write_graph=False)]
            if tensorboard
            else []
        ),
        *model.default_callbacks(epochs),
        *extra_callbacks,
        *([SessionLog(out_dir / "sessions.jsonl", initial_epoch)] if is_chief else []),
        # Last: an epoch's checkpoint is written after its grid and logs, so a
        # kill in between redoes that epoch (identically) rather than losing them.
        backup,
    ]
    history = model.fit(
        dataset,
        epochs=epochs,
        steps_per_epoch=steps,
        initial_epoch=initial_epoch,
        callbacks=callbacks,
        shuffle=False,
        verbose=verbose,
    )
    model_path = save_model(model, out_dir / "model.keras")
    if not is_chief:
        shutil.rmtree(out_dir, ignore_errors=True)
        model_path = run_dir / "model.keras"
    final_logs = {k: float(v[-1]) for k, v in history.history.items()} if history.history else {}
    return {
        "out_dir": run_dir,
        "model_path": model_path,
        "logs": final_logs,
        "model": model,
        "is_chief": is_chief,
        "initial_epoch": initial_epoch,
    }
