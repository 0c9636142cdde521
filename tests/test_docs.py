"""The documentation site (docs/, mkdocs.yml): it builds, its generated pages are current,
every page is in the nav, and every example in it runs.

Examples: every ```python and ```bash block of docs/**/*.md runs, in document
order, in a fresh temporary folder per page (the page's blocks share it, so a
block can use a file an earlier block wrote). The Python blocks of a page run
one after the other in one namespace, as in a notebook, in a child Python
process (the pages take turns in the same process, each with its own folder and
namespace, so that TensorFlow is imported once); each bash block runs with
``bash -e``. Nothing is patched. Examples that train run as smoke runs:
``KERAS_GAN_MAX_STEPS=2``, which the library reads (every keras-gan `fit`, and
so ``keras-gan train``, runs one epoch of at most 2 steps); the examples keep
the rest small through their own arguments (``num_samples=``,
``--num-samples``). Examples that call a TF Serving server at ``localhost:8501``
(REST) or ``localhost:8500`` (gRPC) get the emulator of
``tests/export/tf_serving_emulator.py``, serving what the page exported into
``saved_models/``; the real server is a Docker image.

A block that cannot run here carries ``<!-- no-test: REASON -->`` on the line
before it, and must be listed in NOT_RUN below with why. Commands quoted in the
prose (``keras-gan train PRESET``...) are not run, most would train for
minutes, but each must parse with the command line's own parser and name
presets that exist.
"""

import importlib.util
import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MKDOCS_YML = ROOT / "mkdocs.yml"
RUN = ("python", "bash")  # fence languages that run
GENERATED = ("zoo.md", "benchmarks.md")  # whole pages written by tools/docs_pages.py
NOT_RUN_LANGUAGES = ("text", "json", "yaml")  # fence languages that are not code to run
BLOCK_TIMEOUT = 600  # seconds

# (page, the block's first line without its comment): why the block does not run here.
NOT_RUN = {
    ("index.md", "pip install -e ."): "installs the package; the tests run where it is installed",
    ("getting-started.md", "pip install -e ."): "installs packages and extras; the tests run "
    "where they are installed",
    ("serving.md", "docker run -p 8500:8500 -p 8501:8501 \\"): "needs Docker and the "
    "tensorflow/serving image; the other serving examples talk to the emulator instead",
    ("contributing.md", "python -m pytest"): "runs the project's own test suites (this test is "
    "part of them)",
    ("contributing.md", "ruff check . && ruff format --check . && lint-imports"): "lints the "
    "repository itself; the README's test command runs it",
    ("contributing.md", "python tools/docs_pages.py"): "rewrites docs/ in the repository; "
    "test_generated_pages_are_current and test_site_builds_strict run the same generator and "
    "build",
}


def first_line(code):
    """A block's first line without its comment, for NOT_RUN."""
    return " ".join(code.splitlines()[0].split("#", 1)[0].split())


FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S
)
NO_TEST = re.compile(r"<!--\s*no-test:\s*(?P<reason>.+?)\s*-->\s*$")


def pages():
    return sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))


def blocks(page):
    """[(language, code, no-test reason or None)] of a page, in document order."""
    text = (DOCS / page).read_text()
    found = []
    for m in FENCE.finditer(text):
        indent = len(m.group("indent"))
        lines = [ln[indent:] for ln in m.group("body").splitlines()]
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = NO_TEST.search(before)
        language = (m.group("info").split() or [""])[0]
        found.append((language, "\n".join(lines) + "\n", marker and marker.group("reason")))
    return found


def example_pages():
    return [p for p in pages() if any(lang in RUN and not skip for lang, _, skip in blocks(p))]


def has(module):
    return importlib.util.find_spec(module) is not None


# --- the site ---------------------------------------------------------------------------


def test_site_builds_strict(tmp_path):
    missing = [m for m in ("mkdocs", "material", "mkdocstrings_handlers.python") if not has(m)]
    if missing:
        pytest.skip(
            f'{", ".join(missing)} not installed: pip install -e ".[docs]" (mkdocs, '
            "mkdocs-material, mkdocstrings[python])"
        )
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    r = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(MKDOCS_YML)]
        + ["--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-6000:]
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "api" / "models" / "index.html").is_file()


def nav_pages(nav):
    out = []
    for item in nav:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                out += nav_pages(value) if isinstance(value, list) else [value]
    return out


def test_every_page_is_in_the_nav():
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with mkdocs (the docs extra)")
    config = yaml.safe_load(MKDOCS_YML.read_text())
    listed = nav_pages(config["nav"])
    assert sorted(set(listed)) == pages(), "docs/ pages and mkdocs.yml's nav differ"
    assert len(listed) == len(set(listed)), "a page is listed twice in the nav"
    assert config["theme"]["font"] is False, "theme.font: false keeps the site offline"


def test_generated_pages_are_current():
    from tools import docs_pages

    stale = docs_pages.stale(ROOT)
    assert not stale, f"out of date: {', '.join(stale)}; run python tools/docs_pages.py"


