"""The caller's keys reach the bot once each, in the order pressed, however ACS
delivers their events (late, twice, out of order), and never wait in clear."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from callautomation.calls import BridgeCall
from callautomation.dtmf import WAIT_FOR_MISSING_S, arrange, release
from telephony import Sealer

SEALER = Sealer.generate()
KEYS = "0123456789*#"


def new_call() -> BridgeCall:
    return BridgeCall(key="k" * 32, caller="+14255550123", caller_raw_id="4:+14255550123", called="+18005550199",
                      sealed_token="")


@st.composite
def deliveries(draw):
    """Keys pressed, and the order (with repeats) their events arrive in."""
    keys = draw(st.text(alphabet=KEYS, min_size=1, max_size=20))
    ids = list(range(1, len(keys) + 1))
    arrival = draw(st.permutations(ids))
    repeats = draw(st.lists(st.sampled_from(ids), max_size=5))
    for repeat in repeats:
        arrival.insert(draw(st.integers(0, len(arrival))), repeat)
    return keys, arrival


@given(deliveries())
def test_every_key_reaches_the_bot_once_in_the_order_pressed(delivery):
    keys, arrival = delivery
    call = new_call()
    due = []
    for sequence_id in arrival:
        due += arrange(call, sequence_id, keys[sequence_id - 1], SEALER, now=0.0)
    assert "".join(due) == keys
    assert call.held == {}


def test_keys_after_a_lost_one_go_on_once_it_has_been_waited_for():
    call = new_call()
    assert arrange(call, 1, "4", SEALER, now=0.0) == ["4"]
    assert arrange(call, 3, "1", SEALER, now=0.1) == []  # 2 is missing
    assert arrange(call, 4, "1", SEALER, now=0.2) == []
    assert release(call, SEALER, now=0.1 + WAIT_FOR_MISSING_S / 2) == []
    assert release(call, SEALER, now=0.1 + WAIT_FOR_MISSING_S) == ["1", "1"]
    assert arrange(call, 2, "9", SEALER, now=1.0) == [], "the lost key, arriving after all, is not replayed"
    assert arrange(call, 5, "#", SEALER, now=1.1) == ["#"]


def test_a_waiting_key_is_kept_sealed():
    call = new_call()
    arrange(call, 2, "7", SEALER, now=0.0)
    (sealed,) = call.held.values()
    assert sealed != "7" and len(sealed) > 20
    assert "7" not in str(call.to_json()).replace(sealed, "")


def test_a_tone_no_keypad_has_holds_its_place_but_reaches_no_bot():
    call = new_call()
    assert arrange(call, 2, "5", SEALER, now=0.0) == []
    assert arrange(call, 1, None, SEALER, now=0.1) == ["5"]
