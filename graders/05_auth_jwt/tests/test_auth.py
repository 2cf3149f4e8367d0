"""Hidden suite for 05_auth_jwt: scrypt password hashes, HS256 JWTs with PyJWT, and scopes.

Every test gets the submission through the `student` fixture (never imported here). Tokens are
issued and checked against a fixed clock (NOW), passed as `now=`, so no test sleeps.

PYTEST_DONT_REWRITE: a failed assert reports its own message only (what was expected, in the
student's terms), without pytest's comparison dump.
"""

import base64
import binascii
import functools
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import jwt
import pytest

# 64 bytes each: long enough for HS256, and for the HS384 / HS512 tokens the suite forges.
SECRET = "hidden-suite-secret-" + "0123456789abcdef" * 2 + "-long-enough-for-hs512"
OTHER_SECRET = "some-other-secret-" + "fedcba9876543210" * 2 + "-also-long-for-hs512!"
NOW = 1_700_000_000  # 2023-11-14: a fixed clock, in the past so that real-clock checks show up
MAXMEM = 256 * 1024 * 1024  # room for any sensible scrypt parameters when the suite recomputes a hash


# --- helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredHash:
    """The six fields of 'scrypt$n$r$p$salt_b64$hash_b64', decoded."""

    scheme: str
    n: int
    r: int
    p: int
    salt: bytes
    digest: bytes


def lenient_b64decode(text: str) -> bytes:
    """Standard or URL-safe base64, with or without padding."""
    cleaned = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)


def parse_stored(stored: object) -> StoredHash:
    """Split a stored hash into its fields, failing the test with a readable message if it cannot."""
    if not isinstance(stored, str):
        pytest.fail(f"hash_password should return a str, got {type(stored).__name__}: {stored!r}", pytrace=False)
    parts = stored.split("$")
    if len(parts) != 6:
        pytest.fail(
            f"a stored hash should have 6 '$'-separated fields 'scrypt$n$r$p$salt_b64$hash_b64', got {len(parts)} in {stored!r}",
            pytrace=False,
        )
    try:
        n, r, p = (int(part) for part in parts[1:4])
    except ValueError:
        pytest.fail(f"n, r and p should be decimal integers, got {parts[1:4]!r} in {stored!r}", pytrace=False)
    try:
        salt, digest = lenient_b64decode(parts[4]), lenient_b64decode(parts[5])
    except (binascii.Error, ValueError):
        pytest.fail(f"salt and hash should be base64, got {parts[4]!r} and {parts[5]!r}", pytrace=False)
    return StoredHash(parts[0], n, r, p, salt, digest)


def scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    """The suite's own scrypt of a UTF-8 password."""
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=MAXMEM)


def make_stored(password: str, n: int, r: int, p: int, salt: bytes, dklen: int) -> str:
    """A stored hash in the README's format, built by the suite, not by hash_password."""
    digest = scrypt(password, salt, n, r, p, dklen)
    salt_b64, digest_b64 = (base64.b64encode(data).decode("ascii") for data in (salt, digest))
    return f"scrypt${n}${r}${p}${salt_b64}${digest_b64}"


def claims_at(now: int = NOW, ttl_s: int = 900, **extra: Any) -> dict[str, Any]:
    """The claims issue_token would make for 'alice' at `now`."""
    return {"sub": "alice", "iat": now, "exp": now + ttl_s, "scope": "read:orders", **extra}


def forge(claims: dict[str, Any], key: str = SECRET, algorithm: str = "HS256") -> str:
    """A token made by the suite with PyJWT, not by the student's issue_token."""
    return jwt.encode(claims, key, algorithm=algorithm)


def unsigned_token(claims: dict[str, Any]) -> str:
    """An 'alg: none' token: a header and a payload with an empty signature."""

    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def read_token(token: object) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a token, checked against SECRET with HS256 but not against any clock."""
    if not isinstance(token, str):
        pytest.fail(f"issue_token should return the token as a str, got {type(token).__name__}: {token!r}", pytrace=False)
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False})
    except jwt.PyJWTError as exc:
        pytest.fail(
            f"the token should be an HS256 JWT signed with the given secret; PyJWT says {type(exc).__name__}: {exc}",
            pytrace=False,
        )
    return header, claims


def error_name(exc: BaseException) -> str:
    module = type(exc).__module__
    prefix = "" if module == "builtins" else f"{module}."
    return f"{prefix}{type(exc).__name__}: {exc}"


def assert_raises(
    expected: type[BaseException],
    call: Callable[[], object],
    what: str,
    not_: type[BaseException] | None = None,
) -> BaseException:
    """Fail with a readable message unless `call()` raises `expected` (and not the subclass `not_`)."""
    try:
        result = call()
    except expected as exc:
        if not_ is not None and isinstance(exc, not_):
            pytest.fail(
                f"{what} should raise {expected.__name__} (not {not_.__name__}), got {error_name(exc)}",
                pytrace=False,
            )
        return exc
    except Exception as exc:
        pytest.fail(f"{what} should raise {expected.__name__}, got {error_name(exc)}", pytrace=False)
    pytest.fail(f"{what} should raise {expected.__name__}, but it returned {result!r}", pytrace=False)


def call_ok(call: Callable[[], Any], what: str) -> Any:
    """`call()`'s result, or a readable failure naming the unexpected exception."""
    try:
        return call()
    except Exception as exc:
        pytest.fail(f"{what} should succeed, got {error_name(exc)}", pytrace=False)


