"""Phone numbers in the output: raw, masked or keyed-hashed."""

from __future__ import annotations

import pytest

from airflow_provider_clue.exceptions import ClueConfigurationError, ClueValidationError
from airflow_provider_clue.outputs.phone_output import hash_phone, mask_phone, phone_transform


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13800138000", "138****8000"), ("+8613800138000", "+86*******8000"), ("9999999", "*****99"),
     ("12345678", "******78"), ("1", "1")],
)
def test_mask_keeps_the_prefix_and_the_last_digits(phone, masked):
    assert mask_phone(phone) == masked


def test_hash_is_keyed_and_stable():
    assert hash_phone("13800138000", "k1") == hash_phone("13800138000", "k1")
    assert hash_phone("13800138000", "k1") != hash_phone("13800138000", "k2")
    assert hash_phone("13800138000", "k1") != hash_phone("13800138001", "k1")
    assert hash_phone("13800138000", "k1").startswith("hmac-sha256:") and "13800138000" not in hash_phone(
        "13800138000", "k1"
    )


def test_raw_changes_nothing():
    assert phone_transform("raw", secret="") is None


def test_the_transform_replaces_only_the_phone():
    record = {"id": "a", "phone": "13800138000", "email": None}
    assert phone_transform("mask", secret="")(record) == {"id": "a", "phone": "138****8000", "email": None}
    assert record["phone"] == "13800138000"  # the input is not changed
    assert phone_transform("mask", secret="")({"id": "b", "phone": None}) == {"id": "b", "phone": None}


def test_hash_without_a_secret_names_the_extra():
    with pytest.raises(ClueConfigurationError, match="phone_hash_secret"):
        phone_transform("hash", secret="")


@pytest.mark.parametrize("mode", ["masked", "", None, "HASH"])
def test_unknown_modes_are_refused(mode):
    with pytest.raises(ClueValidationError, match="phone_output: expected one of raw, mask, hash"):
        phone_transform(mode, secret="s")


@pytest.mark.parametrize(
    "written", ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "008613800138000"]
)
def test_hash_ignores_how_the_number_is_written(written):
    assert hash_phone(written, "k") == hash_phone("13800138000", "k")


def test_a_numeric_phone_is_masked_too():
    assert phone_transform("mask", secret="")({"id": "a", "phone": 13800138000})["phone"] == "138****8000"
