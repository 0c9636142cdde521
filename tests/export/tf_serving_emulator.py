"""A stand-in for TensorFlow Serving, for conformance tests on machines without it.

The real server ships as a Docker image that cannot run here. This emulator
loads an export the way the server does (the newest numbered version under
the model's base path, its signatures) and speaks both of its protocols on
loopback:

- gRPC: a real `PredictionService` servicer from `tensorflow-serving-api`
  (Predict and GetModelMetadata) on 127.0.0.1;
- REST: ``/v1/models/NAME[/versions/N][:predict|/metadata]`` with the JSON
  rules of TF Serving's `api_rest.md` (row and columnar formats, ``{"b64": ...}``
  for ``_bytes`` names, errors as ``{"error": ...}``), built on the same
  `PredictRequest` / `PredictResponse` messages.

Input checks mirror the server's: a missing input, an input of the wrong
dtype or rank, or an unknown signature is INVALID_ARGUMENT (HTTP 400); a
failed in-graph assertion is INVALID_ARGUMENT with its message; any other
failed op answers its own status code (REST: the server's HTTP status for it).
"""

from __future__ import annotations

import base64
import json
import threading
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import grpc
import numpy as np
import tensorflow as tf
from google.protobuf import json_format
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow_serving.apis import (
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)


class ServingFailure(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code  # a grpc.StatusCode


_STATUS_CODES = {code.value[0]: code for code in grpc.StatusCode}


def status_code(error_code):
    """The grpc.StatusCode of a TensorFlow error code (both are the canonical codes)."""
    return _STATUS_CODES.get(int(error_code), grpc.StatusCode.UNKNOWN)


# The REST status answered for each canonical code, after TF Serving's REST server
# (a bad request 400, not found 404, resource exhausted 429, ...); anything else 500.
HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}


class Servable:
    def __init__(self, name, base_path):
        self.name = name
        versions = sorted(int(p.name) for p in Path(base_path).iterdir() if p.name.isdigit())
        if not versions:
            raise FileNotFoundError(f"No numbered version under {base_path}")
        self.version = versions[-1]
        self.path = Path(base_path) / str(self.version)
        self.loaded = tf.saved_model.load(str(self.path))
        sm = saved_model_pb2.SavedModel()
        sm.ParseFromString((self.path / "saved_model.pb").read_bytes())
        self.signature_defs = sm.meta_graphs[0].signature_def

    def signature(self, name):
        name = name or "serving_default"
        if name not in self.loaded.signatures:
            raise ServingFailure(
                grpc.StatusCode.INVALID_ARGUMENT,
                f'Serving signature name: "{name}" not found in signature def',
            )
        fn = self.loaded.signatures[name]
        _, spec = fn.structured_input_signature
        return fn, spec

    def predict(self, request):
        fn, spec = self.signature(request.model_spec.signature_name)
        missing = sorted(set(spec) - set(request.inputs))
        if missing:
            raise ServingFailure(
                grpc.StatusCode.INVALID_ARGUMENT, f"Missing input(s): {', '.join(missing)}"
            )
        extra = sorted(set(request.inputs) - set(spec))
        if extra:
            raise ServingFailure(
                grpc.StatusCode.INVALID_ARGUMENT, f"Unexpected input(s): {', '.join(extra)}"
            )
        args = {}
        for key, ts in spec.items():
            proto = request.inputs[key]
            if proto.dtype != ts.dtype.as_datatype_enum:
                got = tf.dtypes.as_dtype(proto.dtype).name
                raise ServingFailure(
                    grpc.StatusCode.INVALID_ARGUMENT,
                    f"Expects arg {key} to be {ts.dtype.name} but {got} is provided",
                )
            value = tf.make_ndarray(proto)
            if not ts.shape.is_compatible_with(value.shape):
                raise ServingFailure(
                    grpc.StatusCode.INVALID_ARGUMENT,
                    f"Input {key} has shape {list(value.shape)}, expected {ts.shape.as_list()}",
                )
            args[key] = tf.constant(value, dtype=ts.dtype)
        try:
            out = fn(**args)
        except tf.errors.OpError as e:
            # the server answers a failed run with the op's status code (an in-graph
            # assertion: INVALID_ARGUMENT) and its message
            raise ServingFailure(status_code(e.error_code), e.message) from None
        response = predict_pb2.PredictResponse()
        response.model_spec.name = self.name
        response.model_spec.version.value = self.version
        response.model_spec.signature_name = request.model_spec.signature_name or "serving_default"
        for key, value in out.items():
            response.outputs[key].CopyFrom(tf.make_tensor_proto(value.numpy()))
        return response

    def status(self):
        response = get_model_status_pb2.GetModelStatusResponse()
        v = response.model_version_status.add()
        v.version = self.version
        v.state = get_model_status_pb2.ModelVersionStatus.AVAILABLE
        return response

    def metadata(self):
        response = get_model_metadata_pb2.GetModelMetadataResponse()
        response.model_spec.name = self.name
        response.model_spec.version.value = self.version
        sig_map = get_model_metadata_pb2.SignatureDefMap()
        for k, v in self.signature_defs.items():
            sig_map.signature_def[k].CopyFrom(v)
        response.metadata["signature_def"].Pack(sig_map)
        return response


