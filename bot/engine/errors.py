"""The engine's small exception tree: every error a flow or a turn can raise derives from EngineError."""
from __future__ import annotations


class EngineError(Exception):
    """Base of every error raised by the conversation engine."""


class FlowError(EngineError):
    """A flow definition is invalid; carries the source file and the path inside it."""

    def __init__(self, source: str, path: str, message: str) -> None:
        super().__init__(f"{source}: {path}: {message}")
        self.source = source
        self.path = path
        self.message = message


class StepLimitExceeded(EngineError):
    """A turn visited too many nodes without waiting for input (a loop in the flow)."""
