"""The certificate our Content Credentials are signed with: configured, or a development chain.

Production configures ``C2PA_SIGNING_CERT`` (a PEM chain, end-entity first) and
``C2PA_SIGNING_KEY`` (its PEM private key). When both are empty, a self-signed development
chain (a root CA and an end-entity certificate with the key usages C2PA requires) is made
once under ``C2PA_DEV_DIR`` (``var/c2pa``) and used from then on: ``make run`` signs
without any set-up, and a reader that does not trust that root reports the signature as
valid but untrusted, which is the truth about a development certificate.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["SigningMaterial", "dev_chain_create", "signing_material"]

#: Files of a development chain inside its folder.
CHAIN_NAME, KEY_NAME, ROOT_NAME = "chain.pem", "signer.key", "root.pem"
DEV_ORGANISATION = "DreamJourney development"


class SigningNotConfigured(RuntimeError):
    """Only one of the certificate and the key is configured, or a file cannot be read."""


@dataclass(frozen=True, kw_only=True)
class SigningMaterial:
    """What a signer needs: the PEM chain (end-entity first), the PEM key, the algorithm,
    an optional RFC 3161 timestamp authority, and the roots our own reads trust."""

    chain: bytes
    key: bytes
    alg: str = "es256"
    tsa_url: str = ""
    trust_anchors: str = ""


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def dev_chain_create(folder: Path, *, days: int = 3650) -> Path:
    """Make a development chain in ``folder`` (created; must not exist yet): ``root.pem``,
    ``chain.pem`` (end-entity then root) and ``signer.key`` (P-256, for es256).

    The end-entity certificate carries what C2PA asks of a signer: not a CA,
    ``digitalSignature`` (critical), an extended key usage of ``emailProtection`` and
    ``documentSigning``, subject and authority key identifiers. Returns ``folder``.
    """
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)  # tolerate small clock skew
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (
        x509.CertificateBuilder()
        .subject_name(_name("DreamJourney development root CA"))
        .issuer_name(_name("DreamJourney development root CA"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign=False, ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    signer = (
        x509.CertificateBuilder()
        .subject_name(_name("DreamJourney content credentials (development)"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign=True, ca=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.EMAIL_PROTECTION, x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    folder.mkdir(parents=True)
    (folder / ROOT_NAME).write_bytes(_pem(root))
    (folder / CHAIN_NAME).write_bytes(_pem(signer) + _pem(root))
    key_path = folder / KEY_NAME
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder


def _dev_chain(folder: Path) -> Path:
    """``folder``'s development chain, made the first time (safe when processes race)."""
    if (folder / KEY_NAME).is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".c2pa-", dir=folder.parent))
    try:
        dev_chain_create(staging / "chain")
        try:
            # A rename is atomic: the first process wins, a racing one uses the winner's.
            os.rename(staging / "chain", folder)
        except OSError:
            if not (folder / KEY_NAME).is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _read(path: str | Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SigningNotConfigured(f"cannot read {what} {path}: {exc.strerror}") from exc


def signing_material() -> SigningMaterial:
    """The configured signing material, or the development chain (made on first use).

    Raises:
        SigningNotConfigured: only one of ``C2PA_SIGNING_CERT`` / ``C2PA_SIGNING_KEY`` is
            set, or a configured file cannot be read.
    """
    from django.conf import settings

    cert, key = settings.C2PA_SIGNING_CERT, settings.C2PA_SIGNING_KEY
    if bool(cert) != bool(key):
        raise SigningNotConfigured("set both C2PA_SIGNING_CERT and C2PA_SIGNING_KEY, or neither")
    if not cert:
        folder = _dev_chain(Path(settings.C2PA_DEV_DIR))
        cert, key = folder / CHAIN_NAME, folder / KEY_NAME
    anchors = settings.C2PA_TRUST_ANCHORS
    return SigningMaterial(
        chain=_read(cert, "C2PA_SIGNING_CERT"),
        key=_read(key, "C2PA_SIGNING_KEY"),
        alg=settings.C2PA_SIGNING_ALG,
        tsa_url=settings.C2PA_TSA_URL,
        trust_anchors=_read(anchors, "C2PA_TRUST_ANCHORS").decode() if anchors else "",
    )
