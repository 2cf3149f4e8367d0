"""Passwords, tokens and scopes: scrypt password hashes and HS256 JWTs with PyJWT.

Fill in the five functions below; README.md says exactly what each must do. The constants and
the exception classes are given: use them, and keep their names.
"""

from collections.abc import Iterable
from typing import Any

SCRYPT_N = 2**14  # CPU/memory cost: a power of two
SCRYPT_R = 8  # block size
SCRYPT_P = 1  # parallelism
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


def hash_password(password: str) -> str:
    """Hash `password` with scrypt and a fresh random salt: 'scrypt$n$r$p$salt_b64$hash_b64'."""
    raise NotImplementedError("hash_password: not written yet")


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches `stored`; ValueError when `stored` is malformed."""
    raise NotImplementedError("verify_password: not written yet")


def issue_token(
    subject: str,
    secret: str,
    *,
    scopes: Iterable[str] = (),
    ttl_s: int = DEFAULT_TTL_S,
    now: int | None = None,
) -> str:
    """An HS256 JWT with claims sub, iat, exp and scope (the scopes joined by spaces)."""
    raise NotImplementedError("issue_token: not written yet")


def verify_token(token: str, secret: str, *, now: int | None = None) -> dict[str, Any]:
    """The claims of a valid token; TokenExpiredError or InvalidTokenError otherwise."""
    raise NotImplementedError("verify_token: not written yet")


def require_scope(token: str, secret: str, scope: str, *, now: int | None = None) -> dict[str, Any]:
    """Verify the token, then insist that it carries `scope`; return its claims."""
    raise NotImplementedError("require_scope: not written yet")
