"""Which conversations are phone calls, and which are chats.

The same bot answers the Telephony channel (and Call Automation, whose bridge
speaks as that channel) and text channels: the Bot Framework Emulator, Web
Chat and Direct Line, Teams, Microsoft's Agents Playground. A text channel
keeps a transcript that the bot cannot pause, cannot transfer a caller, and
may refuse the phone's own activities (a recording command, `handoff.initiate`,
even `endOfConversation`). Anything not known to be a phone is a chat: a step
that must not run in a transcript (card entry) is refused unless the channel
is known to be a phone.
"""

from __future__ import annotations

from ._wire import TELEPHONY_CHANNEL
from .sdk import TurnContext

#: Channels whose conversations are phone calls.
PHONE_CHANNELS = frozenset({TELEPHONY_CHANNEL})


def is_phone(context: TurnContext) -> bool:
    """Whether this turn's conversation is a phone call: keys are tones, a person can take the call."""
    return context.activity.channel_id in PHONE_CHANNELS
