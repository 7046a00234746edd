"""Which flow revision a message runs on: the published current one for new conversations, the one a
conversation started on for the rest of it. Parsed revisions are kept for the life of the process."""
from __future__ import annotations

import logging
import time
from typing import Callable

import redis

from bot.engine import Flow

from . import i18n
from .files import parse_flow_text
from .library import Bundle, FlowLibrary

log = logging.getLogger("linea.flows")
REVISION_CHECK_SECONDS = 2.0


class FlowRevisions:
    """The shipped flow (revision 0) and every published revision, parsed once, with their texts installed."""

    def __init__(self, library: FlowLibrary, shipped: Flow, clock: Callable[[], float]) -> None:
        self.library = library
        self.clock = clock
        self._flows: dict[int, Flow] = {0: shipped}  # parsed revisions by number (0: the shipped files)
        self._current = (0, float("-inf"))            # (revision number, when it was last read from Redis)
        self._reviewed: dict[int, bool] = {}          # revisions never change, so neither does their review

    @property
    def flow(self) -> Flow:
        """The current revision's flow (what a new conversation starts on)."""
        return self.flow_for(self.current_revision())

    @staticmethod
    def overlay(number: int) -> str:
        """The translation-key prefix of a revision's texts ("" for the shipped ones)."""
        return f"rev{number}." if number else ""

    def current_revision(self) -> int:
        """The published revision new conversations start on (re-read from Redis every few seconds)."""
        number, checked = self._current
        if time.monotonic() - checked > REVISION_CHECK_SECONDS:
            try:
                number = self.library.current_number()
            except redis.RedisError:
                pass  # keep the one we know
            self._current = (number, time.monotonic())
        return number

    def flow_for(self, number: int) -> Flow:
        """The parsed flow of a revision, its texts installed under rev<number>. (the current one if unknown)."""
        if number not in self._flows:
            revision = self.library.get(number)
            if revision is None:
                log.error("conversation on unknown flow revision %d; using the current one", number)
                return self.flow_for(self.current_revision()) if number != self.current_revision() else self._flows[0]
            i18n.install_overlay(self.overlay(number), revision.bundle.texts)
            self._flows[number] = parse_flow_text(revision.bundle.flow, f"revision {number}")
        return self._flows[number]

    def pinned(self, number: int) -> tuple[int, Flow]:
        """The revision a conversation runs on and its flow: a revision that is gone becomes the current one."""
        flow = self.flow_for(number)
        if number not in self._flows:  # that revision is gone: a safe restart on the current one
            number = self.current_revision()
        return number, flow

    def policy_reviewed(self) -> bool:
        """Whether the current revision records who reviewed its immigration-policy wording, and when (the
        shipped texts never do: a department's own legal review is part of going live)."""
        number = self.current_revision()
        if number not in self._reviewed:
            revision = self.library.get(number) or self.library.get(0)
            self._reviewed[number] = bool(revision.bundle.policy_reviewer and revision.bundle.policy_reviewed_on)
        return self._reviewed[number]

    def publish(self, bundle: Bundle, author: str, comment: str, reverts: int | None = None) -> int:
        """Publish a checked bundle as the new current revision (this process uses it at once)."""
        number = self.library.publish(bundle, author, self.clock(), comment, reverts)
        self._current = (number, time.monotonic())
        return number
