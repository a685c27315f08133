"""Times read as msrest reads them: the same datetime, time zone object and all, or the same refusal."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from msrest.serialization import Deserializer

from hosting.wire.iso_time import read_iso


def outcome(read, text):
    try:
        moment = read(text)
    except Exception as error:
        return ("raised", type(error))
    zone = moment.tzinfo
    return ("read", moment, moment.isoformat(), type(zone), zone.utcoffset(moment) if zone else None, zone.tzname(moment) if zone else None)


def digits(count: int, low: int = 0, high: int | None = None) -> st.SearchStrategy[str]:
    return st.integers(low, high if high is not None else 10**count - 1).map(lambda n: str(n).zfill(count))


FRACTIONS = st.none() | st.text("0123456789", min_size=1, max_size=9)
ZONES = st.sampled_from(["Z", "z", "+00:00", "-00:00", "+05:30", "-08:00", "+14:00", "+99:99", "", "+0530", "-08"])
TIMES = st.builds(
    lambda y, mo, d, t, h, mi, s, f, z: f"{y}-{mo}-{d}{t}{h}:{mi}:{s}{'' if f is None else '.' + f}{z}",
    digits(4), digits(2, 0, 13), digits(2, 0, 32), st.sampled_from(["T", "t", " "]), digits(2, 0, 25), digits(2, 0, 61), digits(2, 0, 61), FRACTIONS, ZONES,
)


def test_what_channels_send_reads_as_msrest_reads_it():
    for text in [
        "2026-11-30T23:25:00.178503+00:00",
        "2026-11-30T23:10:00.123Z",
        "2026-11-30T23:10:00.1234567Z",
        "2026-11-30T15:10:00-08:00",
        "2026-11-30T23:10:00Z",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
    ]:
        assert outcome(read_iso, text) == outcome(Deserializer.deserialize_iso, text), text


@settings(max_examples=1500, deadline=None)
@given(TIMES)
def test_any_time_text_reads_as_msrest_reads_it(text):
    assert outcome(read_iso, text) == outcome(Deserializer.deserialize_iso, text)


@given(st.text(max_size=40))
def test_any_text_is_refused_or_read_as_msrest_does(text):
    assert outcome(read_iso, text) == outcome(Deserializer.deserialize_iso, text)
