"""The one error type for requests the gateway refuses, over Socket.IO and HTTP alike.

raise InputError(ErrorCode.MESSAGE_TOO_LONG, "Messages are limited to 2000 characters.")
raise InputError(ErrorCode.FILE_TOO_LARGE, "Attachments are limited to 5 MB.")
"""

from __future__ import annotations

from handoff.protocol.enums import ErrorCode

# HTTP status of the codes that are not a plain bad request.
_HTTP_STATUS = {
    ErrorCode.INVALID_SESSION: 404,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.FILE_TOO_LARGE: 413,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.INVALID_CREDENTIALS: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.AGENT_EXISTS: 409,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL_ERROR: 500,
}


class InputError(Exception):
    """A refused request: `code` and `message` go back to the client, nothing is lost."""

    def __init__(self, code: ErrorCode, message: str, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # When to try again (HTTP `Retry-After`), for refusals that only last a while.
        self.retry_after_s = retry_after_s

    @property
    def status(self) -> int:
        """The HTTP status that carries this refusal."""
        return _HTTP_STATUS.get(self.code, 400)

    def as_payload(self) -> dict[str, str]:
        """The body of a Socket.IO `error` event."""
        return {"code": self.code.value, "message": self.message}

    def as_ack(self) -> dict[str, object]:
        """The `{"ok": false, ...}` acknowledgement of a refused socket event."""
        return {"ok": False, "error": self.code.value, "message": self.message}

    def as_http(self) -> dict[str, str]:
        """The JSON body of an HTTP error answer (status in `status`)."""
        return {"error": self.code.value, "message": self.message}


class Unavailable(InputError):
    """Redis (the shared state) cannot be reached: nothing was recorded, try again."""

    def __init__(self) -> None:
        super().__init__(
            ErrorCode.UNAVAILABLE,
            "The chat service is temporarily unavailable; nothing was recorded. "
            "Please try again in a moment.",
        )
