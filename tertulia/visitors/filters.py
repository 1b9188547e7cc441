"""The Visitors page's filters: parsed once from the URL, then used by the list, the tab counts
and both exports alike, so what is exported is what is on screen."""

import datetime as dt
from dataclasses import dataclass, fields, replace
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.search import text_contains
from tertulia.visitors.text import digits, fold, search_term


@dataclass(frozen=True)
class Order:
    """An order of the list: by one column, then by id in the same direction. Where the column
    can be empty (NULL), those rows come all together, last or first."""

    field: str
    descending: bool = False
    nullable: bool = False
    nulls_first: bool = False

    @property
    def expressions(self) -> tuple:
        column = F(self.field).desc if self.descending else F(self.field).asc
        nulls = {"nulls_first": True} if self.nulls_first else {"nulls_last": True}
        by_id = F("id").desc() if self.descending else F("id").asc()
        return (column(**nulls) if self.nullable else column(), by_id)

    @staticmethod
    def cursor(row) -> str:
        """Where a row is in the list, for the URL (`after` / `before`): its id. The database
        compares the row's own values, so no value is carried, parsed or rounded."""
        return str(row.pk)

    @staticmethod
    def parse(token: str) -> int | None:
        """The visitor id a cursor holds, or None when it is not one."""
        if token.isascii() and token.isdigit() and len(token) <= 18 and int(token) > 0:
            return int(token)
        return None


SORTS = {
    "-created": Order("created_at", descending=True),
    "created": Order("created_at"),
    "name": Order("name", nullable=True),
    "-name": Order("name", descending=True, nullable=True),
    "-activity": Order("last_message_at", descending=True, nullable=True),
    "activity": Order("last_message_at", nullable=True, nulls_first=True),
}
# "Waiting for a person" always shows who has waited longest first.
WAITING_ORDER = Order("waiting_since")
PAGE_SIZES = (25, 50, 100)


class InboxView(models.TextChoices):
    """Whose conversations the list shows; combines with the status tabs and every filter."""

    ALL = "all", _("All")
    MINE = "mine", _("Mine")
    UNASSIGNED = "unassigned", _("Unassigned")
    WAITING = "waiting", _("Waiting for a person")

    def condition(self, me: int | None) -> Q:
        """The visitors of this view, for the member whose id is `me`."""
        match self:
            case InboxView.MINE:
                return Q(assignee_id=me) if me is not None else Q(pk__in=[])
            case InboxView.UNASSIGNED:
                return Q(assignee__isnull=True)
            case InboxView.WAITING:
                return Q(waiting_since__isnull=False)
        return Q()


class VisitorTextFilters(forms.Form):
    """The filters typed as text; the filter panel shows them as this form's fields."""

    name = forms.CharField(label=_("Name"), max_length=200, required=False, strip=True)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False, strip=True)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False, strip=True)
    region = forms.CharField(label=_("Region"), max_length=120, required=False, strip=True)
    city = forms.CharField(label=_("City"), max_length=120, required=False, strip=True)


class VisitorFilterForm(VisitorTextFilters):
    """What the query string may hold. A bad value is reported and then ignored, never a 500."""

    status = forms.ChoiceField(choices=VisitorStatus.choices, required=False)
    view = forms.ChoiceField(choices=InboxView.choices, required=False)
    assignee = forms.IntegerField(
        label=_("Assigned to"), min_value=1, max_value=10**18, required=False
    )
    q = forms.CharField(max_length=200, required=False, strip=True)
    country = forms.RegexField(
        label=_("Country"),
        regex=r"^[A-Za-z]{2}$",
        required=False,
        strip=True,
        error_messages={"invalid": _("Choose a country from the list.")},
    )
    started_from = forms.DateField(label=_("Started from"), required=False)
    started_to = forms.DateField(label=_("Started until"), required=False)
    engaged = forms.BooleanField(label=_("Engaged only"), required=False)
    preview = forms.BooleanField(label=_("Test conversations only"), required=False)
    sort = forms.ChoiceField(choices=[(key, key) for key in SORTS], required=False)
    per_page = forms.TypedChoiceField(
        label=_("Per page"),
        choices=[(n, n) for n in PAGE_SIZES],
        coerce=int,
        required=False,
        empty_value=PAGE_SIZES[0],
    )
    # Keyset paging: the rows after or before a row's cursor, or the last page; `start` is the
    # position of the page's first row, carried by the links only to be shown.
    after = forms.CharField(max_length=20, required=False)
    before = forms.CharField(max_length=20, required=False)
    page = forms.ChoiceField(choices=[("last", "last")], required=False)
    start = forms.IntegerField(min_value=1, max_value=10**12, required=False)

    @staticmethod
    def parse(query: QueryDict) -> tuple[dict, dict[str, list[str]]]:
        """The cleaned values of a query string and the messages of the values refused: what a
        bound form's `is_valid` gives, through the class's fields themselves (cleaning does not
        change a field), without copying all of them for every request as a form does."""
        values, errors = {}, {}
        for name, field in VisitorFilterForm.base_fields.items():
            try:
                values[name] = field.clean(field.widget.value_from_datadict(query, {}, name))
            except ValidationError as error:
                errors[name] = error.messages
        start, end = values.get("started_from"), values.get("started_to")
        if start and end and start > end:
            errors["started_to"] = [_("The end date is before the start date.")]
            del values["started_to"]
        return values, errors


