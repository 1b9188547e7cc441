"""How the API says no: a status, a machine-readable `code` and a human `message` (in the
language of the request's Accept-Language), with the fields at fault when there are any."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        problems: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields, self.problems, self.headers = fields, problems, headers or {}

    @property
    def body(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.fields is not None:
            body["fields"] = self.fields
        if self.problems is not None:
            body["problems"] = self.problems
        return body


def not_found() -> ApiError:
    return ApiError(404, "not_found", _("Nothing with that id in this workspace."))


def invalid(error: ValidationError) -> ApiError:
    """A service's ValidationError as 422, by field where it has fields."""
    if hasattr(error, "error_dict"):
        fields = {
            name: [str(m) for m in ValidationError(errs).messages]
            for name, errs in error.error_dict.items()
        }
        message = " ".join(m for messages in fields.values() for m in messages)
        return ApiError(422, "invalid", message, fields=fields)
    return ApiError(422, "invalid", " ".join(error.messages))


def form_errors(errors: dict) -> ApiError:
    """The errors of the list's filter form (an end date before the start, a date that does
    not exist) as 422."""
    fields = {name: [str(m) for m in messages] for name, messages in errors.items()}
    message = " ".join(m for messages in fields.values() for m in messages)
    return ApiError(422, "invalid", message, fields=fields)