# --- the module ------------------------------------------------------------------------------


@pytest.mark.points(
    1,
    hint="Keep the starter's exception classes: TokenExpiredError(InvalidTokenError), InvalidTokenError(AuthError), "
    "PermissionDeniedError(AuthError, PermissionError).",
)
def test_error_classes_form_the_readme_hierarchy(student: ModuleType) -> None:
    expected = [
        ("InvalidTokenError", "AuthError"),
        ("TokenExpiredError", "InvalidTokenError"),
        ("TokenExpiredError", "AuthError"),
        ("PermissionDeniedError", "AuthError"),
        ("PermissionDeniedError", "PermissionError"),
        ("AuthError", "Exception"),
    ]
    names = ["AuthError", "InvalidTokenError", "TokenExpiredError", "PermissionDeniedError"]
    missing = [name for name in names if not isinstance(getattr(student, name, None), type)]
    assert not missing, f"auth.py should define the exception classes {', '.join(missing)}"
    builtin = {"PermissionError": PermissionError, "Exception": Exception}
    wrong = [
        f"{sub} should be a subclass of {base}"
        for sub, base in expected
        if not issubclass(getattr(student, sub), builtin.get(base) or getattr(student, base))
    ]
    assert not wrong, "; ".join(wrong) + " (so that catching the base class also catches it)"
    expired = forge(claims_at(ttl_s=60))
    try:
        student.verify_token(expired, SECRET, now=NOW + 3600)
    except student.InvalidTokenError:
        pass
    except Exception as exc:
        pytest.fail(f"an expired token should be caught by 'except InvalidTokenError', got {error_name(exc)}", pytrace=False)
    else:
        pytest.fail("verify_token(an expired token) should raise TokenExpiredError, but it returned the claims", pytrace=False)


@pytest.mark.points(
    1,
    hint="Keep the starter's constants (SCRYPT_N, SALT_BYTES, MIN_SECRET_BYTES, ...) under their names, "
    "and hash with them: n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, SALT_BYTES of salt, dklen=HASH_BYTES.",
)
def test_module_keeps_the_starter_constants(student: ModuleType) -> None:
    names = ["SCRYPT_N", "SCRYPT_R", "SCRYPT_P", "SALT_BYTES", "HASH_BYTES", "MIN_SECRET_BYTES", "DEFAULT_TTL_S"]
    missing = [name for name in names if type(getattr(student, name, None)) is not int]
    assert not missing, f"auth.py should keep the starter's integer constants {', '.join(missing)} under these names"
    fields = parse_stored(call_ok(lambda: student.hash_password("hunter2"), "hash_password('hunter2')"))
    written = {
        "SCRYPT_N": fields.n,
        "SCRYPT_R": fields.r,
        "SCRYPT_P": fields.p,
        "SALT_BYTES": len(fields.salt),
        "HASH_BYTES": len(fields.digest),
    }
    differ = [
        f"{name} = {getattr(student, name)} but the hash has {got}"
        for name, got in written.items()
        if got != getattr(student, name)
    ]
    assert not differ, "hash_password should use the module's constants: " + "; ".join(differ)


# --- hash_password ---------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="Store 'scrypt$n$r$p$salt_b64$hash_b64' where hash = hashlib.scrypt(password.encode('utf-8'), "
    "salt=salt, n=n, r=r, p=p).",
)
def test_hash_password_is_self_describing_scrypt(student: ModuleType) -> None:
    password = "correct horse battery staple"
    stored = call_ok(lambda: student.hash_password(password), f"hash_password({password!r})")
    fields = parse_stored(stored)
    assert fields.scheme == "scrypt", f"the first field should be 'scrypt', got {fields.scheme!r} in {stored!r}"
    assert fields.salt and fields.digest, f"the salt and hash fields should not be empty, got {stored!r}"
    try:
        recomputed = scrypt(password, fields.salt, fields.n, fields.r, fields.p, len(fields.digest))
    except ValueError as exc:
        pytest.fail(f"scrypt with the stored n={fields.n}, r={fields.r}, p={fields.p} fails: {exc}", pytrace=False)
    assert recomputed == fields.digest, (
        f"the hash field should be scrypt(password, salt, n={fields.n}, r={fields.r}, p={fields.p}) "
        f"with the stored salt; recomputing it gives {recomputed.hex()[:16]}..., the stored hash is {fields.digest.hex()[:16]}..."
    )


