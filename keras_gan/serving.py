"""A client for generators served by TensorFlow Serving (REST and gRPC).

    from keras_gan.serving import Client
    client = Client("localhost:8501")              # REST
    client = Client("grpc://localhost:8500")       # gRPC
    out = client.predict("dcgan_mnist", {"seed": [1, 2, 3]})
    out["images_uint8"].shape                      # (3, 28, 28, 1)
    pictures = to_pil(out)                         # PIL images from png_bytes

REST follows TF Serving's documented JSON encoding (`api_rest.md`): row
format ``{"instances": [...]}`` or columnar ``{"inputs": {...}}``; values of
inputs and outputs whose name ends in ``_bytes`` travel as ``{"b64": ...}``.
gRPC uses `PredictionService.Predict` with the `tensorflow-serving-api`
messages. Both return ``{output name: numpy array}`` (bytes for ``_bytes``
outputs).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import urllib.error
import urllib.request
from collections.abc import Mapping

import numpy as np


class ServingError(RuntimeError):
    """The server answered with an error (bad request, unknown model, ...)."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


# --- REST JSON encoding ---------------------------------------------------------------


def _as_array(name, value):
    """``value`` as a numpy array, or a ValueError naming the input."""
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as e:
        raise ValueError(
            f"Input {name!r} is not a rectangular array (every item of a batch must have the "
            f"same shape): {e}"
        ) from None


def _text(name, i, v):
    """One string item as JSON text (UTF-8), or a ValueError saying how to send it."""
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(
                f"Input {name!r}: item {i} is not UTF-8 text ({v[:16]!r}...). TF Serving's JSON "
                "carries strings as UTF-8; send binary data in an input whose name ends in "
                "_bytes (base64) or over gRPC."
            ) from None
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"Input {name!r}: item {i} is not valid Unicode text (it holds a lone surrogate)."
        ) from None
    return v


def _encode_value(name, value):
    """One tensor (as nested lists) in TF Serving's JSON encoding.

    Raises:
        ValueError: a ragged array, or text that JSON cannot carry.
        TypeError: a dtype TF Serving's JSON has no encoding for (complex, dates,
            arbitrary objects).
    """
    arr = _as_array(name, value)
    if arr.dtype == object:
        flat = arr.reshape(-1).tolist()
        if not all(isinstance(v, (bytes, str)) for v in flat):
            if all(isinstance(v, (bool, int, float, np.bool_, np.number)) for v in flat):
                arr = _as_array(name, flat).reshape(arr.shape)  # numbers boxed as objects
            else:
                bad = next(v for v in flat if not isinstance(v, (bytes, str)))
                raise TypeError(
                    f"Input {name!r} holds a {type(bad).__name__} ({bad!r:.40}); TF Serving's "
                    "JSON takes numbers, booleans and strings (bytes, base64-encoded, for inputs "
                    "named *_bytes)."
                )
    if arr.dtype.kind in "SUO":
        flat = arr.reshape(-1).tolist()
        if name.endswith("_bytes"):
            enc = [
                {
                    "b64": base64.b64encode(
                        v if isinstance(v, bytes) else _text(name, i, v).encode()
                    ).decode()
                }
                for i, v in enumerate(flat)
            ]
        else:
            enc = [_text(name, i, v) for i, v in enumerate(flat)]
        out = np.empty(len(enc), dtype=object)
        out[:] = enc
        return out.reshape(arr.shape).tolist()
    if arr.dtype.kind == "f":
        return arr.astype(np.float64).tolist()
    if arr.dtype.kind not in "biu":
        raise TypeError(
            f"Input {name!r} has dtype {arr.dtype}, which TF Serving's JSON cannot carry; send "
            "integers, floats, booleans or strings."
        )
    return arr.tolist()


