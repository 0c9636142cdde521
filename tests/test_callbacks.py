"""SampleGrid: PNG per epoch from fixed seeds, a GIF at the end, TensorBoard images."""

import numpy as np
from PIL import Image

from keras_gan import data, images
from keras_gan.callbacks import SampleGrid
from keras_gan.models import GAN


def test_sample_grid_writes_pngs_gif_and_tensorboard(tmp_path):
    model = GAN(data_shape=(8, 8, 1), latent_dim=4, hidden_units=(16,))
    model.compile()
    ds = data.load("digits", batch_size=32, limit=64)
    cb = SampleGrid(tmp_path / "samples", every=2, num_samples=16, log_dir=tmp_path / "logs")
    model.fit(ds, epochs=3, callbacks=[cb], verbose=0)
    pngs = sorted(p.name for p in (tmp_path / "samples").glob("*.png"))
    assert pngs == ["epoch_0002.png", "epoch_0003.png"]  # every 2nd epoch and the last
    gif = Image.open(tmp_path / "samples" / "samples.gif")
    assert gif.n_frames == 2
    grid = np.asarray(Image.open(tmp_path / "samples" / "epoch_0003.png"))
    assert grid.shape == (4 * 10 + 2, 4 * 10 + 2)  # 4x4 tiles of 8x8 with 2-pixel padding
    events = list((tmp_path / "logs" / "samples").glob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 100


def test_grid_uses_the_same_seeds_every_time():
    model = GAN(data_shape=(8, 8, 1), latent_dim=4, hidden_units=(16,))
    a, _ = model.preview(9, seed=0)
    b, _ = model.preview(9, seed=0)
    np.testing.assert_array_equal(a, b)


def test_render_toy_samples():
    assert images.render(np.random.randn(100, 2)).shape == (256, 256, 3)
    assert images.render(np.random.randn(100, 1)).shape == (256, 256, 3)


def test_make_grid_layout():
    tiles = np.stack([np.full((2, 2, 1), i, np.uint8) for i in range(6)])
    grid = images.make_grid(tiles, nrow=3, padding=1)
    assert grid.shape == (2 * 3 + 1, 3 * 3 + 1, 1)
    assert grid[1, 1, 0] == 0 and grid[1, 4, 0] == 1 and grid[4, 1, 0] == 3
