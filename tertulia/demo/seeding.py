"""Realistic demo and benchmark data: visitors with conversations of every message kind.

Bulk inserts in batches, so 100,000 visitors take a few minutes at most.
"""

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from tertulia.accounts.models import Member, Workspace
from tertulia.conversations.models import (
    Message,
    MessageKind,
    Sender,
    StatusChange,
    counts_as_message,
)
from tertulia.flows.models import Bot
from tertulia.geo.device import parse_device
from tertulia.visitors.choices import DeviceType, LiveChat, VisitorStatus
from tertulia.visitors.models import PageView, Visitor
from tertulia.visitors.services import allocate_visitor_numbers
from tertulia.visitors.text import fold

FIRST_NAMES = (
    "Lucía",
    "Mateo",
    "Sofía",
    "Hugo",
    "Martina",
    "Leo",
    "Valentina",
    "Daniel",
    "Paula",
    "Álvaro",
    "Camila",
    "Diego",
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "James",
    "Isabella",
    "Lucas",
    "Chloé",
    "Jonas",
    "Amélie",
    "Marco",
    "Giulia",
    "Ana",
    "João",
    "Renée",
    "Zoë",
    "Nicolás",
)
LAST_NAMES = (
    "García",
    "Martínez",
    "López",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Fernández",
    "Ruiz",
    "Díaz",
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Müller",
    "Rossi",
    "Silva",
    "O'Brien",
    "Núñez",
    "Castillo",
    "Moreau",
    "Kowalski",
    "Santos",
    "Romero",
    "Ibáñez",
)
DOMAINS = (
    "gmail.com",
    "outlook.com",
    "yahoo.es",
    "hotmail.com",
    "empresa.es",
    "acme.io",
    "proton.me",
)
# (country, region, city, phone prefix, national number length)
PLACES = (
    ("ES", "Madrid", "Madrid", "+34", 9),
    ("ES", "Catalonia", "Barcelona", "+34", 9),
    ("ES", "Valencia", "Valencia", "+34", 9),
    ("ES", "Andalusia", "Seville", "+34", 9),
    ("MX", "Mexico City", "Mexico City", "+52", 10),
    ("MX", "Jalisco", "Guadalajara", "+52", 10),
    ("AR", "Buenos Aires", "Buenos Aires", "+54", 10),
    ("CO", "Bogota D.C.", "Bogotá", "+57", 10),
    ("CL", "Santiago Metropolitan", "Santiago", "+56", 9),
    ("PE", "Lima", "Lima", "+51", 9),
    ("US", "California", "San Francisco", "+1", 10),
    ("US", "New York", "New York", "+1", 10),
    ("US", "Texas", "Austin", "+1", 10),
    ("GB", "England", "London", "+44", 10),
    ("DE", "Berlin", "Berlin", "+49", 10),
    ("FR", "Île-de-France", "Paris", "+33", 9),
    ("PT", "Lisbon", "Lisbon", "+351", 9),
    ("IT", "Lombardy", "Milan", "+39", 10),
    ("", "", "", "+34", 9),
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 15_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
)
REFERRERS = (
    "",
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://www.instagram.com/",
    "https://www.linkedin.com/",
    "https://duckduckgo.com/",
)
LANGUAGES = ("es-ES, es", "en-US, en", "es-MX, es, en", "en-GB, en", "pt-PT, pt, en", "es")
SCREENS = {
    DeviceType.DESKTOP: ("1920x1080", "1536x864", "2560x1440", "1440x900"),
    DeviceType.MOBILE: ("390x844", "412x915", "375x667"),
    DeviceType.TABLET: ("820x1180", "768x1024"),
}
CAMPAIGNS = (
    {},
    {},
    {},
    {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "spring-sale"},
    {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "noviembre"},
)
PAGES = (
    "/",
    "/pricing",
    "/contact",
    "/blog/how-to-choose",
    "/products/pro",
    "/es/precios",
    "/help",
)
STATUS_WEIGHTS = {
    VisitorStatus.NEW: 45,
    VisitorStatus.LEAD: 20,
    VisitorStatus.CUSTOMER: 12,
    VisitorStatus.CLOSED: 15,
    VisitorStatus.ARCHIVED: 8,
}
VISITOR_LINES = (
    "Hi! Do you ship to Mexico?",
    "¿Tienen precios para equipos de 10 personas?",
    "I need help with my invoice.",
    "Can I book a demo for next week?",
    "Hola, ¿hacéis envíos a Canarias?",
    "What are your opening hours?",
    "The checkout page shows an error <b>500</b> & won't load",
    "Gracias, muy amable 🙂",
)
AGENT_LINES = (
    "Hi, I'm here to help. Let me check that for you.",
    "¡Claro! Te envío la información por correo.",
    "Done: I've sent the invoice again.",
    "Thanks! A colleague from sales will call you today.",
)
OPTIONS = [
    {"id": "sales", "label": "Sales"},
    {"id": "support", "label": "Support"},
    {"id": "other", "label": "Other"},
]
FORM_FIELDS = [
    {"name": "name", "label": "Name", "type": "name", "required": True},
    {"name": "email", "label": "E-mail", "type": "email", "required": True},
    {"name": "phone", "label": "Phone", "type": "phone", "required": False},
    {"name": "company", "label": "Company", "type": "text", "required": False},
]
BATCH = 2000


