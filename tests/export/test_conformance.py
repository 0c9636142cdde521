"""Exports load and answer the way TensorFlow Serving loads and calls them.

For every family: the SavedModel holds exactly the documented signatures, in
float32, and no XLA ops, `saved_model_cli run` in a fresh
process reproduces the in-memory generator, a seed's sample does not depend
on its batch, and the warm-up records replay. Then the client talks REST and
gRPC to an emulator of the server (tests/export/tf_serving_emulator.py), with
bad requests rejected the way the server rejects them.
"""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow_serving.apis import prediction_log_pb2
from tensorflow_serving.config import model_server_config_pb2

from keras_gan import export, images
from keras_gan.core import families, get_family
from keras_gan.models import CycleGAN
from keras_gan.serving import Client, ServingError, decode_response, encode_request, to_pil

from .tf_serving_emulator import Emulator, Servable

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def trained(family):
    fam = get_family(family)
    model = fam.make_model()
    model.compile()
    model.fit(tf.data.Dataset.from_tensor_slices(fam.make_batch(16)).batch(8), epochs=1, verbose=0)
    return model


@pytest.fixture(scope="module", params=sorted(families()))
def exported(request, tmp_path_factory):
    model = trained(request.param)
    base = tmp_path_factory.mktemp(request.param)
    path = export.export(model, name=request.param, base_dir=base)
    return request.param, model, path


def signatures(model):
    return {"serving_default", *model.serving_endpoints()}


def first_signature(model):
    return next(iter(model.serving_endpoints()))


def output_key(model):
    return "samples" if len(model.data_shape) == 1 else "images"


def answer(family, model, n):
    fam = get_family(family)
    request = fam.request(n)
    return request, fam.probe(model, request)


def test_layout(exported):
    family, model, path = exported
    model_dir = path.parent
    assert path.name == "1" and (path / "saved_model.pb").exists()
    assert {"models.config", "batching_parameters.txt", "README.md"} <= {
        p.name for p in model_dir.iterdir()
    }
    config = text_format.Parse(
        (model_dir / "models.config").read_text(), model_server_config_pb2.ModelServerConfig()
    )
    (entry,) = config.model_config_list.config
    assert (
        entry.name == family
        and entry.base_path == f"/models/{family}"
        and entry.model_platform == "tensorflow"
    )
    batching = (model_dir / "batching_parameters.txt").read_text()
    assert re.search(r"max_batch_size \{ value: 64 \}", batching)
    readme = (model_dir / "README.md").read_text()
    assert (
        "tensorflow/serving:latest-gpu" in readme
        and "--gpus all" in readme
        and ":predict" in readme
    )
    meta = json.loads((path / "assets.extra" / "keras_gan.json").read_text())
    assert meta["model_class"] == type(model).__name__
    # only the sampling side: no discriminator, no optimizer state
    assert not any(
        "discriminator" in v.name or "critic" in v.name
        for v in tf.saved_model.load(str(path)).variables
    )
    n_vars = len(tf.saved_model.load(str(path)).variables)
    assert n_vars == sum(len(net.variables) for net in model.export_networks())


def test_saved_model_holds_the_signatures_in_float32_and_no_xla(exported):
    """Read from saved_model.pb, the file TF Serving loads (what `saved_model_cli show
    --all` prints; `saved_model_cli run` below runs the export in a fresh process)."""
    family, model, path = exported
    sm = saved_model_pb2.SavedModel()
    sm.ParseFromString((path / "saved_model.pb").read_bytes())
    (meta,) = sm.meta_graphs
    assert "serve" in meta.meta_info_def.tags
    assert set(meta.signature_def) - {"__saved_model_init_op"} == signatures(model)
    for name, sig in meta.signature_def.items():
        dtypes = {t.dtype for t in [*sig.inputs.values(), *sig.outputs.values()]}
        assert tf.float16.as_datatype_enum not in dtypes, name
    # no XLA: no Xla* ops and no function marked for XLA compilation
    graph = meta.graph_def
    ops = {n.op for n in graph.node} | {n.op for f in graph.library.function for n in f.node_def}
    assert not [op for op in ops if op.startswith("Xla")], ops
    for f in graph.library.function:
        assert not f.attr["_XlaMustCompile"].b, f.signature.name


