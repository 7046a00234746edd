"""The public privacy notice page: the same texts residents get by SMS, filled from the actual settings."""
from __future__ import annotations

from flask import Blueprint, render_template

from . import i18n
from .engine import Reply
from .line import current_line

bp = Blueprint("notice", __name__)
NOTICE_KEYS = ("flows.policy", "flows.privacy", "flows.privacy_more")


@bp.get("/privacy")
def privacy() -> str:
    """How this line works, in Spanish and English; it quotes the retention settings, so it cannot disagree."""
    line = current_line()
    params = line.notice_params()
    sections = [(locale, [i18n.render(Reply(key), locale, params) for key in NOTICE_KEYS]) for locale in ("es", "en")]
    return render_template("privacy.html", sections=sections)
