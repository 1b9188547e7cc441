"""Every route of the product: HTTP through Django, WebSocket through Channels (see asgi.py)."""

from django.urls import include, path, re_path
from django.views.generic import RedirectView

from tertulia.api.urls import api_urls
from tertulia.core.sockets import no_such_socket
from tertulia.realtime.consumers import DashboardConsumer
from tertulia.widget.consumers import WidgetConsumer

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="visitors:list"), name="home"),
    path("", include("tertulia.accounts.urls")),
    path("visitors/", include("tertulia.inbox.urls")),
    path("replies/", include("tertulia.inbox.reply_urls")),
    path("bots/", include("tertulia.flows.urls")),
    path("team/", include("tertulia.team.urls")),
    path("notifications/", include("tertulia.notifications.urls")),
    path("", include("tertulia.realtime.urls")),
    path("", include("tertulia.widget.urls")),
    path("", include("tertulia.demo.urls")),
    path("", include("tertulia.api.urls")),
    api_urls,
]

websocket_urlpatterns = [
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
    path("ws/widget/<str:key>/", WidgetConsumer.as_asgi()),
    re_path("", no_such_socket),  # any other address: closed with 4404
]
