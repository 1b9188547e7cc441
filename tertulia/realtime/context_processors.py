from tertulia.realtime import events


def dashboard_events(request):
    """The dashboard's event names for its script (base.html hands them over as JSON)."""
    return {"dashboard_events": events.for_dashboard()}
