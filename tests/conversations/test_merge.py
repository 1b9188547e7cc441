"""Merging two visitors: one conversation ordered by time, fields chosen one by one, history,
page views, tokens and bell lines kept, an audit entry, the other visitor gone."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tertulia.accounts.models import AuditAction, AuditEntry
from tertulia.conversations.merge import visitors_merge
from tertulia.conversations.models import Message, Sender, StatusChange
from tertulia.conversations.services import message_post, visitor_set_status
from tertulia.notifications.models import Notification, NotificationKind
from tertulia.visitors.models import PageView, Visitor, VisitorToken
from tertulia.widget.services import token_hash
from tests.visitors.test_counts import assert_consistent


def said(visitor, text, minutes_ago):
    message = message_post(visitor=visitor, sender=Sender.VISITOR, text=text)
    at = timezone.now() - timedelta(minutes=minutes_ago)
    Message.objects.filter(pk=message.pk).update(created_at=at)
    return message


@pytest.fixture
def pair(make_visitor):
    keep = make_visitor(name="Ana", email="", phone="+34612345678", token_hash=token_hash("k"))
    other = make_visitor(
        name="Ana Ruiz", email="ana@example.com", country="ES", token_hash=token_hash("o")
    )
    # Interleaved in time: other 50, keep 40, other 30, keep 20.
    said(other, "o-50", 50)
    said(keep, "k-40", 40)
    said(other, "o-30", 30)
    said(keep, "k-20", 20)
    PageView.objects.create(
        workspace_id=other.workspace_id, visitor=other, url="https://a.example/"
    )
    return keep, other


def test_merge_keeps_every_message_in_time_order_and_the_chosen_fields(pair, owner):
    keep, other = pair
    Notification.objects.create(
        workspace_id=keep.workspace_id,
        member=owner,
        visitor=other,
        kind=NotificationKind.LIVE_CHAT_REQUESTED,
    )
    visitor_set_status(visitor=other, status="lead", actor=owner.user)
    merged_id = other.pk

    result = visitors_merge(keep=keep, other=other, take={"name", "status"}, actor=owner.user)

    assert not Visitor.objects.filter(pk=merged_id).exists()
    texts = Message.objects.filter(visitor=result, sender=Sender.VISITOR).order_by("id")
    assert list(texts.values_list("text", flat=True)) == ["o-50", "k-40", "o-30", "k-20"]
    result.refresh_from_db()
    assert (result.name, result.email, result.phone) == (
        "Ana Ruiz",  # taken from the other one
        "ana@example.com",  # empty here: filled
        "+34612345678",  # kept
    )
    assert result.status == "lead" and result.country == "ES"
    assert result.message_count == 4
    assert StatusChange.objects.filter(visitor=result).count() == 2  # the other's, and the merge's
    assert PageView.objects.filter(visitor=result).count() == 1
    assert Notification.objects.filter(visitor=result).count() == 1
    assert VisitorToken.objects.filter(visitor=result, token_hash=token_hash("o")).exists()
    entry = AuditEntry.objects.get(action=AuditAction.VISITORS_MERGED)
    assert entry.detail == {"number": keep.number, "merged": other.number}
    assert_consistent()


def test_merged_away_id_answers_404_and_its_browser_continues_the_kept_visitor(
    pair, owner, owner_client, client, bot
):
    keep, other = pair
    visitors_merge(keep=keep, other=other, actor=owner.user)
    assert owner_client.get(f"/visitors/{other.pk}/").status_code == 404
    assert owner_client.get(f"/visitors/{keep.pk}/").status_code == 200
    reply = client.post(
        f"/widget/{bot.public_key}/open",
        data=json.dumps({"token": "o"}),
        content_type="application/json",
    ).json()
    assert reply["visitor"]["id"] == keep.pk
    assert [m["text"] for m in reply["messages"] if m["sender"] == "visitor"] == [
        "o-50",
        "k-40",
        "o-30",
        "k-20",
    ]


def test_what_cannot_be_merged_is_refused_and_nothing_changes(
    pair, make_visitor, owner, other_owner
):
    keep, other = pair
    with pytest.raises(ValidationError):
        visitors_merge(keep=keep, other=keep, actor=owner.user)
    stranger = make_visitor(in_workspace=other_owner.workspace, name="Zed")
    with pytest.raises(ValidationError):
        visitors_merge(keep=keep, other=stranger, actor=owner.user)
    with pytest.raises(ValidationError):
        visitors_merge(keep=keep, other=other, take={"password"}, actor=owner.user)
    assert Message.objects.filter(visitor=other).count() == 2
    assert Visitor.objects.filter(pk=stranger.pk).exists()
