"""Served models that hostile or careless requests cannot hurt (issue 38).

Every family's tiny model is exported once for the module with a small
per-request limit (`LIMIT` items), then driven the way a server is: request
sizes around the limit, empty batches, any int64 seed, NaN and Inf latents,
labels and captions of every kind, and encoded images of every kind (right
and wrong sizes and channels, other formats, truncated and corrupted files,
decompression bombs). Property-based tests (hypothesis) draw the requests.
Every request either answers correctly (the right number of items, finite
values in [-1, 1]) or is refused with INVALID_ARGUMENT; nothing else. The REST
encoder and decoder of `keras_gan.serving` are fuzzed the same way, and the
load test (tools/serving_load_test.py) runs with tiny numbers.

Speed is not asserted (the project's rule); a refused bomb's cost is
asserted in memory, measured in a fresh process.
"""

import json
import math
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from tensorflow_serving.apis import predict_pb2

from keras_gan import export
from keras_gan.cli import build_parser
from keras_gan.core import families, get_family
from keras_gan.core.seeds import latent_from_seeds
from keras_gan.serving import ServingError, decode_response, encode_request
from tools.serving_load_test import bomb_cost, encode, jpeg_bomb, png_bomb

from .tf_serving_emulator import Servable, ServingFailure, _from_json

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="SavedModels are exported on TensorFlow"
)

