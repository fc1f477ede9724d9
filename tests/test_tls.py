"""TLS: verified by default, a CA bundle can be named, plain http only to loopback unless allowed."""

from __future__ import annotations

import datetime
import ipaddress
from typing import TYPE_CHECKING

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from airflow_provider_clue.api.client import ClueClient
from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
from airflow_provider_clue.exceptions import ClueConfigurationError, ClueConnectionError

if TYPE_CHECKING:
    from pathlib import Path


def self_signed(folder: Path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 signed by its own key: ``(certificate file, key file)``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "clue-emulator.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    return str(cert_file), str(key_file)


@pytest.fixture
def https_emulator(make_emulator, tmp_path):
    cert = self_signed(tmp_path)
    return make_emulator(records=120, tls_cert=cert), cert[0]


def client(emulator, **extras) -> ClueClient:
    settings = ClueConnectionSettings.from_values(
        host=emulator.url, token=emulator.token, user_id=emulator.user_id, extras=extras
    )
    return ClueClient(settings, sleep=lambda seconds: None)


def count(emulator, **extras) -> int:
    with client(emulator, **extras) as clue:
        return clue.get_page(clue.query(per_page=1), 1).meta.total


def test_an_unknown_certificate_is_refused_and_not_retried(https_emulator):
    emulator, _ = https_emulator
    assert emulator.url.startswith("https://")
    refused = r"no response \(TLS handshake or certificate verification failed\)"
    with client(emulator) as clue, pytest.raises(ClueConnectionError, match=refused) as err:
        clue.get_page(clue.query(per_page=1), 1)
    assert not err.value.retryable and clue.counts.retries == 0 and clue.counts.requests == 1
    assert emulator.requests == []


def test_a_ca_bundle_from_the_connection_verifies_it(https_emulator):
    emulator, ca_bundle = https_emulator
    assert count(emulator, ca_bundle=ca_bundle) == 120
    assert len(emulator.requests) == 1


def test_verification_can_be_turned_off(https_emulator):
    emulator, _ = https_emulator
    assert count(emulator, verify_ssl=False) == 120


def test_plain_http_goes_only_to_loopback_unless_allowed(make_emulator):
    emulator = make_emulator(records=5)
    assert emulator.url.startswith("http://127.0.0.1:") and count(emulator) == 5
    for host in ("http://10.20.30.40", "http://api.example.test:8080", "http://[2001:db8::1]"):
        with pytest.raises(ClueConfigurationError, match="allow_http") as err:
            ClueConnectionSettings.from_values(host=host, token="t")
        assert err.value.field == "host"
        assert ClueConnectionSettings.from_values(host=host, token="t", extras={"allow_http": True}).base_url == host
