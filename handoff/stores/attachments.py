"""Customer attachments: screenshots and PDFs, checked by their bytes, kept on disk.

The file goes to ATTACHMENTS_DIR under a random, unguessable name; what it is (type, size,
display name) and whose it is (the conversation) live in Redis, so every gateway process
that shares the directory and the Redis can serve it. The client's file name is only ever
used, sanitised, as a display name.

    store = AttachmentStore(redis, Keys("handoff:"), "var/attachments", max_bytes=5_000_000)
    stored = await store.save("c1", data, "Screen Shot 1.png")   # raises InputError
    found = await store.get(stored.id)                           # None when unknown
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from handoff.protocol import ErrorCode, InputError
from handoff.stores.keys import Keys

# What customers may attach: content type -> (attachment type, file extension).
ALLOWED_TYPES: dict[str, tuple[str, str]] = {
    "image/png": ("image", ".png"),
    "image/jpeg": ("image", ".jpg"),
    "image/webp": ("image", ".webp"),
    "image/gif": ("image", ".gif"),
    "application/pdf": ("file", ".pdf"),
}
# Extensions a display name may keep for each type (anything else gets the type's own).
_EXTENSIONS = {
    content_type: (extension,) for content_type, (_, extension) in ALLOWED_TYPES.items()
} | {"image/jpeg": (".jpg", ".jpeg")}
_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_NAME_MAX = 100


@dataclass(frozen=True)
class StoredAttachment:
    id: str
    conversation_id: str
    name: str
    size: int
    content_type: str
    path: Path

    @property
    def kind(self) -> str:
        """ "image" (shown inline) or "file" (offered as a download)."""
        return ALLOWED_TYPES[self.content_type][0]

    @property
    def src(self) -> str:
        return f"/api/attachments/{self.id}"

    def entry_attachment(self) -> dict[str, Any]:
        """The `attachment` field of the transcript entry (Rasa's attachment shape)."""
        return {
            "type": self.kind,
            "payload": {
                "src": self.src,
                "name": self.name,
                "size": self.size,
                "content_type": self.content_type,
            },
        }


def sniff_type(data: bytes) -> str | None:
    """The content type the file's first bytes prove, among ALLOWED_TYPES; None otherwise."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def display_name(raw: Any, content_type: str) -> str:
    """A safe name to show and to offer on download: no path, no control characters,
    at most 100 characters, and always the extension of the type the bytes proved."""
    extension = ALLOWED_TYPES[content_type][1]
    name = raw if isinstance(raw, str) else ""
    name = re.split(r"[\\/]", name)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(
        char for char in name if unicodedata.category(char)[0] not in ("C", "Z") or char == " "
    )
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not (dot and stem and f".{suffix.lower()}" in _EXTENSIONS[content_type]):
        stem, suffix = name, extension[1:]
    stem = stem[: _NAME_MAX - len(suffix) - 1].rstrip(" .")
    if not stem:
        stem = "document" if content_type == "application/pdf" else "screenshot"
    return f"{stem}.{suffix}"


class AttachmentStore:
    """Saves checked uploads and finds them again; the files are never executed or parsed."""

    def __init__(self, redis: Redis, keys: Keys, directory: str | Path, max_bytes: int) -> None:
        self._redis = redis
        self._keys = keys
        self.directory = Path(directory)
        self.max_bytes = max_bytes

    def check(self, data: bytes) -> str:
        """The proven content type of an upload, or InputError (400 / 413)."""
        if len(data) > self.max_bytes:
            raise too_large(self.max_bytes)
        if not data:
            raise InputError(ErrorCode.EMPTY_FILE, "The file is empty.")
        content_type = sniff_type(data)
        if content_type is None:
            raise InputError(
                ErrorCode.UNSUPPORTED_TYPE,
                "Only screenshots and pictures (PNG, JPEG, WebP, GIF) or PDF files can be "
                "attached.",
            )
        return content_type

    async def save(self, conversation_id: str, data: bytes, name: Any) -> StoredAttachment:
        content_type = self.check(data)
        attachment_id = secrets.token_urlsafe(24)
        stored = StoredAttachment(
            attachment_id,
            conversation_id,
            display_name(name, content_type),
            len(data),
            content_type,
            self.directory / attachment_id,
        )
        await asyncio.to_thread(self._write, stored.path, data)
        try:
            await self._redis.hset(
                self._keys.attachment(attachment_id),
                mapping={
                    "conversation": conversation_id,
                    "name": stored.name,
                    "size": stored.size,
                    "content_type": content_type,
                    "created_at": f"{time.time():.3f}",
                },
            )
        except BaseException:
            stored.path.unlink(missing_ok=True)
            raise
        return stored

    async def get(self, attachment_id: str) -> StoredAttachment | None:
        if not _ID.match(attachment_id):
            return None
        fields = await self._redis.hgetall(self._keys.attachment(attachment_id))
        if not fields or fields.get("content_type") not in ALLOWED_TYPES:
            return None
        path = self.directory / attachment_id
        if not path.is_file():
            return None
        return StoredAttachment(
            attachment_id,
            fields["conversation"],
            fields["name"],
            int(fields["size"]),
            fields["content_type"],
            path,
        )

    async def delete(self, stored: StoredAttachment) -> None:
        """Undo a save whose transcript entry could not be recorded."""
        await self._redis.delete(self._keys.attachment(stored.id))
        stored.path.unlink(missing_ok=True)

    def _write(self, path: Path, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.part")
        # Owner-only permissions; O_EXCL: a name is never reused or followed as a link.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(partial, path)


def too_large(max_bytes: int) -> InputError:
    return InputError(
        ErrorCode.FILE_TOO_LARGE,
        f"The file is too large: attachments are limited to {_megabytes(max_bytes)}.",
    )


def _megabytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{max(1, size // 1024)} kB"
