"""Scheme signing keys on disk (never in the database): <keys_dir>/<SCHEME>.key and .pub (PEM)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ecoprocure.errors import ConfigurationError, SignatureError


def key_paths(keys_dir: Path, scheme: str) -> tuple[Path, Path]:
    return keys_dir / f"{scheme}.key", keys_dir / f"{scheme}.pub"


def generate_key(keys_dir: Path, scheme: str, *, overwrite: bool = False) -> Path:
    """Create a scheme's Ed25519 key pair; the private key file is readable by its owner only."""
    private_path, public_path = key_paths(keys_dir, scheme)
    if private_path.exists() and not overwrite:
        raise ConfigurationError(
            f"{private_path} exists; refusing to replace a signing key (use --overwrite)"
        )
    keys_dir.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return public_path


def load_private_key(keys_dir: Path, scheme: str) -> Ed25519PrivateKey:
    path = key_paths(keys_dir, scheme)[0]
    if not path.exists():
        raise ConfigurationError(
            f"no signing key for scheme {scheme} at {path}: run `ecoprocure keys generate {scheme}`"
        )
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} is not an Ed25519 private key")
    return key


def read_public_key(path: Path) -> Ed25519PublicKey:
    """A public key from a PEM file or a file holding the 32 raw bytes in base64."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read public key {path}: {exc}") from exc
    try:
        if raw.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(raw)
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(raw.strip(), validate=True))
    except ValueError as exc:
        raise SignatureError(f"{path} is not an Ed25519 public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureError(f"{path} is not an Ed25519 public key")
    return key


def public_key_for(keys_dir: Path, scheme: str) -> Ed25519PublicKey | None:
    path = key_paths(keys_dir, scheme)[1]
    return read_public_key(path) if path.exists() else None
