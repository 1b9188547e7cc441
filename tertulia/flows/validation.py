"""Checking a flow before it is saved: the problems that would keep it from running. Pure, like
the engine: no Django."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tertulia.core.web import is_web_url
from tertulia.flows.engine import (
    CONDITION_OPS,
    EMAIL,
    FIELD_TYPES,
    NODE_TYPES,
    edges,
    form_fields,
    nodes_by_id,
    option_list,
)


@dataclass(frozen=True)
class Problem:
    """A reason a flow cannot be saved; the editor words it in the member's language."""

    code: str  # no_start, many_starts, duplicate_id, unknown_type, dangling_edge, unreachable,
    #            no_options, no_fields, bad_field, bad_status, bad_condition, bad_fallback,
    #            bad_webhook, bad_email
    node: str = ""
    detail: str = ""


def validate(flow: Mapping, statuses: tuple[str, ...] = ()) -> list[Problem]:
    """Everything wrong with a flow, in node order. An empty list means it can run."""
    problems: list[Problem] = []
    raw = flow.get("nodes") if isinstance(flow, Mapping) else None
    if not isinstance(raw, list):
        return [Problem("no_start")]
    seen: set[str] = set()
    for node in raw:
        node_id = node.get("id") if isinstance(node, Mapping) else None
        if not isinstance(node_id, str) or not node_id:
            problems.append(Problem("bad_node"))
            continue
        if node_id in seen:
            problems.append(Problem("duplicate_id", node_id))
        seen.add(node_id)
        if node.get("type") not in NODE_TYPES:
            problems.append(Problem("unknown_type", node_id, str(node.get("type"))))
    nodes = nodes_by_id(flow)
    starts = [n for n, node in nodes.items() if node.get("type") == "start"]
    if not starts:
        problems.append(Problem("no_start"))
    elif len(starts) > 1:
        problems.append(Problem("many_starts", starts[1]))

    for node_id, node in nodes.items():
        for label, target in edges(node):
            if target not in nodes:
                problems.append(Problem("dangling_edge", node_id, f"{label}:{target}"))
        kind = node.get("type")
        if kind == "options":
            options = option_list(node)
            ids = [o[0] for o in options]
            if (
                not options
                or any(not label.strip() for _, label in options)
                or len(set(ids)) != len(ids)
            ):
                problems.append(Problem("no_options", node_id))
        if kind == "form":
            fields = form_fields(node)
            if not fields:
                problems.append(Problem("no_fields", node_id))
            names = [f["name"] for f in fields]
            for f in fields:
                bad_choice = f.get("type") == "choice" and not f.get("choices")
                if f.get("type") not in FIELD_TYPES or bad_choice or names.count(f["name"]) > 1:
                    problems.append(Problem("bad_field", node_id, str(f.get("name"))))
        if kind == "notification":
            url = str(node.get("webhook_url") or "").strip()
            if url and not is_web_url(url):
                problems.append(Problem("bad_webhook", node_id, url))
            address = str(node.get("email_to") or "").strip()
            if address and not EMAIL.fullmatch(address):
                problems.append(Problem("bad_email", node_id, address))
        status = node.get("status") if kind == "notification" else None
        if status and statuses and status not in statuses:
            problems.append(Problem("bad_status", node_id, str(status)))
        if kind == "condition" and (
            node.get("op") not in CONDITION_OPS or node.get("subject") not in ("visitor", "answer")
        ):
            problems.append(Problem("bad_condition", node_id))

    fallback = flow.get("fallback")
    if fallback and fallback not in nodes:
        problems.append(Problem("bad_fallback", "", str(fallback)))

    if len(starts) == 1:
        reachable = _reachable(nodes, starts[0])
        if fallback in nodes:
            reachable |= _reachable(nodes, fallback)
        for node_id in nodes:
            if node_id not in reachable:
                problems.append(Problem("unreachable", node_id))
    return problems


def _reachable(nodes: Mapping[str, Mapping], first: str) -> set[str]:
    seen, todo = set(), [first]
    while todo:
        node_id = todo.pop()
        if node_id in seen or node_id not in nodes:
            continue
        seen.add(node_id)
        todo.extend(target for _, target in edges(nodes[node_id]))
    return seen