@pytest.mark.points(2, hint="Use n=2**14, r=8, p=1, a 16-byte salt from os.urandom (or secrets) and a 32-byte hash.")
def test_hash_password_parameters_are_not_weak(student: ModuleType) -> None:
    fields = parse_stored(call_ok(lambda: student.hash_password("hunter2"), "hash_password('hunter2')"))
    problems = []
    if fields.n < 2**14 or fields.n & (fields.n - 1):
        problems.append(f"n should be a power of two of at least 2**14 = 16384, got {fields.n}")
    if fields.r < 8:
        problems.append(f"r should be at least 8, got {fields.r}")
    if fields.p < 1:
        problems.append(f"p should be at least 1, got {fields.p}")
    if len(fields.salt) < 16:
        problems.append(f"the salt should be at least 16 random bytes, got {len(fields.salt)}")
    if len(fields.digest) < 32:
        problems.append(f"the hash should be at least 32 bytes, got {len(fields.digest)}")
    assert not problems, "scrypt parameters too weak: " + "; ".join(problems)


@pytest.mark.points(
    1,
    hint="Write n, r, p as plain decimal integers and the salt and hash with base64.b64encode (standard alphabet, "
    "with padding), not the URL-safe alphabet or without '='.",
)
def test_hash_password_writes_standard_base64_and_decimal_integers(student: ModuleType) -> None:
    for _attempt in range(4):  # four random salts: one of them almost surely has a '+' or '/' in standard base64
        stored = call_ok(lambda: student.hash_password("hunter2"), "hash_password('hunter2')")
        parse_stored(stored)
        parts = stored.split("$")
        for name, text in zip(("n", "r", "p"), parts[1:4], strict=True):
            assert text.isascii() and text.isdigit() and str(int(text)) == text, (
                f"{name} should be written as a plain decimal integer, got {text!r} in {stored!r}"
            )
        for name, text in (("salt", parts[4]), ("hash", parts[5])):
            try:
                canonical = base64.b64encode(base64.b64decode(text, validate=True)).decode("ascii")
            except (binascii.Error, ValueError):
                canonical = None
            assert canonical == text, (
                f"the {name} should be standard base64 with padding (base64.b64encode(data).decode('ascii')), "
                f"got {text!r} in {stored!r}"
            )


@pytest.mark.points(
    2,
    hint="Draw a new random salt for every call (os.urandom(16)): the same password must give different hashes.",
)
def test_hash_password_uses_a_fresh_salt_each_time(student: ModuleType) -> None:
    first = call_ok(lambda: student.hash_password("same password"), "hash_password('same password')")
    second = call_ok(lambda: student.hash_password("same password"), "hash_password('same password') again")
    salts = (parse_stored(first).salt, parse_stored(second).salt)
    assert salts[0] != salts[1], (
        f"two hashes of the same password should have different random salts, got the same salt {salts[0].hex()} twice"
    )
    assert first != second, f"two hashes of the same password should differ, got {first!r} twice"
    results = [student.verify_password("same password", stored) for stored in (first, second)]
    assert results == [True, True], f"verify_password should accept the password against both hashes, got {results}"


@pytest.mark.points(1, hint="hash_password('') must raise ValueError.")
def test_hash_password_rejects_empty_password(student: ModuleType) -> None:
    assert_raises(ValueError, lambda: student.hash_password(""), "hash_password('')")


# --- verify_password -------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="verify_password returns True for the right password and False for any other, case and spaces included.",
)
def test_verify_password_accepts_right_and_rejects_wrong(student: ModuleType) -> None:
    stored = call_ok(lambda: student.hash_password("Tr0ub4dor&3"), "hash_password('Tr0ub4dor&3')")
    right = student.verify_password("Tr0ub4dor&3", stored)
    assert right is True, f"verify_password('Tr0ub4dor&3', its own hash) should be True, got {right!r}"
    for wrong in ("tr0ub4dor&3", "Tr0ub4dor&3 ", "Tr0ub4dor", "x"):
        got = student.verify_password(wrong, stored)
        assert got is False, f"verify_password({wrong!r}, hash of 'Tr0ub4dor&3') should be False, got {got!r}"


