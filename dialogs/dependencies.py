"""What the call's dialogs share, built once in `app.py`."""

from __future__ import annotations

from dataclasses import dataclass

from config import DefaultConfig
from services.accounts import AccountDirectory
from services.payments import PaymentGateway
from telephony import CallRecorder, CallTimers, DigitSpec, InputPolicy, RecordingPolicy, Sealer, defaults

from .prompts import Prompts

_SHORTEST_WAIT_S = 0.01


@dataclass(frozen=True)
class CallDependencies:
    config: DefaultConfig
    recorder: CallRecorder
    #: When the call is recorded (see `recording_policy.py`).
    policy: RecordingPolicy
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
            **rules, first_digit_timeout_s=first, inter_digit_timeout_s=min(defaults.INTER_DIGIT_TIMEOUT_S, first)
        )
