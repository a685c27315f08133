"""The channel's recording rules the simulator plays by.

The table is the library's (`telephony.CHANNEL_RULES`), shared with
`telephony.testing.FakeChannel`; these are the simulator's names for it.
"""

from telephony import CHANNEL_RULES, ChannelRecordingState, Refusal, channel_answer

#: Where a call's recording is, as the channel sees it. STOPPED also covers "never started".
RecordingState = ChannelRecordingState
TRANSITIONS = CHANNEL_RULES
apply = channel_answer

__all__ = ["TRANSITIONS", "RecordingState", "Refusal", "apply"]
