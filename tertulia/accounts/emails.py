"""Account e-mails (password reset, new address confirmation), sent while the request waits.

They are sent directly, not queued as notification `Delivery` rows: the person is on the page
waiting for the link, which expires within the hour, and a retry a day later helps nobody. With
no EMAIL_URL, Django's file backend writes them to the outbox folder and the console says where.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from tertulia.accounts.models import User

logger = logging.getLogger(__name__)


def language_for(user: User, request=None) -> str:
    """The user's own language, else the request's, else the site's."""
    return user.language or getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE


def account_email_send(*, to: str, language: str, template: str, context: dict) -> bool:
    """Send one e-mail worded in `language` from `accounts/emails/<template>.txt` (its first line
    is the subject); False when the mail server refused it (the reason is logged)."""
    with translation.override(language):
        subject, _blank, body = render_to_string(
            f"accounts/emails/{template}.txt", context
        ).partition("\n")
    message = EmailMessage(
        subject=subject.strip(),
        body=body.lstrip("\n"),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    try:
        message.send()
    except (OSError, ValueError) as error:
        logger.error("Could not send the %s e-mail: %s", template, error)
        return False
    outbox = _outbox()
    if outbox:
        logger.warning(
            "No EMAIL_URL is set: the %s e-mail to %s was written to %s", template, to, outbox
        )
    return True


def _outbox() -> str:
    """The folder e-mails are written to, when they are written to files instead of sent."""
    mailer = getattr(settings, "MAILERS", {}).get("default", {})
    if mailer.get("BACKEND", "").endswith("filebased.EmailBackend"):
        return str(mailer.get("OPTIONS", {}).get("file_path", ""))
    return ""