LIMIT = 8  # max_request_size of the module's exports: over-limit requests stay cheap
INT64 = np.iinfo(np.int64)
INT32 = np.iinfo(np.int32)
CAPTIONS = ["a thick 7 leaning right", "a 0", "the digit three", "2"]
# Few examples per test keep the module to minutes on one core; raise them to fuzz harder.
EXAMPLES = int(os.environ.get("KERAS_GAN_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # writes nothing into the tree
    derandomize=EXAMPLES <= 25,  # the default suite draws the same requests every run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class Exported:
    family: str
    path: Path  # the version folder
    servable: Servable  # the export as the emulator loads it
    meta: dict  # assets.extra/keras_gan.json

    @property
    def signatures(self):
        """The signatures to drive (serving_default repeats one of them)."""
        return sorted(s for s in self.servable.loaded.signatures if s != "serving_default")

    def spec(self, signature):
        return self.servable.loaded.signatures[signature].structured_input_signature[1]

    def call(self, signature, inputs):
        spec = self.spec(signature)
        fn = self.servable.loaded.signatures[signature]
        return fn(**{k: tf.constant(v, dtype=spec[k].dtype) for k, v in inputs.items()})

    def image_checks(self, signature):
        return self.meta["request_checks"][signature].get("image_bytes")


def _ready(fam, servable):
    """Whether the export answers a good request (text2image learns its vocabulary in fit)."""
    try:
        servable.loaded.signatures["serving_default"](
            **{k: tf.constant(v) for k, v in fam.request(1).items()}
        )
        return True
    except tf.errors.FailedPreconditionError:
        return False


def _export(family, base):
    fam = get_family(family)
    model = fam.make_model()
    kwargs = dict(name=family, base_dir=base, max_request_size=LIMIT, max_batch_size=LIMIT)
    try:
        path = export.export(model, **kwargs)
        servable = Servable(family, path.parent)
        ready = _ready(fam, servable)
    except RuntimeError:  # text2image refuses an export before fit has learnt its vocabulary
        ready = False
    if not ready:  # a model that cannot serve untrained: one short epoch
        model.compile()
        data = tf.data.Dataset.from_tensor_slices(fam.make_batch(16)).batch(8)
        model.fit(data, epochs=1, verbose=0)
        path = export.export(model, **kwargs, version=1, overwrite=True)
        servable = Servable(family, path.parent)
    meta = json.loads((path / "assets.extra" / "keras_gan.json").read_text())
    return Exported(family, path, servable, meta)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """Every family exported once (max_request_size=LIMIT), loaded as the emulator loads it."""
    base = tmp_path_factory.mktemp("hostile")
    return {family: _export(family, base) for family in sorted(families())}


FAMILIES = sorted(families())
# what each family serves, from its declared serving_default request
GENERATORS = [f for f in FAMILIES if "seed" in get_family(f).request(1)]
TRANSLATORS = [f for f in FAMILIES if "images_uint8" in get_family(f).request(1)]


# --- good inputs of any signature ------------------------------------------------------------


def good_inputs(ex, signature, n, rng):
    """A request of ``n`` good items for ``signature``."""
    out = {}
    for name, spec in ex.spec(signature).items():
        if name == "seed":
            out[name] = rng.integers(INT64.min, INT64.max, n, dtype=np.int64, endpoint=True)
        elif name == "z":
            out[name] = rng.standard_normal((n, spec.shape[1])).astype(np.float32)
        elif name == "label":
            out[name] = rng.integers(0, ex.meta["num_classes"], n).astype(np.int32)
        elif name == "text":
            out[name] = np.array([CAPTIONS[i % len(CAPTIONS)] for i in range(n)], dtype=object)
        elif name == "images_uint8":
            out[name] = rng.integers(0, 256, (n, *spec.shape[1:])).astype(np.uint8)
        elif name == "image_bytes":
            img = ex.image_checks(signature)
            shape = (img["height"], img["width"], img["channels"])
            items = [encode(rng.integers(0, 256, shape), "PNG") for _ in range(n)]
            out[name] = np.array(items, dtype=object).reshape(n)
        else:
            raise AssertionError(f"{ex.family}/{signature}: no good values for input {name!r}")
    return out


def assert_answers(ex, signature, out, n):
    """A correct answer: ``n`` items, finite images in [-1, 1] and their uint8 / PNG forms."""
    out = {k: v.numpy() for k, v in out.items()}
    key = "images" if "images" in out else "samples"
    assert len(out[key]) == n, (ex.family, signature, {k: v.shape for k, v in out.items()})
    assert np.all(np.isfinite(out[key])), (ex.family, signature)
    if key == "images":
        assert out[key].size == 0 or np.abs(out[key]).max() <= 1.0
        assert out["images_uint8"].dtype == np.uint8 and len(out["images_uint8"]) == n
        assert len(out["png_bytes"]) == n


def assert_refused(ex, signature, inputs, pattern):
    with pytest.raises(tf.errors.InvalidArgumentError, match=pattern):
        ex.call(signature, inputs)


# --- limits, non-finite z, seeds, empty batches ---------------------------------------------


@pytest.mark.parametrize("family", FAMILIES)
def test_every_signature_takes_up_to_the_limit_and_refuses_more(exports, family):
    ex = exports[family]
    rng = np.random.default_rng(0)
    for signature in ex.signatures:
        assert_answers(
            ex, signature, ex.call(signature, good_inputs(ex, signature, LIMIT, rng)), LIMIT
        )
        over = good_inputs(ex, signature, LIMIT + 1, rng)
        assert_refused(ex, signature, over, rf"at most {LIMIT} items.*has\] \[{LIMIT + 1}\]")
        # an empty batch answers an empty result
        assert_answers(ex, signature, ex.call(signature, good_inputs(ex, signature, 0, rng)), 0)
    if "generate" in ex.signatures:
        # a million seeds (tens of GB of samples) are refused before any work
        one = good_inputs(ex, "generate", 1, rng)
        million = {k: np.repeat(v, 1_000_000, axis=0) for k, v in one.items()}
        assert_refused(ex, "generate", million, rf"at most {LIMIT} items.*\[1000000\]")


@pytest.mark.parametrize("family", GENERATORS)
def test_from_latent_refuses_non_finite_z(exports, family):
    ex = exports[family]
    assert "from_latent" in ex.signatures
    rng = np.random.default_rng(1)
    for value in (np.nan, np.inf, -np.inf):
        inputs = good_inputs(ex, "from_latent", 3, rng)
        inputs["z"][1, -1] = value
        assert_refused(ex, "from_latent", inputs, r"z must be finite.*\[1\] \[NaN or Inf")


@pytest.mark.parametrize("family", GENERATORS)
def test_any_int64_is_a_seed(exports, family):
    ex = exports[family]
    assert "generate" in ex.signatures
    rng = np.random.default_rng(2)
    inputs = good_inputs(ex, "generate", 5, rng)
    inputs["seed"] = np.array([INT64.min, -1, 0, 2**62 + 12345, INT64.max], np.int64)
    out = ex.call("generate", inputs)
    assert_answers(ex, "generate", out, 5)
    # the same samples as their latent vectors (the numpy Philox reproduces the graph's)
    z = latent_from_seeds(inputs["seed"], ex.meta["latent_dim"])
    via_z = ex.call("from_latent", {"z": z, **{k: v for k, v in inputs.items() if k != "seed"}})
    key = "images" if "images" in out else "samples"
    np.testing.assert_allclose(via_z[key].numpy(), out[key].numpy(), atol=1e-5)


@pytest.mark.parametrize("family", FAMILIES)
def test_inputs_of_one_request_must_agree_in_length(exports, family):
    ex = exports[family]
    rng = np.random.default_rng(3)
    for signature in ex.signatures:
        spec = ex.spec(signature)
        if len(spec) < 2:
            continue
        inputs = good_inputs(ex, signature, 3, rng)
        condition = next(k for k in sorted(spec) if k not in ("seed", "z"))
        inputs[condition] = inputs[condition][:2]
        assert_refused(ex, signature, inputs, rf"{condition} must hold one value per")


# --- decompression bombs ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def bombs():
    return {"PNG": png_bomb(), "JPEG": jpeg_bomb()}


@pytest.mark.parametrize("family", TRANSLATORS)
def test_image_bombs_are_refused_from_their_header(exports, family, bombs):
    ex = exports[family]
    signatures = [s for s in ex.signatures if ex.image_checks(s)]
    assert signatures, f"{family} serves no *_bytes signature"
    assert len(bombs["PNG"]) < 400_000  # 389 KB that decode to 400 MB
    for signature in signatures:
        img = ex.image_checks(signature)
        want = re.escape(
            f"image_bytes must be {img['width']}x{img['height']} (width x height) PNG or JPEG "
            f"images with {img['channels']} channel(s); got item 0: a 20000x20000"
        )
        for kind, data in bombs.items():
            assert_refused(
                ex, signature, {"image_bytes": np.array([data], dtype=object)}, want + f" {kind}"
            )


def test_a_refused_bomb_costs_no_memory(exports):
    """Measured in a fresh process: the peak resident set grows by (almost) nothing while
    a 20,000 x 20,000 PNG or JPEG is refused (decoding it took 400 MB before issue 38)."""
    translators = [ex for ex in exports.values() if any(ex.image_checks(s) for s in ex.signatures)]
    assert translators, "no family serves encoded images"
    rows = bomb_cost([ex.path for ex in translators])  # one process for all
    measured = {(Path(r["export"]), r["signature"], r["image"]) for r in rows}
    assert measured == {
        (ex.path, s, bomb)
        for ex in translators
        for s in ex.signatures
        if ex.image_checks(s)
        for bomb in ("PNG bomb 20000x20000", "JPEG bomb 20000x20000")
    }
    for r in rows:
        assert r["refused"] and "image_bytes must be" in r["refused"], r
        assert r["peak_rss_growth_mb"] < 100, r


# --- fuzzed requests: every answer is right, every refusal INVALID_ARGUMENT -------------------


def _patched_size(png, width, height):
    """A PNG whose IHDR claims another size (its CRC left stale: a header-only lie)."""
    return png[:16] + struct.pack(">II", width, height) + png[24:]


@st.composite
def image_item(draw, shape, jpeg_ok):
    """(encoded image, verdict): "good", "bad" (must be refused) or "maybe" (either)."""
    h, w, c = shape
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (h, w, c)).astype(np.uint8)
    kind = draw(
        st.sampled_from(
            [
                "png",
                "jpeg",
                "png16",
                "size",
                "channels",
                "bomb",
                "other",
                "random",
                "truncated",
                "corrupt",
                "empty",
            ]
        )
    )
    if kind == "png":
        return encode(pixels, "PNG"), "good"
    if kind == "jpeg":
        return encode(pixels, "JPEG"), ("good" if jpeg_ok else "bad")
    if kind == "png16":  # 16 bits per sample: decoded to 8
        if c != 1:
            return encode(pixels, "PNG"), "good"
        return tf.io.encode_png(pixels.astype(np.uint16) * 257).numpy(), "good"
    if kind == "size":
        dh, dw = draw(st.sampled_from([(1, 0), (0, 1), (-1, 0), (h, w), (1 - h, 1 - w)]))
        other = np.zeros((h + dh, w + dw, c), np.uint8)
        fmt = draw(st.sampled_from(["PNG", "JPEG"]))
        return encode(other, fmt), "bad"
    if kind == "channels":
        other_c = draw(st.sampled_from([n for n in (1, 3, 4) if n != c]))
        return encode(np.zeros((h, w, other_c), np.uint8), "PNG"), "bad"
    if kind == "bomb":
        side = draw(st.sampled_from([20_000, 2**31 - 1, 2**32 - 1, 0]))
        return _patched_size(encode(pixels, "PNG"), side, side), "bad"
    if kind == "other":
        fmt = draw(st.sampled_from(["GIF", "BMP", "WEBP", "TIFF"]))
        return encode(pixels[..., 0], fmt), "bad"
    if kind == "random":
        data = draw(st.binary(max_size=64))
        unsure = data.startswith((b"\x89PNG", b"\xff\xd8\xff"))
        return data, ("maybe" if unsure else "bad")
    if kind == "truncated":
        data = encode(pixels, draw(st.sampled_from(["PNG", "JPEG"])))
        cut = draw(st.integers(0, len(data) - 1))
        return data[:cut], ("bad" if data[:1] == b"\x89" and cut < 33 else "maybe")
    if kind == "corrupt":
        data = bytearray(encode(pixels, "PNG"))
        for at in draw(st.lists(st.integers(33, len(data) - 1), min_size=1, max_size=8)):
            data[at] ^= 0xFF
        return bytes(data), "maybe"
    return b"", "bad"


@st.composite
def typed_request(draw, ex, signature):
    """Inputs of the signature's dtypes and ranks, with anything in them, and the verdict:
    (inputs, refusals that must come (regexes), whether a refusal may come)."""
    spec = ex.spec(signature)
    main = next(k for k in ("seed", "z", "images_uint8", "image_bytes") if k in spec)
    n = draw(st.one_of(st.integers(0, 3), st.sampled_from([LIMIT, LIMIT + 1])))
    lengths = dict.fromkeys(spec, n)
    if len(spec) > 1 and draw(st.integers(0, 4)) == 0:
        other = draw(st.sampled_from(sorted(set(spec) - {main})))
        lengths[other] = draw(st.integers(0, LIMIT + 1).filter(lambda m: m != n))
    must, maybe, inputs = [], False, {}
    if lengths[main] > LIMIT:
        must.append(rf"at most {LIMIT} items")
    if len(set(lengths.values())) > 1:
        must.append(r"must hold one value per")
    for name, ts in spec.items():
        m = lengths[name]
        if name == "seed":
            inputs[name] = draw(hnp.arrays(np.int64, m, elements=st.integers(INT64.min, INT64.max)))
        elif name == "z":
            wild = draw(st.booleans())
            elements = st.floats(width=32) if wild else st.floats(-6, 6, width=32)
            z = draw(hnp.arrays(np.float32, (m, ts.shape[1]), elements=elements))
            if not np.all(np.isfinite(z)):
                must.append(r"z must be finite")
            elif z.size and np.abs(z).max() > 1e3:
                maybe = True  # a finite but enormous z may drive the samples to NaN: refused
            inputs[name] = z
        elif name == "label":
            k = ex.meta["num_classes"]
            elements = st.one_of(st.integers(0, k - 1), st.integers(INT32.min, INT32.max))
            labels = draw(hnp.arrays(np.int32, m, elements=elements))
            if np.any((labels < 0) | (labels >= k)):
                must.append(r"label must be in")
            inputs[name] = labels
        elif name == "text":
            texts = draw(
                st.lists(
                    st.one_of(
                        st.sampled_from(CAPTIONS),
                        st.text(max_size=30),
                        st.binary(max_size=30),  # often not UTF-8
                        st.just("a 7 " * 2000),
                    ),
                    min_size=m,
                    max_size=m,
                )
            )
            if any(isinstance(t, bytes) for t in texts):
                maybe = True
            if any(
                not (t if isinstance(t, bytes) else t.encode()).strip(b" \t\n\v\f\r") for t in texts
            ):
                must.append(r"non-empty caption")
            arr = np.empty(m, dtype=object)
            arr[:] = texts
            inputs[name] = arr
        elif name == "images_uint8":
            inputs[name] = draw(hnp.arrays(np.uint8, (m, *ts.shape[1:])))
        elif name == "image_bytes":
            img = ex.image_checks(signature)
            shape = (img["height"], img["width"], img["channels"])
            items = draw(
                st.lists(image_item(shape, "JPEG" in img["formats"]), min_size=m, max_size=m)
            )
            verdicts = {v for _, v in items}
            if "bad" in verdicts:
                must.append(r"image_bytes must be")
            maybe = maybe or "maybe" in verdicts
            arr = np.empty(m, dtype=object)
            arr[:] = [d for d, _ in items]
            inputs[name] = arr
        else:
            raise AssertionError(f"{ex.family}/{signature}: no strategy for input {name!r}")
    return inputs, must, maybe


@pytest.mark.parametrize("family", FAMILIES)
def test_fuzzed_requests_answer_or_are_refused(exports, family):
    ex = exports[family]

    @FUZZ
    @given(data=st.data())
    def run(data):
        signature = data.draw(st.sampled_from(ex.signatures), label="signature")
        inputs, must, maybe = data.draw(typed_request(ex, signature), label="request")
        try:
            out = ex.call(signature, inputs)
        except tf.errors.InvalidArgumentError as e:
            assert must or maybe, f"{signature} refused a good request: {e.message[-500:]}"
            if len(must) == 1 and not maybe:  # one reason: the message names it
                assert re.search(must[0], e.message), (must, e.message[-500:])
            return
        assert not must, f"{signature} answered a request it must refuse ({must})"
        assert_answers(ex, signature, out, len(next(iter(inputs.values()))))

    run()


@st.composite
def any_tensor_request(draw, ex):
    """A PredictRequest with inputs of any dtype and shape (sometimes one missing or extra)."""
    signature = draw(st.sampled_from(ex.signatures))
    spec = ex.spec(signature)
    names = sorted(spec)
    if draw(st.integers(0, 5)) == 0:
        names = names[1:] if draw(st.booleans()) else names + ["extra"]
    request = predict_pb2.PredictRequest()
    request.model_spec.name = ex.family
    request.model_spec.signature_name = signature
    n = draw(st.integers(0, LIMIT + 1))
    for name in names:
        ts = spec.get(name)
        if ts is not None and draw(st.booleans()):  # the right dtype and rank, any batch
            dtype = ts.dtype
            shape = (n, *ts.shape[1:])
        else:
            dtype = draw(
                st.sampled_from(
                    [tf.int32, tf.int64, tf.float32, tf.float64, tf.uint8, tf.string, tf.bool]
                )
            )
            shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3))
        if dtype == tf.string:
            value = draw(hnp.arrays(object, shape, elements=st.binary(max_size=40)))
        else:
            value = draw(hnp.arrays(dtype.as_numpy_dtype, shape))
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value, dtype=dtype))
    return signature, request


