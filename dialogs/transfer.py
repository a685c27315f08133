"""Transfer to an agent (docs/call-flow.md, section 6): the library's step with the sample's target and words.

Every transfer of the call goes through this one step: the caller's choice, a
caller the bot could not understand, a payment that could not be secured, and
an error. In a chat, where nobody can be transferred, the step gives the
agent's number instead and the conversation goes on.
"""

from __future__ import annotations

from telephony import TransferOptions, TransferReason, TransferStep
from telephony.sdk import DialogContext, DialogTurnResult

from .dependencies import CallDependencies

TRANSFER_DIALOG = "transfer"


def transfer_step(deps: CallDependencies) -> TransferStep:
    return TransferStep(
        TRANSFER_DIALOG,
        target=deps.config.AGENT_PHONE_NUMBER,
        delay_s=deps.config.TRANSFER_DELAY_S,
        timers=deps.timers,
        policy=deps.policy,
        hold_prompt=deps.prompts.transfer_hold,
        no_agent_prompt=deps.prompts.no_agent,
        chat_prompt=lambda reason: deps.prompts.call_an_agent(deps.config.AGENT_PHONE_NUMBER, reason),
    )


async def transfer(dc: DialogContext, reason: TransferReason) -> DialogTurnResult:
    """Hand the caller to a person in place of the current step; it ends as the transfer does."""
    return await dc.replace_dialog(TRANSFER_DIALOG, TransferOptions(reason))
