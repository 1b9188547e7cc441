"""The API's one instance: its operations, how it reads JSON, and how it answers errors."""

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from tertulia.api import exports, visitors, webhooks, workspace
from tertulia.api.auth import TokenAuth
from tertulia.api.errors import ApiError, not_found
from tertulia.core.untrusted import parse_json


class UntrustedJSON(Parser):
    """Request bodies read like the widget's: lone surrogates and NUL become U+FFFD, NaN and
    deep nesting are refused (400)."""

    def parse_body(self, request):
        return parse_json(request.body)


api = NinjaAPI(
    title="Tertulia API",
    version="1",
    description=(
        "The workspace's visitors, conversations, members, bots, flows and webhooks. "
        "Authenticate with "
        "a workspace API token: `Authorization: Bearer tta_…` (made on the dashboard's API "
        "page). Errors are JSON with a machine-readable `code` and a `message`."
    ),
    urls_namespace="api-v1",
    auth=TokenAuth(),
    parser=UntrustedJSON(),
    docs_url=None,  # the reference page is the product's own (api.views.reference)
)
api.add_router("", exports.router)  # before /visitors/{id}
api.add_router("", visitors.router)
api.add_router("", workspace.router)
api.add_router("", webhooks.router)


def _answer(request, error: ApiError):
    response = api.create_response(request, error.body, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def api_error(request, error: ApiError):
    return _answer(request, error)


@api.exception_handler(AuthenticationError)
def unauthorized(request, error):
    return _answer(
        request,
        ApiError(
            401,
            "unauthorized",
            _("Send a valid API token: Authorization: Bearer tta_…"),
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        ),
    )


@api.exception_handler(ValidationError)
def invalid_input(request, error: ValidationError):
    fields: dict[str, list[str]] = {}
    for item in error.errors:
        where = ".".join(str(part) for part in item.get("loc", ())[1:]) or "body"
        fields.setdefault(where, []).append(str(item.get("msg", "")))
    message = _("Some values are not right: %(fields)s.") % {"fields": ", ".join(fields)}
    return _answer(request, ApiError(422, "invalid", message, fields=fields))


@api.exception_handler(HttpError)
def bad_request(request, error: HttpError):
    code = {400: "bad_request", 404: "not_found"}.get(error.status_code, "error")
    return _answer(request, ApiError(error.status_code, code, str(error)))


@api.exception_handler(RequestDataTooBig)
def too_big(request, error):
    return _answer(request, ApiError(413, "too_large", _("The request is too large.")))


@api.exception_handler(Http404)
def nothing_here(request, error):
    return _answer(request, not_found())
