"""What `make run` and `make test` install (README: Run it)."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings


def planned(target, tmp_path):
    """The commands make would run for target on a machine with no virtual env yet."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        ["make", "-n", target, f"VENV={tmp_path / 'venv'}"],
        cwd=Path(settings.BASE_DIR),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_make_run_installs_only_the_runtime_requirements(tmp_path):
    commands = planned("run", tmp_path)
    assert "-r requirements.txt" in commands and "requirements-dev.txt" not in commands
    assert "manage.py load_corpus" in commands and "runserver" in commands


def test_make_test_installs_the_test_tools_too(tmp_path):
    commands = planned("test", tmp_path)
    assert "-r requirements.txt" in commands and "-r requirements-dev.txt" in commands
