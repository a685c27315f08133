"""ACS error answers: ``{"error": {"code": "<subcode>", "message": ...}}`` with the HTTP status.

Codes and messages follow Microsoft's "Troubleshooting response codes for Call
Automation" table (code, subcode) and messages reported from the live service.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web


@dataclass(frozen=True)
class AcsError(Exception):
    status: int
    code: str
    message: str

    def response(self) -> web.Response:
        return web.json_response({"error": {"code": self.code, "message": self.message}}, status=self.status)


HMAC_FAILED = AcsError(401, "7509", "HMAC-SHA256 validation failed")
NOT_AUTHORISED = AcsError(401, "401", "The bearer token is not valid for this resource, or its identity has no role on it.")
CALL_NOT_FOUND = AcsError(404, "8522", "Call not found.")
RECORDING_NOT_FOUND = AcsError(404, "8522", "Recording not found.")
CALL_NOT_ESTABLISHED = AcsError(400, "8501", "Action is not supported when call is not established.")
CALL_TERMINATED = AcsError(400, "8528", "Action is not supported, call is terminated.")
INVALID_REQUEST = AcsError(400, "8523", "Invalid request.")
NO_COGNITIVE_SERVICES = AcsError(
    405, "8522", "Request not allowed when Cognitive Service Configuration not set during call setup."
)
RECORDING_IN_PROGRESS = AcsError(
    400, "8559", "Duplicate start recording request, recording already initiated or in progress."
)
RECORDING_ALREADY_PAUSED = AcsError(400, "8573", "Recording is already paused.")
RECORDING_NOT_PAUSED = AcsError(400, "8573", "Recording is not paused.")
UNKNOWN = AcsError(500, "9999", "Unknown internal server error.")