@pytest.mark.points(1, hint="Encode the password as UTF-8 before hashing; any Unicode password must work.")
def test_verify_password_handles_unicode(student: ModuleType) -> None:
    password = "pässwörd ✓ 密码"
    stored = call_ok(lambda: student.hash_password(password), f"hash_password({password!r})")
    fields = parse_stored(stored)
    expected = scrypt(password, fields.salt, fields.n, fields.r, fields.p, len(fields.digest))
    assert expected == fields.digest, "the stored hash should be scrypt of the password's UTF-8 bytes"
    got = (student.verify_password(password, stored), student.verify_password("passwörd ✓ 密码", stored))
    assert got == (True, False), f"verify_password(right, wrong) should be (True, False), got {got}"


@pytest.mark.points(
    2,
    hint="Read n, r, p, the salt and the hash length from the stored string; do not use your constants when verifying.",
)
def test_verify_password_uses_the_stored_parameters(student: ModuleType) -> None:
    # Hashes made elsewhere, e.g. before the parameters were raised: verify must still accept them.
    cases = [
        (
            "n=4096, r=8, p=2, a 32-byte hash",
            make_stored("open sesame", n=2**12, r=8, p=2, salt=b"0123456789abcdef", dklen=32),
        ),
        (
            "n=8192, r=4, p=1, a 48-byte hash",
            make_stored("open sesame", n=2**13, r=4, p=1, salt=b"another-salt-24-bytes-xx", dklen=48),
        ),
    ]
    for made_with, stored in cases:
        what = f"verify_password('open sesame', its hash made with {made_with})"
        right = call_ok(functools.partial(student.verify_password, "open sesame", stored), what)
        assert right is True, f"{what} should be True, got {right!r}"
        wrong = student.verify_password("open sesame!", stored)
        assert wrong is False, (
            f"verify_password('open sesame!', the hash of 'open sesame' made with {made_with}) should be False, got {wrong!r}"
        )


@pytest.mark.points(1, hint="Compare the hashes with hmac.compare_digest (constant time), not with ==.")
def test_verify_password_compares_in_constant_time(student: ModuleType, compare_digest_calls: Any) -> None:
    stored = make_stored("letmein", n=2**14, r=8, p=1, salt=b"fixed-salt-16-by", dklen=32)
    result = call_ok(lambda: student.verify_password("letmein", stored), "verify_password('letmein', its hash)")
    assert result is True, f"verify_password('letmein', a valid hash) should be True, got {result!r}"
    assert compare_digest_calls, "verify_password should compare the hashes with hmac.compare_digest, but it never called it"


@pytest.mark.points(1, hint="A stored string that is not 'scrypt$n$r$p$salt_b64$hash_b64' raises ValueError, not another error.")
def test_verify_password_rejects_malformed_stored_hash(student: ModuleType) -> None:
    good = make_stored("pw", n=2**12, r=8, p=1, salt=b"0123456789abcdef", dklen=32)
    fields = good.split("$")
    malformed = [
        "",
        "plain-text-password",
        "md5$5f4dcc3b5aa765d61d8327deb882cf99",
        "$".join(fields[:5]),
        "$".join(["bcrypt", *fields[1:]]),
        "$".join([fields[0], "many", *fields[2:]]),
        "$".join([*fields[:4], "***not base64***", fields[5]]),
    ]
    for stored in malformed:
        assert_raises(ValueError, functools.partial(student.verify_password, "pw", stored), f"verify_password('pw', {stored!r})")


@pytest.mark.points(
    1,
    hint="Decode the salt and hash with base64.b64decode(text, validate=True): without validate=True, characters "
    "outside base64 are silently dropped instead of raising.",
)
def test_verify_password_rejects_base64_with_stray_characters(student: ModuleType) -> None:
    salt = b"0123456789abcdef"
    fields = make_stored("pw", n=2**12, r=8, p=1, salt=salt, dklen=32).split("$")
    salt_b64 = fields[4]
    for bad_salt in (salt_b64[:4] + "!" + salt_b64[4:], salt_b64[:8] + " " + salt_b64[8:], salt_b64[:12] + "*"):
        stored = "$".join([*fields[:4], bad_salt, fields[5]])
        assert_raises(
            ValueError,
            functools.partial(student.verify_password, "pw", stored),
            f"verify_password('pw', a stored hash whose salt is {bad_salt!r}, not valid base64)",
        )


