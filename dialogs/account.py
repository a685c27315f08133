"""Asking for the caller's account number (docs/call-flow.md, section 3), shared by balance and payment."""

from __future__ import annotations

from telephony import DigitsPrompt

from .dependencies import CallDependencies

ACCOUNT_NUMBER_PROMPT = "account-number"
ACCOUNT_NUMBER_LENGTH = 6


def account_number_prompt(deps: CallDependencies) -> DigitsPrompt:
    """Six keys or spoken digits; `#` ends early. Ends with a number the directory knows.

    An unknown number is a miss: "I couldn't find that account." and ask again.
    """

    async def known(number: str) -> bool:
        return await deps.accounts.find(number) is not None

    return DigitsPrompt(
        ACCOUNT_NUMBER_PROMPT,
        deps.timers,
        deps.input_policy,
        deps.prompts.account_number,
        deps.digit_spec(length=ACCOUNT_NUMBER_LENGTH, terminator="#"),
        validator=known,
    )
