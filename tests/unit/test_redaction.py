"""redact_personal_data: e-mails and phone-like digit runs out, short numbers kept, length capped."""

from __future__ import annotations

import pytest

from airflow_provider_clue.api.redaction import redact_personal_data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail 123456@qq.com please", "mail [redacted] please"),
        ("zhang.wei+tag@example.com.cn", "[redacted]"),
        ("a_b-c@sub-domain.example.org, x@y.io", "[redacted], [redacted]"),
        ("邮箱 wang@163.com 已存在", "邮箱 [redacted] 已存在"),
        ("phone 13912345678 exists", "phone [redacted] exists"),
        ("9999999", "[redacted]"),
        ("+8613912345678", "[redacted]"),
        ("+86 139 1234 5678", "[redacted]"),
        ("139-1234-5678", "[redacted]"),
        ("tel:010-12345678.", "tel:[redacted]."),
        ("手机号13912345678已存在", "手机号[redacted]已存在"),
        ("a 13912345678 and 13800001111", "a [redacted] and [redacted]"),
        ("phone 13912345678, mail a@b.cn", "phone [redacted], mail [redacted]"),
    ],
)
def test_redacted(text, expected):
    assert redact_personal_data(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "page 3",
        "code 422",
        "HTTP status 429",
        "page 3 of 100",
        "per_page 1000, total 123456",
        "retry after 120 seconds",
        "筛选客户公海列表成功",
        "Unauthenticated.",
        "user 40863af8-db4a-41c6-a269-eb5bc386d97f",
        "not an email: a@b",
        "",
    ],
)
def test_kept(text):
    assert redact_personal_data(text) == text


@pytest.mark.parametrize("digits", ["123456", "1234567"])
def test_seven_digits_is_the_threshold(digits):
    redacted = redact_personal_data(f"n {digits}")
    assert (redacted == "n [redacted]") is (len(digits) >= 7)


def test_no_digit_of_a_phone_survives():
    text = redact_personal_data("客户 13912345678 / +86-139-1234-5678 / 139 1234 5678")
    assert not any(char.isdigit() for char in text)


def test_length_capped():
    text = redact_personal_data("x" * 1000)
    assert text == "x" * 300 + "..."


def test_length_at_cap_not_changed():
    assert redact_personal_data("x" * 300) == "x" * 300


def test_redaction_happens_before_capping():
    text = redact_personal_data("a" * 295 + " 13912345678")
    assert "1391234" not in text
    assert "13912345678" not in text
    assert text.startswith("a" * 295 + " [")


def test_many_phones_capped_and_redacted():
    text = redact_personal_data(" ".join(["13912345678"] * 100))
    assert len(text) <= 303
    assert "139" not in text


def test_times_in_a_message_are_kept_whole_and_phones_beside_them_are_not():
    text = "created at '2026-10-25T01:30:00.000000Z' by 13912345678 at 2026-10-25 02:30:00+08:00"
    assert redact_personal_data(text) == (
        "created at '2026-10-25T01:30:00.000000Z' by [redacted] at 2026-10-25 02:30:00+08:00"
    )
