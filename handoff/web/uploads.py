"""Reading an uploaded file out of a streamed Sanic request, never holding more than the
limit in memory.

Two shapes are accepted: the raw file as the request body (its name in `?name=` or the
`X-File-Name` header), or `multipart/form-data` with the file in a field named `file`
(what a browser's FormData sends).

    data, name = await read_upload(request, max_bytes=5 * 1024 * 1024)
"""

from __future__ import annotations

from urllib.parse import unquote

from sanic.headers import parse_content_header
from sanic.request import Request, parse_multipart_form

from handoff.protocol import ErrorCode, InputError
from handoff.stores.attachments import too_large

# Room for the multipart framing (boundaries, part headers) around the file itself.
_MULTIPART_OVERHEAD = 16 * 1024


async def read_upload(request: Request, max_bytes: int) -> tuple[bytes, str | None]:
    """The file's bytes and the client's name for it; InputError (413) once the body
    is larger than the limit (the rest of the body is then not kept)."""
    content_type, parameters = parse_content_header(
        request.headers.get("content-type", "application/octet-stream")
    )
    multipart = content_type == "multipart/form-data"
    limit = max_bytes + (_MULTIPART_OVERHEAD if multipart else 0)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        await _discard_body(request)
        raise too_large(max_bytes)
    body = bytearray()
    while request.stream is not None:
        chunk = await request.stream.read()
        if chunk is None:
            break
        body += chunk
        if len(body) > limit:
            await _discard_body(request)
            raise too_large(max_bytes)
    if not multipart:
        name = request.args.get("name") or unquote(request.headers.get("x-file-name", ""))
        return bytes(body), name or None
    boundary = parameters.get("boundary")
    if not boundary:
        raise InputError(ErrorCode.INVALID_UPLOAD, "The multipart body has no boundary.")
    try:
        _, files = parse_multipart_form(  # type: ignore[no-untyped-call]
            bytes(body), str(boundary).encode("utf-8")
        )
    except (ValueError, UnicodeDecodeError, LookupError) as error:
        raise InputError(ErrorCode.INVALID_UPLOAD, "The upload could not be read.") from error
    upload = files.get("file")
    if upload is None:
        raise InputError(ErrorCode.INVALID_UPLOAD, "Send the file in a form field named 'file'.")
    if len(upload.body) > max_bytes:
        raise too_large(max_bytes)
    return bytes(upload.body), upload.name


async def _discard_body(request: Request) -> None:
    """Read the rest of a refused body: a client still sending it would miss an answer
    given before (the connection's deadline, RESPONSE_TIMEOUT, bounds how long)."""
    while request.stream is not None and await request.stream.read() is not None:
        pass
