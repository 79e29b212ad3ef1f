"""ASGI entry point: ``uvicorn pacer.asgi:application``: Django's application inside the
ASGI wrappers the domains register (``DomainConfig.asgi_wrappers``)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pacer.settings")
application = get_asgi_application()

from pacer.core.domains import collect, load  # noqa: E402 (needs the apps loaded)
from pacer.web.startup import load_urls  # noqa: E402

for _wrapper in collect("asgi_wrappers"):
    application = load(_wrapper)(application)
load_urls()
