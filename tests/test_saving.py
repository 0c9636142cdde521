"""Missing, truncated and corrupt .keras files give errors that say what is wrong."""

import zipfile

import pytest

from keras_gan import saving
from keras_gan.models import GAN


@pytest.fixture
def saved(tmp_path):
    model = GAN(data_shape=(4,), latent_dim=2, hidden_units=(8,), output_activation="linear")
    model.compile()
    return saving.save_model(model, tmp_path / "m.keras")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No model file at .*keras-gan train"):
        saving.load_model(tmp_path / "nope.keras")


def test_truncated_file(saved, tmp_path):
    bad = tmp_path / "truncated.keras"
    bad.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    with pytest.raises(saving.ModelFileError, match="truncated or corrupt"):
        saving.load_model(bad)


def test_corrupt_member(saved, tmp_path):
    raw = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as zf:
        info = zf.getinfo("config.json")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw[start + 5] ^= 0xFF
    bad = tmp_path / "corrupt.keras"
    bad.write_bytes(bytes(raw))
    with pytest.raises(saving.ModelFileError, match="corrupt|Could not rebuild"):
        saving.load_model(bad)


def test_not_a_model(tmp_path):
    bad = tmp_path / "other.keras"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(saving.ModelFileError, match="no config.json"):
        saving.load_model(bad)


def test_save_is_atomic(saved, tmp_path, monkeypatch):
    before = saved.read_bytes()
    model = saving.load_model(saved)

    def boom(self, path, *a, **k):
        open(path, "wb").write(b"partial")
        raise KeyboardInterrupt("killed while writing")

    monkeypatch.setattr(type(model), "save", boom)
    with pytest.raises(KeyboardInterrupt):
        saving.save_model(model, saved)
    assert saved.read_bytes() == before  # the previous file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]  # no temp file left
