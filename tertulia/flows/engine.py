"""The flow engine: (flow, cursor, event, visitor fields) -> (cursor, effects). Pure: no Django.

A flow is JSON: {"nodes": [...], "fallback": node id or null}. Every node has an "id" and a
"type"; where it goes next is in "next" (and per option for `options`, "else" for `condition`).
Services store the cursor on the visitor and apply the effects (store messages, set the status,
queue notifications, hand over to a person).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

NODE_TYPES = (
    "start",
    "message",
    "options",
    "form",
    "notification",
    "live_chat",
    "condition",
    "end",
)
FIELD_TYPES = ("name", "email", "phone", "text", "number", "choice")
# Form fields of these types fill the visitor's own columns; the others become custom attributes.
CONTACT_TYPES = ("name", "email", "phone")
CONDITION_OPS = ("equals", "not_equals", "contains", "is_set", "is_empty")
MAX_DELAY_MS = 10_000
# One plain address (the Notification node's "also e-mail"); the worker reports anything subtler.
EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+")
# A path that visits more nodes than this without waiting for the visitor is a loop: stop there.
MAX_STEPS = 100

# --- events -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """The widget was opened for the first time (or the conversation restarted)."""


@dataclass(frozen=True)
class Choose:
    node: str
    option: str


@dataclass(frozen=True)
class Submit:
    """A form's values, already validated by the service."""

    node: str
    values: Mapping[str, str]


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class LiveChatEnded:
    """An agent handed the conversation back to the bot."""


Event = Start | Choose | Submit | Text | LiveChatEnded

# --- effects ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    node: str
    text: str
    delay_ms: int = 0


@dataclass(frozen=True)
class AskOptions:
    node: str
    text: str
    options: tuple[tuple[str, str], ...]  # (id, label)


@dataclass(frozen=True)
class AskForm:
    node: str
    text: str
    fields: tuple[Mapping, ...]  # {"name", "label", "type", "required", "choices"}
    submit_label: str = ""


@dataclass(frozen=True)
class SetStatus:
    node: str
    label: str
    status: str


@dataclass(frozen=True)
class Notify:
    node: str
    label: str
    text: str
    config: Mapping  # the node's delivery settings: in_app, email_members, email_to, webhook_url


@dataclass(frozen=True)
class HandOff:
    node: str
    text: str


@dataclass(frozen=True)
class End:
    node: str
    text: str


Effect = Say | AskOptions | AskForm | SetStatus | Notify | HandOff | End

# --- cursor -----------------------------------------------------------------------------------

# What the cursor waits for.
IDLE = ""  # not started, or a path ran out: free text follows the fallback
WAIT_OPTIONS = "options"
WAIT_FORM = "form"
WAIT_PERSON = "live_chat"
ENDED = "ended"


@dataclass(frozen=True)
class Cursor:
    node: str | None = None
    waiting: str = IDLE
    started: bool = False
    answers: Mapping[str, object] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "node": self.node,
            "waiting": self.waiting,
            "started": self.started,
            "answers": dict(self.answers),
        }

    @classmethod
    def from_json(cls, data: Mapping | None) -> Cursor:
        data = data or {}
        answers = data.get("answers")
        return cls(
            node=data.get("node") if isinstance(data.get("node"), str) else None,
            waiting=data.get("waiting") if isinstance(data.get("waiting"), str) else IDLE,
            started=bool(data.get("started")),
            answers=answers if isinstance(answers, dict) else {},
        )


@dataclass(frozen=True)
class Result:
    cursor: Cursor
    effects: tuple[Effect, ...]
    # False when the event did not fit where the visitor is (a stale button, a second submit).
    accepted: bool = True


# --- helpers ----------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}", re.IGNORECASE)


def render(text: str, context: Mapping[str, object]) -> str:
    """Fill `{field}` placeholders with the visitor's fields; unknown ones stay as written."""

    def fill(match: re.Match) -> str:
        key = match.group(1)
        if key not in context:
            return match.group(0)
        value = context[key]
        return "" if value is None else str(value)

    return PLACEHOLDER.sub(fill, text or "")


