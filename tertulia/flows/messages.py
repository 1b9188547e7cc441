"""The engine's validation problems, worded for the member."""

from django.utils.translation import gettext as _

from tertulia.flows import engine
from tertulia.flows.validation import Problem, validate
from tertulia.visitors.choices import VisitorStatus


def describe(problem: Problem, labels: dict[str, str]) -> str:
    node = labels.get(problem.node, problem.node)
    texts = {
        "no_start": _("The flow has no start node."),
        "many_starts": _("Only one start node is allowed; remove “%(node)s”."),
        "bad_node": _("A node has no id."),
        "duplicate_id": _("Two nodes share the id “%(node)s”."),
        "unknown_type": _("“%(node)s” has an unknown type (%(detail)s)."),
        "dangling_edge": _("“%(node)s” leads to a node that does not exist."),
        "unreachable": _("“%(node)s” can never be reached: connect it or remove it."),
        "no_options": _("“%(node)s” needs at least one option, each with a label and its own id."),
        "no_fields": _("“%(node)s” needs at least one field."),
        "bad_field": _(
            "Field “%(detail)s” of “%(node)s” needs a type, a unique name, and choices if it is a choice."
        ),
        "bad_status": _("“%(node)s” sets an unknown status (%(detail)s)."),
        "bad_condition": _("“%(node)s” needs what to check and how to compare it."),
        "bad_fallback": _("The fallback points to a node that does not exist."),
        "bad_webhook": _("The webhook of “%(node)s” must be an http:// or https:// address."),
        "bad_email": _("“%(detail)s” in “%(node)s” is not an e-mail address."),
    }
    text = texts.get(problem.code, problem.code)
    return text % {"node": node, "detail": problem.detail}


def flow_problems(flow: dict) -> list[tuple[Problem, str]]:
    """What keeps `flow` from being saved, each problem with its words (the editor and the API
    say the same)."""
    labels = {n: str(node.get("label") or n) for n, node in engine.nodes_by_id(flow).items()}
    return [(p, describe(p, labels)) for p in validate(flow, tuple(VisitorStatus.values))]
