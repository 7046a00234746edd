"""Photos that come with a message: which tip they belong to, what the resident is told, what gets queued.

A photo sent during the interview waits with the draft and joins the tip when it is submitted (or is
deleted with the draft); a photo sent after a tip (or after its code) joins that tip at once; a photo with
nothing to belong to is not fetched and the resident is told how to send one. Fetching, cleaning and
deleting the original at Twilio happen in the worker (bot.jobs.fetch_photo)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from redis.client import Pipeline

from bot.channels.twilio import InboundMessage
from bot.engine import AttachToTip, Flow, Outcome, Reply, SubmitTip
from bot.platform.jobqueue import JobQueue
from bot.tips.handles import Handle
from bot.tips.photos import PhotoStore
from bot.tips.repository import TipRepository

from .store import Session

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


def in_interview(flow: Flow, node_id: str | None) -> bool:
    """Whether a conversation waiting at node_id is in the middle of an interview."""
    node = flow.nodes.get(node_id or "")
    return node is not None and node.type in INTERVIEW_TYPES


class PhotoIntake:
    """Where a message's photos go, inside the message's own transaction."""

    def __init__(self, tips: TipRepository, photos: PhotoStore, jobs: JobQueue, draft_ttl: int) -> None:
        self.tips = tips
        self.photos = photos
        self.jobs = jobs
        self.draft_ttl = draft_ttl  # a draft's photos live as long as the draft (and a margin)

    def plan(self, flow: Flow, outcome: Outcome, message: InboundMessage) -> PhotoPlan | None:
        """Decide where a message's photos go (None when it has none)."""
        if not message.media:
            return None
        accepted = tuple(m for m in message.media if not m[1] or m[1].lower().startswith("image/"))
        refused = len(message.media) - len(accepted)
        tip = next((e.code for e in outcome.effects if isinstance(e, SubmitTip)), None)
        if tip is None:
            tip = next((e.code for e in outcome.effects if isinstance(e, AttachToTip) and self.tips.exists(e.code)),
                       None)
        node = flow.nodes.get(outcome.state.node or "")
        if tip is None and node is not None and node.id == flow.followup_node:
            tip = outcome.state.last_tip
        draft = tip is None and in_interview(flow, outcome.state.node)
        return PhotoPlan(accepted, refused, tip, draft)

    def carry_out(self, session: Session, pipe: Pipeline, photos: PhotoPlan, message: InboundMessage,
                  locale: str) -> None:
        """Inside the message's transaction: keep each photo as pending, link it, and queue its fetch."""
        if not (photos.tip or photos.draft):
            return
        reply_to = Handle(message.sender, message.recipient, locale)
        for url, declared in photos.accepted:
            media_id = secrets.token_hex(12)
            self.photos.put_pending(pipe, media_id, url, declared, reply_to, self.draft_ttl)
            if photos.tip:
                self.tips.add_media(pipe, photos.tip, media_id)
                self.photos.keep(pipe, media_id)
            else:
                session.add_draft_media(pipe, media_id, self.draft_ttl)
            self.jobs.enqueue(pipe, "bot.jobs.fetch_photo", media_id)

    def settle_drafts(self, flow: Flow, session: Session, outcome: Outcome, pipe: Pipeline, drafts: list[str]) \
            -> None:
        """When an interview ends: its photos join the submitted tip, or go with an abandoned draft."""
        if not drafts:
            return
        submitted = next((e.code for e in outcome.effects if isinstance(e, SubmitTip)), None)
        if submitted:
            for media_id in drafts:
                self.tips.add_media(pipe, submitted, media_id)
                self.photos.keep(pipe, media_id)
        elif not in_interview(flow, outcome.state.node):
            self.photos.delete(drafts, pipe)
        else:
            return
        session.clear_draft_media(pipe)
