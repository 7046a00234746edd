"""The line's parts as create_app() built them, for blueprints, commands and jobs to find (current_services())."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import redis
from flask import current_app
from rq import Queue

from bot.broadcasts.delivery import Broadcaster
from bot.broadcasts.store import BroadcastStore
from bot.broadcasts.subscribers import Subscribers
from bot.channels.outbox import Outbox
from bot.channels.senders import Senders
from bot.conversations.line import Line
from bot.conversations.spool import Spool
from bot.conversations.stats import Stats
from bot.conversations.store import ConversationStore
from bot.flows.library import FlowLibrary
from bot.flows.rendering import Renderer
from bot.flows.revisions import FlowRevisions
from bot.officers.accounts import Accounts
from bot.officers.alerts import OfficerAlerts
from bot.officers.audit import AuditLog
from bot.officers.directory import OfficerDirectory
from bot.officers.duty import DutyRoster
from bot.officers.second_factor import SecondFactors
from bot.officers.single_sign_on import SingleSignOn
from bot.platform.config import Config
from bot.platform.jobqueue import JobQueue
from bot.tips.deliveries import Deliveries
from bot.tips.handles import HandleStore
from bot.tips.media import Fetcher
from bot.tips.photos import PhotoStore
from bot.tips.repository import TipRepository

EXTENSION = "linea"


@dataclass(frozen=True)
class Services:
    """Every collaborator once, by what it does; nothing here owns logic of its own."""

    config: Config
    redis: redis.Redis
    clock: Callable[[], float]
    library: FlowLibrary
    revisions: FlowRevisions
    renderer: Renderer
    store: ConversationStore
    tips: TipRepository
    handles: HandleStore
    photos: PhotoStore
    media_fetcher: Fetcher
    deliveries: Deliveries
    stats: Stats
    roster: DutyRoster
    officers: OfficerDirectory
    alerts: OfficerAlerts
    accounts: Accounts
    second_factors: SecondFactors
    sso: SingleSignOn | None  # None unless LINE_OIDC_ISSUER is set
    audit: AuditLog
    outbox: Outbox
    spool: Spool
    jobs: JobQueue
    senders: Senders
    line: Line
    subscribers: Subscribers     # community alerts: who opted in (consent records, encrypted addresses)
    broadcasts: BroadcastStore   # ... the alerts, their approval and counts
    broadcaster: Broadcaster     # ... and their delivery

    @property
    def queue(self) -> Queue:
        """The RQ queue the workers work (python worker.py)."""
        return self.jobs.queue


def current_services() -> Services:
    """The Services of the Flask app handling this request, command or job."""
    return current_app.extensions[EXTENSION]
