"""What must never reach Git: local environments, secrets, data, reports, editor folders."""

import subprocess
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Folders that are never tracked, wherever they are.
NEVER_TRACKED_FOLDERS = {".venv", ".idea", ".vscode", "htmlcov", "__pycache__"}
# Files that are never tracked, wherever they are.
NEVER_TRACKED_FILES = {".env", ".coverage", "coverage.xml", ".DS_Store"}
# Folders of the checkout itself (the embedded defaults' data and media).
NEVER_TRACKED_AT_ROOT = {"var", "media"}


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout


def test_no_tracked_file_is_an_environment_a_secret_data_or_a_report():
    offending = []
    for name in git("ls-files", "-z").split("\0"):
        if not name:
            continue
        path = PurePosixPath(name)
        if (
            NEVER_TRACKED_FOLDERS.intersection(path.parts[:-1])
            or path.name in NEVER_TRACKED_FILES
            or path.parts[0] in NEVER_TRACKED_AT_ROOT
            or path.suffix == ".swp"
        ):
            offending.append(name)

    assert offending == []


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".idea/workspace.xml",
        ".vscode/settings.json",
        ".env",
        ".env.local",
        "var/db.sqlite3",
        "var/media/images/1.png",
        "htmlcov/index.html",
        "coverage.xml",
        "images/.views.py.swp",
        "images/__pycache__/views.cpython-313.pyc",
    ],
)
def test_gitignore_keeps_it_out(path):
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", "--no-index", path], cwd=ROOT, timeout=60
    )

    assert ignored.returncode == 0, f"{path} is not ignored by .gitignore"


def test_the_settings_template_stays_tracked():
    assert ".env.example" in git("ls-files").splitlines()
    kept = subprocess.run(
        ["git", "check-ignore", "--quiet", "--no-index", ".env.example"], cwd=ROOT, timeout=60
    )
    assert kept.returncode == 1