def _query(utm: dict) -> str:
    return ("?" + "&".join(f"{key}={value}" for key, value in utm.items())) if utm else ""


def _pages(visitor: Visitor, rng: random.Random) -> list[PageView]:
    """The landing page and a few more, a minute or two apart."""
    urls = [visitor.landing_page] + [
        "https://example.com" + rng.choice(PAGES) for _ in range(rng.randint(0, 3))
    ]
    return [
        PageView(
            workspace_id=visitor.workspace_id,
            visitor=visitor,
            url=url,
            title=url.split("?")[0].rsplit("/", 1)[-1].replace("-", " ").capitalize() or "Home",
            created_at=visitor.created_at + dt.timedelta(minutes=2 * step),
        )
        for step, url in enumerate(urls)
    ]


def _person(rng: random.Random):
    place = rng.choice(PLACES)
    if rng.random() < 0.2:  # some visitors never give their name
        return None, "", "", place
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    name = f"{first} {last}"
    local = fold(f"{first}.{last}").replace("'", "").replace(" ", "")
    email = f"{local}{rng.randint(1, 999)}@{rng.choice(DOMAINS)}" if rng.random() < 0.85 else ""
    phone = ""
    if rng.random() < 0.6:
        phone = (
            place[3]
            + str(rng.randint(6, 9))
            + "".join(str(rng.randint(0, 9)) for _ in range(place[4] - 1))
        )
    return name, email, phone, place


def _conversation(
    visitor: Visitor, count: int, rng: random.Random, agent, status_changes
) -> list[Message]:
    """A plausible conversation of `count` messages using every kind, oldest first."""
    start = visitor.created_at
    script: list[tuple[str, str, str, dict]] = [
        (Sender.BOT, MessageKind.TEXT, "Hi! 👋 Welcome. How can we help you today?", {}),
    ]
    if visitor.engaged:
        chosen = rng.choice(OPTIONS)["id"]
        submitted = [
            {"name": "name", "label": "Name", "value": visitor.name or ""},
            {"name": "email", "label": "E-mail", "value": visitor.email},
            {"name": "phone", "label": "Phone", "value": visitor.phone},
            {
                "name": "company",
                "label": "Company",
                "value": rng.choice(("", "Acme S.L.", "Globex", '=HYPERLINK("x")')),
            },
        ]
        script += [
            (
                Sender.BOT,
                MessageKind.OPTIONS,
                "What are you looking for?",
                {"options": OPTIONS, "chosen": chosen},
            ),
            (
                Sender.VISITOR,
                MessageKind.OPTION_CHOICE,
                "",
                {"option": chosen, "label": chosen.title()},
            ),
            (
                Sender.BOT,
                MessageKind.FORM,
                "Leave us your details and we'll get back to you.",
                {"fields": FORM_FIELDS},
            ),
            (Sender.VISITOR, MessageKind.FORM_SUBMISSION, "", {"fields": submitted}),
        ]
        for change in status_changes:
            script.append((Sender.SYSTEM, MessageKind.STATUS_CHANGE, "", change))
        while len(script) < count:
            if rng.random() < 0.5:
                script.append((Sender.VISITOR, MessageKind.TEXT, rng.choice(VISITOR_LINES), {}))
            elif rng.random() < 0.85:
                script.append((Sender.AGENT, MessageKind.TEXT, rng.choice(AGENT_LINES), {}))
            else:
                script.append((Sender.AGENT, MessageKind.NOTE, "Follow up on Monday.", {}))
    else:
        script.append(
            (
                Sender.BOT,
                MessageKind.OPTIONS,
                "What are you looking for?",
                {"options": OPTIONS, "chosen": None},
            )
        )
    messages = []
    for index, (sender, kind, text, payload) in enumerate(script[: max(count, 1)]):
        messages.append(
            Message(
                workspace_id=visitor.workspace_id,
                visitor=visitor,
                sender=sender,
                kind=kind,
                text=text,
                payload=payload,
                agent=agent
                if sender == Sender.AGENT
                or (kind == MessageKind.STATUS_CHANGE and not payload.get("node"))
                else None,
                created_at=start + dt.timedelta(seconds=20 * index + rng.randint(0, 15)),
            )
        )
    return messages


