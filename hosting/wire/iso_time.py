"""ISO 8601 times as msrest reads them, without isodate's regex tables and decimals for the usual form.

Every activity from a channel carries `timestamp` and usually `localTimestamp`.
msrest reads each with `Deserializer.deserialize_iso` (isodate underneath): about
60 µs a value, and the shape check reads them again, so about a tenth of a
turn went into two timestamps. Channels write one form,
`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; for it `read_iso` builds the very
datetime isodate builds (isodate's own `UTC` or `FixedOffset` as its tzinfo,
the fraction cut to microseconds as msrest cuts it). Any other text is left to
`deserialize_iso`, which accepts or refuses it as it always has.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from isodate.tzinfo import UTC, FixedOffset
from msrest.serialization import Deserializer

_USUAL = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|(([+-])(\d{2}):(\d{2})))"
)


def read_iso(text: str) -> datetime:
    """The datetime msrest's `Deserializer.deserialize_iso(text)` returns; its DeserializationError otherwise.

    The shape check and then the reader read each timestamp of an activity: the
    second read is the first one's datetime (immutable, so shared safely).
    """
    if type(text) is str:
        return _read_text(text)
    return Deserializer.deserialize_iso(text)


@lru_cache(maxsize=256)
def _read_text(text: str) -> datetime:
    match = _USUAL.fullmatch(text.upper())
    if match is not None:
        year, month, day, hour, minute, second, fraction, utc, zone, sign, zone_hours, zone_minutes = match.groups()
        if utc:
            zone_info = UTC
        else:
            direction = -1 if sign == "-" else 1
            zone_info = FixedOffset(direction * int(zone_hours), direction * int(zone_minutes), zone)
        try:
            moment = datetime(
                int(year), int(month), int(day), int(hour), int(minute), int(second),
                int(fraction[:6].ljust(6, "0")) if fraction else 0, zone_info,
            )
            if 1 <= moment.utctimetuple().tm_year <= 9999:
                return moment
        except (ValueError, OverflowError):
            pass  # msrest words the refusal
    return Deserializer.deserialize_iso(text)
