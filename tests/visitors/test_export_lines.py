"""A CSV export's lines, built by the database, are byte for byte what the CSV writer makes of
the same visitors' values: any text, any language, any time zone, either database."""

import dataclasses
import datetime as dt
import io
import random
import zoneinfo

import pytest
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tertulia.core import exports
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.exports import ExportLabels, export_lines, export_values
from tertulia.visitors.models import Visitor

ZONES = [
    "UTC",
    "Europe/Madrid",
    "America/New_York",
    "America/Sao_Paulo",  # dropped its summer time in 2019
    "Asia/Kolkata",  # +05:30
    "Australia/Lord_Howe",  # +10:30, and half an hour of summer time
    "Pacific/Chatham",  # +12:45 / +13:45
]
# What makes CSV text hard: formula openers, separators, quotes, line breaks, other scripts.
TRICKY = ["=", "+", "-", "@", "\t", "\r", "\n", ",", '"', "'", " ", "ñ", "💬", "\u202e", "\x1f"]
texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(TRICKY),
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    ),
    max_size=30,
)
visitors = st.fixed_dictionaries(
    {
        "name": st.one_of(st.none(), st.just(""), texts),
        "email": texts,
        "phone": texts,
        "city": texts,
        "region": texts,
        "country": st.sampled_from(["", "ES", "MX", "US", "ZZ", "de", "=1"]),
        "status": st.sampled_from(VisitorStatus.values),
        "engaged": st.booleans(),
        "is_preview": st.booleans(),
        "created_at": st.datetimes(
            min_value=dt.datetime(1971, 1, 1),
            max_value=dt.datetime.now(),  # visitors are made as they come
            timezones=st.just(dt.UTC),
        ),
    }
)


def both_ways(workspace, *, language: str, zone: str, **labelled) -> tuple[bytes, bytes]:
    """The workspace's visitors written from Python values, and from the database's lines."""
    queryset = Visitor.objects.filter(workspace=workspace).order_by("-created_at", "-id")
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        labels = dataclasses.replace(ExportLabels.current(), **labelled)
        from_values, from_lines = io.BytesIO(), io.BytesIO()
        exports.write_csv(from_values, labels.headers, export_values(queryset, labels))
        lines = export_lines(queryset, labels, workspace_id=workspace.pk, batch=3)
        exports.write_csv_lines(from_lines, labels.headers, lines)
    return from_values.getvalue(), from_lines.getvalue()


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(visitors, min_size=1, max_size=7),
    language=st.sampled_from(["en", "es"]),
    zone=st.sampled_from(ZONES),
)
def test_lines_are_what_the_writer_makes_of_any_visitor(
    workspace, make_visitor, rows, language, zone
):
    try:
        for fields in rows:
            make_visitor(**fields)
        from_values, from_lines = both_ways(workspace, language=language, zone=zone)
        assert from_lines.decode() == from_values.decode()
    finally:
        Visitor.objects.filter(workspace=workspace).delete()


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ZONES)
def test_the_minute_is_right_on_both_sides_of_every_clock_change(workspace, make_visitor, zone):
    tzinfo = zoneinfo.ZoneInfo(zone)
    moments = []
    for since, _offset in exports.utc_offsets(tzinfo, timezone.now().year):
        if since.year >= 2018:
            moments += [since - dt.timedelta(seconds=1), since, since + dt.timedelta(minutes=1)]
    moments += [
        dt.datetime(2026, 6, 1, 10, 0, 59, 999_999, tzinfo=dt.UTC),  # still 10:00, not 10:01
        dt.datetime(1975, 7, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 6, 23, 59, tzinfo=dt.UTC),
    ]
    for moment in moments:
        make_visitor(name="x", created_at=moment)
    from_values, from_lines = both_ways(workspace, language="en", zone=zone)
    assert from_lines == from_values
    assert from_lines.count(b"\r\n") == len(moments) + 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("unnamed", "shown"),
    [
        ("Anónimo", "Anónimo"),
        ("Nº %(number)s, sin nombre", '"Nº 1, sin nombre"'),
        ("%(number)s", "2"),
    ],
)
def test_a_visitor_without_a_name_reads_as_the_language_says(
    workspace, make_visitor, unnamed, shown
):
    make_visitor(name=None)
    make_visitor(name="")
    from_values, from_lines = both_ways(workspace, language="es", zone="UTC", unnamed=unnamed)
    assert from_lines == from_values
    assert f",{shown},".encode() in from_lines


def test_the_offsets_are_python_s_own():
    generator = random.Random(7)
    for zone in ZONES:
        tzinfo = zoneinfo.ZoneInfo(zone)
        changes = exports.utc_offsets(tzinfo, 2026)  # up to the end of 2027
        start, end = dt.datetime(1970, 1, 1, tzinfo=dt.UTC), dt.datetime(2028, 1, 1, tzinfo=dt.UTC)
        for _ in range(2_000):
            moment = start + dt.timedelta(
                seconds=generator.randrange(int((end - start).total_seconds()))
            )
            expected = moment.astimezone(tzinfo).utcoffset().total_seconds()
            applying = [seconds for since, seconds in changes if since <= moment][-1]
            assert applying == expected, (zone, moment)


def test_constants_are_written_as_the_writer_writes_them():
    for text in ["Sí", "a,b", 'say "hi"', "=1", "", "line\nbreak", "-"]:
        expected = "".join(exports.csv_chunks([text, "x"], []))[1:].removesuffix(",x\r\n")
        assert exports.csv_constant(text) == expected
