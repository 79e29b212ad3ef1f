"""A server process loads the URLs and the API's schemas when it starts, not on its first
request (which would otherwise wait seconds for them)."""

import os
import subprocess
import sys

import pytest

CHECK = "import sys, {module}; print('pacer.api' in sys.modules, 'pacer.urls' in sys.modules)"


@pytest.mark.parametrize("module", ["pacer.asgi", "pacer.wsgi"])
def test_the_server_entry_points_load_the_urls_at_start(module, tmp_path):
    environment = {**os.environ, "PACER_DATA_DIR": str(tmp_path)}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    answer = subprocess.run(
        [sys.executable, "-c", CHECK.format(module=module)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.split() == ["True", "True"]