# --- issue_token -----------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="Sign {'sub': subject, 'iat': now, 'exp': now + ttl_s, 'scope': ' '.join(scopes)} with "
    "jwt.encode(..., secret, algorithm='HS256').",
)
def test_issue_token_makes_an_hs256_token_with_the_claims(student: ModuleType) -> None:
    token = call_ok(
        lambda: student.issue_token("alice", SECRET, scopes=["read:orders", "write:orders"], ttl_s=600, now=NOW),
        "issue_token('alice', secret, scopes=[...], ttl_s=600, now=NOW)",
    )
    header, claims = read_token(token)
    assert header.get("alg") == "HS256", f"the token's header should say alg 'HS256', got {header!r}"
    expected = {"sub": "alice", "iat": NOW, "exp": NOW + 600, "scope": "read:orders write:orders"}
    got = {key: claims.get(key) for key in expected}
    assert got == expected, f"the token's claims should be {expected!r}, got {claims!r}"


@pytest.mark.points(1, hint="ttl_s defaults to 900 seconds, now to int(time.time()), and no scopes give scope ''.")
def test_issue_token_defaults(student: ModuleType) -> None:
    before = int(time.time())
    token = call_ok(lambda: student.issue_token("bob", SECRET), "issue_token('bob', secret)")
    after = int(time.time())
    _, claims = read_token(token)
    iat = claims.get("iat")
    assert isinstance(iat, int) and before <= iat <= after, (
        f"without now=, iat should be the current time as an int (between {before} and {after}), got {iat!r}"
    )
    got = (claims.get("exp", 0) - iat, claims.get("scope"), claims.get("sub"))
    assert got == (900, "", "bob"), f"(exp - iat, scope, sub) should default to (900, '', 'bob'), got {got!r}"


@pytest.mark.points(1, hint="Only ttl_s <= 0 is refused: a token may live for a single second (exp = iat + 1).")
def test_issue_token_accepts_a_one_second_ttl(student: ModuleType) -> None:
    token = call_ok(lambda: student.issue_token("alice", SECRET, ttl_s=1, now=NOW), "issue_token('alice', secret, ttl_s=1)")
    _, claims = read_token(token)
    got = claims.get("exp", 0) - claims.get("iat", 0)
    assert got == 1, f"with ttl_s=1, exp should be iat + 1, got exp - iat = {got!r}"


@pytest.mark.points(
    1,
    hint="ValueError for a blank subject, a secret under 32 bytes, ttl_s <= 0, or a scope that is empty or has whitespace.",
)
def test_issue_token_rejects_bad_arguments(student: ModuleType) -> None:
    cases: list[tuple[str, Callable[[], object]]] = [
        ("issue_token('   ', secret)", lambda: student.issue_token("   ", SECRET, now=NOW)),
        ("issue_token('alice', 'short-secret')", lambda: student.issue_token("alice", "short-secret", now=NOW)),
        ("issue_token('alice', secret, ttl_s=0)", lambda: student.issue_token("alice", SECRET, ttl_s=0, now=NOW)),
        ("issue_token('alice', secret, ttl_s=-60)", lambda: student.issue_token("alice", SECRET, ttl_s=-60, now=NOW)),
        (
            "issue_token(..., scopes=['read orders'])",
            lambda: student.issue_token("alice", SECRET, scopes=["read orders"], now=NOW),
        ),
        ("issue_token(..., scopes=['read', ''])", lambda: student.issue_token("alice", SECRET, scopes=["read", ""], now=NOW)),
    ]
    for what, call in cases:
        assert_raises(ValueError, call, what)


@pytest.mark.points(1, hint="The token's claims are exactly sub, iat, exp and scope: add no other claim.")
def test_issue_token_claims_are_exactly_the_four(student: ModuleType) -> None:
    token = call_ok(
        lambda: student.issue_token("alice", SECRET, scopes=["read:orders"], now=NOW),
        "issue_token('alice', secret, scopes=['read:orders'], now=NOW)",
    )
    _, claims = read_token(token)
    extra = sorted(set(claims) - {"sub", "iat", "exp", "scope"})
    assert not extra, f"the token's claims should be exactly sub, iat, exp and scope, but it also has {', '.join(extra)}"


@pytest.mark.points(1, hint="Join the scopes with single spaces in the order given: do not sort them or drop any.")
def test_issue_token_keeps_the_order_of_scopes(student: ModuleType) -> None:
    scopes = ["write:orders", "read:orders", "admin"]
    token = call_ok(
        lambda: student.issue_token("alice", SECRET, scopes=scopes, now=NOW),
        f"issue_token('alice', secret, scopes={scopes!r}, now=NOW)",
    )
    _, claims = read_token(token)
    expected = "write:orders read:orders admin"
    assert claims.get("scope") == expected, (
        f"scopes={scopes!r} should give the scope claim {expected!r} (in the order given), got {claims.get('scope')!r}"
    )


