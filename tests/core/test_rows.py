"""Plain-SQL rows (`core.rows`) read and write exactly what the ORM would, on both databases."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from tertulia.conversations.models import Message, MessageKind, Sender
from tertulia.core import rows
from tertulia.visitors.models import Visitor

pytestmark = pytest.mark.django_db(transaction=True)


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_a_locked_row_reads_as_the_orm_reads_it(make_visitor, agent):
    visitor = make_visitor(
        name="Zoë \u201cquoted\u201d",
        email="zoe@example.com",
        utm={"source": "news", "deep": {"list": [1, 2.5, None, "ü"]}},
        attributes={"plan": "pro", "seats": 3, "trial": True},
        engaged=True,
        ip="2001:db8::1",
    )
    Visitor.objects.filter(pk=visitor.pk).update(
        assignee=agent, waiting_since=timezone.now(), flow_cursor={"node": "n1"}
    )
    with transaction.atomic():
        read = rows.locked(Visitor, visitor.pk)
    expected = Visitor.objects.get(pk=visitor.pk)
    assert _fields(read) == _fields(expected)
    for name, value in _fields(read).items():
        assert type(value) is type(_fields(expected)[name]), name
    assert read._state.adding is False
    assert read._state.db == "default"


def test_a_row_that_is_not_there_is_does_not_exist(make_visitor):
    visitor = make_visitor()
    visitor_id = visitor.pk
    visitor.delete()
    with transaction.atomic(), pytest.raises(Visitor.DoesNotExist):
        rows.locked(Visitor, visitor_id)


def test_a_lock_outside_a_transaction_is_refused(make_visitor):
    visitor = make_visitor()
    with pytest.raises(TransactionManagementError):
        rows.locked(Visitor, visitor.pk)


def test_inserted_rows_get_their_ids_in_order_and_read_back_the_same(make_visitor):
    visitor = make_visitor()
    when = dt.datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=dt.UTC)
    messages = [
        Message(
            workspace_id=visitor.workspace_id,
            visitor=visitor,
            sender=Sender.BOT,
            kind=MessageKind.TEXT,
            text=text,
            payload=payload,
            client_id=client_id,
            created_at=when + dt.timedelta(seconds=number),
        )
        for number, (text, payload, client_id) in enumerate(
            [
                ("first", {}, None),
                ("'; DROP TABLE x; --", {"options": ["a", "b"], "n": None}, "c-1"),
                ("\u00e9\u4e2d\U0001f600", {"nested": {"deep": [True, False]}}, None),
            ]
        )
    ]
    rows.insert(messages)
    ids = [message.pk for message in messages]
    assert all(ids) and ids == sorted(ids)
    for message in messages:
        assert message._state.adding is False
        assert _fields(Message.objects.get(pk=message.pk)) == _fields(message)


def test_rows_inserted_then_their_visitor_updated_in_one_statement_on_postgresql(
    make_visitor,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    visitor = make_visitor()
    when = timezone.now()
    messages = [
        Message(workspace_id=visitor.workspace_id, visitor=visitor, sender=s, created_at=when)
        for s in (Sender.VISITOR, Sender.BOT)
    ]
    then = rows.Update(Visitor, visitor.pk, {"last_message_at": when}, {"message_count": 2})
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        rows.insert(messages, then=then)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert [m.pk for m in messages] == sorted(
        Message.objects.filter(visitor=visitor).values_list("pk", flat=True)
    )
    visitor.refresh_from_db()
    assert (visitor.last_message_at, visitor.message_count) == (when, 2)
    # Nothing to insert: the update alone; nothing to change: no statement.
    rows.insert([], then=rows.Update(Visitor, visitor.pk, {}, {"message_count": 1}))
    with CaptureQueriesContext(connection) as queries:
        rows.insert([], then=rows.Update(Visitor, visitor.pk, {}, {}))
    assert not queries
    visitor.refresh_from_db()
    assert visitor.message_count == 3


def test_a_database_default_is_left_to_the_database(make_visitor):
    visitor = make_visitor()
    message = Message(workspace_id=visitor.workspace_id, visitor=visitor, sender=Sender.BOT)
    rows.insert([message])
    stored = Message.objects.get(pk=message.pk)
    assert abs(stored.created_at - timezone.now()) < dt.timedelta(minutes=1)


def test_an_update_sets_and_adds(make_visitor):
    visitor = make_visitor()
    when = timezone.now()
    changed = rows.update(
        Visitor,
        visitor.pk,
        values={"last_message_at": when, "flow_cursor": {"node": "x"}, "engaged": True},
        add={"message_count": 3, "unread": 1},
    )
    assert changed == 1
    rows.update(Visitor, visitor.pk, values={}, add={"message_count": 2})
    visitor.refresh_from_db()
    assert visitor.last_message_at == when
    assert visitor.flow_cursor == {"node": "x"}
    assert visitor.engaged is True
    assert (visitor.message_count, visitor.unread) == (5, 1)


def test_an_update_of_a_row_that_is_gone_changes_nothing(make_visitor):
    visitor = make_visitor()
    visitor_id = visitor.pk
    visitor.delete()
    assert rows.update(Visitor, visitor_id, values={"engaged": True}, add={}) == 0
    assert rows.update(Visitor, visitor_id, values={}, add={}) == 0


def test_a_row_read_by_its_key_is_the_orms_for_a_number_or_a_text_key(make_visitor, owner):
    from django.contrib.sessions.models import Session

    from tertulia.accounts.models import User

    session = Session.objects.create(
        session_key="k" * 32, session_data="data", expire_date=timezone.now()
    )
    for model, pk in [(User, owner.user.pk), (Session, session.pk), (Visitor, make_visitor().pk)]:
        read = rows.get(model, pk)
        assert _fields(read) == _fields(model.objects.get(pk=pk)), model
        assert read._state.adding is False
    with pytest.raises(User.DoesNotExist):
        rows.get(User, owner.user.pk + 1000)
    with pytest.raises(ValueError):
        rows.get(User, "not a number")


def test_on_postgresql_the_statements_of_every_message_are_prepared_once(make_visitor):
    """With the pool (the settings' `prepare_threshold`) PostgreSQL parses and plans each shape
    once per connection; a text with the same values twice is one statement, stored once."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no prepared statements to share")
    visitor = make_visitor()

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [statement for (statement,) in cursor.fetchall()]

    for number in range(3):
        message = Message(
            workspace_id=visitor.workspace_id,
            visitor=visitor,
            sender=Sender.VISITOR,
            text=f"hola {number}",
            created_at=timezone.now(),
        )
        with transaction.atomic():
            locked = rows.locked(Visitor, visitor.pk)
            rows.insert([message], then=rows.Update(Visitor, visitor.pk, {}, {"unread": 1}))
    assert locked.pk == visitor.pk
    statements = prepared()
    assert any("FOR UPDATE" in statement for statement in statements), statements
    assert any(statement.startswith("WITH updated AS") for statement in statements), statements
    # Parameters, not values, are what was prepared; the ORM's own queries are not prepared.
    assert not any("hola" in statement for statement in statements)
    Visitor.objects.filter(pk=visitor.pk).exists()
    assert len(prepared()) == len(statements)
    visitor.refresh_from_db()
    assert visitor.unread == 3
    assert list(Message.objects.filter(visitor=visitor).values_list("text", flat=True)) == [
        "hola 0",
        "hola 1",
        "hola 2",
    ]