@pytest.mark.parametrize("family", FAMILIES)
def test_requests_of_any_dtype_and_shape_answer_or_are_refused(exports, family):
    """Through the server's own input checks (the emulator's, as TF Serving's)."""
    ex = exports[family]

    @FUZZ
    @given(data=st.data())
    def run(data):
        signature, request = data.draw(any_tensor_request(ex), label="request")
        try:
            response = ex.servable.predict(request)
        except ServingFailure as e:
            assert e.code.name == "INVALID_ARGUMENT", (e.code, str(e)[-500:])
            return
        out = {k: tf.constant(tf.make_ndarray(v)) for k, v in response.outputs.items()}
        items = {len(v) for v in out.values()}
        assert len(items) == 1, {k: v.shape for k, v in out.items()}
        assert_answers(ex, signature, out, items.pop())

    run()


# --- the REST encoder and decoder --------------------------------------------------------------

NUMERIC = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32]
NUMERIC += [np.float16, np.float32, np.float64, np.bool_]


@st.composite
def rest_input(draw, batch):
    """(name, value) of one REST input: numbers, text, bytes, or something JSON cannot carry."""
    shape = (batch, *draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3)))
    kind = draw(
        st.sampled_from(["numbers", "text", "bytes", "badtext", "complex", "objects", "ragged"])
    )
    if kind == "numbers":
        dtype = draw(st.sampled_from(NUMERIC))
        return draw(st.sampled_from(["seed", "z", "label"])), draw(hnp.arrays(dtype, shape))
    if kind == "text":
        return "text", draw(hnp.arrays(object, shape, elements=st.text(max_size=12)))
    if kind == "bytes":
        return "image_bytes", draw(hnp.arrays(object, shape, elements=st.binary(max_size=12)))
    if kind == "badtext":  # bytes that are not UTF-8, for an input that is not *_bytes
        return "text", np.array(
            [b"\xff\xfe" + bytes([i]) for i in range(batch)] or [b"\xff"], dtype=object
        )
    if kind == "complex":
        return "z", np.ones(shape, np.complex64)
    if kind == "objects":
        return "label", np.array([None, {"a": 1}][: max(1, batch)], dtype=object)
    return "seed", [[1, 2], [3]]