def nodes_by_id(flow: Mapping) -> dict[str, Mapping]:
    nodes = flow.get("nodes") if isinstance(flow, Mapping) else None
    if not isinstance(nodes, list):
        return {}
    return {
        node["id"]: node
        for node in nodes
        if isinstance(node, Mapping) and isinstance(node.get("id"), str)
    }


def start_node(flow: Mapping) -> str | None:
    for node_id, node in nodes_by_id(flow).items():
        if node.get("type") == "start":
            return node_id
    return None


def edges(node: Mapping) -> list[tuple[str, str]]:
    """The (label, target) pairs leaving a node; label is "next", "else" or "option:<id>"."""
    found = []
    if node.get("type") == "options":
        for option in node.get("options") or []:
            if isinstance(option, Mapping) and option.get("next"):
                found.append((f"option:{option.get('id')}", option["next"]))
    for key in ("next", "else"):
        if node.get(key):
            found.append((key, node[key]))
    return found


def option_list(node: Mapping) -> tuple[tuple[str, str], ...]:
    return tuple(
        (str(option.get("id")), str(option.get("label") or ""))
        for option in node.get("options") or []
        if isinstance(option, Mapping)
    )


def form_fields(node: Mapping) -> tuple[Mapping, ...]:
    return tuple(f for f in node.get("fields") or [] if isinstance(f, Mapping) and f.get("name"))


def split_submission(
    node: Mapping, values: Mapping[str, object]
) -> tuple[dict[str, object], dict[str, object]]:
    """A form's answers as (contact, attributes): name, e-mail and phone fields fill the
    visitor's own columns (keyed by type), the others are custom attributes (keyed by field
    name); empty answers are left out."""
    contact: dict[str, object] = {}
    attributes: dict[str, object] = {}
    for f in form_fields(node):
        value = values.get(f["name"])
        if not value:
            continue
        if f.get("type") in CONTACT_TYPES:
            contact[f["type"]] = value
        else:
            attributes[f["name"]] = value
    return contact, attributes


def _value_of(condition: Mapping, cursor: Cursor, context: Mapping) -> str:
    field_name = str(condition.get("field") or "")
    if condition.get("subject") == "answer":
        answer = cursor.answers.get(str(condition.get("node") or ""))
        if isinstance(answer, Mapping):
            answer = answer.get(field_name)
        return "" if answer is None else str(answer)
    value = context.get(field_name)
    return "" if value is None else str(value)


def condition_holds(node: Mapping, cursor: Cursor, context: Mapping) -> bool:
    value = _value_of(node, cursor, context).strip().casefold()
    expected = str(node.get("value") or "").strip().casefold()
    match node.get("op"):
        case "equals":
            return value == expected
        case "not_equals":
            return value != expected
        case "contains":
            return expected in value
        case "is_set":
            return value != ""
        case "is_empty":
            return value == ""
    return False


# --- the engine -------------------------------------------------------------------------------


