"""Keys: pseudonyms for people, and encryption for the little we must keep about them.

One secret (YOUTHVOICE_SECRET_KEY, or youthvoice.key made on first run with mode 0600)
is stretched with HKDF into separate keys for pseudonyms and for sealing data, so neither
use weakens the other.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.settings import Settings

NONCE_BYTES = 12


class KeyFileError(RuntimeError):
    """The key file cannot be read or made."""


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


class KeyRing:
    def __init__(self, secret: bytes):
        self._pseudonym_key = _derive(secret, b"youthvoice pseudonym v1")
        self._seal = AESGCM(_derive(secret, b"youthvoice seal v1"))

    def pseudonym(self, channel: str, address: str) -> bytes:
        """A stable keyed pseudonym: the same person on the same channel, the same value."""
        message = f"{channel}\x00{address}".encode()
        return hmac.new(self._pseudonym_key, message, hashlib.sha256).digest()

    def seal(self, plaintext: str, purpose: str) -> bytes:
        """Encrypt; `purpose` (e.g. "contact") is bound in, so blobs can't be swapped."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._seal.encrypt(nonce, plaintext.encode(), purpose.encode())

    def unseal(self, blob: bytes, purpose: str) -> str:
        try:
            plain = self._seal.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], purpose.encode())
        except InvalidTag:
            raise KeyFileError("stored data does not match this secret key") from None
        return plain.decode()


def load_secret(settings: Settings) -> bytes:
    """The secret from the setting, else from youthvoice.key beside the database (made once)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    return _key_file_secret(settings.key_file)


def _key_file_secret(path: Path) -> bytes:
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    # Write the whole key to a private temporary file, then link it into place: another
    # process starting at the same moment sees either no key file or a complete one.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    except OSError as exc:
        raise KeyFileError(f"cannot create key file {path}: {exc.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    try:
        text = path.read_text("utf-8").strip()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror}") from None
    if len(text) < 32:
        raise KeyFileError(f"key file {path} is too short; it must hold at least 32 characters")
    return text.encode()