def _same(sent, got):
    sent = np.asarray(sent)
    if sent.dtype == object or sent.dtype.kind in "SU":
        as_bytes = [v if isinstance(v, bytes) else str(v).encode() for v in sent.reshape(-1)]
        back = [v if isinstance(v, bytes) else v.encode() for v in np.asarray(got).reshape(-1)]
        return as_bytes == back
    got = np.asarray(got)
    return got.size == sent.size and np.array_equal(
        got.reshape(sent.shape), sent, equal_nan=sent.dtype.kind == "f"
    )


@FUZZ
@given(data=st.data(), fmt=st.sampled_from(["row", "columnar"]))
def test_rest_encoding_round_trips_or_says_what_is_wrong(data, fmt):
    batch = data.draw(st.integers(0, 3), label="batch")
    pairs = data.draw(st.lists(rest_input(batch), min_size=1, max_size=3), label="inputs")
    inputs = dict(pairs)
    try:
        body = encode_request(inputs, "sig", fmt)
    except (ValueError, TypeError) as e:
        assert len(str(e)) > 20  # a message, not a bare type error
        return
    text = json.dumps(
        body
    )  # always valid JSON for the server (NaN / Infinity as TF Serving reads them)
    back = json.loads(text)
    if fmt == "row":
        columns = {k: [row[k] for row in back["instances"]] for k in inputs}
    else:
        columns = back["inputs"]
    for name, value in inputs.items():
        arr = np.asarray(value)
        dtype = (
            tf.string if arr.dtype == object or arr.dtype.kind in "SU" else tf.as_dtype(arr.dtype)
        )
        got = _from_json(name, columns[name], dtype)  # the server's decoding
        assert _same(arr, got), (name, arr, got)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["b64", "images", "png_bytes", "x"]), children, max_size=2
        )
    ),
    max_leaves=12,
)


