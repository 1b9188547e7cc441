"""Logging helpers for the settings' LOGGING."""

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """Expected refusals (4xx: 400 bad input, 403, 404, 429 ...) as one line, no traceback.

    Django logs a refused request under `django.request` ("Forbidden (Permission denied): /path")
    or `django.security.<Exception>` ("Invalid HTTP_HOST header ...") with the exception that
    caused it, which the console would print as a traceback: the refusal is the news, not where
    in the code it was raised. Records of 5xx responses keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
