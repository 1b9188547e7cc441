"""The flow engine, node by node, and random flows with random events."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tertulia.flows import engine
from tertulia.flows.engine import (
    AskForm,
    AskOptions,
    Choose,
    Cursor,
    End,
    HandOff,
    LiveChatEnded,
    Notify,
    Say,
    SetStatus,
    Start,
    Submit,
    Text,
    advance,
)
from tertulia.flows.validation import validate

FLOW = {
    "fallback": "sorry",
    "nodes": [
        {"id": "s", "type": "start", "next": "hi"},
        {"id": "hi", "type": "message", "text": "Hello", "delay_ms": 800, "next": "menu"},
        {
            "id": "menu",
            "type": "options",
            "text": "Pick one",
            "options": [
                {"id": "a", "label": "Sales", "next": "form"},
                {"id": "b", "label": "Support", "next": "bye"},
            ],
        },
        {
            "id": "form",
            "type": "form",
            "text": "Your details",
            "fields": [
                {"name": "who", "label": "Name", "type": "name", "required": True},
                {"name": "company", "label": "Company", "type": "text"},
            ],
            "next": "check",
        },
        {
            "id": "check",
            "type": "condition",
            "subject": "answer",
            "node": "form",
            "field": "company",
            "op": "is_set",
            "next": "notify",
            "else": "human",
        },
        {
            "id": "notify",
            "type": "notification",
            "label": "Lead!",
            "status": "lead",
            "message": "{name} from {company}",
            "in_app": True,
            "next": "human",
        },
        {"id": "human", "type": "live_chat", "text": "A person comes, {name}", "next": "bye"},
        {"id": "bye", "type": "end", "text": "Bye"},
        {"id": "sorry", "type": "message", "text": "Sorry?"},
    ],
}


def started():
    return advance(FLOW, Cursor(), Start())


def test_start_runs_messages_until_the_first_question():
    result = started()
    assert result.effects == (
        Say("hi", "Hello", 800),
        AskOptions("menu", "Pick one", (("a", "Sales"), ("b", "Support"))),
    )
    assert result.cursor.node == "menu"
    assert result.cursor.waiting == engine.WAIT_OPTIONS
    assert advance(FLOW, result.cursor, Start()).accepted is False


def test_an_option_follows_its_own_edge_and_is_remembered():
    result = advance(FLOW, started().cursor, Choose("menu", "b"))
    assert result.effects == (End("bye", "Bye"),)
    assert result.cursor.waiting == engine.ENDED
    assert result.cursor.answers == {"menu": "b"}


def test_stale_or_unknown_choices_are_refused_and_change_nothing():
    cursor = started().cursor
    for event in (Choose("menu", "zzz"), Choose("form", "a"), Submit("form", {"who": "x"})):
        result = advance(FLOW, cursor, event)
        assert result.accepted is False
        assert result.cursor == cursor
        assert result.effects == ()


def test_form_fills_the_context_for_later_nodes_and_the_condition_branches():
    cursor = advance(FLOW, started().cursor, Choose("menu", "a")).cursor
    assert cursor.waiting == engine.WAIT_FORM
    result = advance(FLOW, cursor, Submit("form", {"who": "Ana", "company": "Acme"}), {})
    assert result.effects == (
        SetStatus("notify", "Lead!", "lead"),
        Notify("notify", "Lead!", "Ana from Acme", FLOW["nodes"][5]),
        HandOff("human", "A person comes, Ana"),
    )
    assert result.cursor.waiting == engine.WAIT_PERSON
    assert result.cursor.answers["form"] == {"who": "Ana", "company": "Acme"}

    # Without a company the condition takes its other edge: no notification.
    result = advance(FLOW, cursor, Submit("form", {"who": "Ana", "company": ""}))
    assert result.effects == (HandOff("human", "A person comes, Ana"),)


def test_free_text_during_live_chat_is_for_the_person_and_the_bot_is_silent():
    cursor = advance(FLOW, started().cursor, Choose("menu", "a")).cursor
    cursor = advance(FLOW, cursor, Submit("form", {"who": "Ana"})).cursor
    assert advance(FLOW, cursor, Text("hello?")).effects == ()
    result = advance(FLOW, cursor, LiveChatEnded())
    assert result.effects == (End("bye", "Bye"),)


def test_free_text_follows_the_fallback_then_the_pending_question_is_asked_again():
    result = advance(FLOW, started().cursor, Text("I want a price"))
    assert result.effects == (
        Say("sorry", "Sorry?", 0),
        AskOptions("menu", "Pick one", (("a", "Sales"), ("b", "Support"))),
    )
    assert result.cursor.node == "menu"
    assert result.cursor.waiting == engine.WAIT_OPTIONS


def test_free_text_without_a_fallback_is_kept_and_answered_by_nobody():
    flow = {**FLOW, "fallback": None}
    assert advance(flow, started().cursor, Text("hi")).effects == ()


def test_condition_on_a_visitor_field_and_every_operator():
    def branch(op, value, subject_value):
        flow = {
            "nodes": [
                {"id": "s", "type": "start", "next": "c"},
                {
                    "id": "c",
                    "type": "condition",
                    "subject": "visitor",
                    "field": "country",
                    "op": op,
                    "value": value,
                    "next": "yes",
                    "else": "no",
                },
                {"id": "yes", "type": "end", "text": "yes"},
                {"id": "no", "type": "end", "text": "no"},
            ]
        }
        return advance(flow, Cursor(), Start(), {"country": subject_value}).effects[0].text

    assert branch("equals", "es", "ES") == "yes"
    assert branch("equals", "es", "MX") == "no"
    assert branch("not_equals", "es", "MX") == "yes"
    assert branch("contains", "x", "MX") == "yes"
    assert branch("is_set", "", "") == "no"
    assert branch("is_empty", "", None) == "yes"
    assert branch("bogus", "", "ES") == "no"


def test_a_loop_of_messages_stops_instead_of_running_forever():
    flow = {
        "nodes": [
            {"id": "s", "type": "start", "next": "a"},
            {"id": "a", "type": "message", "text": "a", "next": "b"},
            {"id": "b", "type": "message", "text": "b", "next": "a"},
        ]
    }
    result = advance(flow, Cursor(), Start())
    assert len(result.effects) < engine.MAX_STEPS
    assert result.cursor.waiting == engine.IDLE


def test_placeholders_fill_known_fields_only():
    assert engine.render("Hi {name}, {unknown} {name.__class__}", {"name": "Eve"}) == (
        "Hi Eve, {unknown} {name.__class__}"
    )
    assert engine.render("Hi {name}", {"name": None}) == "Hi "


def test_delays_are_clamped_and_empty_messages_skipped():
    flow = {
        "nodes": [
            {"id": "s", "type": "start", "next": "a"},
            {"id": "a", "type": "message", "text": "", "next": "b"},
            {"id": "b", "type": "message", "text": "x", "delay_ms": 999_999},
        ]
    }
    assert advance(flow, Cursor(), Start()).effects == (Say("b", "x", engine.MAX_DELAY_MS),)


def test_cursor_round_trips_through_json_and_survives_garbage():
    cursor = advance(FLOW, started().cursor, Choose("menu", "a")).cursor
    assert Cursor.from_json(json.loads(json.dumps(cursor.to_json()))) == cursor
    assert Cursor.from_json({"node": 5, "waiting": [], "answers": "x"}) == Cursor()


def test_validation_names_every_problem():
    assert validate(FLOW, ("new", "lead")) == []
    broken = {
        "fallback": "nowhere",
        "nodes": [
            {"id": "m", "type": "teleport"},
            {"id": "m", "type": "message"},
            {"id": "d", "type": "message", "next": "ghost"},
            {"id": "o", "type": "options", "options": []},
            {"id": "f", "type": "form", "fields": [{"name": "x", "type": "choice"}]},
            {"id": "n", "type": "notification", "status": "vip"},
            {
                "id": "w",
                "type": "notification",
                "webhook_url": "file:///etc/passwd",
                "email_to": "a@b.c, d@e.f",
            },
            {"id": "c", "type": "condition", "op": "near"},
        ],
    }
    codes = {(p.code, p.node) for p in validate(broken, ("new", "lead"))}
    assert {
        ("no_start", ""),
        ("duplicate_id", "m"),
        ("unknown_type", "m"),
        ("dangling_edge", "d"),
        ("no_options", "o"),
        ("bad_field", "f"),
        ("bad_status", "n"),
        ("bad_condition", "c"),
        ("bad_fallback", ""),
        ("bad_webhook", "w"),
        ("bad_email", "w"),
    } <= codes
    two_starts = {"nodes": [{"id": "a", "type": "start"}, {"id": "b", "type": "start"}]}
    assert ("many_starts", "b") in {(p.code, p.node) for p in validate(two_starts)}
    island = {"nodes": [{"id": "a", "type": "start"}, {"id": "b", "type": "end"}]}
    assert [(p.code, p.node) for p in validate(island)] == [("unreachable", "b")]


def test_the_starter_flow_is_valid(db):
    from tertulia.flows.starter import starter_flow
    from tertulia.visitors.choices import VisitorStatus

    assert validate(starter_flow(), tuple(VisitorStatus.values)) == []


# --- random valid flows and random events never crash -----------------------------------------

node_ids = st.sampled_from(["s", "a", "b", "c", "d", "e", "f"])


@st.composite
def flows(draw):
    ids = ["s", *draw(st.lists(node_ids.filter(lambda i: i != "s"), unique=True, max_size=6))]
    targets = st.one_of(st.none(), st.sampled_from(ids))
    nodes = []
    for node_id in ids:
        kind = "start" if node_id == "s" else draw(st.sampled_from(engine.NODE_TYPES[1:]))
        node = {"id": node_id, "type": kind, "text": draw(st.text(max_size=20))}
        node["next"] = draw(targets)
        if kind == "options":
            node["options"] = [
                {"id": str(i), "label": f"o{i}", "next": draw(targets)}
                for i in range(draw(st.integers(1, 3)))
            ]
        if kind == "form":
            node["fields"] = [
                {"name": "n", "type": draw(st.sampled_from(engine.FIELD_TYPES)), "choices": ["x"]}
            ]
        if kind == "condition":
            node.update(
                subject=draw(st.sampled_from(["visitor", "answer"])),
                node=draw(st.sampled_from(ids)),
                field=draw(st.sampled_from(["", "name", "n"])),
                op=draw(st.sampled_from(engine.CONDITION_OPS)),
                value=draw(st.text(max_size=5)),
                **{"else": draw(targets)},
            )
        if kind == "notification":
            node["status"] = draw(st.sampled_from(["", "lead"]))
        if kind == "message":
            node["delay_ms"] = draw(st.integers(-5, 20_000))
        nodes.append(node)
    return {"nodes": nodes, "fallback": draw(targets)}


events = st.one_of(
    st.just(Start()),
    st.builds(Choose, node=node_ids, option=st.sampled_from(["0", "1", "2", "9"])),
    st.builds(Submit, node=node_ids, values=st.dictionaries(st.just("n"), st.text(max_size=5))),
    st.builds(Text, text=st.text(max_size=10)),
    st.just(LiveChatEnded()),
)


@settings(max_examples=300, deadline=None)
@given(flow=flows(), event_list=st.lists(events, max_size=12))
def test_random_flows_and_events_never_crash(flow, event_list):
    cursor = Cursor()
    for event in [Start(), *event_list]:
        result = advance(flow, cursor, event, {"name": "Ana"})
        assert isinstance(result.cursor, Cursor)
        if not result.accepted:
            assert result.cursor == cursor and result.effects == ()
        # The cursor is JSON and waits only where the flow has such a node.
        assert Cursor.from_json(json.loads(json.dumps(result.cursor.to_json()))) == result.cursor
        if result.cursor.waiting in (engine.WAIT_OPTIONS, engine.WAIT_FORM):
            assert result.cursor.node in engine.nodes_by_id(flow)
        for effect in result.effects:
            assert isinstance(
                effect, AskOptions | AskForm | Say | SetStatus | Notify | HandOff | End
            )
        cursor = result.cursor
