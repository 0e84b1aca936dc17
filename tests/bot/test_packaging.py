"""The package as `pip install .` and the Docker image install it: the migrations travel with it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What the Dockerfile copies into its build stage before `pip install .`.
DOCKER_BUILD_CONTEXT = ("pyproject.toml", "README.md", "core", "bot")
MIGRATION_FILES = {
    "bot/persistence/migrations/env.py",
    "bot/persistence/migrations/script.py.mako",
    "bot/persistence/migrations/versions/0001_initial.py",
    "bot/persistence/migrations/versions/0002_evidence.py",
}
PROBE = (
    "import bot, sys\nfrom bot.cli import main\nprint(bot.__file__)\nsys.exit(main(['migrate']))\n"
)


def build_wheel(tmp_path: Path) -> Path:
    """A wheel built from exactly what the Dockerfile copies, outside the checkout."""
    source = tmp_path / "source"
    source.mkdir()
    for name in DOCKER_BUILD_CONTEXT:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", tmp_path],
        check=True,
        capture_output=True,
        timeout=120,
    )
    [wheel] = tmp_path.glob("finetune_check-*.whl")
    return wheel


def test_an_installed_copy_finds_its_migrations_and_migrate_creates_the_schema(
    tmp_path: Path,
) -> None:
    wheel = build_wheel(tmp_path)
    installed = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        assert set(archive.namelist()) >= MIGRATION_FILES
        archive.extractall(installed)  # a pure-Python wheel, installed as pip lays it out
    database = tmp_path / "installed.db"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"MIGRATIONS_DIR", "PYTHONPATH", "DATABASE_URL"}
    }
    environment.update(PYTHONPATH=str(installed), DATABASE_URL=f"sqlite+aiosqlite:///{database}")

    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(installed / "bot" / "__init__.py")
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        [(revision,)] = connection.execute("SELECT version_num FROM alembic_version")
    assert {"proposals", "evaluations", "votes", "reminders", "evidence"} <= tables
    assert revision == "0002"
