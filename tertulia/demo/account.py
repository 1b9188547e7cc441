"""The demo workspace and its published login: one definition for the command and the demo page."""

DEMO_WORKSPACE = "Demo"
DEMO_EMAIL = "demo@tertulia.test"
DEMO_PASSWORD = "tertulia-demo"  # noqa: S105 (a published demo login)
DEMO_AGENT_EMAIL = "agente@tertulia.test"