@FUZZ
@given(
    body=st.one_of(
        json_values,
        st.fixed_dictionaries({"predictions": json_values}),
        st.fixed_dictionaries({"outputs": json_values}),
        st.fixed_dictionaries(
            {
                "outputs": st.dictionaries(
                    st.sampled_from(["images_uint8", "png_bytes"]), json_values
                )
            }
        ),
    )
)
def test_rest_decoding_returns_arrays_or_a_serving_error(body):
    try:
        out = decode_response(body)
    except ServingError as e:
        assert str(e)
        return
    assert isinstance(out, dict) and all(isinstance(v, np.ndarray) for v in out.values())


def test_rest_encoding_names_the_problem():
    with pytest.raises(ValueError, match="at least one instance"):
        encode_request({"seed": np.zeros([0], np.int64)})
    assert encode_request({"seed": np.zeros([0], np.int64)}, format="columnar")["inputs"] == {
        "seed": []
    }
    with pytest.raises(ValueError, match="'text': item 1 is not UTF-8"):
        encode_request({"text": np.array([b"ok", b"\xff"], dtype=object)})
    with pytest.raises(TypeError, match="complex64.*cannot carry"):
        encode_request({"z": np.ones((1, 2), np.complex64)})
    with pytest.raises(TypeError, match="'label' holds a NoneType"):
        encode_request({"label": np.array([None], dtype=object)})
    with pytest.raises(ValueError, match="'seed' is not a rectangular array"):
        encode_request({"seed": [[1, 2], [3]]})
    with pytest.raises(TypeError, match="dict of input name"):
        encode_request([("seed", [1])])
    # numbers boxed as objects travel as numbers, not strings
    assert encode_request({"seed": np.array([1, 2], dtype=object)})["instances"] == [
        {"seed": 1},
        {"seed": 2},
    ]
    with pytest.raises(ServingError, match="Malformed output 'png_bytes'"):
        decode_response({"outputs": {"png_bytes": [{"b64": "not base64!"}]}})
    with pytest.raises(ServingError, match="same outputs"):
        decode_response({"predictions": [{"images": [0.5]}, 3]})