@pytest.mark.points(
    1,
    hint="Measure the secret in bytes once encoded as UTF-8: len(secret.encode('utf-8')) < 32 raises ValueError; "
    "32 bytes is enough.",
)
def test_issue_token_needs_a_secret_of_32_utf8_bytes(student: ModuleType) -> None:
    short = "s" * 31
    assert_raises(
        ValueError,
        lambda: student.issue_token("alice", short, now=NOW),
        "issue_token('alice', a 31-byte secret)",
    )
    for secret, what in (("s" * 32, "a 32-byte ASCII secret"), ("ü" * 16, "a secret of 16 'ü', 32 bytes in UTF-8")):
        token = call_ok(functools.partial(student.issue_token, "alice", secret, now=NOW), f"issue_token('alice', {what})")
        assert isinstance(token, str) and token.count(".") == 2, (
            f"issue_token('alice', {what}) should return a JWT, got {token!r}"
        )


@pytest.mark.points(
    2,
    hint="A scope with any whitespace (a tab or a newline too, not only a space) raises ValueError: "
    "'read:orders\\tadmin' would otherwise grant 'admin'.",
)
def test_issue_token_rejects_scopes_with_any_whitespace(student: ModuleType) -> None:
    for scope in ("read:orders\tadmin", "read:orders\nadmin", "read:orders\u00a0admin"):
        assert_raises(
            ValueError,
            functools.partial(student.issue_token, "alice", SECRET, scopes=[scope], now=NOW),
            f"issue_token(..., scopes=[{scope!r}])",
        )


# --- verify_token ----------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="verify_token decodes with jwt.decode(token, secret, algorithms=['HS256'], ...) and returns the claims dict.",
)
def test_verify_token_returns_the_claims(student: ModuleType) -> None:
    token = call_ok(
        lambda: student.issue_token("alice", SECRET, scopes=["read:orders"], ttl_s=600, now=NOW),
        "issue_token('alice', secret, scopes=['read:orders'], ttl_s=600, now=NOW)",
    )
    claims = call_ok(lambda: student.verify_token(token, SECRET, now=NOW + 10), "verify_token(a fresh token, now=iat+10)")
    expected = {"sub": "alice", "iat": NOW, "exp": NOW + 600, "scope": "read:orders"}
    assert isinstance(claims, dict), f"verify_token should return the claims as a dict, got {type(claims).__name__}"
    got = {key: claims.get(key) for key in expected}
    assert got == expected, f"verify_token should return the claims {expected!r}, got {claims!r}"
    foreign = forge(claims_at(sub="carol"))
    got_sub = call_ok(lambda: student.verify_token(foreign, SECRET, now=NOW), "verify_token(a token made with PyJWT)")
    assert got_sub.get("sub") == "carol", (
        f"a valid token from elsewhere should verify too; sub should be 'carol', got {got_sub!r}"
    )


@pytest.mark.points(2, hint="Expired means now >= exp: raise TokenExpiredError at exp itself and after, not one second before.")
def test_verify_token_expires_exactly_at_exp(student: ModuleType) -> None:
    token = forge(claims_at(ttl_s=900))
    call_ok(lambda: student.verify_token(token, SECRET, now=NOW + 899), "verify_token one second before exp")
    for now in (NOW + 900, NOW + 901, NOW + 86_400):
        assert_raises(
            student.TokenExpiredError,
            functools.partial(student.verify_token, token, SECRET, now=now),
            f"verify_token at now = iat + {now - NOW} (exp = iat + 900)",
        )


@pytest.mark.points(1, hint="Without now=, verify_token uses the real clock (int(time.time())).")
def test_verify_token_defaults_to_the_real_clock(student: ModuleType) -> None:
    old = forge(claims_at(now=NOW, ttl_s=900))  # expired long ago by the real clock
    assert_raises(student.TokenExpiredError, lambda: student.verify_token(old, SECRET), "verify_token(a 2023 token) with no now=")
    fresh = forge(claims_at(now=int(time.time()), ttl_s=900))
    claims = call_ok(lambda: student.verify_token(fresh, SECRET), "verify_token(a token issued just now) with no now=")
    assert claims.get("sub") == "alice", f"verify_token should return the claims, got {claims!r}"


@pytest.mark.points(
    2,
    hint="A token signed with another secret must raise your InvalidTokenError (wrap PyJWT's errors), not TokenExpiredError.",
)
def test_verify_token_rejects_another_secret(student: ModuleType) -> None:
    token = forge(claims_at(), key=OTHER_SECRET)
    assert_raises(
        student.InvalidTokenError,
        lambda: student.verify_token(token, SECRET, now=NOW),
        "verify_token(a token signed with another secret)",
        not_=student.TokenExpiredError,
    )


