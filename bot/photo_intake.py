"""Photos that come with a message: which tip they belong to, what the resident is told, what gets queued.

A photo sent during the interview waits with the draft and joins the tip when it is submitted (or is
deleted with the draft); a photo sent after a tip (or after its code) joins that tip at once; a photo with
nothing to belong to is not fetched and the resident is told how to send one. Fetching, cleaning and
deleting the original at Twilio happen in the worker (bot.jobs.fetch_photo)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis.client import Pipeline

from .channels.twilio import InboundMessage
from .engine import AttachToTip, Outcome, Reply, SubmitTip
from .handles import Handle
from .store import Session

if TYPE_CHECKING:  # pragma: no cover
    from .line import Line

INTERVIEW_TYPES = ("question", "consent")
SHELL_KEYS = ("line.photo_received", "line.photo_not_now", "line.photo_refused_type",
              "line.photo_refused_too_large", "line.photo_refused_not_an_image", "line.photo_refused_other")


@dataclass(frozen=True)
class PhotoPlan:
    """What to do with one message's photos."""

    accepted: tuple[tuple[str, str], ...]  # (url, declared type) to fetch
    refused: int                           # declared as something other than an image (video, audio, files)
    tip: str | None                        # the tip they join now, if any
    draft: bool                            # or: they wait with the interview in progress

    def replies(self) -> list[Reply]:
        """What the resident hears about their photos (before the flow's own replies)."""
        replies = []
        if self.refused:
            replies.append(Reply("line.photo_refused_type"))
        if self.accepted and (self.tip or self.draft):
            replies.append(Reply("line.photo_received"))
        elif self.accepted:
            replies.append(Reply("line.photo_not_now"))
        return replies


def in_interview(line: "Line", node_id: str | None) -> bool:
    """Whether a conversation waiting at node_id is in the middle of an interview."""
    node = line.flow.nodes.get(node_id or "")
    return node is not None and node.type in INTERVIEW_TYPES


def plan(line: "Line", outcome: Outcome, message: InboundMessage) -> PhotoPlan | None:
    """Decide where a message's photos go (None when it has none)."""
    if not message.media:
        return None
    accepted = tuple(m for m in message.media if not m[1] or m[1].lower().startswith("image/"))
    refused = len(message.media) - len(accepted)
    tip = next((e.code for e in outcome.effects if isinstance(e, SubmitTip)), None)
    if tip is None:
        tip = next((e.code for e in outcome.effects if isinstance(e, AttachToTip) and line.tips.exists(e.code)),
                   None)
    node = line.flow.nodes.get(outcome.state.node or "")
    if tip is None and node is not None and node.id == line.flow.followup_node:
        tip = outcome.state.last_tip
    draft = tip is None and in_interview(line, outcome.state.node)
    return PhotoPlan(accepted, refused, tip, draft)


def carry_out(line: "Line", session: Session, pipe: Pipeline, photos: PhotoPlan, message: InboundMessage,
              locale: str) -> None:
    """Inside the message's transaction: keep each photo as pending, link it, and queue its fetch."""
    if not (photos.tip or photos.draft):
        return
    ttl = line.config.conversation_ttl + 3600  # a draft's photos live as long as the draft (and a margin)
    reply_to = Handle(message.sender, message.recipient, locale)
    for url, declared in photos.accepted:
        media_id = secrets.token_hex(12)
        line.photos.put_pending(pipe, media_id, url, declared, reply_to, ttl)
        if photos.tip:
            line.tips.add_media(pipe, photos.tip, media_id)
            line.photos.keep(pipe, media_id)
        else:
            session.add_draft_media(pipe, media_id, ttl)
        line.enqueue(pipe, "bot.jobs.fetch_photo", media_id)


def settle_drafts(line: "Line", session: Session, outcome: Outcome, pipe: Pipeline, drafts: list[str]) -> None:
    """When an interview ends: its photos join the submitted tip, or go with an abandoned draft."""
    if not drafts:
        return
    submitted = next((e.code for e in outcome.effects if isinstance(e, SubmitTip)), None)
    if submitted:
        for media_id in drafts:
            line.tips.add_media(pipe, submitted, media_id)
            line.photos.keep(pipe, media_id)
    elif not in_interview(line, outcome.state.node):
        line.photos.delete(drafts, pipe)
    else:
        return
    session.clear_draft_media(pipe)
