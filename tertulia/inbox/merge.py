"""Merging two visitors who are one person, from the visitor's page: find the other one with the
Visitors page's search, compare the two, choose field by field what stays, merge. Owners and
admins only, like deleting: the other visitor is deleted and it cannot be undone."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tertulia.accounts.decorators import manager_required
from tertulia.conversations.merge import MERGE_FIELDS, merge_problem, visitors_merge
from tertulia.conversations.selectors import first_message_at
from tertulia.inbox.views import _visitor_or_404
from tertulia.visitors.filters import VisitorFilterForm
from tertulia.visitors.models import Visitor
from tertulia.visitors.selectors import visitor_merge_candidates

# As long as the Visitors page's search box takes.
QUERY_MAX = VisitorFilterForm.base_fields["q"].max_length


@require_http_methods(["GET", "POST"])
@manager_required
def visitor_merge(request, visitor_id: int):
    """Step 1 lists the visitors matching `q`; step 2 (`?with=<id>`) compares this visitor with
    that one and merges it into this one on POST."""
    visitor = _visitor_or_404(request, visitor_id)
    other_id = request.GET.get("with", "")
    if not other_id:
        if request.method == "POST":
            return HttpResponseNotAllowed(["GET"])
        return _pick(request, visitor)
    if not (other_id.isascii() and other_id.isdigit() and len(other_id) <= 18):
        raise Http404(_("No such visitor."))
    other = _visitor_or_404(request, int(other_id))
    problem = merge_problem(visitor, other)
    if request.method == "POST" and not problem:
        take = {name for name in MERGE_FIELDS if request.POST.get(name) == "other"}
        number = other.number
        try:
            visitors_merge(keep=visitor, other=other, take=take, actor=request.user)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            # By number only: the message waits in the session, which must not keep personal data.
            messages.success(
                request,
                _("Visitor #%(number)s was merged into this visitor: one conversation now.")
                % {"number": number},
            )
            return redirect("visitors:detail", visitor.pk)
    context = {
        "visitor": visitor,
        "other": other,
        "names": (_named(visitor), _named(other)),
        "problem": problem,
        "rows": _rows(visitor, other),
        "first_messages": (first_message_at(visitor=visitor), first_message_at(visitor=other)),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "visitors/merge.html", context, status=status)


def _pick(request, visitor: Visitor):
    query = request.GET.get("q", "").strip()[:QUERY_MAX]
    candidates = visitor_merge_candidates(
        workspace=request.member.workspace, visitor=visitor, q=query
    )
    context = {"visitor": visitor, "query": query, "candidates": candidates}
    return render(request, "visitors/merge.html", context)


def _rows(keep: Visitor, other: Visitor) -> list[dict]:
    """One row per field the member chooses; the other visitor's value is chosen at first only
    where this visitor has none."""
    rows = []
    for name, label in MERGE_FIELDS.items():
        mine, theirs = getattr(keep, name), getattr(other, name)
        rows.append(
            {
                "field": name,
                "label": label,
                "keep": mine,
                "other": theirs,
                "take_other": not mine and bool(theirs),
            }
        )
    return rows


def _named(visitor: Visitor) -> str:
    """The visitor's name with their number (two visitors are often both "Ana")."""
    return f"{visitor.name} (#{visitor.number})" if visitor.name else visitor.display_name
