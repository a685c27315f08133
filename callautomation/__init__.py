"""Phone calls through Azure Communication Services Call Automation.

A self-hosted stand-in for the Telephony channel: it answers calls, turns what
Call Automation reports into the activities the channel would send, and turns
the bot's activities into Call Automation actions. See docs/call-automation.md.
"""

from .webhooks import CALL_AUTOMATION, CallAutomationBridge, Connector, setup_call_automation

__all__ = ["CALL_AUTOMATION", "CallAutomationBridge", "Connector", "setup_call_automation"]
