"""The Webhooks page (owners and admins): endpoints with the events they get, their secrets
(shown once, rotated with a day's grace), a test event, and the log of deliveries with Resend."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tertulia.accounts.decorators import member_required
from tertulia.api.views import manager
from tertulia.notifications.models import Delivery, WebhookEndpoint
from tertulia.notifications.webhooks import (
    endpoint_create,
    endpoint_delete,
    endpoint_rotate_secret,
    endpoint_update,
    resend,
    send_test_event,
)
from tertulia.realtime.events import SUBSCRIBABLE_EVENTS, WEBHOOK_EVENTS

# Where the page keeps a new secret for the one answer that shows it.
SHOW_ONCE = "webhook_show_once"
LOG_SIZE = 50


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/tertulia"}),
        help_text=gettext_lazy("Each event is POSTed here as JSON, signed with the secret."),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[(event, event) for event in SUBSCRIBABLE_EVENTS],
        widget=forms.CheckboxSelectMultiple,
        initial=list(SUBSCRIBABLE_EVENTS),
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["active"]


def _endpoint(request, endpoint_id: int) -> WebhookEndpoint:
    member = manager(request)
    return get_object_or_404(WebhookEndpoint, pk=endpoint_id, workspace_id=member.workspace_id)


def _save(form: EndpointForm, action) -> WebhookEndpoint | None:
    """Run the service with the form's values; its refusals become the form's errors."""
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None


@require_http_methods(["GET", "POST"])
@member_required
def webhooks(request):
    """The workspace's endpoints, and the form for a new one."""
    member = manager(request)
    form = EndpointForm(request.POST or None, creating=True)
    if request.method == "POST":
        made = _save(
            form,
            lambda data: endpoint_create(member=member, url=data["url"], chosen=data["events"]),
        )
        if made:
            endpoint, secret = made
            request.session[SHOW_ONCE] = {"id": endpoint.pk, "secret": secret}
            return redirect("api:webhook", endpoint.pk)
    endpoints = WebhookEndpoint.objects.filter(workspace_id=member.workspace_id).order_by("id")
    context = {"form": form, "endpoints": endpoints, "meanings": WEBHOOK_EVENTS}
    return render(request, "api/webhooks.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@member_required
def webhook(request, endpoint_id: int):
    """One endpoint: change it, rotate its secret, test it, and read its deliveries."""
    endpoint = _endpoint(request, endpoint_id)
    initial = {"url": endpoint.url, "events": endpoint.events, "active": endpoint.active}
    form = EndpointForm(request.POST or None, initial=initial, creating=False)
    if request.method == "POST":
        saved = _save(
            form,
            lambda data: endpoint_update(
                endpoint=endpoint, url=data["url"], chosen=data["events"], active=data["active"]
            ),
        )
        if saved:
            messages.success(request, _("The webhook is saved."))
            return redirect("api:webhook", endpoint.pk)
    shown = request.session.pop(SHOW_ONCE, None)
    context = {
        "form": form,
        "endpoint": endpoint,
        "secret": shown["secret"] if shown and shown["id"] == endpoint.pk else "",
        "deliveries": Delivery.objects.filter(endpoint=endpoint).order_by("-id")[:LOG_SIZE],
    }
    return render(request, "api/webhook.html", context, status=400 if form.errors else 200)


@require_POST
@member_required
def webhook_rotate(request, endpoint_id: int):
    endpoint = _endpoint(request, endpoint_id)
    request.session[SHOW_ONCE] = {
        "id": endpoint.pk,
        "secret": endpoint_rotate_secret(endpoint=endpoint),
    }
    messages.success(request, _("A new secret signs from now on; the old one also does for a day."))
    return redirect("api:webhook", endpoint.pk)


@require_POST
@member_required
def webhook_test(request, endpoint_id: int):
    send_test_event(endpoint=_endpoint(request, endpoint_id))
    messages.success(request, _("A test event is on its way; it shows below in a moment."))
    return redirect("api:webhook", endpoint_id)


@require_POST
@member_required
def webhook_resend(request, endpoint_id: int, delivery_id: int):
    endpoint = _endpoint(request, endpoint_id)
    resend(delivery=get_object_or_404(Delivery, pk=delivery_id, endpoint=endpoint))
    messages.success(request, _("The event is sent again, with the same id."))
    return redirect("api:webhook", endpoint.pk)


@require_POST
@member_required
def webhook_delete(request, endpoint_id: int):
    endpoint = _endpoint(request, endpoint_id)
    endpoint_delete(endpoint=endpoint)
    messages.success(request, _("The webhook to %(url)s is deleted.") % {"url": endpoint.url})
    return redirect("api:webhooks")
