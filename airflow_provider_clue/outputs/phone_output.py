"""How phone numbers land in a pull's output: as the API sent them, masked, or hashed."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Literal

from airflow_provider_clue.exceptions import ClueConfigurationError, ClueValidationError

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_clue.api.envelope import Record

PhoneOutput = Literal["raw", "mask", "hash"]
PHONE_OUTPUTS: tuple[PhoneOutput, ...] = ("raw", "mask", "hash")
HASH_SECRET_EXTRA = "phone_hash_secret"


def mask_phone(phone: str) -> str:
    """``13800138000`` -> ``138****8000``: the carrier prefix and the last four digits, as CRMs show them.

    Numbers shorter than 11 characters (landlines, extensions) keep only their last two.
    """
    if len(phone) >= 11:
        return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
    return "*" * max(0, len(phone) - 2) + phone[-2:]


def normalise_phone(phone: str) -> str:
    """The digits a number is hashed by: without spaces, dashes, brackets or the ``+86``/``0086`` prefix."""
    digits = "".join(character for character in phone if character not in " -()")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix) and len(digits) > len(prefix) + 7:
            return digits[len(prefix):]
    return digits


def hash_phone(phone: str, secret: str) -> str:
    """``hmac-sha256:<hex>`` of the phone number, keyed by ``secret``.

    Keyed, because a plain hash of an 11-digit number is undone by trying every number; the same
    number (as :func:`normalise_phone` writes it) and secret give the same value, so hashed phones
    can still be joined across runs.
    """
    digest = hmac.new(secret.encode(), normalise_phone(phone).encode(), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest}"


def check_phone_output(mode: object) -> PhoneOutput:
    """``mode`` must be ``raw``, ``mask`` or ``hash``."""
    for allowed in PHONE_OUTPUTS:
        if mode == allowed:
            return allowed
    raise ClueValidationError("phone_output", f"expected one of {', '.join(PHONE_OUTPUTS)}, got {mode!r}")


def phone_transform(mode: object, *, secret: str) -> Callable[[Record], Record] | None:
    """The function applied to each record for ``mode`` (``None`` for ``raw``); checked before any request.

    It rewrites the record's top-level ``phone`` (the API's field); phone numbers that a user put in
    other fields (``components`` values, ``company``) are not recognised.

    :param mode: ``raw``, ``mask`` or ``hash``.
    :param secret: the connection's ``phone_hash_secret`` extra (required for ``hash``).
    """
    mode = check_phone_output(mode)
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
        if isinstance(phone, int) and not isinstance(phone, bool):
            phone = str(phone)
        if isinstance(phone, str) and phone:
            return {**record, "phone": convert(phone)}
        return record

    return transform