# --- where the limits are recorded -------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES)
def test_the_limits_are_recorded_and_documented(exports, family):
    ex = exports[family]
    assert ex.meta["max_request_size"] == LIMIT
    assert set(ex.meta["request_checks"]) == set(ex.signatures)
    assert all(c["max_items"] == LIMIT for c in ex.meta["request_checks"].values())
    readme = (ex.path.parent / "README.md").read_text()
    assert f"At most {LIMIT} items per request" in readme
    assert "HTTP 400" in readme and "INVALID_ARGUMENT" in readme
    assert "keras-gan export --max-batch N" in readme
    if "from_latent" in ex.signatures:
        assert "`z` must be finite" in readme
    for signature in ex.signatures:
        img = ex.image_checks(signature)
        if img:
            want = f"`{signature}`: `image_bytes` must be {img['width']}x{img['height']}"
            assert want in readme and "*before* anything is decoded" in readme


def test_export_checks_its_limits(tmp_path):
    model = get_family("gan").make_model()
    for bad in (0, -5, 2.5, True, "64"):
        with pytest.raises(ValueError, match="max_request_size must be a positive integer"):
            export.export(model, name="m", base_dir=tmp_path, max_request_size=bad)
    with pytest.raises(
        ValueError, match=r"max_batch_size \(64\) must not exceed max_request_size \(32\)"
    ):
        export.export(model, name="m", base_dir=tmp_path, max_request_size=32)
    assert not (tmp_path / "m").exists()


