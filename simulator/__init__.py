"""A local stand-in for the Azure Bot Service Telephony channel.

Drives a real bot over HTTP or the Bot Framework streaming protocol exactly as
the channel would, enforces the channel's recording rules, and records what
ended up on each call's recording. See docs/simulator.md.
"""

from telephony import RecordingCommand

from .call import ActionKind, BotAction, BotRejected, Call, CallStatus, CallTimeout, ChannelOptions, Prompt
from .channel import ChannelSimulator
from .faults import FaultPlan
from .lines import Transport
from .metadata import AcsResource
from .recording import EndReason
from .rules import RecordingState, Refusal
from .timeline import EventKind, RecordedSpan, TimelineEvent

__all__ = [
    "AcsResource",
    "ActionKind",
    "BotAction",
    "BotRejected",
    "Call",
    "CallStatus",
    "CallTimeout",
    "ChannelOptions",
    "ChannelSimulator",
    "EndReason",
    "EventKind",
    "FaultPlan",
    "Prompt",
    "RecordedSpan",
    "RecordingCommand",
    "RecordingState",
    "Refusal",
    "TimelineEvent",
    "Transport",
]
