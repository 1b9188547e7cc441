"""The dashboard's API page (owners and admins make and revoke tokens) and the API's readable
reference, rendered from the same OpenAPI description that `/api/v1/openapi.json` serves."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tertulia.accounts.decorators import member_required
from tertulia.accounts.models import ApiScope, ApiToken
from tertulia.accounts.tokens import api_token_create, api_token_revoke, api_tokens_of
from tertulia.api.app import api

# Where the page keeps a new token's secret for the one answer that shows it.
SHOW_ONCE = "api_show_once"


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy("What uses it, e.g. “CRM sync”."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Access"),
        choices=ApiScope.choices,
        initial=ApiScope.READ,
        widget=forms.RadioSelect,
    )


def manager(request):
    """The member, when an owner or admin (API tokens and webhooks are theirs); else 403."""
    if not request.member.can("api"):
        raise PermissionDenied(_("Only owners and admins manage API tokens and webhooks."))
    return request.member


@require_http_methods(["GET", "POST"])
@member_required
def tokens(request):
    """The workspace's tokens, and the form for a new one (its secret shown once)."""
    member = manager(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, secret = api_token_create(
            member=member, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
        )
        request.session[SHOW_ONCE] = {"id": token.pk, "secret": secret}
        return redirect("api:tokens")
    shown = request.session.pop(SHOW_ONCE, None)
    context = {
        "form": form,
        "tokens": api_tokens_of(member=member),
        "new_secret": shown["secret"] if shown else "",
        "new_id": shown["id"] if shown else None,
    }
    return render(request, "api/tokens.html", context, status=400 if form.errors else 200)


@require_POST
@member_required
def token_revoke(request, token_id: int):
    member = manager(request)
    token = get_object_or_404(ApiToken, pk=token_id, workspace_id=member.workspace_id)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api:tokens")


@require_GET
def reference(request):
    """Every operation of the API with its parameters, body and answers (no login needed)."""
    schema = api.get_openapi_schema()
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": "/api/v1" + path.removeprefix("/api/v1"),
                    "id": operation.get("operationId", ""),
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "tag": (operation.get("tags") or [""])[0],
                    "parameters": [_field(schema, p) for p in operation.get("parameters", [])],
                    "body": _body_fields(schema, operation),
                    "answers": sorted(operation.get("responses", {})),
                }
            )
    context = {"operations": operations, "info": schema["info"]}
    return render(request, "api/reference.html", context)


def _field(schema: dict, parameter: dict) -> dict:
    """A parameter's name, place, whether it is required, its meaning and its values."""
    spec = parameter.get("schema", {})
    for part in spec.get("allOf", []):  # an enum by reference
        spec = {
            **schema["components"]["schemas"].get(part.get("$ref", "").rsplit("/", 1)[-1], part),
            **spec,
        }
    values = spec.get("enum") or [
        v for option in spec.get("anyOf", []) for v in option.get("enum", [])
    ]
    return {
        "name": parameter["name"],
        "in": parameter["in"],
        "required": parameter.get("required", False),
        "description": parameter.get("description") or spec.get("description", ""),
        "values": values,
        "default": spec.get("default"),
    }


def _body_fields(schema: dict, operation: dict) -> list[dict]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return []
    reference = content["schema"].get("$ref", "")
    body = schema["components"]["schemas"].get(reference.rsplit("/", 1)[-1], {})
    required = set(body.get("required", []))
    return [
        {"name": name, "description": spec.get("description", ""), "required": name in required}
        for name, spec in body.get("properties", {}).items()
    ]
