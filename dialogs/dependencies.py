"""What the call's dialogs share, built once in `app.py`."""

from __future__ import annotations

from dataclasses import dataclass

from config import DefaultConfig
from telephony.caller_input import InputPolicy
from telephony.recorder import CallRecorder
from telephony.timers import CallTimers

from .prompts import Prompts


@dataclass(frozen=True)
class CallDependencies:
    config: DefaultConfig
    recorder: CallRecorder
    timers: CallTimers
    prompts: Prompts

    @property
    def input_policy(self) -> InputPolicy:
        return InputPolicy(max_misses=self.config.MAX_RETRIES, no_input_timeout_s=self.config.NO_INPUT_TIMEOUT_S)
