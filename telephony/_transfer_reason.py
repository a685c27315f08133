"""Why a call goes to a person: the transfer step and the call's observers both speak of it."""

from enum import Enum


class TransferReason(str, Enum):
    """Why the caller is being transferred; the hold prompt may depend on it."""

    ASKED = "asked"  # the caller chose a person
    MISSES = "misses"  # the caller could not be understood, or could not give what was needed
    UNSECURED = "unsecured"  # card details could not be taken with the recording paused
    ERROR = "error"  # the bot failed