def test_saved_model_cli_run_matches_the_in_memory_model(exported, tmp_path):
    family, model, path = exported
    request, want = answer(family, model, 3)
    # typed inputs as .npy files (--input_exprs only takes Python literals)
    specs = []
    for name, value in request.items():
        value = value.astype(bytes) if value.dtype == object else value
        np.save(tmp_path / f"{name}.npy", value)
        specs.append(f"{name}={tmp_path / f'{name}.npy'}")
    out_dir = tmp_path / "out"
    r = subprocess.run(
        ["saved_model_cli", "run", "--dir", str(path), "--tag_set", "serve"]
        + ["--signature_def", first_signature(model), "--inputs", ";".join(specs)]
        + ["--outdir", str(out_dir)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    got = np.load(out_dir / f"{output_key(model)}.npy")
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_batch_independence_latent_and_image_outputs(exported):
    family, model, path = exported
    loaded = tf.saved_model.load(str(path))
    serve = loaded.signatures["serving_default"]
    key = output_key(model)
    request = get_family(family).request(3)
    three = serve(**{k: tf.constant(v) for k, v in request.items()})
    one = serve(**{k: tf.constant(v[2:3]) for k, v in request.items()})
    np.testing.assert_allclose(three[key].numpy()[2], one[key].numpy()[0], atol=1e-6)
    if "from_latent" in signatures(model):
        from keras_gan.models import latent_from_seeds

        z = latent_from_seeds(request["seed"], model.latent_dim)
        extra = {k: tf.constant(v) for k, v in request.items() if k != "seed"}
        via_z = loaded.signatures["from_latent"](z=z, **extra)
        np.testing.assert_allclose(via_z[key].numpy(), three[key].numpy(), atol=1e-6)
    if key == "images":
        out = three
        assert out["images"].dtype == tf.float32 and out["images_uint8"].dtype == tf.uint8
        png = to_pil({"png_bytes": out["png_bytes"].numpy()})
        np.testing.assert_array_equal(
            np.asarray(png[0]).reshape(out["images_uint8"].shape[1:]),
            out["images_uint8"].numpy()[0],
        )
        np.testing.assert_array_equal(
            out["images_uint8"].numpy(), images.to_uint8(out["images"].numpy())
        )


def test_warmup_records_replay(exported):
    family, model, path = exported
    records = list(
        tf.data.TFRecordDataset(str(path / "assets.extra" / "tf_serving_warmup_requests"))
    )
    servable = Servable(family, path.parent)
    seen = set()
    for raw in records:
        log = prediction_log_pb2.PredictionLog()
        log.ParseFromString(raw.numpy())
        request = log.predict_log.request
        assert request.model_spec.name == family
        response = servable.predict(request)
        assert response.outputs
        seen.add(request.model_spec.signature_name)
    assert seen == set(model.serving_endpoints())


def test_rest_and_grpc_clients(exported):
    family, model, path = exported
    key = output_key(model)
    inputs, want = answer(family, model, 2)
    signature = first_signature(model)
    with Emulator({family: path.parent}) as em:
        rest = Client(f"localhost:{em.rest_port}")
        for fmt in ("row", "columnar"):
            out = rest.predict(family, inputs, signature=signature, format=fmt)
            np.testing.assert_allclose(out[key], want, atol=1e-5)
            if key == "images":
                assert out["images_uint8"].dtype == np.uint8
                assert (
                    isinstance(out["png_bytes"][0], bytes) and out["png_bytes"][0][:4] == b"\x89PNG"
                )
        out = Client(f"grpc://127.0.0.1:{em.grpc_port}").predict(family, inputs)
        np.testing.assert_allclose(out[key], want, atol=1e-5)
        assert rest.status(family)["model_version_status"][0]["state"] == "AVAILABLE"
        meta = rest.metadata(family)
        assert set(meta["metadata"]["signature_def"]["signatureDef"]) >= signatures(model)
        grpc_status = Client(f"grpc://127.0.0.1:{em.grpc_port}").status(family)
        assert grpc_status["model_version_status"][0]["state"] == "AVAILABLE"
        grpc_meta = Client(f"grpc://127.0.0.1:{em.grpc_port}").metadata(family)
        assert grpc_meta["modelSpec"]["name"] == family


@pytest.fixture(scope="module")
def served_cgan(tmp_path_factory):
    model = trained("cgan")
    path = export.export(model, name="cgan", base_dir=tmp_path_factory.mktemp("served"))
    with Emulator({"cgan": path.parent}) as em:
        yield model, em


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
@pytest.mark.parametrize(
    "inputs,message",
    [
        ({"seed": np.array([1.5, 2.0]), "label": np.array([0, 1], np.int32)}, r"int64"),
        ({"seed": np.array([[1, 2]], np.int64), "label": np.array([[0, 1]], np.int32)}, r"shape"),
        ({"seed": np.array([1, 2], np.int64)}, r"Missing input\(s\): label"),
        (
            {"seed": np.array([1, 2], np.int64), "label": np.array([0, 7], np.int32)},
            r"label must be in \[0, 3\)",
        ),
        (
            {"seed": np.array([1, 2], np.int64), "label": np.array([-1, 0], np.int32)},
            r"negative label",
        ),
    ],
    ids=["wrong-dtype", "wrong-rank", "missing-input", "label-too-big", "label-negative"],
)
def test_bad_requests_are_rejected(served_cgan, protocol, inputs, message):
    model, em = served_cgan
    url = f"localhost:{em.rest_port}" if protocol == "rest" else f"grpc://127.0.0.1:{em.grpc_port}"
    fmt = "columnar" if inputs["seed"].ndim > 1 else "row"
    if protocol == "grpc" and inputs["seed"].dtype.kind == "f":
        inputs = {**inputs, "seed": inputs["seed"].astype(np.float32)}
    with pytest.raises(ServingError, match=message) as e:
        Client(url).predict("cgan", inputs, format=fmt)
    assert e.value.status in (400, "INVALID_ARGUMENT")


def test_unknown_model_and_signature(served_cgan):
    _, em = served_cgan
    client = Client(f"localhost:{em.rest_port}")
    with pytest.raises(ServingError, match="404.*Servable not found"):
        client.predict("nope", {"seed": [1]})
    with pytest.raises(ServingError, match="not found in signature def"):
        client.predict("cgan", {"seed": [1], "label": [0]}, signature="sample")


def test_rest_json_follows_the_documented_encoding():
    body = encode_request(
        {"seed": np.array([1, 2]), "image_bytes": [b"\x89PNG", b"\x00\xff"]}, "a_to_b"
    )
    assert body == {
        "signature_name": "a_to_b",
        "instances": [
            {"seed": 1, "image_bytes": {"b64": "iVBORw=="}},
            {"seed": 2, "image_bytes": {"b64": "AP8="}},
        ],
    }
    col = encode_request(
        {"text": np.array(["a thin 3", "a 7"], dtype=object), "seed": [1, 2]}, format="columnar"
    )
    assert col["inputs"] == {"text": ["a thin 3", "a 7"], "seed": [1, 2]}
    with pytest.raises(ValueError, match="same batch size"):
        encode_request({"seed": [1, 2], "label": [0]})
    resp = decode_response(
        {
            "predictions": [
                {"images_uint8": [[[0]]], "png_bytes": {"b64": "AAE="}},
                {"images_uint8": [[[255]]], "png_bytes": {"b64": "AgM="}},
            ]
        }
    )
    assert resp["images_uint8"].dtype == np.uint8 and resp["images_uint8"].shape == (2, 1, 1, 1)
    assert list(resp["png_bytes"]) == [b"\x00\x01", b"\x02\x03"]
    assert decode_response({"outputs": {"images": [[0.5]]}})["images"].dtype == np.float32
    with pytest.raises(ServingError, match="boom"):
        decode_response({"error": "boom"})


def test_export_versions_and_overwrite(tmp_path):
    model = get_family("gan").make_model()
    assert export.export(model, name="m", base_dir=tmp_path).name == "1"
    assert export.export(model, name="m", base_dir=tmp_path).name == "2"
    with pytest.raises(FileExistsError, match="already exists.*overwrite=True"):
        export.export(model, name="m", base_dir=tmp_path, version=1)
    export.export(model, name="m", base_dir=tmp_path, version=1, overwrite=True)
    assert sorted(p.name for p in (tmp_path / "m").iterdir() if p.name.isdigit()) == ["1", "2"]
    assert not [p for p in (tmp_path / "m").iterdir() if p.name.startswith(".")]


def test_unwritable_export_dir(tmp_path):
    if os.geteuid() == 0:
        target = tmp_path / "file"
        target.write_text("x")
        with pytest.raises(NotADirectoryError, match="is a file"):
            export.export(get_family("gan").make_model(), name="m", base_dir=target)
        return
    tmp_path.chmod(0o500)
    with pytest.raises(PermissionError, match="not writable"):
        export.export(get_family("gan").make_model(), name="m", base_dir=tmp_path / "sm")


def test_cli_predict_against_the_emulator(served_cgan, tmp_path):
    _, em = served_cgan
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_gan.cli",
            "predict",
            "--url",
            f"localhost:{em.rest_port}",
            "--model",
            "cgan",
            "--seed",
            "1",
            "2",
            "3",
            "--label",
            "0",
            "1",
            "2",
            "--out",
            str(tmp_path / "p.png"),
        ],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "p.png").stat().st_size > 100
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_gan.cli",
            "predict",
            "--url",
            f"localhost:{em.rest_port}",
            "--model",
            "cgan",
            "--seed",
            "1",
            "--label",
            "9",
        ],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
        cwd=tmp_path,
    )
    assert r.returncode == 1 and "label must be in [0, 3)" in r.stderr