def advance(
    flow: Mapping, cursor: Cursor, event: Event, context: Mapping[str, object] | None = None
) -> Result:
    """Where the visitor goes after `event`, and what happens on the way."""
    context = dict(context or {})
    nodes = nodes_by_id(flow)
    waiting_node = nodes.get(cursor.node) if cursor.node else None

    match event:
        case Start():
            if cursor.started:
                return Result(cursor, (), accepted=False)
            started = Cursor(started=True, answers=cursor.answers)
            return _run(flow, nodes, started, start_node(flow), context)

        case Choose(node=node_id, option=option_id):
            if cursor.waiting != WAIT_OPTIONS or cursor.node != node_id or waiting_node is None:
                return Result(cursor, (), accepted=False)
            option = next(
                (
                    o
                    for o in waiting_node.get("options") or []
                    if isinstance(o, Mapping) and str(o.get("id")) == option_id
                ),
                None,
            )
            if option is None:
                return Result(cursor, (), accepted=False)
            answered = _answer(cursor, node_id, option_id)
            return _run(flow, nodes, answered, option.get("next"), context)

        case Submit(node=node_id, values=values):
            if cursor.waiting != WAIT_FORM or cursor.node != node_id or waiting_node is None:
                return Result(cursor, (), accepted=False)
            answered = _answer(cursor, node_id, dict(values))
            contact, attributes = split_submission(waiting_node, values)
            context.update(attributes)
            context.update(contact)
            return _run(flow, nodes, answered, waiting_node.get("next"), context)

        case LiveChatEnded():
            if cursor.waiting != WAIT_PERSON:
                return Result(cursor, (), accepted=False)
            next_id = waiting_node.get("next") if waiting_node else None
            return _run(flow, nodes, _moved(cursor, None, IDLE), next_id, context)

        case Text():
            if cursor.waiting == WAIT_PERSON or not cursor.started:
                # A person reads it (or nobody has been greeted yet): the bot says nothing.
                return Result(cursor, ())
            fallback = flow.get("fallback") if isinstance(flow, Mapping) else None
            if not fallback or fallback not in nodes:
                return Result(cursor, ())
            result = _run(flow, nodes, _moved(cursor, None, IDLE), fallback, context)
            # A fallback path that ends without a question of its own brings back the one pending.
            if result.cursor.waiting == IDLE and cursor.waiting in (WAIT_OPTIONS, WAIT_FORM):
                again = _ask(waiting_node, context)
                return Result(
                    _moved(result.cursor, cursor.node, cursor.waiting),
                    result.effects + again,
                )
            return result

    return Result(cursor, (), accepted=False)


def _answer(cursor: Cursor, node_id: str, value: object) -> Cursor:
    return Cursor(
        node=cursor.node,
        waiting=cursor.waiting,
        started=cursor.started,
        answers={**cursor.answers, node_id: value},
    )


def _moved(cursor: Cursor, node: str | None, waiting: str) -> Cursor:
    return Cursor(node=node, waiting=waiting, started=cursor.started, answers=cursor.answers)


def _ask(node: Mapping, context: Mapping) -> tuple[Effect, ...]:
    text = render(str(node.get("text") or ""), context)
    if node.get("type") == "options":
        return (AskOptions(node["id"], text, option_list(node)),)
    return (AskForm(node["id"], text, form_fields(node), str(node.get("submit_label") or "")),)


def _run(
    flow: Mapping,
    nodes: Mapping[str, Mapping],
    cursor: Cursor,
    node_id: object,
    context: Mapping,
) -> Result:
    """Walk from `node_id` until a node waits for the visitor, or the path runs out."""
    effects: list[Effect] = []
    for _step in range(MAX_STEPS):
        node = nodes.get(node_id) if isinstance(node_id, str) else None
        if node is None:
            return Result(_moved(cursor, None, IDLE), tuple(effects))
        kind = node.get("type")
        text = render(str(node.get("text") or ""), context)
        label = str(node.get("label") or node_id)
        match kind:
            case "message":
                delay = node.get("delay_ms")
                delay = min(max(delay, 0), MAX_DELAY_MS) if isinstance(delay, int) else 0
                if text:
                    effects.append(Say(node_id, text, delay))
            case "options":
                effects.extend(_ask(node, context))
                return Result(_moved(cursor, node_id, WAIT_OPTIONS), tuple(effects))
            case "form":
                effects.extend(_ask(node, context))
                return Result(_moved(cursor, node_id, WAIT_FORM), tuple(effects))
            case "notification":
                status = node.get("status")
                if isinstance(status, str) and status:
                    effects.append(SetStatus(node_id, label, status))
                effects.append(
                    Notify(node_id, label, render(str(node.get("message") or ""), context), node)
                )
            case "live_chat":
                effects.append(HandOff(node_id, text))
                return Result(_moved(cursor, node_id, WAIT_PERSON), tuple(effects))
            case "condition":
                holds = condition_holds(node, cursor, context)
                node_id = node.get("next") if holds else node.get("else")
                continue
            case "end":
                effects.append(End(node_id, text))
                return Result(_moved(cursor, node_id, ENDED), tuple(effects))
            # "start" and unknown types pass through.
        node_id = node.get("next")
    return Result(_moved(cursor, None, IDLE), tuple(effects))
