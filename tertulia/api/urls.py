from django.urls import path

from tertulia.api import views
from tertulia.api.app import api

app_name = "api"
urlpatterns = [
    path("workspace/api/", views.tokens, name="tokens"),
    path("workspace/api/<int:token_id>/revoke", views.token_revoke, name="revoke"),
    path("api/v1/docs", views.reference, name="reference"),
]
# The API's own routes (namespace "api-v1"): /api/v1/… and /api/v1/openapi.json.
api_urls = path("api/v1/", api.urls)