# --- gRPC --------------------------------------------------------------------------------


class _Servicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, servables):
        self.servables = servables

    def _servable(self, spec, context):
        if spec.name not in self.servables:
            context.abort(
                grpc.StatusCode.NOT_FOUND, f"Servable not found for request: Latest({spec.name})"
            )
        return self.servables[spec.name]

    def Predict(self, request, context):
        try:
            return self._servable(request.model_spec, context).predict(request)
        except ServingFailure as e:
            context.abort(e.code, str(e))

    def GetModelMetadata(self, request, context):
        return self._servable(request.model_spec, context).metadata()


class _ModelServicer(model_service_pb2_grpc.ModelServiceServicer):
    def __init__(self, servables):
        self.servables = servables

    def GetModelStatus(self, request, context):
        name = request.model_spec.name
        if name not in self.servables:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Could not find any versions of model {name}")
        return self.servables[name].status()


def start_grpc(servables):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        _Servicer(servables), server
    )
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(_ModelServicer(servables), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


# --- REST ---------------------------------------------------------------------------------


def _from_json(name, value, dtype):
    def walk(v):
        if isinstance(v, dict):
            if set(v) != {"b64"}:
                raise ServingFailure(
                    grpc.StatusCode.INVALID_ARGUMENT, f"Bad object for {name}: {v}"
                )
            return base64.b64decode(v["b64"])
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    value = walk(value)
    if dtype == tf.string:
        arr = np.asarray(value, dtype=object)
        if not all(isinstance(v, (bytes, str)) for v in arr.reshape(-1)):
            raise ServingFailure(
                grpc.StatusCode.INVALID_ARGUMENT, f"Input {name}: expected strings"
            )
        return arr
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind in "US":
        raise ServingFailure(
            grpc.StatusCode.INVALID_ARGUMENT, f"Input {name}: expected {dtype.name} numbers"
        )
    if dtype.is_integer and arr.dtype.kind == "f":
        if not np.all(arr == np.round(arr)):
            raise ServingFailure(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"Input {name}: expected {dtype.name} (JSON integers), got a fractional number",
            )
    if dtype.is_integer and arr.size:
        info = np.iinfo(dtype.as_numpy_dtype)
        if arr.min() < info.min or arr.max() > info.max:
            raise ServingFailure(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"Input {name}: a number out of the range of {dtype.name}",
            )
    return arr.astype(dtype.as_numpy_dtype)


def _to_json(name, arr):
    if arr.dtype == object:
        flat = arr.reshape(-1).tolist()
        if name.endswith("_bytes"):
            flat = [{"b64": base64.b64encode(b).decode()} for b in flat]
        else:
            flat = [b.decode() if isinstance(b, bytes) else b for b in flat]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(arr.shape).tolist()
    return arr.tolist()


def rest_predict(servable, body):
    """Turn a REST body into a PredictRequest, run it, and encode the response as JSON."""
    if not isinstance(body, dict):
        raise ServingFailure(grpc.StatusCode.INVALID_ARGUMENT, "The request must be a JSON object")
    signature_name = body.get("signature_name", "serving_default")
    if not isinstance(signature_name, str):
        raise ServingFailure(grpc.StatusCode.INVALID_ARGUMENT, "signature_name must be a string")
    _, spec = servable.signature(signature_name)
    if ("instances" in body) == ("inputs" in body):
        raise ServingFailure(
            grpc.StatusCode.INVALID_ARGUMENT,
            "Request must have exactly one of 'instances' or 'inputs'",
        )
    if "instances" in body:
        rows = body["instances"]
        if not isinstance(rows, list) or not rows:
            raise ServingFailure(
                grpc.StatusCode.INVALID_ARGUMENT, "'instances' must be a non-empty list"
            )
        if isinstance(rows[0], dict):
            keys = set(rows[0])
            if any(set(r) != keys for r in rows):
                raise ServingFailure(
                    grpc.StatusCode.INVALID_ARGUMENT, "Every instance must name the same inputs"
                )
            columns = {k: [r[k] for r in rows] for k in keys}
        else:
            if len(spec) != 1:
                raise ServingFailure(
                    grpc.StatusCode.INVALID_ARGUMENT, "Unnamed instances need a one-input signature"
                )
            columns = {next(iter(spec)): rows}
    else:
        inputs = body["inputs"]
        if not isinstance(inputs, dict) and len(spec) != 1:
            raise ServingFailure(
                grpc.StatusCode.INVALID_ARGUMENT, "Unnamed inputs need a one-input signature"
            )
        columns = inputs if isinstance(inputs, dict) else {next(iter(spec)): inputs}
    request = predict_pb2.PredictRequest()
    request.model_spec.name = servable.name
    request.model_spec.signature_name = signature_name
    for key, value in columns.items():
        dtype = spec[key].dtype if key in spec else tf.float32
        request.inputs[key].CopyFrom(tf.make_tensor_proto(_from_json(key, value, dtype)))
    response = servable.predict(request)
    outputs = {k: tf.make_ndarray(v) for k, v in response.outputs.items()}
    if "instances" in body:
        n = len(next(iter(outputs.values())))
        return {
            "predictions": [
                {k: _to_json(k, v[i : i + 1])[0] for k, v in outputs.items()} for i in range(n)
            ]
        }
    return {"outputs": {k: _to_json(k, v) for k, v in outputs.items()}}


def start_rest(servables):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, code, obj):
            data = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self):
            path = self.path
            if not path.startswith("/v1/models/"):
                return None, None, None
            rest = path[len("/v1/models/") :]
            verb = None
            if rest.endswith(":predict"):
                rest, verb = rest[: -len(":predict")], "predict"
            elif rest.endswith("/metadata"):
                rest, verb = rest[: -len("/metadata")], "metadata"
            parts = rest.split("/")
            name = parts[0]
            version = int(parts[2]) if len(parts) == 3 and parts[1] == "versions" else None
            return name, version, verb

        def _servable(self, name, version):
            s = servables.get(name)
            if s is None or (version is not None and version != s.version):
                self._send(404, {"error": f"Servable not found for request: Latest({name})"})
                return None
            return s

        def do_GET(self):
            name, version, verb = self._route()
            s = self._servable(name, version)
            if s is None:
                return
            if verb == "metadata":
                self._send(200, json_format.MessageToDict(s.metadata()))
            else:
                status = json_format.MessageToDict(s.status(), preserving_proto_field_name=True)
                for v in status["model_version_status"]:
                    v["status"] = {"error_code": "OK", "error_message": ""}
                self._send(200, status)

        def do_POST(self):
            name, version, verb = self._route()
            s = self._servable(name, version)
            if s is None:
                return
            if verb != "predict":
                self._send(404, {"error": "Unknown verb"})
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                self._send(200, rest_predict(s, body))
            except ServingFailure as e:
                self._send(HTTP_STATUS.get(e.code, 500), {"error": str(e)})
            except ValueError as e:
                self._send(400, {"error": f"JSON Parse error: {e}"})
            except Exception as e:  # the server answers 500 rather than dropping the call
                self._send(500, {"error": f"{type(e).__name__}: {e}"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, server.server_address[1]


class Emulator:
    """Serve exported models on loopback: ``with Emulator({"name": base_path}) as em: em.rest_port``."""

    def __init__(self, models):
        self.servables = {name: Servable(name, path) for name, path in models.items()}

    def __enter__(self):
        self.grpc_server, self.grpc_port = start_grpc(self.servables)
        self.rest_server, self.rest_port = start_rest(self.servables)
        return self

    def __exit__(self, *exc):
        self.grpc_server.stop(0)
        self.rest_server.shutdown()
        self.rest_server.server_close()
