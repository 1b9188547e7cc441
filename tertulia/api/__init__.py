"""The REST API, `/api/v1/`: the workspace's visitors, conversations, members, bots and flows for
other programs, authenticated by API tokens (`accounts.tokens`), through the same services as the
dashboard. Its OpenAPI description is generated from the typed endpoints (django-ninja)."""