@pytest.mark.points(2, hint="Never accept alg 'none': pass algorithms=['HS256'] and keep signature checking on.")
def test_verify_token_rejects_alg_none(student: ModuleType) -> None:
    token = unsigned_token(claims_at(scope="admin"))
    assert_raises(
        student.InvalidTokenError,
        lambda: student.verify_token(token, SECRET, now=NOW),
        "verify_token(an unsigned token with alg 'none')",
        not_=student.TokenExpiredError,
    )


@pytest.mark.points(2, hint="Pin the algorithm: algorithms=['HS256'], never the alg the token's own header names.")
def test_verify_token_accepts_only_hs256(student: ModuleType) -> None:
    for algorithm in ("HS384", "HS512"):
        token = forge(claims_at(), key=SECRET, algorithm=algorithm)
        assert_raises(
            student.InvalidTokenError,
            functools.partial(student.verify_token, token, SECRET, now=NOW),
            f"verify_token(a token signed with the right secret but alg {algorithm})",
            not_=student.TokenExpiredError,
        )


@pytest.mark.points(1, hint="A token whose payload was changed, or a string that is not a JWT at all, raises InvalidTokenError.")
def test_verify_token_rejects_tampered_and_garbage_tokens(student: ModuleType) -> None:
    header, _, signature = forge(claims_at(scope="read:orders")).split(".")
    payload = base64.urlsafe_b64encode(json.dumps(claims_at(scope="admin")).encode()).rstrip(b"=").decode()
    tampered = f"{header}.{payload}.{signature}"
    for token, what in ((tampered, "a token whose payload was edited"), ("not-a-jwt", "'not-a-jwt'"), ("", "''")):
        assert_raises(
            student.InvalidTokenError,
            functools.partial(student.verify_token, token, SECRET, now=NOW),
            f"verify_token({what})",
            not_=student.TokenExpiredError,
        )


@pytest.mark.points(1, hint="Require sub, iat and exp: options={'require': ['sub', 'iat', 'exp']}.")
def test_verify_token_requires_sub_iat_and_exp(student: ModuleType) -> None:
    for missing in ("exp", "sub", "iat"):
        claims = claims_at()
        del claims[missing]
        token = forge(claims)
        assert_raises(
            student.InvalidTokenError,
            functools.partial(student.verify_token, token, SECRET, now=NOW),
            f"verify_token(a signed token without '{missing}')",
            not_=student.TokenExpiredError,
        )


@pytest.mark.points(1, hint="A token whose iat is later than now was issued in the future: raise InvalidTokenError.")
def test_verify_token_rejects_iat_in_the_future(student: ModuleType) -> None:
    token = forge(claims_at(now=NOW + 3600))
    assert_raises(
        student.InvalidTokenError,
        lambda: student.verify_token(token, SECRET, now=NOW),
        "verify_token(a token with iat one hour after now)",
        not_=student.TokenExpiredError,
    )


@pytest.mark.points(
    1,
    hint="Compare iat with now exactly, with no leeway: iat = now + 1 is already in the future; iat = now is fine.",
)
def test_verify_token_rejects_iat_one_second_ahead(student: ModuleType) -> None:
    token = forge(claims_at(now=NOW + 1))
    assert_raises(
        student.InvalidTokenError,
        lambda: student.verify_token(token, SECRET, now=NOW),
        "verify_token(a token with iat one second after now)",
        not_=student.TokenExpiredError,
    )
    call_ok(lambda: student.verify_token(token, SECRET, now=NOW + 1), "verify_token(a token at now = iat)")


# --- require_scope ---------------------------------------------------------------------------


@pytest.mark.points(1, hint="require_scope verifies the token and returns its claims when the scope is there.")
def test_require_scope_returns_claims_when_granted(student: ModuleType) -> None:
    token = call_ok(
        lambda: student.issue_token("alice", SECRET, scopes=["read:orders", "write:orders"], now=NOW),
        "issue_token('alice', secret, scopes=['read:orders', 'write:orders'], now=NOW)",
    )
    claims = call_ok(
        lambda: student.require_scope(token, SECRET, "write:orders", now=NOW + 5),
        "require_scope(token with write:orders, 'write:orders')",
    )
    assert isinstance(claims, dict) and claims.get("sub") == "alice", f"require_scope should return the claims, got {claims!r}"


