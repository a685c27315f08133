"""What the call's dialogs share, built once in `app.py`."""

from __future__ import annotations

from dataclasses import dataclass

from config import DefaultConfig
from services.accounts import AccountDirectory
from services.payments import PaymentGateway
from telephony.caller_input import InputPolicy
from telephony.keypad import DigitSpec
from telephony.recorder import CallRecorder
from telephony.sealed import Sealer
from telephony.timers import CallTimers

from .prompts import Prompts

# Between two keys of one entry; a caller reading a card number pauses less than this.
INTER_DIGIT_TIMEOUT_S = 5.0
_SHORTEST_WAIT_S = 0.01


@dataclass(frozen=True)
class CallDependencies:
    config: DefaultConfig
    recorder: CallRecorder
    timers: CallTimers
    prompts: Prompts
    accounts: AccountDirectory
    payments: PaymentGateway
    #: Encrypts card details that must be kept between turns.
    sealer: Sealer

    @property
    def input_policy(self) -> InputPolicy:
        return InputPolicy(max_misses=self.config.MAX_RETRIES, no_input_timeout_s=self.config.NO_INPUT_TIMEOUT_S)

    def digit_spec(self, **rules) -> DigitSpec:
        """A `DigitSpec` with `rules`, waiting for the first key as long as any prompt waits."""
        first = max(self.config.NO_INPUT_TIMEOUT_S, _SHORTEST_WAIT_S)
        return DigitSpec(
            **rules, first_digit_timeout_s=first, inter_digit_timeout_s=min(INTER_DIGIT_TIMEOUT_S, first)
        )
