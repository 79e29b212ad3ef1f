"""WSGI entry point, for servers that speak WSGI."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pacer.settings")
application = get_wsgi_application()

from pacer.web.startup import load_urls  # noqa: E402 (needs the apps loaded)

load_urls()
