from django.apps import AppConfig


class ApiConfig(AppConfig):
    """`/api/v1/`, its reference page, and the API page where tokens are made and revoked."""

    name = "tertulia.api"
    label = "api"
