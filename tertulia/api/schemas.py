"""What the API reads and answers, typed: the OpenAPI description is generated from these."""

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import model_validator

from tertulia.conversations.merge import MERGE_FIELDS
from tertulia.core.limits import MESSAGE_MAX
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.filters import PAGE_SIZES, SORTS, InboxView

MAX_ID = 10**18  # as the list's own form takes ids
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A day as the list's filters take it (checked as a real date by the page's own form).
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"format": "date"})]

Status = StrEnum("Status", {s.upper(): s for s in VisitorStatus.values})
View = StrEnum("View", {v.upper(): v for v in InboxView.values})
Sort = StrEnum("Sort", {key.replace("-", "DESC_").upper(): key for key in SORTS})
PageSize = IntEnum("PageSize", {f"ROWS_{n}": n for n in PAGE_SIZES})
MergeField = StrEnum("MergeField", {name.upper(): name for name in MERGE_FIELDS})


class Body(Schema):
    """A JSON object sent to the API (anything else is refused, 422)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        read = getattr(value, "_obj", value)  # as django-ninja hands it over
        if read is None or isinstance(read, list | str | int | float):  # JSON, not an object
            raise ValueError("Send a JSON object.")
        return value


class Error(Schema):
    """Every answer other than 2xx."""

    code: str = Field(description="Machine-readable: not_found, invalid, forbidden, …")
    message: str = Field(description="For people, in the request's Accept-Language.")
    fields: dict[str, list[str]] | None = Field(None, description="What is wrong, by field.")
    problems: list[dict[str, str]] | None = Field(
        None, description="A flow's problems: code, node and message each."
    )


ERRORS = frozenset({400, 401, 403, 404, 422, 429})
WITH_BODY = ERRORS | {413}  # a body past 2.5 MB


def answers(ok: Any, *, status: int = 200, errors: frozenset[int] = ERRORS) -> dict:
    """The `response` of an operation: its success and the errors it may give."""
    return {status: ok, **dict.fromkeys(errors, Error)}


class MemberRef(Schema):
    id: int
    name: str


class MemberOut(Schema):
    id: int
    name: str
    email: str
    role: str
    online: bool
    created_at: datetime


class VisitorOut(Schema):
    id: int
    number: int = Field(description="Visitor #N: counts per workspace.")
    name: str | None
    display_name: str = Field(description='The name, or "Visitor #N".')
    email: str
    phone: str = Field(description="E.164 when it parses.")
    status: Status
    assignee: MemberRef | None
    country: str = Field(description="ISO 3166-1 alpha-2, or empty.")
    region: str
    city: str
    engaged: bool
    live_chat: str = Field(description='"", "requested" or "active".')
    waiting_since: datetime | None
    last_message_at: datetime | None
    last_message_text: str
    unread: int
    is_test: bool = Field(description="A test conversation from the flow editor.")
    user_id: str | None = Field(description="Your site's id of the person, from `identify`.")
    verified: bool = Field(
        description="Whether your backend signed `user_id` (identity verification)."
    )
    created_at: datetime


class VisitorDetailOut(VisitorOut):
    bot_id: int | None
    attributes: dict[str, Any]
    utm: dict[str, Any]
    message_count: int
    browser: str
    os: str
    device_type: str
    languages: str
    timezone: str
    referrer: str
    landing_page: str
    status_changed_at: datetime | None
    last_seen_at: datetime | None
    anonymised_at: datetime | None


class VisitorList(Schema):
    results: list[VisitorOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: last.")
    counts: dict[str, int | None] = Field(
        description="Visitors per status under the filters (null: not counted in time)."
    )
    counts_capped_at: int | None = Field(
        description='With filters, counts stop here: a count above it means "more than".'
    )
    counts_estimated: list[Status] = Field(
        description="The statuses whose count is an estimate from a sample (counting took too "
        "long), rounded to two figures."
    )


class VisitorQuery(Schema):
    """The Visitors page's filters, views and sorting."""

    status: Status = Status.NEW
    view: View = View.ALL
    q: str | None = Field(None, max_length=200, description="Name, e-mail or phone digits.")
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$")
    region: str | None = Field(None, max_length=120)
    city: str | None = Field(None, max_length=120)
    started_from: Day | None = None
    started_to: Day | None = None
    engaged: bool = False
    assignee: Id | None = Field(None, description="A member's id: their conversations only.")
    test: bool = Field(False, description="Test conversations only.")
    sort: Sort = Sort("-created")
    limit: PageSize = PageSize(PAGE_SIZES[0])
    cursor: str | None = Field(
        None, pattern=r"^[1-9][0-9]{0,17}$", description="`next_cursor` of a page."
    )


Text = Annotated[str, Field(max_length=1000)]
AttributeValue = str | int | float | bool | None


class VisitorUpdate(Body):
    """Only the fields given change; `assignee_id: null` unassigns, an empty text removes."""

    status: Status | None = None
    assignee_id: Id | None = None
    name: Text | None = None
    email: Text | None = None
    phone: Text | None = None
    attributes: dict[Annotated[str, Field(max_length=64)], AttributeValue] | None = Field(
        None, description="Merged into the visitor's; a null value removes that attribute."
    )


class VisitorMerge(Body):
    """The visitor merged into this one (then deleted), and whose details stay."""

    other: Id = Field(description="The other visitor's id: it answers 404 afterwards.")
    take: list[MergeField] = Field(
        default_factory=list,
        max_length=len(MERGE_FIELDS),
        description="The fields whose value is taken from the other visitor; the others keep "
        "this visitor's value, or the other's where this one has none (status and assignee "
        "stay unless taken).",
    )


class MessageOut(Schema):
    id: int
    sender: str = Field(description="bot, visitor, agent or system.")
    kind: str = Field(description="text, options, option_choice, form, form_submission, note, …")
    text: str
    payload: dict[str, Any]
    agent: str | None = Field(description="The member who wrote it, for agents' messages.")
    created_at: datetime


class MessageList(Schema):
    results: list[MessageOut]
    next_cursor: str | None


class MessageIn(Body):
    kind: Literal["reply", "note"] = Field(
        "reply", description="A reply to the visitor, or a note for the team only."
    )
    text: Annotated[str, Field(min_length=1, max_length=MESSAGE_MAX)]


class BotOut(Schema):
    id: int
    name: str
    public_key: str
    title: str
    language: str
    allowed_origins: list[str]
    created_at: datetime


class Flow(Body):
    """A bot's flow: its nodes (start, message, options, form, notification, live_chat,
    condition, end) and what else the editor keeps."""

    nodes: list[dict[str, Any]] = Field(max_length=500)
    fallback: str | None = Field(
        None, description="The node answering what the flow did not expect."
    )

    model_config = {"extra": "allow"}