def encode_request(inputs, signature="serving_default", format="row"):
    """The JSON body of a ``:predict`` request.

    Args:
        inputs: {input name: array-like}; every input has the batch first.
        signature: the signature to call.
        format: "row" (``instances``, one object per example) or "columnar" (``inputs``).

    Raises:
        ValueError: no inputs, an unknown format, inputs of different batch sizes or an
            empty batch in row format, a ragged array, text that is not UTF-8.
        TypeError: ``inputs`` is not a mapping of names to arrays, or holds values JSON
            cannot carry.
    """
    if not isinstance(inputs, Mapping):
        raise TypeError(
            f"inputs must be a dict of input name -> array; got {type(inputs).__name__}."
        )
    if not inputs:
        raise ValueError("predict needs at least one input.")
    bad_names = [k for k in inputs if not isinstance(k, str)]
    if bad_names:
        raise TypeError(f"Input names must be strings; got {bad_names[0]!r}.")
    if format not in ("row", "columnar"):
        raise ValueError(f"format must be 'row' or 'columnar'; got {format!r}.")
    body = {"signature_name": signature}
    encoded = {k: _encode_value(k, v) for k, v in inputs.items()}
    if format == "columnar":
        body["inputs"] = encoded
        return body
    sizes = {k: len(v) if isinstance(v, list) else None for k, v in encoded.items()}
    if None in sizes.values() or len(set(sizes.values())) != 1:
        raise ValueError(
            f"Row format needs every input batched with the same batch size; got {sizes}. "
            "Use format='columnar'."
        )
    n = next(iter(sizes.values()))
    if n == 0:
        raise ValueError(
            "Row format needs at least one instance (TF Serving refuses an empty 'instances' "
            "list); send an empty batch with format='columnar', or skip the request."
        )
    body["instances"] = [{k: v[i] for k, v in encoded.items()} for i in range(n)]
    return body


def _decode_value(name, value):
    def walk(v):
        if isinstance(v, dict):
            if set(v) != {"b64"} or not isinstance(v["b64"], str):
                raise ValueError(f"an object other than {{'b64': <base64 string>}}: {v!r:.60}")
            return base64.b64decode(v["b64"], validate=True)
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    decoded = walk(value)
    if name.endswith("_bytes") or _contains_bytes(decoded):
        arr = np.empty(len(decoded), dtype=object) if isinstance(decoded, list) else None
        if arr is not None:
            arr[:] = decoded
            return arr
        return np.asarray(decoded, dtype=object)
    arr = np.asarray(decoded)
    if (
        arr.dtype.kind in "iu"
        and arr.size
        and arr.min() >= 0
        and arr.max() <= 255
        and name.endswith("uint8")
    ):
        arr = arr.astype(np.uint8)
    elif arr.dtype.kind == "f":
        arr = arr.astype(np.float32)
    return arr


def _contains_bytes(v):
    while isinstance(v, list) and v:
        v = v[0]
    return isinstance(v, bytes)


def _decoded(name, value):
    try:
        return _decode_value(name, value)
    except (ValueError, TypeError, binascii.Error) as e:
        raise ServingError(f"Malformed output {name!r} in the response: {e}") from None


def decode_response(body):
    """{output name: numpy array} from a ``:predict`` response body (either format).

    Raises:
        ServingError: the body is an error, or not a response TF Serving sends.
    """
    if not isinstance(body, dict):
        raise ServingError(f"Unexpected response (not a JSON object): {str(body)[:200]}")
    if "error" in body:
        raise ServingError(body["error"])
    if "outputs" in body:
        out = body["outputs"]
        if isinstance(out, dict):
            return {k: _decoded(k, v) for k, v in out.items()}
        return {"output": _decoded("output", out)}
    if "predictions" in body:
        preds = body["predictions"]
        if not isinstance(preds, list):
            raise ServingError(f"Unexpected response: 'predictions' is not a list: {preds!r:.200}")
        if preds and isinstance(preds[0], dict):
            keys = preds[0].keys()
            if not all(isinstance(p, dict) and p.keys() == keys for p in preds):
                raise ServingError(
                    "Unexpected response: every prediction must name the same outputs; got "
                    f"{str(preds)[:200]}"
                )
            return {k: _decoded(k, [p[k] for p in preds]) for k in keys}
        return {"output": _decoded("output", preds)}
    raise ServingError(f"Unexpected response: {str(body)[:200]}")


# --- the client -------------------------------------------------------------------------


