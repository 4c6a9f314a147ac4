"""Agent passwords as salted scrypt hashes, safe to keep in Redis or in AGENTS_FILE.

stored = hash_password("correct horse")
check_password("correct horse", stored)   # True
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash`, safe to store in Redis or in AGENTS_FILE."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)


# Checked against when the username is unknown, so a wrong username takes as long.
DUMMY_HASH = hash_password(secrets.token_hex(8))
