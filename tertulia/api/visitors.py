"""/api/v1/visitors: the Visitors page for programs, through the same selectors and services."""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from tertulia.accounts.selectors import member_in
from tertulia.api.auth import may, may_write
from tertulia.api.errors import ApiError, form_errors, invalid, not_found
from tertulia.api.schemas import (
    WITH_BODY,
    Id,
    MessageIn,
    MessageList,
    MessageOut,
    VisitorDetailOut,
    VisitorList,
    VisitorMerge,
    VisitorOut,
    VisitorQuery,
    VisitorUpdate,
    answers,
)
from tertulia.conversations.assignment import visitor_assign
from tertulia.conversations.contact import CONTACT_FIELDS, visitor_update_contact
from tertulia.conversations.live_chat import live_chat_reply
from tertulia.conversations.merge import visitors_merge
from tertulia.conversations.models import Message
from tertulia.conversations.notes import note_post
from tertulia.conversations.services import visitor_set_status
from tertulia.privacy.services import visitor_anonymise, visitor_delete
from tertulia.visitors.filters import VisitorFilters
from tertulia.visitors.models import Visitor
from tertulia.visitors.selectors import About, visitor_get, visitor_list_page

router = Router(tags=["Visitors"])
MESSAGES_MAX = 200


def filters_of(request, query: VisitorQuery) -> VisitorFilters:
    """The one filter object of the Visitors page, from the API's parameters (400 when the
    page's own checks refuse one)."""
    unknown = sorted(set(request.GET) - set(VisitorQuery.model_fields) - {"format"})
    if unknown:
        said = _("Unknown parameters: %(names)s.") % {"names": ", ".join(unknown)}
        raise ApiError(422, "invalid", said, fields={name: [said] for name in unknown})
    values = query.model_dump(exclude_none=True, mode="json")
    values["after"] = values.pop("cursor", "")
    values["per_page"] = values.pop("limit")
    values["preview"] = values.pop("test")
    source = QueryDict(mutable=True)
    for name, value in values.items():
        if value is not False and value != "":
            source[name] = "on" if value is True else str(value)
    filters, errors = VisitorFilters.from_query(source)
    if errors:
        raise form_errors(errors)
    return filters.seen_by(request.member.pk)


def visitor_data(visitor: Visitor, schema: type[VisitorOut] = VisitorOut) -> dict:
    assignee = visitor.assignee
    return {
        **{name: getattr(visitor, name) for name in schema.model_fields if hasattr(visitor, name)},
        "display_name": visitor.display_name,
        "assignee": {"id": assignee.pk, "name": str(assignee.user)} if assignee else None,
        "is_test": visitor.is_preview,
        "user_id": visitor.external_id,
        "verified": visitor.identity_verified,
    }


def _visitor(request, visitor_id: int) -> Visitor:
    may(request, "visitors")
    try:
        return visitor_get(workspace=request.member.workspace, visitor_id=visitor_id)
    except Visitor.DoesNotExist:
        raise not_found() from None


@router.get("/visitors", response=answers(VisitorList), summary="List visitors")
def visitor_list(request, query: Query[VisitorQuery]):
    """One page of a status tab, newest first unless sorted otherwise; follow `next_cursor`."""
    may(request, "visitors")
    page = visitor_list_page(workspace=request.member.workspace, filters=filters_of(request, query))
    return {
        "results": [visitor_data(v) for v in page.rows],
        "next_cursor": page.next_cursor if page.has_next else None,
        "counts": page.counts.tabs,
        "counts_capped_at": page.counts.cap,
        "counts_estimated": [
            status for status, count in page.counts.tabs.items() if isinstance(count, About)
        ],
    }


@router.get("/visitors/{visitor_id}", response=answers(VisitorDetailOut), summary="Get a visitor")
def visitor_detail(request, visitor_id: Id):
    visitor = _visitor(request, visitor_id)
    return visitor_data(visitor, VisitorDetailOut)


