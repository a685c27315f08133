"""A local stand-in for Azure Communication Services: Call Automation, recording storage,
callback signing and Event Grid delivery, reached by the real SDKs through `client_connector`."""

from .call_automation import Faults
from .callbacks import CallbackToken
from .calls import Play, Recording, StandInCall
from .event_grid import WebhookRefused
from .recording_files import BytesPayload, Fault, PatternPayload, Payload, Seen
from .standin import AcsStandIn
from .tls import ACS_HOST, CALLBACK_ISSUER_HOST, STORAGE_HOST, LoopbackResolver, client_connector, make_tls

__all__ = [
    "ACS_HOST", "CALLBACK_ISSUER_HOST", "STORAGE_HOST", "AcsStandIn", "BytesPayload", "CallbackToken", "Fault",
    "Faults", "LoopbackResolver", "PatternPayload", "Payload", "Play", "Recording", "Seen", "StandInCall",
    "WebhookRefused", "client_connector", "make_tls",
]
