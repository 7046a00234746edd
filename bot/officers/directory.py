"""Who the officers are: the configured desk (OFFICER_NUMBERS / OFFICER_EMAILS) and the roster's on-duty
contacts, by short ids so that job arguments never carry a phone number or an address."""
from __future__ import annotations

import hashlib
import logging
import time

import redis

from bot.platform.config import Config

from .duty import DutyRoster

log = logging.getLogger("linea.officers")
ROSTER_CHECK_SECONDS = 5.0


def officer_id(address: str) -> str:
    """Short stable id of an officer address, so job arguments carry no phone numbers."""
    return hashlib.sha256(address.encode()).hexdigest()[:12]


class OfficerDirectory:
    """The officers who get alerts now, with the roster re-read from Redis every few seconds."""

    def __init__(self, config: Config, roster: DutyRoster) -> None:
        self.config = config
        self.roster = roster
        self._desk = config.officer_numbers + tuple(f"mailto:{e.removeprefix('mailto:')}"
                                                    for e in config.officer_emails)
        self._roster_cache: tuple[tuple[str, ...], float] = ((), float("-inf"))

    def alerted(self) -> dict[str, str]:
        """Who gets alerts now, by short id: OFFICER_NUMBERS / OFFICER_EMAILS and the roster's on-duty contacts."""
        return {officer_id(address): address for address in self._desk + self.on_duty()}

    def is_officer(self, address: str) -> bool:
        """Whether a sender is a configured officer number or an on-duty roster contact."""
        return address in self.config.officer_numbers or address in self.on_duty()

    def on_duty(self) -> tuple[str, ...]:
        """The roster's on-duty contacts, re-read from Redis every few seconds (not once per message)."""
        addresses, checked = self._roster_cache
        if time.monotonic() - checked > ROSTER_CHECK_SECONDS:
            try:
                addresses = tuple(self.roster.on_duty())
            except redis.RedisError:
                log.warning("the on-duty roster could not be read; using the last known one")
            self._roster_cache = (addresses, time.monotonic())
        return addresses

    def roster_changed(self) -> None:
        """Forget the cached roster (this process changed it)."""
        self._roster_cache = ((), float("-inf"))