def test_every_family_has_a_page_with_its_presets():
    """Every declared family (a Family(...) in keras_gan/families/*/__init__.py) has a page
    that embeds its presets' table, and every preset is on its family's page."""
    import ast

    from tools import docs_pages

    declared = set()
    for init in (ROOT / "keras_gan" / "families").glob("*/__init__.py"):
        for node in ast.walk(ast.parse(init.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Family":
                declared.add(node.args[0].value)
    assert declared and declared <= set(docs_pages.FAMILY_PAGES), declared
    for family, page in docs_pages.FAMILY_PAGES.items():
        text = (DOCS / page).read_text()
        assert docs_pages.PRESETS_START in text and docs_pages.PRESETS_END in text, page
        for name, recipe in docs_pages.recipes(ROOT).items():
            if recipe["model"]["family"] == family:
                assert f"`{name}`" in text, f"{name} missing from docs/{page}"


def test_code_blocks_use_known_languages_and_markers():
    """A block in another language (sh, py, shell) would silently not run."""
    marked = {}
    for page in pages():
        for language, code, reason in blocks(page):
            assert language in RUN + NOT_RUN_LANGUAGES, f"docs/{page}: ```{language}"
            if reason:
                assert language in RUN, f"docs/{page}: no-test on a ```{language} block"
                marked[(page, first_line(code))] = reason
    assert set(marked) == set(NOT_RUN), (
        "no-test blocks and NOT_RUN differ: "
        f"unlisted {sorted(set(marked) - set(NOT_RUN))}, gone {sorted(set(NOT_RUN) - set(marked))}"
    )


def test_hand_written_pages_have_no_measurement_dates():
    """Measured figures and their dates live in the zoo's files and reach the site through
    the generated pages (the family pages' preset tables hold none)."""
    for page in pages():
        if page in GENERATED:
            continue
        dates = re.findall(r"\b20\d\d-\d\d-\d\d\b", (DOCS / page).read_text())
        assert not dates, f"docs/{page} has dates {dates}: put measurements in generated pages"


# --- the examples -----------------------------------------------------------------------

DRIVER = r"""
import json, os, sys, traceback
reply = os.fdopen(int(sys.argv[1]), "w")
namespace = {}
for line in sys.stdin:
    block = json.loads(line)
    print(f"--- {block['name']}", flush=True)
    try:
        if "page" in block:  # a new page: its own folder and namespace
            os.chdir(block["page"])
            namespace = {"__name__": "__main__"}
            if "keras" in sys.modules:
                sys.modules["keras"].utils.clear_session(free_memory=True)
        else:
            exec(compile(block["code"], block["name"], "exec"), namespace)
        result = {"ok": True}
    except BaseException:
        result = {"ok": False, "error": traceback.format_exc()}
    sys.stdout.flush()
    sys.stderr.flush()
    reply.write(json.dumps(result) + "\n")
    reply.flush()
"""


SMOKE = {"KERAS_GAN_MAX_STEPS": "2"}  # every fit: one epoch of at most 2 steps


def example_env():
    env = {
        **os.environ,
        "KERAS_BACKEND": "tensorflow",  # the pages' default; a block may set another itself
        "TF_CPP_MIN_LOG_LEVEL": "3",
        **SMOKE,
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    return env


class PythonSession:
    """A child Python process that runs Python blocks sent to it, one at a time.

    Each page starts with `start_page`: a fresh folder and a fresh namespace, so a
    page's blocks share their variables and files but see nothing of other pages.
    The pages share the process only to pay for importing TensorFlow once.
    """

    def __init__(self, log_path):
        self.log = open(log_path, "w")
        read, write = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-c", DRIVER, str(write)],
            env=example_env(),
            stdin=subprocess.PIPE,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            pass_fds=(write,),
            text=True,
        )
        os.close(write)
        self.replies = os.fdopen(read)

    def alive(self):
        return self.proc.poll() is None

    def _send(self, message):
        self.log.flush()
        self.mark = Path(self.log.name).stat().st_size
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.replies], [], [], BLOCK_TIMEOUT)
        line = self.replies.readline() if ready else ""
        if not line:
            self.close()
            return {"ok": False, "error": "no answer: the process timed out or died"}
        return json.loads(line)

    def start_page(self, folder):
        return self._send({"name": f"page folder {folder}", "page": str(folder)})

    def run(self, name, code):
        return self._send({"name": name, "code": code})

    def output(self):
        """What the last block printed."""
        self.log.flush()
        with open(self.log.name) as f:
            f.seek(self.mark)
            return f.read()[-4000:]

    def close(self):
        if self.alive():
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.replies.close()
        self.log.close()


@pytest.fixture(scope="module")
def python_session(tmp_path_factory):
    log = tmp_path_factory.mktemp("docs_python") / "python.log"
    holder = {"session": None}

    def get():
        if holder["session"] is None or not holder["session"].alive():
            holder["session"] = PythonSession(log)
        return holder["session"]

    yield get
    if holder["session"] is not None:
        holder["session"].close()