def _status_path(status: str) -> list[tuple[str, str]]:
    """The steps a visitor plausibly took to reach `status`."""
    if status == VisitorStatus.NEW:
        return []
    if status == VisitorStatus.CUSTOMER:
        return [
            (VisitorStatus.NEW, VisitorStatus.LEAD),
            (VisitorStatus.LEAD, VisitorStatus.CUSTOMER),
        ]
    return [(VisitorStatus.NEW, status)]


def seed_visitors(
    *,
    workspace: Workspace,
    bot: Bot,
    count: int,
    messages_per_visitor: int = 8,
    seed: int = 1,
    days: int = 365,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Create `count` visitors with conversations in `workspace`; returns how many were made."""
    rng = random.Random(seed)
    members = list(Member.objects.filter(workspace=workspace).select_related("user"))
    agent = members[0] if members else None
    agent_user = agent.user if agent else None
    now = timezone.now()
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        with transaction.atomic():
            first_number = allocate_visitor_numbers(workspace=workspace, count=size)
            visitors = []
            for offset in range(size):
                name, email, phone, place = _person(rng)
                user_agent = rng.choice(USER_AGENTS)
                device = parse_device(user_agent)
                created = now - dt.timedelta(seconds=rng.randint(60, days * 86400))
                status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
                engaged = status != VisitorStatus.NEW or rng.random() < 0.7
                utm = rng.choice(CAMPAIGNS)
                landing = "https://example.com" + rng.choice(PAGES) + _query(utm)
                visitor = Visitor(
                    workspace=workspace,
                    bot=bot,
                    number=first_number + offset,
                    name=name,
                    email=email,
                    phone=phone,
                    status=status,
                    engaged=engaged,
                    country=place[0],
                    region=place[1],
                    city=place[2],
                    ip=f"{rng.randint(2, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0",
                    user_agent=user_agent,
                    browser=device.browser,
                    os=device.os,
                    device_type=device.device_type,
                    languages=rng.choice(LANGUAGES),
                    screen=rng.choice(SCREENS[device.device_type]),
                    timezone=rng.choice(
                        (
                            "Europe/Madrid",
                            "America/Mexico_City",
                            "Europe/London",
                            "America/New_York",
                        )
                    ),
                    referrer=rng.choice(REFERRERS),
                    landing_page=landing,
                    utm=utm,
                    attributes={"plan": "pro"} if rng.random() < 0.1 else {},
                    created_at=created,
                    last_seen_at=created + dt.timedelta(minutes=rng.randint(1, 30)),
                )
                visitor.refresh_search_fields()
                visitors.append(visitor)
            messages, changes, pages = [], [], []
            for visitor in visitors:
                pages.extend(_pages(visitor, rng))
                path = _status_path(visitor.status)
                by_flow = rng.random() < 0.5
                payloads = []
                for step, (before, after) in enumerate(path):
                    node = "Sales lead" if by_flow and after == VisitorStatus.LEAD else ""
                    when = visitor.created_at + dt.timedelta(minutes=5 + step * 60)
                    changes.append(
                        StatusChange(
                            workspace_id=workspace.pk,
                            visitor=visitor,
                            from_status=before,
                            to_status=after,
                            actor=None if node else agent_user,
                            flow_node="notify-sales" if node else "",
                            flow_node_label=node,
                            created_at=when,
                        )
                    )
                    payloads.append({"from": before, "to": after, "node": node or None})
                    visitor.status_changed_at = when
                conversation = _conversation(
                    visitor, messages_per_visitor, rng, agent_user, payloads
                )
                said = [m for m in conversation if counts_as_message(sender=m.sender, kind=m.kind)]
                visitor.message_count = len(said)
                if said:
                    visitor.last_message_at, visitor.last_message_text = (
                        said[-1].created_at,
                        said[-1].preview,
                    )
                # Most conversations someone talked in belong to a member; a few wait for one.
                if members and visitor.engaged and rng.random() < 0.6:
                    visitor.assignee = rng.choice(members)
                elif visitor.engaged and visitor.status == VisitorStatus.NEW and rng.random() < 0.1:
                    visitor.live_chat, visitor.waiting_since = (
                        LiveChat.REQUESTED,
                        (visitor.last_message_at or visitor.created_at),
                    )
                messages.extend(conversation)
            Visitor.objects.bulk_create(visitors, batch_size=BATCH)
            Message.objects.bulk_create(messages, batch_size=BATCH)
            StatusChange.objects.bulk_create(changes, batch_size=BATCH)
            PageView.objects.bulk_create(pages, batch_size=BATCH)
        made += size
        if progress:
            progress(made)
    return made
