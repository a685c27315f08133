from .call_bot import CallBot

__all__ = ["CallBot"]
