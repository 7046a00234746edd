"""Logging that cannot leak a resident's phone number: a filter masks anything shaped like one."""
from __future__ import annotations

import logging
import re

# 10 to 15 digits, optionally with +, spaces, dots, dashes or brackets between them, not inside a longer word.
_NUMBER_RE = re.compile(r"(?<![\w+])(?:whatsapp:)?\+?\(?\d(?:[\s().-]{0,2}\d){9,14}(?!\w|:\d)", re.IGNORECASE)
_MARK = "_linea_redaction"


class RedactNumbers(logging.Filter):
    """Replace phone-number-like text in every log record with [number]."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drop it."""
        message = record.getMessage()
        masked = _NUMBER_RE.sub("[number]", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup_logging(level: int = logging.INFO) -> None:
    """Send logs to stderr with numbers masked; idempotent."""
    root = logging.getLogger()
    if not any(getattr(h, _MARK, False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    for handler in root.handlers:
        if not any(isinstance(f, RedactNumbers) for f in handler.filters):
            handler.addFilter(RedactNumbers())
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