class Client:
    """Talk to a TF Serving endpoint.

    Args:
        url: ``host:port`` or ``http(s)://host:port`` for REST (8501 by
            default in the TF Serving image), ``grpc://host:port`` for gRPC (8500).
        timeout: seconds per request.
    """

    def __init__(self, url, timeout=30.0):
        self.timeout = timeout
        if url.startswith("grpc://"):
            self.protocol = "grpc"
            self.target = url[len("grpc://") :]
            self._stub = None
        else:
            self.protocol = "rest"
            self.base = (
                url if url.startswith(("http://", "https://")) else f"http://{url}"
            ).rstrip("/")

    def __repr__(self):
        return f"Client({self.protocol}: {self.base if self.protocol == 'rest' else self.target})"

    # REST helpers
    def _model_url(self, model, version=None):
        url = f"{self.base}/v1/models/{model}"
        return url + (f"/versions/{int(version)}" if version is not None else "")

    def _http(self, url, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            try:
                msg = json.loads(e.read()).get("error", str(e))
            except ValueError:
                msg = str(e)
            raise ServingError(f"{e.code} from {url}: {msg}", status=e.code) from None
        except urllib.error.URLError as e:
            raise ServingError(f"Cannot reach {url}: {e.reason}") from None

    # gRPC helpers
    def _grpc(self):
        if self._stub is None:
            import grpc
            from tensorflow_serving.apis import prediction_service_pb2_grpc

            self._channel = grpc.insecure_channel(self.target)
            self._stub = prediction_service_pb2_grpc.PredictionServiceStub(self._channel)
        return self._stub

    def predict(self, model, inputs, signature="serving_default", version=None, format="row"):
        """Call a signature; returns {output name: numpy array}.

        Raises:
            ServingError: the server rejected the request (its message included).
        """
        if self.protocol == "rest":
            body = encode_request(inputs, signature, format)
            return decode_response(self._http(self._model_url(model, version) + ":predict", body))
        import grpc
        import tensorflow as tf
        from tensorflow_serving.apis import predict_pb2

        request = predict_pb2.PredictRequest()
        request.model_spec.name = model
        request.model_spec.signature_name = signature
        if version is not None:
            request.model_spec.version.value = int(version)
        for k, v in inputs.items():
            arr = np.asarray(v)
            if arr.dtype.kind == "U":
                arr = arr.astype(object)
            request.inputs[k].CopyFrom(tf.make_tensor_proto(arr))
        try:
            response = self._grpc().Predict(request, timeout=self.timeout)
        except grpc.RpcError as e:
            raise ServingError(f"{e.code().name}: {e.details()}", status=e.code().name) from None
        return {k: tf.make_ndarray(v) for k, v in response.outputs.items()}

    def status(self, model, version=None):
        """The model's version states (REST: GET /v1/models/NAME[/versions/N];
        gRPC: ModelService.GetModelStatus). Both return the REST JSON shape:
        ``{"model_version_status": [{"version": "1", "state": "AVAILABLE", ...}]}``."""
        if self.protocol == "rest":
            return self._http(self._model_url(model, version))
        import grpc
        from google.protobuf import json_format
        from tensorflow_serving.apis import get_model_status_pb2, model_service_pb2_grpc

        self._grpc()  # opens the channel
        request = get_model_status_pb2.GetModelStatusRequest()
        request.model_spec.name = model
        if version is not None:
            request.model_spec.version.value = int(version)
        try:
            response = model_service_pb2_grpc.ModelServiceStub(self._channel).GetModelStatus(
                request, timeout=self.timeout
            )
        except grpc.RpcError as e:
            raise ServingError(f"{e.code().name}: {e.details()}", status=e.code().name) from None
        return json_format.MessageToDict(response, preserving_proto_field_name=True)

    def metadata(self, model, version=None):
        """Signature definitions (REST: GET .../metadata; gRPC: GetModelMetadata)."""
        if self.protocol == "rest":
            return self._http(self._model_url(model, version) + "/metadata")
        from google.protobuf import json_format
        from tensorflow_serving.apis import get_model_metadata_pb2

        request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
        request.model_spec.name = model
        if version is not None:
            request.model_spec.version.value = int(version)
        return json_format.MessageToDict(
            self._grpc().GetModelMetadata(request, timeout=self.timeout)
        )


def to_pil(outputs):
    """PIL images from a predict result (``png_bytes``, else ``images_uint8``)."""
    from PIL import Image

    if "png_bytes" in outputs:
        return [Image.open(io.BytesIO(b)) for b in outputs["png_bytes"]]
    arr = np.asarray(outputs["images_uint8"])
    return [Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a) for a in arr]
