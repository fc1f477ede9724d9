"""write_records when storage refuses the write: a typed error naming the destination, nothing left behind."""

from __future__ import annotations

import random
import resource
import signal
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest

from airflow_provider_clue.compat import ObjectStoragePath
from airflow_provider_clue.exceptions import ClueDestinationError
from airflow_provider_clue.outputs.output_writers import write_records

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_NOISE = random.Random(0)
# records that gzip cannot shrink below the limit
RECORDS = [{"id": f"clue-{index:04d}", "name": "金山上", "note": _NOISE.randbytes(60).hex()} for index in range(400)]


@contextmanager
def files_limited_to(size: int) -> Iterator[None]:
    """A full disk, as far as this process can tell: writes past ``size`` bytes fail with EFBIG."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel's signal ends the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


@pytest.mark.parametrize("name", ["clues.jsonl", "clues.jsonl.gz"])
def test_a_write_that_storage_refuses_is_a_destination_error_and_leaves_nothing(tmp_path: Path, name: str) -> None:
    path = ObjectStoragePath(f"file://{tmp_path}/{name}")
    with pytest.raises(ClueDestinationError, match=rf"writing 'file://.*/{name}' failed \(OSError: File too large\); "
                                                   "nothing was left there") as err, files_limited_to(4096):
        write_records(iter(RECORDS), path)
    assert err.value.field == "destination"
    assert list(tmp_path.iterdir()) == []


def test_an_error_of_the_records_is_not_taken_for_storages(tmp_path: Path) -> None:
    def failing() -> Iterator[dict[str, str]]:
        yield RECORDS[0]
        raise RuntimeError("the pull failed")

    with pytest.raises(RuntimeError, match="the pull failed"):
        write_records(failing(), ObjectStoragePath(f"file://{tmp_path}/clues.jsonl"))
    assert list(tmp_path.iterdir()) == []
