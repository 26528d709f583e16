"""`make run` / `make test` pick their Python themselves (scripts/find-python).

Each test builds a machine of its own: a PATH holding only stand-in
interpreters (and `head`), and a pyenv root. A stand-in answers the finder's
version probe and `--version` like the Python it stands for, and records any
other call (such as `-m venv`) so a test can see which one make ran.
"""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FINDER = ROOT / "scripts" / "find-python"

STAND_IN = """#!/bin/sh
case "$1" in
  --version) echo "Python {version}" ;;
  -c) printf '%03d%03d%03d {version} %s\\n' {parts} "$0" ;;
  *) echo "$0 $*" >> "{calls}"; exit 1 ;;
esac
"""


class Machine:
    def __init__(self, tmp_path: Path):
        self.home = tmp_path
        self.bin = tmp_path / "bin"
        self.pyenv = tmp_path / "pyenv"
        self.calls = tmp_path / "calls.log"
        self.bin.mkdir()
        (self.bin / "head").symlink_to(shutil.which("head"))

    def python(self, where: Path, version: str) -> Path:
        where.parent.mkdir(parents=True, exist_ok=True)
        where.write_text(STAND_IN.format(
            version=version, parts=" ".join(version.split(".")), calls=self.calls))
        where.chmod(0o755)
        return where

    def on_path(self, name: str, version: str) -> Path:
        return self.python(self.bin / name, version)

    def in_pyenv(self, version: str) -> Path:
        return self.python(self.pyenv / "versions" / version / "bin" / "python3", version)

    @property
    def env(self) -> dict[str, str]:
        return {"PATH": str(self.bin), "HOME": str(self.home), "PYENV_ROOT": str(self.pyenv)}

    def find(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(FINDER), *args], env=self.env, capture_output=True, text=True, timeout=30
        )

    def make(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [shutil.which("make"), "-s", "-C", str(ROOT), f"VENV={self.home / 'venv'}", *args],
            env=self.env, capture_output=True, text=True, timeout=60,
        )


def test_a_newer_pyenv_python_wins_over_an_old_python3(tmp_path):
    machine = Machine(tmp_path)
    machine.on_path("python3", "3.11.7")
    wanted = machine.in_pyenv("3.13.1")
    machine.in_pyenv("3.12.8")
    machine.in_pyenv("3.10.14")

    result = machine.find()

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(wanted)


def test_the_newest_wins_wherever_it_is(tmp_path):
    machine = Machine(tmp_path)
    machine.on_path("python3.12", "3.12.8")
    machine.in_pyenv("3.13.1")
    wanted = machine.on_path("python3.14", "3.14.0")
    machine.on_path("python3", "3.13.2")

    assert machine.find().stdout.strip() == str(wanted)


def test_python3_itself_when_it_is_new_enough(tmp_path):
    machine = Machine(tmp_path)
    wanted = machine.on_path("python3", "3.12.0")
    machine.in_pyenv("3.11.9")

    assert machine.find().stdout.strip() == str(wanted)


def test_nothing_new_enough_is_one_line_naming_what_python3_is(tmp_path):
    machine = Machine(tmp_path)
    machine.on_path("python3", "3.11.7")
    machine.on_path("python3.12", "3.11.7")  # a misnamed one is judged by its version
    machine.in_pyenv("3.10.14")

    result = machine.find()

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: Live Gallery needs Python 3.12 or newer; none was")
    assert "'python3' is Python 3.11.7" in result.stderr


def test_a_named_python_is_taken_as_it_is_or_refused(tmp_path):
    machine = Machine(tmp_path)
    machine.in_pyenv("3.13.1")
    chosen = machine.on_path("python3.12", "3.12.8")
    machine.on_path("python3.11", "3.11.7")

    assert machine.find("python3.12").stdout.strip() == str(chosen)
    too_old = machine.find("python3.11")
    assert too_old.returncode == 1
    assert "'python3.11' is Python 3.11.7" in too_old.stderr
    missing = machine.find("python3.9")
    assert missing.returncode == 1
    assert "'python3.9' is missing" in missing.stderr


def test_make_creates_the_venv_with_the_python_it_found(tmp_path):
    machine = Machine(tmp_path)
    machine.on_path("python3", "3.11.7")
    found = machine.in_pyenv("3.13.1")

    result = machine.make("run")

    assert result.returncode != 0  # the stand-in cannot really make a venv
    assert f"creating {tmp_path / 'venv'} with {found} (Python 3.13.1)" in result.stdout
    assert machine.calls.read_text() == f"{found} -m venv {tmp_path / 'venv'}\n"


def test_make_with_an_explicit_python_uses_it(tmp_path):
    machine = Machine(tmp_path)
    machine.in_pyenv("3.13.1")
    chosen = machine.on_path("python3.12", "3.12.8")

    machine.make("test", "PYTHON=python3.12")

    assert machine.calls.read_text() == f"{chosen} -m venv {tmp_path / 'venv'}\n"


def test_make_refuses_a_too_old_python_in_one_line(tmp_path):
    machine = Machine(tmp_path)
    old = machine.on_path("python3", "3.11.7")

    result = machine.make("run", f"PYTHON={old}")

    assert result.returncode != 0
    errors = result.stderr.strip().splitlines()
    assert errors[0].startswith("error: Live Gallery needs Python 3.12 or newer")
    assert "Python 3.11.7" in errors[0]
    assert not machine.calls.exists()


def test_make_without_any_new_enough_python_says_so_in_one_line(tmp_path):
    machine = Machine(tmp_path)
    machine.on_path("python3", "3.11.7")

    result = machine.make("test")

    assert result.returncode != 0
    errors = result.stderr.strip().splitlines()
    assert errors[0].startswith("error: Live Gallery needs Python 3.12 or newer; none was found")
    assert not machine.calls.exists()
