"""Deterministic synthetic clue records: realistic fields, Chinese names, valid mobile numbers.

A record is a pure function of ``(seed, user_id, seq, created_at)``, so a pool of a million
records is held as creation times only and each record is built when a page asks for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_clue.api.api_time import API_TIME_FORMAT

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from airflow_provider_clue.testing.components import ComponentTemplate

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫宇浩然子轩欣怡梓涵晨阳"
_CITIES = ("北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "苏州", "西安", "重庆", "长沙")
_WORDS = ("腾飞", "华信", "中科", "盛达", "恒通", "锦程", "新创", "汇智", "远航", "鼎盛", "金山", "博雅")
_TRADES = ("科技", "信息技术", "贸易", "教育咨询", "网络", "文化传媒", "实业", "软件")
_MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "foxmail.com", "sina.com", "outlook.com")
# Mobile number prefixes by carrier, with the API's operator codes: 1 Telecom, 2 Unicom, 3 Mobile.
_PREFIXES = {
    1: (133, 149, 153, 173, 177, 180, 181, 189, 199),
    2: (130, 131, 132, 145, 155, 156, 166, 175, 176, 185, 186),
    3: (134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 157, 158, 159, 178, 182, 183, 184, 187, 188, 198),
}
# How Laravel serialises a date by default (Carbon's toJSON): ISO 8601 in UTC, with microseconds.
LARAVEL_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True)
class RecordFactory:
    """Builds the records of one pool (one user's pool stage) from a seed; ``template`` gives their components."""

    seed: int
    user_id: str
    stage: str
    zone: ZoneInfo
    template: ComponentTemplate | None = None

    def record(self, seq: int, created_wall: int) -> dict[str, object]:
        """The record number ``seq``, created at the wall-clock time ``created_wall`` (see :func:`wall_seconds`)."""
        digest = hashlib.blake2b(f"{self.seed}:{self.user_id}:{self.stage}:{seq}".encode(), digest_size=32).digest()
        rng = random.Random(int.from_bytes(digest[16:24], "big"))
        created = datetime.fromtimestamp(created_wall, timezone.utc)
        updated = created + timedelta(seconds=rng.choice((0, 0, rng.randrange(1, 86_400 * 3))))
        operator = rng.choice((1, 2, 3, 3))
        phone = f"{rng.choice(_PREFIXES[operator])}{rng.randrange(10**8):08d}"
        has_email = rng.random() < 0.7
        mailbox = "".join(rng.choices("abcdefghjkmnpqrstuvwxyz", k=rng.randint(3, 8))) + str(rng.randrange(1000))
        email = f"{mailbox}@{rng.choice(_MAIL_DOMAINS)}"
        company = (
            f"{rng.choice(_CITIES)}{rng.choice(_WORDS)}{rng.choice(_TRADES)}有限公司" if rng.random() < 0.8 else None
        )
        return {
            "id": str(uuid.UUID(bytes=digest[:16], version=4)),
            "user_id": self.user_id,
            "created_user_id": str(uuid.UUID(bytes=digest[8:24], version=4)),
            "phone": phone,
            "company": company,
            "email": email if has_email else None,
            "is_back": int(rng.random() < 0.1),
            "source_id": rng.randint(1, 12),
            "industry_id": rng.randint(1, 30),
            "grade_id": rng.randint(1, 5),
            "name": rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.randint(1, 2))),
            "sort": seq,
            "operator": operator,
            "sex": rng.choice((0, 1, 1, 2, 2)),
            "is_follow": int(rng.random() < 0.3),
            "ai_call": int(rng.random() < 0.4),
            "components": self.template.values_for(rng, created) if self.template is not None else [],
            "created_at": created.strftime(API_TIME_FORMAT),
            "updated_at": updated.strftime(API_TIME_FORMAT),
        }


def wall_seconds(epoch: int, zone: ZoneInfo) -> int:
    """The wall-clock time in ``zone`` of the instant ``epoch`` (Unix seconds), counted in seconds as if
    that wall clock were UTC: the order and the ranges of the ``created_at`` strings a database compares."""
    offset = datetime.fromtimestamp(epoch, zone).utcoffset()
    return epoch + int(offset.total_seconds()) if offset else epoch


def wall_seconds_of(text: str) -> int:
    """:func:`wall_seconds` of an API time string; ``ValueError`` if it is not one."""
    return int(datetime.strptime(text, API_TIME_FORMAT).replace(tzinfo=timezone.utc).timestamp())


def with_laravel_dates(record: dict[str, Any], created_epoch: int) -> dict[str, Any]:
    """``record``, created at the instant ``created_epoch``, with ``created_at`` and ``updated_at`` as
    Laravel's default sends them (UTC, ISO 8601); the instant, not the wall clock, keeps a time of the
    hour that a change from summer time repeats in the pass it belongs to."""
    try:
        created_wall = wall_seconds_of(str(record.get("created_at")))
    except ValueError:
        return record  # a value a test inserted, sent as it is
    dates = {"created_at": _laravel(created_epoch)}
    with contextlib.suppress(ValueError):
        dates["updated_at"] = _laravel(created_epoch + wall_seconds_of(str(record.get("updated_at"))) - created_wall)
    return {**record, **dates}


def _laravel(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime(LARAVEL_DATE_FORMAT)
