"""One exception handler per kind of failure, so no route writes its own error answer.

A refusal (InputError) answers with its code and status; Redis (or the disk behind
attachments) being unreachable answers 503 `unavailable`: nothing was recorded.

    register_error_handlers(app)
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request

from handoff.protocol import ErrorCode, InputError, Unavailable

log = logging.getLogger("handoff.gateway")


def register_error_handlers(app: Sanic) -> None:
    app.error_handler.add(InputError, _refused)
    app.error_handler.add(SanicException, _refused_by_server)
    app.error_handler.add(RedisError, _unavailable)
    app.error_handler.add(OSError, _unavailable)


def _refused(request: Request, error: Exception) -> response.HTTPResponse:
    assert isinstance(error, InputError)
    log.info("%s %s refused (%s): %s", request.method, request.path, error.code, error.message)
    headers = {"WWW-Authenticate": "Bearer"} if error.code is ErrorCode.UNAUTHORIZED else {}
    if error.retry_after_s is not None:
        headers["Retry-After"] = str(error.retry_after_s)
    return response.json(error.as_http(), status=error.status, headers=headers)


# The server's own refusals (limits, timeouts, unknown routes), in the same shape.
_SERVER_REFUSALS = {
    404: (ErrorCode.NOT_FOUND, "No such page."),
    405: (ErrorCode.NOT_FOUND, "No such page."),
    408: (ErrorCode.REQUEST_TIMEOUT, "The request arrived too slowly; please try again."),
    413: (ErrorCode.PAYLOAD_TOO_LARGE, "The request is larger than allowed."),
}


def _refused_by_server(request: Request, error: Exception) -> response.HTTPResponse:
    assert isinstance(error, SanicException)
    status = int(error.status_code)
    if status >= 500:
        if not error.quiet:  # quiet: a request cut short (client gone, timed out)
            log.error("%s %s failed: %s", request.method, request.path, error)
        return response.json(
            {"error": ErrorCode.UNAVAILABLE.value, "message": "Please try again."}, status=503
        )
    code, message = _SERVER_REFUSALS.get(status, (ErrorCode.INVALID_PAYLOAD, "Bad request."))
    log.info("%s %s refused (%s): %s", request.method, request.path, code, error)
    return response.json({"error": code.value, "message": message}, status=status)


def _unavailable(request: Request, error: Exception) -> response.HTTPResponse:
    log.error("%s %s failed: storage unavailable (%s)", request.method, request.path, error)
    unavailable = Unavailable()
    return response.json(unavailable.as_http(), status=unavailable.status)
