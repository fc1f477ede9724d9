"""OpenLineage datasets of a pull: the customer pool read, and the object written.

Imported only when the OpenLineage provider asks (``get_openlineage_facets_on_complete``), so
nothing changes where ``apache-airflow-providers-openlineage`` is not installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PullLineage:
    """What one execute read and wrote.

    :param base_url: the API's base URL (the input's namespace).
    :param user_id: whose pool was read.
    :param stage: the pool stage.
    :param destination: the URI written, or ``None`` when the records went to XCom.
    """

    base_url: str
    user_id: str
    stage: str
    destination: str | None


def operator_lineage(pull: PullLineage | None) -> Any:
    """An ``OperatorLineage`` for ``pull`` (empty before any execute)."""
    from airflow.providers.common.compat.openlineage.facet import Dataset
    from airflow.providers.openlineage.extractors import OperatorLineage

    if pull is None:
        return OperatorLineage()
    inputs = [Dataset(namespace=pull.base_url, name=f"user/{pull.user_id}/type/{pull.stage}")]
    outputs = [Dataset(namespace=namespace, name=name) for namespace, name in _dataset_of(pull.destination)]
    return OperatorLineage(inputs=inputs, outputs=outputs)


def _dataset_of(uri: str | None) -> list[tuple[str, str]]:
    """OpenLineage's naming: ``s3://bucket/key`` is namespace ``s3://bucket``, name ``key``; local files ``file``."""
    if uri is None:
        return []
    scheme, _, rest = uri.partition("://")
    if scheme in ("file", "local"):
        return [("file", "/" + rest.lstrip("/"))]
    bucket, _, key = rest.partition("/")
    return [(f"{scheme}://{bucket}", key)]
