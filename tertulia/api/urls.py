from django.urls import path

from tertulia.api import identity_views, views, webhook_views
from tertulia.api.app import api

app_name = "api"
urlpatterns = [
    path("workspace/api/", views.tokens, name="tokens"),
    path("workspace/api/<int:token_id>/revoke", views.token_revoke, name="revoke"),
    path("api/v1/docs", views.reference, name="reference"),
    path("workspace/identity/", identity_views.identity, name="identity"),
    path("workspace/webhooks/", webhook_views.webhooks, name="webhooks"),
    path("workspace/webhooks/<int:endpoint_id>/", webhook_views.webhook, name="webhook"),
    path(
        "workspace/webhooks/<int:endpoint_id>/rotate",
        webhook_views.webhook_rotate,
        name="webhook_rotate",
    ),
    path(
        "workspace/webhooks/<int:endpoint_id>/test", webhook_views.webhook_test, name="webhook_test"
    ),
    path(
        "workspace/webhooks/<int:endpoint_id>/delete",
        webhook_views.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "workspace/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/resend",
        webhook_views.webhook_resend,
        name="webhook_resend",
    ),
]
# The API's own routes (namespace "api-v1"): /api/v1/… and /api/v1/openapi.json.
api_urls = path("api/v1/", api.urls)