@pytest.mark.points(2, hint="A missing scope raises PermissionDeniedError (a PermissionError), not a token error.")
def test_require_scope_denies_a_missing_scope(student: ModuleType) -> None:
    token = forge(claims_at(scope="read:orders"))
    exc = assert_raises(
        student.PermissionDeniedError,
        lambda: student.require_scope(token, SECRET, "admin", now=NOW),
        "require_scope(a token with only read:orders, 'admin')",
    )
    assert isinstance(exc, PermissionError), (
        f"PermissionDeniedError should be a subclass of the built-in PermissionError, got bases {type(exc).__mro__[1:]}"
    )


@pytest.mark.points(2, hint="Split the scope claim on spaces and look for the whole scope: 'read' is not 'read:orders'.")
def test_require_scope_matches_whole_scopes(student: ModuleType) -> None:
    token = forge(claims_at(scope="read:orders write:orders"))
    for asked in ("read", "orders", "write", "read:orders write:orders", ":"):
        assert_raises(
            student.PermissionDeniedError,
            functools.partial(student.require_scope, token, SECRET, asked, now=NOW),
            f"require_scope(scope 'read:orders write:orders', {asked!r})",
        )
    call_ok(lambda: student.require_scope(token, SECRET, "read:orders", now=NOW), "require_scope(..., 'read:orders')")


@pytest.mark.points(
    1,
    hint="A valid token with no scope claim, or an empty one, grants no scope: PermissionDeniedError, not KeyError.",
)
def test_require_scope_without_a_scope_claim(student: ModuleType) -> None:
    no_claim = claims_at()
    del no_claim["scope"]
    for claims, what in ((no_claim, "no 'scope' claim"), (claims_at(scope=""), "scope ''")):
        token = forge(claims)
        assert_raises(
            student.PermissionDeniedError,
            functools.partial(student.require_scope, token, SECRET, "read:orders", now=NOW),
            f"require_scope(a token with {what}, 'read:orders')",
        )


@pytest.mark.points(
    1,
    hint="require_scope checks the token first: an expired or forged token raises the token error, even if it names the scope.",
)
def test_require_scope_checks_the_token_first(student: ModuleType) -> None:
    expired = forge(claims_at(scope="admin", ttl_s=60))
    assert_raises(
        student.TokenExpiredError,
        lambda: student.require_scope(expired, SECRET, "admin", now=NOW + 61),
        "require_scope(an expired token with scope admin, 'admin')",
    )
    forged = forge(claims_at(scope="admin"), key=OTHER_SECRET)
    assert_raises(
        student.InvalidTokenError,
        lambda: student.require_scope(forged, SECRET, "admin", now=NOW),
        "require_scope(a token signed with another secret, 'admin')",
        not_=student.TokenExpiredError,
    )


@pytest.mark.points(
    1,
    hint="Verify the token before looking at its scopes: an expired or forged token raises the token error even "
    "when it lacks the scope.",
)
def test_require_scope_token_errors_come_before_a_missing_scope(student: ModuleType) -> None:
    cases = [
        (forge(claims_at(ttl_s=60)), NOW + 61, student.TokenExpiredError, None, "an expired token"),
        (
            forge(claims_at(), key=OTHER_SECRET),
            NOW,
            student.InvalidTokenError,
            student.TokenExpiredError,
            "a token signed with another secret",
        ),
        (
            unsigned_token(claims_at()),
            NOW,
            student.InvalidTokenError,
            student.TokenExpiredError,
            "an unsigned token with alg 'none'",
        ),
        ("not-a-jwt", NOW, student.InvalidTokenError, student.TokenExpiredError, "'not-a-jwt'"),
    ]
    for token, now, expected, not_, what in cases:
        assert_raises(
            expected,
            functools.partial(student.require_scope, token, SECRET, "admin", now=now),
            f"require_scope({what} with only scope read:orders, 'admin')",
            not_=not_,
        )


@pytest.mark.points(
    1,
    hint="require_scope must check the token exactly as verify_token does (call it): algorithm, required claims, iat and exp.",
)
def test_require_scope_refuses_what_verify_token_refuses(student: ModuleType) -> None:
    no_exp = claims_at(scope="admin")
    del no_exp["exp"]
    cases = [
        (forge(claims_at(now=NOW + 3600, scope="admin")), "a token with iat one hour after now"),
        (forge(no_exp), "a signed token without 'exp'"),
        (forge(claims_at(scope="admin"), algorithm="HS512"), "a token with alg HS512"),
        (unsigned_token(claims_at(scope="admin")), "an unsigned token with alg 'none'"),
    ]
    for token, what in cases:
        assert_raises(
            student.InvalidTokenError,
            functools.partial(student.require_scope, token, SECRET, "admin", now=NOW),
            f"require_scope({what}, with scope admin, 'admin')",
            not_=student.TokenExpiredError,
        )
