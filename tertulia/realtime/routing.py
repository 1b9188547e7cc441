from django.urls import path

from tertulia.realtime.consumers import DashboardConsumer
from tertulia.widget.consumers import WidgetConsumer

websocket_urlpatterns = [
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
    path("ws/widget/<str:key>/", WidgetConsumer.as_asgi()),
]
