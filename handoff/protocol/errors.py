"""The one error type for requests the gateway refuses, over Socket.IO and HTTP alike.

raise InputError("message_too_long", "Messages are limited to 2000 characters.")
raise InputError("file_too_large", "Attachments are limited to 5 MB.", status=413)
"""

from __future__ import annotations

# HTTP status for codes that are not a plain bad request.
_HTTP_STATUS = {"invalid_session": 404, "not_found": 404, "rate_limited": 429}


class InputError(Exception):
    """A refused request: `code` and `message` go back to the client, nothing is lost."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or _HTTP_STATUS.get(code, 400)

    def as_payload(self) -> dict[str, str]:
        """The body of a Socket.IO `error` event."""
        return {"code": self.code, "message": self.message}

    def as_http(self) -> dict[str, str]:
        """The JSON body of an HTTP error answer (status in `status`)."""
        return {"error": self.code, "message": self.message}
