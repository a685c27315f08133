"""The Azure Bot Service Telephony channel, as a small library.

Nothing here knows what the bot is for; lift the folder into another bot.

- `wire`: every name and value the channel puts on the wire.
- `ssml`, `messages`: what the caller hears (`Voice.speak`, `spoken`).
- `dtmf`, `keypad`: key presses, spoken digits, digit entry rules.
- `commands`, `recording`, `recorder`: recording commands, their results, and
  the state machine that never sends a command the channel would refuse.
- `handler`: `TelephonyActivityHandler`, hooks for results, transfers, timers
  and the end of the call.
- `timers`: no-input and result timeouts, continued proactively.
- `caller_input`, `recording_step`: dialogs that wait for the caller or the channel.
- `call_control`: transfer and hang-up.
- `sealed`, `redaction`: keeping sensitive digits out of state and logs.
- `serial_turns`: one turn at a time per call.
"""