def test_cli_export_passes_max_batch(monkeypatch, tmp_path):
    args = build_parser().parse_args(["export", "m.keras"])
    assert args.max_request_size == 1024 and args.max_batch_size == 64
    seen = {}
    monkeypatch.setattr(export, "export_file", lambda *a, **k: seen.update(k) or tmp_path / "1")
    from keras_gan.cli import main

    assert (
        main(["export", str(tmp_path / "m.keras"), "--max-batch", "5", "--max-batch-size", "4"])
        == 0
    )
    assert seen["max_request_size"] == 5 and seen["max_batch_size"] == 4


# --- under load ----------------------------------------------------------------------------


def test_load_test_with_tiny_numbers(exports, tmp_path):
    """tools/serving_load_test.py against two of the module's exports: a few seconds of good
    and hostile requests from two clients; no good request fails, every hostile one is
    refused, and the report holds the figures."""
    from tools.serving_load_test import main

    generator = next(ex for ex in exports.values() if "generate" in ex.signatures)
    translator = next(
        ex for ex in exports.values() if any(ex.image_checks(s) for s in ex.signatures)
    )
    report = tmp_path / "load.json"
    argv = ["--generator", str(generator.path.parent), "--translator", str(translator.path.parent)]
    argv += ["--clients", "2", "--requests", "40", "--json", str(report)]
    argv += ["--markdown", str(tmp_path / "load.md")]
    assert main(argv) == 0
    figures = json.loads(report.read_text())
    assert figures["ok"] and figures["requests_sent"] == 40
    assert figures["good"]["failed"] == 0 and figures["hostile"]["not_refused"] == 0
    assert figures["hostile"]["count"] >= 10  # every hostile kind went out at least once
    assert figures["requests_per_s"] > 0 and figures["latency_ms"]["p99_ms"] > 0
    assert figures["server_memory_mb"]["peak_during_load_sampled"] > 0
    assert math.isfinite(figures["server_memory_mb"]["rss_after_warmup"])
    assert "requests/s" in (tmp_path / "load.md").read_text()
