"""Passwords, tokens and scopes: scrypt password hashes and HS256 JWTs with PyJWT.

README.md says exactly what each function must do.
"""

import base64
import binascii
import hashlib
import hmac
import os
import time
from collections.abc import Iterable
from typing import Any

import jwt

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
DEFAULT_TTL_S = 900


class AuthError(Exception):
    """Base class of every error this module raises on purpose (except ValueError)."""


class InvalidTokenError(AuthError):
    """The token is malformed, badly signed, uses another algorithm or lacks a claim."""


class TokenExpiredError(InvalidTokenError):
    """The token was valid once, but its `exp` has passed."""


class PermissionDeniedError(AuthError, PermissionError):
    """The token is valid but does not carry the scope that was asked for."""


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"not valid base64: {text!r}") from exc


def hash_password(password: str) -> str:
    """Hash `password` with scrypt and a fresh random salt: 'scrypt$n$r$p$salt_b64$hash_b64'."""
    if not password:
        raise ValueError("password must not be empty")
    salt = os.urandom(SALT_BYTES)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64encode(salt)}${_b64encode(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches `stored` (made by hash_password); ValueError when `stored` is malformed."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise ValueError("stored hash must look like 'scrypt$n$r$p$salt_b64$hash_b64'")
    try:
        n, r, p = (int(part) for part in parts[1:4])
    except ValueError as exc:
        raise ValueError(f"scrypt parameters must be integers, got {parts[1:4]!r}") from exc
    salt, expected = _b64decode(parts[4]), _b64decode(parts[5])
    if not salt or not expected:
        raise ValueError("stored hash has an empty salt or hash")
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=len(expected))
    return hmac.compare_digest(digest, expected)


def issue_token(
    subject: str,
    secret: str,
    *,
    scopes: Iterable[str] = (),
    ttl_s: int = DEFAULT_TTL_S,
    now: int | None = None,
) -> str:
    """An HS256 JWT with claims sub, iat, exp and scope (the scopes joined by spaces)."""
    if not subject.strip():
        raise ValueError("subject must not be blank")
    if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
        raise ValueError(f"secret must be at least {MIN_SECRET_BYTES} bytes for HS256")
    if ttl_s <= 0:
        raise ValueError("ttl_s must be positive")
    scope_list = list(scopes)
    for scope in scope_list:
        if not scope or any(ch.isspace() for ch in scope):
            raise ValueError(f"a scope must be non-empty and contain no whitespace, got {scope!r}")
    issued = int(time.time()) if now is None else int(now)
    claims = {"sub": subject, "iat": issued, "exp": issued + ttl_s, "scope": " ".join(scope_list)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(token: str, secret: str, *, now: int | None = None) -> dict[str, Any]:
    """The claims of a valid token; TokenExpiredError or InvalidTokenError otherwise."""
    current = int(time.time()) if now is None else int(now)
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "iat", "exp"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpiredError(str(exc)) from exc
    if not isinstance(claims["exp"], int) or not isinstance(claims["iat"], int):
        raise InvalidTokenError("exp and iat must be integers")
    if claims["iat"] > current:
        raise InvalidTokenError("token issued in the future")
    if current >= claims["exp"]:
        raise TokenExpiredError("token has expired")
    return claims


def require_scope(token: str, secret: str, scope: str, *, now: int | None = None) -> dict[str, Any]:
    """Verify the token, then insist that it carries `scope`; return its claims."""
    claims = verify_token(token, secret, now=now)
    granted = claims.get("scope", "")
    if not isinstance(granted, str) or scope not in granted.split():
        raise PermissionDeniedError(f"token lacks scope {scope!r}")
    return claims
