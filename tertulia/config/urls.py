from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="visitors:list"), name="home"),
    path("", include("tertulia.accounts.urls")),
    path("visitors/", include("tertulia.visitors.urls")),
    path("bots/", include("tertulia.flows.urls")),
    path("notifications/", include("tertulia.notifications.urls")),
    path("", include("tertulia.widget.urls")),
]
