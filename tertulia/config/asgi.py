"""ASGI entry point: HTTP through Django, WebSocket through Channels (core/sockets.py: the
Origin check, and a close frame rather than a dropped connection when a socket fails). The
health checks (/healthz, /readyz; core/health.py) are answered before Django's middleware."""

import gc
import logging
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tertulia.config.settings")

from django.core.asgi import get_asgi_application

django_http = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from tertulia.config.urls import websocket_urlpatterns  # noqa: E402
from tertulia.core.concurrency import LimitedConcurrency, ReusedThreads  # noqa: E402
from tertulia.core.health import HealthChecks  # noqa: E402
from tertulia.core.sockets import (  # noqa: E402
    BrokenFramesInOneLine,
    CloseOnError,
    allowed_hosts_origin_check,
)

# uvicorn has configured its loggers by the time it imports this module.
logging.getLogger("uvicorn.error").addFilter(BrokenFramesInOneLine())

application = ProtocolTypeRouter(
    {
        "http": HealthChecks(
            LimitedConcurrency(ReusedThreads(django_http), settings.CONCURRENT_REQUESTS)
        ),
        "websocket": CloseOnError(
            allowed_hosts_origin_check(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

# What is loaded by now lives as long as the process: the garbage collector stops walking it, so
# a full collection pauses the process for about 11 ms instead of 89 (measured under
# bench/concurrency.py with gc.callbacks, at 1,000,000 visitors on PostgreSQL).
gc.freeze()
