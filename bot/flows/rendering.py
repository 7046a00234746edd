"""Replies become texts: rendered in the resident's language (both while it is unknown) and packed for SMS."""
from __future__ import annotations

from typing import Iterable

from bot.engine import Reply
from bot.platform.config import Config

from . import i18n, sms
from .revisions import FlowRevisions


def notice_params(config: Config) -> dict[str, str]:
    """The retention settings as texts may quote them (so the privacy notice always matches the settings)."""
    return {"conversation_hours": str(round(config.conversation_ttl / 3600)),
            "followup_hours": str(round(config.followup_ttl / 3600)),
            "tip_days": str(config.tip_retention_days),
            "dedupe_days": str(round(config.dedupe_ttl / 86400))}


class Renderer:
    """Renders replies with the texts of a flow revision and the line's settings."""

    def __init__(self, revisions: FlowRevisions, params: dict[str, str]) -> None:
        self.revisions = revisions
        self.params = params

    def render(self, replies: Iterable[Reply], locale: str | None, channel: str, revision: int | None = None) \
            -> list[str]:
        """Render replies in the resident's language (both, Spanish first, while it is unknown) and pack them.

        revision: the flow revision whose texts to use (default: the current one)."""
        if revision is None:
            revision = self.revisions.current_revision()
            self.revisions.flow_for(revision)  # its texts installed, if this process has not read it yet
        overlay = self.revisions.overlay(revision)
        texts = []
        for reply in replies:
            for each in ((locale,) if locale else ("es", "en")):
                texts.append(i18n.render(reply, each, self.params, overlay))
        return sms.pack(texts, channel)

    def trouble(self, channel: str) -> list[str]:
        """The bilingual answer when the line cannot process a message right now."""
        return self.render([Reply("line.trouble")], None, channel)