def test_a_select_gives_what_its_queryset_gives_with_its_relations(owner, agent, other_owner):
    """`Select` runs one compiled statement per connection with each key: the same instances,
    related objects and converted values (dates, booleans) as the ORM, for any key, and none for
    a key without rows."""
    from tertulia.accounts.models import Member
    from tertulia.visitors.models import VisitorCountry

    def build(workspace_id):
        return (
            Member.objects.filter(workspace_id=workspace_id)
            .select_related("user", "workspace")
            .order_by("user__email")
        )

    members = rows.Select(build)
    agent.away = True
    agent.save(update_fields=["away"])
    for workspace_id in (owner.workspace_id, other_owner.workspace_id, 10**9):
        expected = list(build(workspace_id))
        got = members(workspace_id)
        assert [_fields(m) for m in got] == [_fields(m) for m in expected]
        assert [_fields(m.user) for m in got] == [_fields(m.user) for m in expected]
        assert [_fields(m.workspace) for m in got] == [_fields(m.workspace) for m in expected]
    assert [m.away for m in members(owner.workspace_id)] == [True, False]  # agent@, owner@
    assert isinstance(members(owner.workspace_id)[0].created_at, dt.datetime)

    VisitorCountry.objects.bulk_create(
        [
            VisitorCountry(workspace_id=owner.workspace_id, country="MX", visitors=2),
            VisitorCountry(workspace_id=owner.workspace_id, country="AR", visitors=0),
            VisitorCountry(workspace_id=owner.workspace_id, country="CL", visitors=1),
        ]
    )
    countries = rows.Select(
        lambda pk: (
            VisitorCountry.objects.filter(workspace_id=pk, visitors__gt=0)
            .values_list("country", flat=True)
            .order_by("country")
        )
    )
    assert countries(owner.workspace_id) == ["CL", "MX"]
    assert countries(other_owner.workspace_id) == []
    pairs = rows.Select(
        lambda pk: (
            VisitorCountry.objects.filter(workspace_id=pk)
            .values_list("country", "visitors")
            .order_by("-visitors", "country")
        )
    )
    assert pairs(owner.workspace_id) == [("MX", 2), ("CL", 1), ("AR", 0)]
    with pytest.raises(TypeError):
        rows.Select(lambda pk: Member.objects.filter(pk=pk).values("pk"))(1)
