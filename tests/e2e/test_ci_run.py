""".ci/run: PostgreSQL is a bonus, never a gate. The real script runs in a scratch copy of the
repository layout, with `make`, `id` and `.ci/setup-postgres` replaced by stubs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _write(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


@pytest.fixture
def ci(tmp_path: Path) -> Path:
    (tmp_path / ".ci").mkdir()
    shutil.copy(REPO / ".ci" / "run", tmp_path / ".ci" / "run")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # `make test` records what it saw; `id -u` pretends to be root so the setup is attempted.
    _write(
        bin_dir / "make",
        '#!/bin/sh\necho "make $* url=${CDS_TEST_POSTGRES_URL:-none}" > "$CI_STUB_LOG"\n',
    )
    _write(bin_dir / "id", "#!/bin/sh\necho 0\n")
    # Chromium's installer is stubbed: these tests are about PostgreSQL, never a real apt-get.
    _write(tmp_path / ".ci" / "setup-chromium", "#!/bin/sh\nexit 0\n")
    return tmp_path


def run(ci: Path, setup_script: str) -> tuple[subprocess.CompletedProcess[str], str]:
    _write(ci / ".ci" / "setup-postgres", setup_script)
    log = ci / "make.log"
    env = {k: v for k, v in os.environ.items() if k != "CDS_TEST_POSTGRES_URL"}
    env.update(PATH=f"{ci / 'bin'}:{env['PATH']}", CI_STUB_LOG=str(log))
    result = subprocess.run(
        ["bash", str(ci / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60
    )
    return result, log.read_text() if log.exists() else ""


def test_working_setup_hands_its_url_to_make_test(ci: Path) -> None:
    result, made = run(ci, "#!/usr/bin/env bash\necho 'ci: ok' >&2\necho postgresql://u@h/db\n")
    assert result.returncode == 0, result.stderr
    assert made.strip() == "make test url=postgresql://u@h/db"


@pytest.mark.parametrize(
    "setup",
    [
        # fails half-way, as apt-get or pg_ctlcluster would
        "#!/usr/bin/env bash\nset -euo pipefail\necho 'ci: installing' >&2\nfalse\necho x\n",
        # succeeds without a URL
        "#!/usr/bin/env bash\nexit 0\n",
        # not even a valid script
        "#!/usr/bin/env bash\nif then fi\n",
    ],
)
def test_failed_setup_still_runs_make_test_with_a_loud_warning(ci: Path, setup: str) -> None:
    result, made = run(ci, setup)
    assert result.returncode == 0, result.stderr
    assert made.strip() == "make test url=none"
    assert "WARNING" in result.stderr and "SKIPPED" in result.stderr


def test_given_url_skips_the_setup(ci: Path) -> None:
    _write(ci / ".ci" / "setup-postgres", "#!/bin/sh\necho should-not-run\nexit 1\n")
    env = {**os.environ, "PATH": f"{ci / 'bin'}:{os.environ['PATH']}"}
    env.update(CI_STUB_LOG=str(ci / "make.log"), CDS_TEST_POSTGRES_URL="postgresql://given/db")
    result = subprocess.run(
        ["bash", str(ci / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert (ci / "make.log").read_text().strip() == "make test url=postgresql://given/db"


def test_setup_script_is_shipped_and_valid_bash() -> None:
    script = REPO / ".ci" / "setup-postgres"
    assert os.access(script, os.X_OK)
    subprocess.run(["bash", "-n", str(script)], check=True)
    subprocess.run(["bash", "-n", str(REPO / ".ci" / "run")], check=True)
