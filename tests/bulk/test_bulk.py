"""Bulk actions: the visitors picked, or all matching the filters, in batches in the background."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from tertulia.accounts.models import AuditAction, AuditEntry
from tertulia.bulk.models import BulkJob, BulkState
from tertulia.bulk.services import bulk_run
from tertulia.conversations.models import Message, MessageKind, StatusChange
from tertulia.demo.seeding import seed_visitors
from tertulia.visitors.models import Visitor
from tests.helpers import body

BULK = reverse("visitors:bulk")
HTMX = {"HX-Request": "true"}


def test_all_matching_over_5000_visitors_runs_in_batches_with_history_lines(
    owner_client, owner, bot, other_owner
):
    seed_visitors(workspace=owner.workspace, bot=bot, count=5_000, messages_per_visitor=1)
    new = Visitor.objects.filter(workspace=owner.workspace, status="new").count()
    leads_before = Visitor.objects.filter(workspace=owner.workspace, status="lead").count()
    changes_before = StatusChange.objects.count()
    response = owner_client.post(
        BULK, {"do": "status:lead", "scope": "all", "query": "?status=new"}, headers=HTMX
    )
    assert response.status_code == 200
    job = BulkJob.objects.get()
    assert (job.state, job.total) == (BulkState.RUNNING, new)
    assert "Working: 0 of" in response.content.decode()

    started = time.perf_counter()
    bulk_run(job_id=job.pk)  # what the worker's task does
    took = time.perf_counter() - started
    job.refresh_from_db()
    assert (job.state, job.done) == (BulkState.DONE, new), took
    assert Visitor.objects.filter(workspace=owner.workspace, status="new").count() == 0
    assert Visitor.objects.filter(workspace=owner.workspace, status="lead").count() == (
        leads_before + new
    )
    # The same history as by hand: a status change and a system line each, by the owner.
    assert StatusChange.objects.count() - changes_before == new
    assert (
        Message.objects.filter(
            kind=MessageKind.STATUS_CHANGE, agent=owner.user, payload__to="lead"
        ).count()
        == new
    )
    (entry,) = AuditEntry.objects.filter(action=AuditAction.VISITORS_BULK)
    assert entry.detail == {"bulk": "status", "value": "lead", "count": new}
    progress = owner_client.get(reverse("visitors:bulk_progress", args=[job.pk]), headers=HTMX)
    assert f"Done: {new} visitors changed." in progress.content.decode()
    assert progress["HX-Trigger"] == "visitors-changed"

    # A member of another workspace sees neither the job nor the visitors.
    stranger = Client()
    stranger.force_login(other_owner.user)
    assert stranger.get(reverse("visitors:bulk_progress", args=[job.pk])).status_code == 404
    ids = list(Visitor.objects.filter(workspace=owner.workspace).values_list("pk", flat=True)[:5])
    before = list(Visitor.objects.filter(pk__in=ids).values_list("status", flat=True))
    response = stranger.post(BULK, {"do": "status:archived", "ids": ids}, headers=HTMX)
    assert response.status_code == 404
    assert list(Visitor.objects.filter(pk__in=ids).values_list("status", flat=True)) == before


def test_picked_visitors_change_at_once(agent_client, agent, make_visitor):
    picked = [make_visitor(name=f"P{n}") for n in range(3)]
    other = make_visitor(name="Other")
    response = agent_client.post(
        BULK, {"do": f"assign:{agent.pk}", "ids": [v.pk for v in picked]}, headers=HTMX
    )
    assert "Done: 3 visitors changed." in response.content.decode()
    assert response["HX-Trigger"] == "visitors-changed"
    assert Visitor.objects.filter(assignee=agent).count() == 3
    other.refresh_from_db()
    assert other.assignee is None
    # One audit entry for the action, not one per visitor.
    assert AuditEntry.objects.filter(action=AuditAction.VISITORS_BULK).count() == 1
    assert not AuditEntry.objects.filter(action=AuditAction.VISITOR_ASSIGNED).exists()


def test_only_owners_and_admins_delete_in_bulk(owner_client, agent_client, make_visitor):
    visitors = [make_visitor() for _ in range(2)]
    ids = [v.pk for v in visitors]
    assert agent_client.post(BULK, {"do": "delete:", "ids": ids}).status_code == 403
    assert Visitor.objects.count() == 2
    response = owner_client.post(BULK, {"do": "delete:", "ids": ids})
    assert response.status_code == 302
    assert not Visitor.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"do": "status:nope", "ids": ["1"]},
        {"do": "explode:", "ids": ["1"]},
        {"do": "assign:99999", "ids": ["1"]},
        {"do": "status:lead"},
        {"do": "status:lead", "ids": ["1x"]},
        {"do": "status:lead", "ids": [str(n) for n in range(600)]},
    ],
)
def test_bad_bulk_requests_are_refused_and_change_nothing(owner_client, make_visitor, data):
    make_visitor()
    response = owner_client.post(BULK, data, headers=HTMX)
    assert response.status_code == 400
    assert not BulkJob.objects.exists()
    assert Visitor.objects.get().status == "new"


def test_exporting_the_picked_rows(owner_client, make_visitor):
    keep = make_visitor(name="Picked One")
    make_visitor(name="Not Picked")
    response = owner_client.get(
        reverse("visitors:export", args=["csv"]),
        {"ids": [keep.pk], "query": "?status=new", "do": "status:new"},
    )
    text = body(response).decode()
    assert "Picked One" in text and "Not Picked" not in text
    assert "picked" in response["Content-Disposition"]


def test_a_job_left_half_done_is_resumed_when_a_worker_starts(owner, make_visitor, monkeypatch):
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from tertulia.bulk.services import bulk_start
    from tertulia.core.worker import worker_started

    for n in range(5):
        make_visitor(name=f"V{n}")
    monkeypatch.setattr("tertulia.bulk.services.INLINE_LIMIT", 0)  # a background job
    job = bulk_start(member=owner, action="status", value="closed", ids=None, query="")
    assert job.state == BulkState.RUNNING
    worker_started()
    queued = DBTaskResult.objects.filter(
        task_path="tertulia.bulk.tasks.run_bulk_job", status=TaskResultStatus.READY
    )
    assert queued.count() == 1
    bulk_run(job_id=job.pk)
    bulk_run(job_id=job.pk)  # a second run of a finished job changes nothing
    job.refresh_from_db()
    assert (job.state, job.done) == (BulkState.DONE, 5)
    assert AuditEntry.objects.filter(action=AuditAction.VISITORS_BULK).count() == 1
