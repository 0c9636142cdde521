"""Every Python and shell example in README.md runs, in document order, in one folder.

Examples that train run as smoke runs: ``KERAS_GAN_MAX_STEPS=2``, which the
library reads (every keras-gan `fit` runs one epoch of at most 2 steps), and
``keras-gan evaluate`` gets ``--num-samples 200``. Nothing of the library or of
Keras is patched. ``keras-gan predict`` talks to the TF Serving emulator (the
server itself is a Docker image). Installing and the test command itself are
what CI runs around this test, so they are not re-run. Blocks marked ``text``
(docker) are not examples of this project's code.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.backends.helpers import child_env

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SMOKE = {"KERAS_GAN_MAX_STEPS": "2"}
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **SMOKE}
SKIP = ("pip install", "ruff ", "python -m pytest", "lint-imports")


def blocks():
    text = README.read_text()
    return [(m.group(1), m.group(2)) for m in re.finditer(r"```(\w+)\n(.*?)```", text, re.S)]


def shell_commands(block):
    """Each command of a bash block, `a && b` split, comments and installs dropped."""
    lines = [ln.split("#", 1)[0].strip() for ln in block.replace("\\\n", " ").splitlines()]
    commands = []
    for line in filter(None, lines):
        for part in line.split("&&"):
            part = part.strip()
            if part and not part.startswith(SKIP):
                commands.append(part)
    return commands


def small_budget(command, port):
    """(environment, argv) of a README command: leading VAR=value words set the environment."""
    args = shlex.split(command)
    env = {}
    while args and re.match(r"^[A-Z_][A-Z0-9_]*=", args[0]):
        key, value = args.pop(0).split("=", 1)
        env[key] = value
    if args[:2] == ["keras-gan", "evaluate"]:
        # Inception-v3 takes about 0.2 s an image on 2 AVX2 cores, three sets each
        inception = "inception" in args
        args += ["--num-samples", "50" if inception else "200"]
    if args[:2] == ["keras-gan", "predict"]:
        args = [f"localhost:{port}" if a == "localhost:8501" else a for a in args]
    return env, args


def test_readme_has_examples():
    kinds = [k for k, _ in blocks()]
    assert kinds.count("python") >= 3 and kinds.count("bash") >= 2


def test_every_readme_example_runs(tmp_path, monkeypatch):
    from tests.export.tf_serving_emulator import Emulator

    monkeypatch.chdir(tmp_path)
    for key, value in SMOKE.items():
        monkeypatch.setenv(key, value)
    emulator = None
    ran = []
    try:
        for kind, code in blocks():
            if kind == "python":
                exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
                ran.append("python")
            elif kind == "bash":
                for command in shell_commands(code):
                    if command.startswith("keras-gan predict") and emulator is None:
                        emulator = Emulator(
                            {"dcgan_mnist": tmp_path / "zoo_serving" / "dcgan_mnist"}
                        )
                        emulator.__enter__()
                    port = emulator.rest_port if emulator else 0
                    env, args = small_budget(command, port)
                    env = {**ENV, **env}
                    if "KERAS_BACKEND" in env:  # the backend matrix's child settings
                        env = child_env(env["KERAS_BACKEND"], env)
                    r = subprocess.run(
                        args,
                        capture_output=True,
                        text=True,
                        env=env,
                        timeout=600,
                    )
                    assert r.returncode == 0, f"{command}\n{r.stderr[-3000:]}"
                    ran.append(args[1] if args[0] == "keras-gan" else command)
    finally:
        if emulator is not None:
            emulator.__exit__(None, None, None)
    assert "python" in ran and "train" in ran and "evaluate" in ran and "predict" in ran, ran


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"]))


def test_ci_runs_the_readme_test_command():
    """`.ci/run` must run exactly the test command the README gives."""
    readme = README.read_text()
    command = next(
        ln.strip() for ln in readme.splitlines() if ln.startswith('pip install -e ".[test')
    )
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1].strip() == command
