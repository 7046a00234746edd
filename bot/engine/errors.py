"""The engine's small exception tree: every error a flow or a turn can raise derives from EngineError."""
from __future__ import annotations


class EngineError(Exception):
    """Base of every error raised by the conversation engine."""


class FlowError(EngineError):
    """A flow definition is invalid; carries the source file and the path inside it (and, for the problems the
    dashboard explains in the officer's language, a code and its parameters)."""

    def __init__(self, source: str, path: str, message: str, code: str = "", **params: str) -> None:
        super().__init__(f"{source}: {path}: {message}")
        self.source = source
        self.path = path
        self.message = message
        self.code = code
        self.params = params


class StepLimitExceeded(EngineError):
    """A turn visited too many nodes without waiting for input (a loop in the flow)."""
