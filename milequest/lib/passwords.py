"""Password hashing with argon2id."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from milequest.blocking import run_blocking

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile

MIN_LENGTH = 10
MAX_LENGTH = 256


def hash_password(password: str) -> str:
    return run_blocking(_hasher.hash, password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return run_blocking(
            _hasher.verify, password_hash, password, refusals=(VerificationError, InvalidHashError)
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# Verifying against this when no account matches keeps log-in time the same for unknown emails.
DUMMY_HASH = hash_password("not-a-real-password")
