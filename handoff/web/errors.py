"""One exception handler per kind of failure, so no route writes its own error answer.

A refusal (InputError) answers with its code and status; Redis (or the disk behind
attachments) being unreachable answers 503 `unavailable`: nothing was recorded.

    register_error_handlers(app)
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from sanic import Sanic, response
from sanic.request import Request

from handoff.protocol import ErrorCode, InputError, Unavailable

log = logging.getLogger("handoff.gateway")


def register_error_handlers(app: Sanic) -> None:
    app.error_handler.add(InputError, _refused)
    app.error_handler.add(RedisError, _unavailable)
    app.error_handler.add(OSError, _unavailable)


def _refused(request: Request, error: Exception) -> response.HTTPResponse:
    assert isinstance(error, InputError)
    log.info("%s %s refused (%s): %s", request.method, request.path, error.code, error.message)
    headers = {"WWW-Authenticate": "Bearer"} if error.code is ErrorCode.UNAUTHORIZED else {}
    if error.retry_after_s is not None:
        headers["Retry-After"] = str(error.retry_after_s)
    return response.json(error.as_http(), status=error.status, headers=headers)


def _unavailable(request: Request, error: Exception) -> response.HTTPResponse:
    log.error("%s %s failed: storage unavailable (%s)", request.method, request.path, error)
    unavailable = Unavailable()
    return response.json(unavailable.as_http(), status=unavailable.status)
