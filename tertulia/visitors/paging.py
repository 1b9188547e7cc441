"""Keyset paging: a page is the rows that follow (or precede) one row in the list's order, so
any page costs what the first one does, however deep in the list it is.

An order by a column that can be empty reads in two segments, the rows with a value and the
rows without, each in an order an index gives (`column, id`, or `id` alone); a page that
crosses from one segment to the other reads both.
"""

from django.db.models import F, Q, QuerySet, Subquery

from tertulia.visitors.filters import Order


def _segments(order: Order, back: bool) -> list[tuple[Q, tuple, bool]]:
    """The list's segments in the direction of travel: (condition, ordering, has values)."""
    descending = order.descending != back
    by_id = F("id").desc() if descending else F("id").asc()
    column = F(order.field).desc() if descending else F(order.field).asc()
    if not order.nullable:
        return [(Q(), (column, by_id), True)]
    valued = (Q(**{f"{order.field}__isnull": False}), (column, by_id), True)
    empty = (Q(**{f"{order.field}__isnull": True}), (by_id,), False)
    segments = [empty, valued] if order.nulls_first else [valued, empty]
    return segments[::-1] if back else segments


def _beyond(order: Order, anchor: QuerySet, descending: bool, valued: bool) -> Q:
    """The rows of the anchor's segment that come after it in the direction of travel. The
    anchor's value is read by the database itself (a subquery), never passed back in."""
    later = "lt" if descending else "gt"
    pk = Subquery(anchor.values("pk"))
    if not valued:
        return Q(**{f"pk__{later}": pk})
    value = Subquery(anchor.values(order.field))
    # "column >= value" first, so the database starts reading the index at the anchor.
    reach = "lte" if descending else "gte"
    return Q(**{f"{order.field}__{reach}": value}) & (
        Q(**{f"{order.field}__{later}": value}) | Q(**{f"pk__{later}": pk})
    )


def keyset_rows(
    queryset: QuerySet, order: Order, anchor: QuerySet | None, size: int, *, back: bool
) -> tuple[list, bool]:
    """Up to `size` rows after the `anchor` row (a queryset of that one row; None: from the
    start; `back`: before it, or from the end), in the list's order, and whether there are
    more beyond them. No rows when the anchor is gone."""
    descending = order.descending != back
    segments = _segments(order, back)
    if anchor is not None:
        values = list(anchor.values_list(order.field, flat=True))
        if not values:
            return [], False
        kinds = [valued for _q, _o, valued in segments]
        if (values[0] is not None) not in kinds:
            return [], False  # a row this order leaves out (not waiting, in Waiting): gone
        segments = segments[kinds.index(values[0] is not None) :]
    rows: list = []
    for index, (condition, ordering, valued) in enumerate(segments):
        if anchor is not None and index == 0:
            condition &= _beyond(order, anchor, descending, valued)
        need = size + 1 - len(rows)
        rows.extend(queryset.filter(condition).order_by(*ordering)[:need])
        if len(rows) > size:
            break
    more = len(rows) > size
    rows = rows[:size]
    return (rows[::-1] if back else rows), more