@dataclass(frozen=True)
class VisitorFilters:
    """Everything that selects and orders the visitors shown on one page."""

    status: str = VisitorStatus.NEW
    view: str = InboxView.ALL
    q: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    country: str = ""
    region: str = ""
    city: str = ""
    started_from: dt.date | None = None
    started_to: dt.date | None = None
    engaged: bool = False
    # A member's id: their conversations only.
    assignee: int | None = None
    # Test conversations started from the flow editor, which the list leaves out otherwise.
    preview: bool = False
    sort: str = "-created"
    per_page: int = PAGE_SIZES[0]
    after: str = ""
    before: str = ""
    page: str = ""
    start: int = 1
    # Who is looking (a member's id), which "Mine" means; set by the view, not the URL.
    me: int | None = None

    @classmethod
    def from_query(cls, query: QueryDict) -> tuple["VisitorFilters", dict]:
        """Parse the URL's query string; returns the filters and the errors of rejected values."""
        cleaned, errors = VisitorFilterForm.parse(query)
        values = {}
        for field in fields(cls):
            value = cleaned.get(field.name)
            if value not in (None, ""):
                values[field.name] = value
        if "country" in values:
            values["country"] = values["country"].upper()
        filters = cls(**values)
        for name in ("after", "before"):
            if getattr(filters, name) and filters.order.parse(getattr(filters, name)) is None:
                errors[name] = [_("That page link no longer works; here is the first page.")]
                filters = replace(filters, after="", before="", page="", start=1)
        return filters, errors

    @property
    def is_filtering(self) -> bool:
        """True when anything narrows the list beyond the status tab."""
        return any(getattr(self, name) != getattr(DEFAULTS, name) for name in FILTER_FIELDS)

    def first_page(self) -> "VisitorFilters":
        return replace(self, after="", before="", page="", start=1)

    def seen_by(self, member_id: int) -> "VisitorFilters":
        """These filters for the member whose id is given ("Mine" is theirs)."""
        return replace(self, me=member_id)

    def apply(self, queryset: QuerySet, *, view: bool = True) -> QuerySet:
        """Narrow a visitor queryset by every filter except the status tab (and the view, with
        `view=False`: to count each view)."""
        return queryset.filter(self.condition(view=view))

    def condition(self, *, view: bool = True) -> Q:
        """What `apply` narrows by, as one condition."""
        conditions = Q(is_preview=self.preview)
        if view:
            conditions &= InboxView(self.view).condition(self.me)
        if self.assignee is not None:
            conditions &= Q(assignee_id=self.assignee)
        conditions &= self._contains
        if self.country:
            conditions &= Q(country=self.country)
        if self.region:
            conditions &= Q(region__iexact=self.region)
        if self.city:
            conditions &= Q(city__iexact=self.city)
        if self.started_from:
            conditions &= Q(created_at__gte=_local_midnight(self.started_from))
        if self.started_to:
            conditions &= Q(created_at__lt=_local_midnight(self.started_to + dt.timedelta(days=1)))
        if self.engaged:
            conditions &= Q(engaged=True)
        return conditions

    @cached_property
    def _contains(self) -> Q:
        """The contains-filters. The search index finds candidates for each (once for these
        filters, however many queries use them: counts, sample, rows); each then checks its own
        column (a name filter is not accent-folded, the search box is)."""
        conditions = Q()
        if self.q:
            conditions &= text_contains(search_term(self.q))
        if self.name:
            conditions &= text_contains(fold(self.name)) & Q(name__icontains=self.name)
        if self.email:
            conditions &= text_contains(fold(self.email)) & Q(email__icontains=self.email)
        if self.phone and digits(self.phone):
            conditions &= text_contains(digits(self.phone)) & Q(
                phone_digits__contains=digits(self.phone)
            )
        return conditions

    @property
    def order(self) -> Order:
        return WAITING_ORDER if self.view == InboxView.WAITING else SORTS[self.sort]

    @property
    def ordering(self) -> tuple:
        return self.order.expressions


DEFAULTS = VisitorFilters()
# The fields that narrow the list (as opposed to tab, sort and paging).
FILTER_FIELDS = (
    "q",
    "name",
    "email",
    "phone",
    "country",
    "region",
    "city",
    "started_from",
    "started_to",
    "engaged",
    "assignee",
    "preview",
)


def _local_midnight(day: dt.date) -> dt.datetime:
    """The start of a day in the member's (active) time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
