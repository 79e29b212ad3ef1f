"""``pacer demo`` and ``pacer serve`` on a fresh data directory and a busy port fail at once."""

import os
import socket
import sqlite3
import subprocess
import sys

import pytest


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_a_busy_port_is_refused_before_a_fresh_data_directory_is_migrated(tmp_path, command):
    # the port was checked after the migrations: minutes of waiting, then the refusal
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "PACER_DATA_DIR": str(tmp_path)}
        env.pop("PACER_DATABASE_URL", None)  # a fresh SQLite database in the fresh directory
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pacer.cli",
                command,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 2
    assert f"error: --port: {port} is already in use on 127.0.0.1" in run.stderr
    assert "running at" not in run.stdout
    database = tmp_path / "pacer.sqlite3"
    if database.exists():  # nothing migrated: no table in it
        with sqlite3.connect(database) as db:
            assert db.execute("select count(*) from sqlite_master").fetchone() == (0,)