@router.patch(
    "/visitors/{visitor_id}",
    response=answers(VisitorDetailOut, errors=WITH_BODY),
    summary="Change a visitor",
)
def visitor_update(request, visitor_id: Id, body: VisitorUpdate):
    """Status, assignee, name, e-mail, phone and custom attributes; all or nothing."""
    may_write(request)
    visitor = _visitor(request, visitor_id)
    given = body.model_dump(exclude_unset=True)
    assignee = None
    if given.get("assignee_id") is not None:
        assignee = member_in(workspace_id=visitor.workspace_id, member_id=given["assignee_id"])
        if assignee is None:
            said = _("No such member in this workspace.")
            raise ApiError(422, "invalid", said, fields={"assignee_id": [said]})
    actor = request.member.user
    try:
        with transaction.atomic():
            if given.keys() & {*CONTACT_FIELDS, "attributes"}:
                visitor_update_contact(visitor=visitor, actor=actor, data=given)
            if given.get("status") is not None:
                visitor_set_status(visitor=visitor, status=given["status"], actor=actor)
            if "assignee_id" in given:
                visitor_assign(visitor=visitor, assignee=assignee, actor=actor)
    except ValidationError as error:
        raise invalid(error) from None
    return visitor_detail(request, visitor_id)


@router.delete(
    "/visitors/{visitor_id}", response=answers(None, status=204), summary="Delete a visitor"
)
def visitor_remove(request, visitor_id: Id):
    """The visitor and their whole conversation, for good (owners and admins)."""
    may_write(request, "privacy")
    visitor_delete(visitor=_visitor(request, visitor_id), actor=request.member.user)
    return Status(204, None)


@router.post(
    "/visitors/{visitor_id}/anonymise",
    response=answers(VisitorDetailOut),
    summary="Anonymise a visitor",
)
def visitor_anonymise_now(request, visitor_id: Id):
    """Remove who the visitor is and keep the conversation (owners and admins)."""
    may_write(request, "privacy")
    visitor_anonymise(visitor=_visitor(request, visitor_id), actor=request.member.user)
    return visitor_detail(request, visitor_id)


@router.post(
    "/visitors/{visitor_id}/merge",
    response=answers(VisitorDetailOut, errors=WITH_BODY),
    summary="Merge another visitor into this one",
)
def visitor_merge(request, visitor_id: Id, body: VisitorMerge):
    """One person as two visitors (two browsers, or before and after they said who they are):
    the other visitor's conversation, pages visited and status history join this one's in time
    order, and the other visitor is deleted (owners and admins). 422 when the two cannot be
    merged: the same visitor, an anonymised one, a test conversation with a visitor's."""
    may_write(request, "privacy")
    keep = _visitor(request, visitor_id)
    other = _visitor(request, body.other)
    take = [field.value for field in body.take]
    try:
        visitors_merge(keep=keep, other=other, take=take, actor=request.member.user)
    except ValidationError as error:
        said = " ".join(error.messages)
        raise ApiError(422, "invalid", said, fields={"other": [said]}) from None
    return visitor_detail(request, visitor_id)


def message_data(message: Message) -> dict:
    """What the widget gets of a message, with the agent's full name (members read this)."""
    return {**message.widget_json(), "agent": str(message.agent) if message.agent_id else None}


@router.get(
    "/visitors/{visitor_id}/messages",
    response=answers(MessageList),
    summary="List a conversation's messages",
)
def message_list(
    request,
    visitor_id: Id,
    after: Id | None = None,
    limit: Annotated[int, Field(ge=1, le=MESSAGES_MAX)] = 50,
):
    """Oldest first, notes included; `after` (a message id, or `next_cursor`) for the next."""
    visitor = _visitor(request, visitor_id)
    messages = Message.objects.filter(visitor=visitor).select_related("agent").order_by("id")
    if after is not None:
        messages = messages.filter(id__gt=after)
    page = list(messages[: limit + 1])
    more = len(page) > limit
    return {
        "results": [message_data(m) for m in page[:limit]],
        "next_cursor": str(page[limit - 1].pk) if more else None,
    }


@router.post(
    "/visitors/{visitor_id}/messages",
    response=answers(MessageOut, status=201, errors=WITH_BODY),
    summary="Reply, or write a note",
)
def message_create(request, visitor_id: Id, body: MessageIn):
    """A reply goes to the visitor's chat (and takes it over from the bot); a note stays in the
    team."""
    may_write(request)
    visitor = _visitor(request, visitor_id)
    try:
        if body.kind == "note":
            message = note_post(visitor=visitor, member=request.member, text=body.text)
        else:
            message = live_chat_reply(visitor=visitor, member=request.member, text=body.text)
    except ValidationError as error:
        raise invalid(error) from None
    return Status(201, message_data(message))
