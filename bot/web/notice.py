"""The public privacy notice page: the same texts residents get by SMS, filled from the actual settings."""
from __future__ import annotations

from flask import Blueprint, render_template

from bot.engine import Reply
from bot.flows import i18n
from bot.services import current_services

bp = Blueprint("notice", __name__)
NOTICE_KEYS = ("flows.policy", "flows.privacy", "flows.privacy_more")


@bp.get("/privacy")
def privacy() -> str:
    """How this line works, in Spanish and English; it quotes the retention settings, so it cannot disagree."""
    services = current_services()
    params = services.renderer.params
    sections = [(locale, [i18n.render(Reply(key), locale, params) for key in NOTICE_KEYS]) for locale in ("es", "en")]
    return render_template("privacy.html", sections=sections)
