"""The pure conversation engine: standard library only, no clock, environment, network or storage."""
from . import nlu
from .definition import parse_flow
from .engine import advance
from .errors import EngineError, FlowError, StepLimitExceeded
from .inspect import check_flow, message_keys, policy_keys
from .order import TextPlace, texts_in_order
from .model import (AlertsJoined, AlertsLeft, AttachToTip, EmergencyShown, Flow, ForgetMe, Inbound, OptedIn, OptedOut, Outcome, Reply, State,
                    SubmitTip)

__all__ = [
    "AlertsJoined", "AlertsLeft", "AttachToTip", "EmergencyShown", "EngineError", "Flow", "FlowError", "ForgetMe", "Inbound", "OptedIn", "OptedOut",
    "Outcome", "Reply", "State", "StepLimitExceeded", "SubmitTip", "advance", "check_flow", "message_keys",
    "nlu", "parse_flow", "policy_keys", "TextPlace", "texts_in_order",
]
