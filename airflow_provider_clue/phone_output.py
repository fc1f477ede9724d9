"""How phone numbers land in a pull's output: as the API sent them, masked, or hashed."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Literal

from airflow_provider_clue.exceptions import ClueConfigurationError, ClueValidationError

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_clue.envelope import Record

PhoneOutput = Literal["raw", "mask", "hash"]
PHONE_OUTPUTS: tuple[PhoneOutput, ...] = ("raw", "mask", "hash")
HASH_SECRET_EXTRA = "phone_hash_secret"


def mask_phone(phone: str) -> str:
    """``13800138000`` -> ``138****8000``: the carrier prefix and the last four digits, as CRMs show them.

    Numbers shorter than 8 characters keep only their last two.
    """
    if len(phone) >= 8:
        return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
    return "*" * max(0, len(phone) - 2) + phone[-2:]


def hash_phone(phone: str, secret: str) -> str:
    """``hmac-sha256:<hex>`` of the phone number, keyed by ``secret``.

    Keyed, because a plain hash of an 11-digit number is undone by trying every number; the same
    number and secret give the same value, so hashed phones can still be joined across runs.
    """
    digest = hmac.new(secret.encode(), phone.encode(), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest}"


def phone_transform(mode: object, *, secret: str) -> Callable[[Record], Record] | None:
    """The function applied to each record for ``mode`` (``None`` for ``raw``); checked before any request.

    :param mode: ``raw``, ``mask`` or ``hash``.
    :param secret: the connection's ``phone_hash_secret`` extra (required for ``hash``).
    """
    if mode not in PHONE_OUTPUTS:
        raise ClueValidationError("phone_output", f"expected one of {', '.join(PHONE_OUTPUTS)}, got {mode!r}")
    if mode == "raw":
        return None
    if mode == "hash" and not secret:
        raise ClueConfigurationError(
            f"extra.{HASH_SECRET_EXTRA}",
            "phone_output='hash' needs a secret key: set the connection extra phone_hash_secret",
        )
    convert = mask_phone if mode == "mask" else lambda phone: hash_phone(phone, secret)

    def transform(record: Record) -> Record:
        phone = record.get("phone")
        if isinstance(phone, str) and phone:
            return {**record, "phone": convert(phone)}
        return record

    return transform
