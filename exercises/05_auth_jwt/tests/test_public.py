"""Public tests for 05_auth_jwt. Run `pytest` in this exercise's folder.

They show the shape of the hidden suite, which checks much more (the stored format and its
parameters, forged and unsigned tokens, missing claims, error cases). They fail until auth.py is written.
"""

import sys
from pathlib import Path

import jwt
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find auth.py next to tests/

import auth

SECRET = "public-tests-secret-0123456789abcdef"
NOW = 1_700_000_000


def test_hash_and_verify_password() -> None:
    stored = auth.hash_password("correct horse battery staple")
    assert stored.startswith("scrypt$16384$8$1$"), f"the stored hash should start with 'scrypt$16384$8$1$', got {stored!r}"
    assert auth.verify_password("correct horse battery staple", stored) is True, "the right password should verify"
    assert auth.verify_password("Correct horse battery staple", stored) is False, "a wrong password should not verify"
    again = auth.hash_password("correct horse battery staple")
    assert again != stored, "hashing the same password twice should give two different strings (a fresh salt)"


def test_issue_and_verify_token() -> None:
    token = auth.issue_token("alice", SECRET, scopes=["read:orders", "write:orders"], ttl_s=600, now=NOW)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False})
    expected = {"sub": "alice", "iat": NOW, "exp": NOW + 600, "scope": "read:orders write:orders"}
    assert claims == expected, f"the token's claims should be {expected!r}, got {claims!r}"
    got = auth.verify_token(token, SECRET, now=NOW + 10)
    assert got["sub"] == "alice", f"verify_token should return the claims, got {got!r}"


def test_expired_and_forged_tokens_are_rejected() -> None:
    token = auth.issue_token("alice", SECRET, ttl_s=60, now=NOW)
    with pytest.raises(auth.TokenExpiredError):
        auth.verify_token(token, SECRET, now=NOW + 60)
    forged = jwt.encode({"sub": "alice", "iat": NOW, "exp": NOW + 60}, "another-secret-0123456789abcdefghij", algorithm="HS256")
    with pytest.raises(auth.InvalidTokenError):
        auth.verify_token(forged, SECRET, now=NOW)


def test_require_scope() -> None:
    token = auth.issue_token("alice", SECRET, scopes=["read:orders"], now=NOW)
    claims = auth.require_scope(token, SECRET, "read:orders", now=NOW)
    assert claims["scope"] == "read:orders", f"require_scope should return the claims, got {claims!r}"
    with pytest.raises(auth.PermissionDeniedError):
        auth.require_scope(token, SECRET, "write:orders", now=NOW)
