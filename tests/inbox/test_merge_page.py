"""The visitor page's "Merge with another visitor…": find the other one with the list's search,
compare the two, choose field by field what stays, merge; owners and admins only, like deleting;
another workspace's visitors are not there; what cannot be merged is said, never a 500."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from tertulia.accounts.models import AuditAction, AuditEntry
from tertulia.conversations.models import Message, Sender
from tertulia.conversations.services import message_post, visitor_set_status
from tertulia.privacy.services import visitor_anonymise
from tertulia.visitors.models import Visitor


def merge_url(visitor, other=None, *, q: str | None = None) -> str:
    """Step 1 (with `q`, a search), or step 2 with `other` (a visitor, or any text as its id)."""
    url = f"/visitors/{visitor.pk}/merge/"
    if other is not None:
        return f"{url}?{urlencode({'with': getattr(other, 'pk', other)})}"
    return f"{url}?{urlencode({'q': q})}" if q is not None else url


def said(visitor, text, minutes_ago):
    message = message_post(visitor=visitor, sender=Sender.VISITOR, text=text)
    at = timezone.now() - timedelta(minutes=minutes_ago)
    Message.objects.filter(pk=message.pk).update(created_at=at)


@pytest.fixture
def pair(make_visitor, owner):
    keep = make_visitor(name="Ana", phone="+34612345678")
    other = make_visitor(name="Ana Ruiz", email="ana@example.com")
    said(other, "first from the phone", 30)
    said(keep, "then from the laptop", 20)
    visitor_set_status(visitor=other, status="lead", actor=owner.user)
    return keep, other


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_visitor_page_offers_merging_to_owners_and_admins(owner_client, agent_client, pair):
    keep, _ = pair
    link = f'href="{merge_url(keep)}"'
    assert link in owner_client.get(f"/visitors/{keep.pk}/").content.decode()
    panel = owner_client.get(f"/visitors/{keep.pk}/panel/", headers={"HX-Request": "true"})
    assert "Merge with another visitor…" in panel.content.decode()
    assert link not in agent_client.get(f"/visitors/{keep.pk}/").content.decode()


def test_agents_may_not_merge_as_they_may_not_delete(agent_client, pair):
    keep, other = pair
    assert agent_client.get(merge_url(keep)).status_code == 403
    assert agent_client.get(merge_url(keep, other)).status_code == 403
    assert agent_client.post(merge_url(keep, other), {"name": "other"}).status_code == 403
    assert Visitor.objects.filter(pk=other.pk).exists()


def test_the_search_lists_matches_but_not_the_visitor_itself_tests_or_anonymised(
    owner_client, owner, pair, make_visitor, other_owner
):
    keep, other = pair
    make_visitor(name="Ana Test", is_preview=True)
    gone = make_visitor(name="Ana Gone")
    visitor_anonymise(visitor=gone, actor=owner.user)
    make_visitor(in_workspace=other_owner.workspace, name="Ana Globex")
    make_visitor(name="Bruno")

    response = owner_client.get(merge_url(keep, q="ana"))
    html = text_of(response)
    assert response.status_code == 200
    assert "Ana Ruiz" in html and "ana@example.com" in html
    assert f"Visitor #{other.number}" in html and "first from the phone" in html
    assert f'?with={other.pk}"' in html
    assert f'?with={keep.pk}"' not in html  # not itself
    for absent in ("Ana Test", "Ana Globex", "Bruno"):
        assert absent not in html
    assert f'?with={gone.pk}"' not in html

    by_phone = text_of(owner_client.get(merge_url(other, q="612 345")))
    assert f'?with={keep.pk}"' in by_phone  # the list's search: phone digits too
    nothing = text_of(owner_client.get(merge_url(keep, q="zzz")))
    assert "No other visitor matches “zzz”" in nothing
    hostile = text_of(owner_client.get(merge_url(keep, q="<b>x" + "y" * 300)))
    assert "“&lt;b&gt;x" + "y" * 196 + "”" in hostile  # escaped, and cut as the list's search
    assert "<b>x" not in hostile
    newest = text_of(owner_client.get(merge_url(keep)))
    assert "Newest visitors" in newest and "Bruno" in newest


def test_the_comparison_shows_both_and_chooses_the_others_value_only_where_this_one_has_none(
    owner_client, pair
):
    keep, other = pair
    response = owner_client.get(merge_url(keep, other))
    html = text_of(response)
    assert response.status_code == 200
    assert f"Ana (#{keep.number})" in html and f"Ana Ruiz (#{other.number})" in html
    for label in ("Name", "E-mail", "Phone", "User ID", "Status", "Assigned to"):
        assert f"<legend>{label}</legend>" in html
    checked = dict(re.findall(r'name="(\w+)" value="(keep|other)" checked', html))
    assert checked == {
        "name": "keep",
        "email": "other",  # empty here
        "phone": "keep",
        "external_id": "keep",  # empty on both
        "status": "keep",
        "assignee": "keep",
    }
    assert html.count("<dt>Messages</dt><dd>1</dd>") == 2
    assert "Then Ana Ruiz (#" in html and "It cannot be undone." in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_a_verified_user_id_is_marked(owner_client, pair):
    keep, other = pair
    Visitor.objects.filter(pk=other.pk).update(
        external_id="user-42", identity_verified_at=timezone.now()
    )
    html = text_of(owner_client.get(merge_url(keep, other)))
    assert re.search(r"user-42 <span class=\"chip chip--verified\"", html)
    Visitor.objects.filter(pk=other.pk).update(identity_verified_at=None)
    assert "chip--verified" not in text_of(owner_client.get(merge_url(keep, other)))


def test_merging_keeps_the_chosen_fields_and_every_message(owner_client, owner, pair):
    keep, other = pair
    response = owner_client.post(
        merge_url(keep, other),
        {"name": "other", "email": "other", "phone": "keep", "status": "other"},
        follow=True,
    )
    assert response.redirect_chain == [(f"/visitors/{keep.pk}/", 302)]
    html = text_of(response)
    assert f"Visitor #{other.number} was merged into this visitor" in html
    assert "first from the phone" in html and "then from the laptop" in html
    assert not Visitor.objects.filter(pk=other.pk).exists()
    keep.refresh_from_db()
    assert (keep.name, keep.email, keep.phone, keep.status) == (
        "Ana Ruiz",
        "ana@example.com",
        "+34612345678",
        "lead",
    )
    texts = Message.objects.filter(visitor=keep, sender=Sender.VISITOR).order_by("id")
    assert list(texts.values_list("text", flat=True)) == [
        "first from the phone",
        "then from the laptop",
    ]
    assert AuditEntry.objects.filter(action=AuditAction.VISITORS_MERGED).count() == 1
    log = text_of(owner_client.get("/workspace/"))
    assert f"Olga Owner merged Visitor #{other.number} into Visitor #{keep.number}" in log
    assert owner_client.get(merge_url(keep, other)).status_code == 404


def test_another_workspaces_visitor_is_not_found(owner_client, pair, make_visitor, other_owner):
    keep, _ = pair
    stranger = make_visitor(in_workspace=other_owner.workspace, name="Gus")
    assert owner_client.get(merge_url(stranger)).status_code == 404
    assert owner_client.get(merge_url(keep, stranger)).status_code == 404
    assert owner_client.post(merge_url(keep, stranger)).status_code == 404
    assert owner_client.post(merge_url(stranger, keep)).status_code == 404
    for bad in ("abc", "-1", "9" * 40):
        assert owner_client.get(merge_url(keep, bad)).status_code == 404
    assert Visitor.objects.filter(pk=stranger.pk).exists()


def test_what_cannot_be_merged_is_said_and_nothing_changes(owner_client, owner, pair, make_visitor):
    keep, other = pair
    itself = owner_client.get(merge_url(keep, keep))
    assert itself.status_code == 200
    html = text_of(itself)
    assert "a visitor cannot be merged with itself" in html and 'role="alert"' in html
    assert ">Merge</button>" not in html

    posted = owner_client.post(merge_url(keep, keep), {"name": "other"})
    assert posted.status_code == 400
    assert "a visitor cannot be merged with itself" in text_of(posted)

    test_chat = make_visitor(name="Try it", is_preview=True)
    refused = owner_client.post(merge_url(keep, test_chat))
    assert refused.status_code == 400
    assert "A test conversation cannot be merged" in text_of(refused)

    visitor_anonymise(visitor=other, actor=owner.user)
    refused = owner_client.post(merge_url(keep, other))
    assert refused.status_code == 400
    assert "An anonymised visitor cannot be merged" in text_of(refused)
    assert Visitor.objects.filter(pk__in=[keep.pk, other.pk, test_chat.pk]).count() == 3
    assert Message.objects.filter(visitor=other).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.VISITORS_MERGED).exists()


def test_step_one_takes_no_post(owner_client, pair):
    keep, _ = pair
    assert owner_client.post(merge_url(keep)).status_code == 405
