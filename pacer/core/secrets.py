"""The secret key: given by the operator, or generated once per installation.

Django signs sessions, CSRF tokens and password-reset links with ``SECRET_KEY``; a key
that is public (a default in the source) lets anyone forge them. So there is no default:
without ``PACER_SECRET_KEY`` a random key is generated on first start and kept in the
data directory (readable by its owner only), which is right for the embedded set-up.
A key that is known to be insecure, or too short, is refused unless ``PACER_DEBUG=1``.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# Keys that have been public (earlier defaults of this project, Django's placeholder).
KNOWN_INSECURE = {
    "pacer-insecure-development-key-change-me",
    "django-insecure-change-me",
    "changeme",
    "secret",
}
MIN_LENGTH = 50
KEY_FILE = "secret_key"


def secret_key(configured: str | None, data_dir: Path, *, debug: bool, file: str = KEY_FILE) -> str:
    """The configured key, checked, or the installation's own from ``data_dir/file``."""
    if configured:
        weak = (
            configured in KNOWN_INSECURE or len(configured) < MIN_LENGTH or len(set(configured)) < 5
        )
        if weak and not debug:
            raise ImproperlyConfigured(
                "PACER_SECRET_KEY is a known or short key; set a random value of "
                f"{MIN_LENGTH}+ characters (python -c 'import secrets; "
                "print(secrets.token_urlsafe(64))') or unset it to have one generated"
            )
        return configured
    path = Path(data_dir) / file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # written aside, then linked into place: two processes starting at once cannot
        # both install a key, and none reads a half-written one
        draft = path.with_name(f".{file}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    if len(key) < MIN_LENGTH:
        raise ImproperlyConfigured(f"{path}: the stored secret key is too short; delete it")
    return key