def test_cyclegan_export_conformance(tmp_path):
    """CycleGAN's own signatures: a_to_b / b_to_a from uint8 images or encoded bytes."""
    model = CycleGAN(image_shape=(16, 16, 1), filters=4, num_res_blocks=1, d_filters=4, seed=1)
    model.compile()
    path = export.export(model, name="cyclegan", base_dir=tmp_path)
    r = subprocess.run(
        ["saved_model_cli", "show", "--all", "--dir", str(path)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    found = set(re.findall(r"signature_def\['(\w+)'\]", r.stdout)) - {"__saved_model_init_op"}
    assert found == {"serving_default", "a_to_b", "b_to_a", "a_to_b_bytes", "b_to_a_bytes"}
    assert "Xla" not in r.stdout
    x = np.random.default_rng(0).integers(0, 256, (3, 16, 16, 1)).astype(np.uint8)
    np.save(tmp_path / "x.npy", x)
    r = subprocess.run(
        ["saved_model_cli", "run", "--dir", str(path), "--tag_set", "serve"]
        + ["--signature_def", "b_to_a", "--inputs", f"images_uint8={tmp_path / 'x.npy'}"]
        + ["--outdir", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    want = model.translate(x, "b_to_a")
    np.testing.assert_allclose(np.load(tmp_path / "out" / "images.npy"), want, atol=1e-5)
    png = np.array([tf.io.encode_png(i).numpy() for i in x], dtype=object)
    with Emulator({"cyclegan": path.parent}) as em:
        out = Client(f"localhost:{em.rest_port}").predict(
            "cyclegan", {"image_bytes": png}, signature="b_to_a_bytes"
        )
        np.testing.assert_allclose(out["images"], want, atol=1e-5)
        out = Client(f"grpc://127.0.0.1:{em.grpc_port}").predict(
            "cyclegan", {"images_uint8": x}, signature="b_to_a"
        )
        np.testing.assert_allclose(out["images"], want, atol=1e-5)
