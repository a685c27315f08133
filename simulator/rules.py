"""The channel's recording rules the simulator plays by: the library's table, under the simulator's names."""

from telephony import CHANNEL_RULES as TRANSITIONS
from telephony import ChannelRecordingState as RecordingState
from telephony import Refusal
from telephony import channel_answer as apply

__all__ = ["TRANSITIONS", "RecordingState", "Refusal", "apply"]