class Server:
    """The TF Serving emulator over the page's exports, started when a block calls it."""

    def __init__(self):
        self.emulator = None

    def rewrite(self, code, cwd):
        if "localhost:8501" not in code and "localhost:8500" not in code:
            return code
        if self.emulator is None:
            from tests.export.tf_serving_emulator import Emulator

            exports = cwd / "saved_models"
            models = {
                d.name: d
                for d in sorted(exports.iterdir())
                if d.is_dir() and any(v.name.isdigit() for v in d.iterdir())
            }
            assert models, f"no exports under {exports} for the server to serve"
            self.emulator = Emulator(models).__enter__()
        code = code.replace("localhost:8501", f"127.0.0.1:{self.emulator.rest_port}")
        return code.replace("localhost:8500", f"127.0.0.1:{self.emulator.grpc_port}")

    def close(self):
        if self.emulator is not None:
            self.emulator.__exit__(None, None, None)


# In the default run (about 3.5 min on one core); `learning`: they train smoke runs and
# run in child processes, so the quick tier leaves them out.
@pytest.mark.learning
@pytest.mark.parametrize("page", example_pages())
def test_page_examples_run(page, tmp_path, python_session):
    cwd = tmp_path / "work"
    cwd.mkdir()
    server = Server()
    session = None
    timings = []
    try:
        for i, (language, code, skip) in enumerate(blocks(page)):
            if language not in RUN or skip:
                continue
            name = f"docs/{page}, block {i + 1} ({language})"
            code = server.rewrite(code, cwd)
            start = time.monotonic()
            if language == "python":
                if session is None:
                    session = python_session()
                    started = session.start_page(cwd)
                    assert started["ok"], started["error"]
                result = session.run(name, code)
                assert result["ok"], f"{name} failed:\n{result['error']}\n{session.output()}"
            else:
                r = subprocess.run(
                    ["bash", "-e", "-c", code],
                    cwd=cwd,
                    env=example_env(),
                    capture_output=True,
                    text=True,
                    timeout=BLOCK_TIMEOUT,
                )
                assert r.returncode == 0, (
                    f"{name} failed:\n{code}\n{r.stdout[-2000:]}{r.stderr[-4000:]}"
                )
            timings.append(f"{name}: {time.monotonic() - start:.1f} s")
    finally:
        server.close()
    print("\n".join(timings))


# --- commands named in the prose --------------------------------------------------------

# Placeholders the pages use in commands, and a value of the right kind for each.
PLACEHOLDERS = {
    "PRESET": "dcgan_mnist",
    "NAME": "name",
    "RUN": "run",
    "N": "8",
    "DIR": "dir",
    "FILE": "file.json",
    "KEY=VALUE": "model.latent_dim=8",
    "...": "",
}
SUBCOMMANDS_THAT_LOAD = ("sample", "evaluate", "export")


def prose_commands():
    """[(page, command)]: every `keras-gan ...` code span outside the code blocks of the
    hand-written pages (the generated ones quote the commands that measured their figures)."""
    found = []
    for page in pages():
        if page in GENERATED:
            continue
        text = FENCE.sub("", (DOCS / page).read_text())
        for span in re.findall(r"(?<!`)`([^`\n]+)`(?!`)", text):
            words = span.split()
            while words and re.match(r"^[A-Z_]+=", words[0]):
                words = words[1:]
            if words[:1] == ["keras-gan"] and (len(words) > 2 or words[1:] == ["list"]):
                found.append((page, span))
    return found


def test_prose_commands_parse():
    """Commands quoted in the text (not run: most would train for minutes) must at least be
    valid for the command line's parser, and name presets that exist: a preset to train, or
    one that ships weights where a command loads it by name."""
    import shlex

    from keras_gan.cli import build_parser
    from tools import docs_pages

    recipes = set(docs_pages.recipes(ROOT))
    shipped = set(docs_pages.shipped(ROOT))
    commands = prose_commands()
    assert len(commands) > 20, commands
    parser = build_parser()
    for page, command in commands:
        words = [PLACEHOLDERS.get(w, w) for w in shlex.split(command)]
        words = [w for w in words if w]
        while re.match(r"^[A-Z_]+=", words[0]):
            words = words[1:]
        try:
            args = parser.parse_args(words[1:])
        except SystemExit:
            pytest.fail(f"docs/{page}: `{command}` is not a valid keras-gan command")
        if args.command == "train":
            assert args.preset in recipes, f"docs/{page}: `{command}`: unknown preset"
        if args.command in SUBCOMMANDS_THAT_LOAD and getattr(args, "model", None):
            model = args.model
            if "/" not in model and not model.endswith(".keras"):
                assert model in shipped, (
                    f"docs/{page}: `{command}`: {model} ships no trained weights"
                )


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v", "-n", "0"]))
