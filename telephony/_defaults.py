"""The call's timing and patience defaults, in one place.

`config.py` reads its settings' defaults from here, and the library's option
types default to the same values, so a call behaves the same whether a step is
built from settings or on its own (in a test, in another bot).
"""

#: Silence before a reprompt.
NO_INPUT_TIMEOUT_S = 8.0
#: Between two keys of one entry; a caller reading a card number pauses less than this.
INTER_DIGIT_TIMEOUT_S = 5.0
#: Wait for a recording command's result before treating it as failed.
RECORDING_RESULT_TIMEOUT_S = 5.0
#: Between the hold prompt and the transfer, so the prompt is heard.
TRANSFER_DELAY_S = 3.0
#: Misses (no match or no input) before a prompt gives up.
MAX_MISSES = 3
