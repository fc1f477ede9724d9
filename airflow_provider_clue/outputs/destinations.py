"""Destination URIs: what is allowed, the operator's placeholders, and the ``Asset`` of a destination.

A destination is checked twice: as written in the DAG file (when the DAG is parsed, as far as a
Jinja template lets it be seen) and as rendered, once the run fills in the placeholders.
"""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from airflow_provider_clue.exceptions import ClueDestinationError, ClueValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow.sdk import Asset, ObjectStoragePath

PLACEHOLDERS = ("start", "end", "start_date", "user_id", "stage")
WINDOW_PLACEHOLDERS = ("start", "end", "start_date")
WRITABLE_SCHEMES = ("file", "s3", "s3a", "gs", "gcs", "abfs", "abfss", "az", "adl", "hdfs", "webhdfs", "sftp")
# Schemes whose URI names a bucket, container or host before the path
NAMED_STORE_SCHEMES = ("s3", "s3a", "gs", "gcs", "abfs", "abfss", "az", "adl", "webhdfs", "sftp")
# What registers a filesystem for each scheme in Airflow's object storage
_FILESYSTEM_PACKAGES = {
    **dict.fromkeys(("s3", "s3a"), "apache-airflow-providers-amazon with s3fs"),
    **dict.fromkeys(("gs", "gcs"), "apache-airflow-providers-google with gcsfs"),
    **dict.fromkeys(("abfs", "abfss", "az", "adl"), "apache-airflow-providers-microsoft-azure with adlfs"),
    **dict.fromkeys(("hdfs", "webhdfs"), "apache-airflow-providers-apache-hdfs"),
    "sftp": "apache-airflow-providers-sftp",
}
JSON_LINES_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
PARQUET_SUFFIX = ".parquet"
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
# Characters an Asset URI keeps as they are: RFC 3986's reserved ones but '?' and '#', which would
# end its path. Everything else (Chinese folder names, spaces, a literal '%') is percent-encoded as
# UTF-8, so two folders never share one URI.
_URI_SAFE = "/:@!$&'()*+,;=~[]"


def is_templated(text: str) -> bool:
    """Whether ``text`` holds a Jinja template that Airflow renders before the task runs."""
    return _JINJA.search(text) is not None


def placeholders_in(text: str) -> set[str]:
    """The operator's ``{name}`` placeholders in ``text`` (outside Jinja templates).

    :raises ValueError: for a placeholder that is not a plain ``{name}`` (unclosed, or with a
        format spec or conversion).
    """
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(_JINJA.sub("", text)):
        if name is None:
            continue
        if spec or conversion:
            raise ValueError(f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}} "
                             "has a format; placeholders are plain names")
        names.add(name)
    return names


def check_destination(destination: Any) -> None:
    """Refuse a destination string that can never be written, as far as its templates let it be seen.

    :raises ClueValidationError: naming ``destination`` and what is allowed.
    """
    if hasattr(destination, "protocol"):  # an ObjectStoragePath: its URI is checked as a string's is
        destination = plain_uri(destination)
    if not isinstance(destination, str) or not destination.strip():
        raise ClueValidationError(
            "destination", f"expected a URI such as 's3://bucket/clues.jsonl', got {destination!r}"
        )
    try:
        unknown = sorted(placeholders_in(destination) - set(PLACEHOLDERS))
    except ValueError as err:
        raise ClueValidationError("destination", f"bad placeholder in {destination!r} ({err}); {_ALLOWED}") from None
    if unknown:
        raise ClueValidationError("destination", f"unknown placeholder {{{unknown[0]}}} in {destination!r}; {_ALLOWED}")
    if not is_templated(destination):
        _check_uri(destination.strip())


_ALLOWED = "allowed: " + ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def _check_uri(uri: str) -> None:
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme not in WRITABLE_SCHEMES:
        raise ClueValidationError(
            "destination", f"unsupported scheme in {uri!r}; use one of {', '.join(s + '://' for s in WRITABLE_SCHEMES)}"
        )
    if scheme in NAMED_STORE_SCHEMES and not urlsplit(uri).netloc:
        raise ClueDestinationError(
            f"{uri!r} names no bucket (or container, or host): write {scheme}://<bucket>/<path>, "
            f"e.g. '{scheme}://my-bucket/clues/{{start_date}}.jsonl'",
        )
    if scheme == "file" and (host := urlsplit(uri).netloc):
        raise ClueValidationError(
            "destination",
            f"{uri!r} has a host part ({host!r}), which file:// URIs cannot have: write "
            "file:/// and the absolute path, e.g. 'file:///tmp/clues/{start_date}.jsonl'",
        )
    if uri.endswith((".json", ".json.gz")):
        raise ClueValidationError(
            "destination",
            f"{uri!r} names a .json file, which readers take for one JSON document, but the records are written as "
            "JSON Lines (one record a line): end it in .jsonl (or .ndjson, .jsonl.gz), or .parquet",
        )
    if not uri.endswith((*JSON_LINES_SUFFIXES, PARQUET_SUFFIX)):
        raise ClueValidationError(
            "destination", f"{uri!r} must name a JSON Lines or Parquet file: end it in .jsonl, .jsonl.gz or .parquet"
        )


def destination_path(destination: Any, *, conn_id: str | None, placeholders: Mapping[str, str]) -> ObjectStoragePath:
    """The storage path of a rendered ``destination`` (a URI string or an ``ObjectStoragePath``).

    ``{start}``, ``{end}``, ``{start_date}``, ``{user_id}`` and ``{stage}`` are filled in from the
    run, so mapped tasks and reruns each get their own, stable object. An ``ObjectStoragePath``'s
    own connection id wins over ``conn_id``.
    """
    import importlib.util

    from airflow_provider_clue.compat import ObjectStoragePath

    check_destination(destination)
    if isinstance(destination, ObjectStoragePath):
        conn_id = destination.storage_options.get("conn_id") or conn_id  # .conn_id exists from 3.2 only
        destination = plain_uri(destination)
    uri = destination.strip().format_map(placeholders)
    _check_uri(uri)
    if uri.endswith(PARQUET_SUFFIX) and importlib.util.find_spec("pyarrow") is None:
        raise ClueValidationError(
            "destination", "writing .parquet needs pyarrow: pip install 'airflow-provider-clue[parquet]'"
        )
    return ObjectStoragePath(uri, conn_id=conn_id)


def prepare_destination(path: ObjectStoragePath) -> None:
    """Make sure ``path`` can be written before the pull sends its first request: a filesystem is
    installed for its scheme (and its connection is usable), and a local object's folder exists.

    :raises ClueDestinationError: naming the destination and what is wrong.
    """
    uri = plain_uri(path)
    try:
        path.fs  # noqa: B018  (resolves the scheme's filesystem and its connection)
    except ValueError as err:
        if "no filesystem registered" not in str(err).lower():
            raise ClueDestinationError(f"{uri!r} cannot be opened: {err}") from err
        package = _FILESYSTEM_PACKAGES.get(path.protocol)
        raise ClueDestinationError(
            f"no installed filesystem handles {path.protocol}:// (for {uri!r})"
            + (f"; install {package}" if package else "")
        ) from None
    except Exception as err:
        raise ClueDestinationError(f"{uri!r} cannot be opened: {type(err).__name__}: {err}") from err
    if path.protocol in ("file", "local", ""):
        _check_local_folder(path, uri)


def _check_local_folder(path: ObjectStoragePath, uri: str) -> None:
    """Make ``path``'s folder and prove it writable with a file created and removed at once (as root,
    permission bits prove nothing; ``/proc`` and read-only mounts refuse only an actual write)."""
    import uuid

    step = "created"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        step = "written"
        probe = path.parent / f".{path.name}.{uuid.uuid4().hex}.probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise ClueDestinationError(
            f"the folder of {uri!r} cannot be {step} ({err.strerror or type(err).__name__}): choose a folder this "
            "worker can write"
        ) from None


def plain_uri(path: ObjectStoragePath) -> str:
    """``path`` as a URI without the connection id that ``ObjectStoragePath`` embeds."""
    return f"{path.protocol}://{path.path}" if path.protocol not in ("file", "local") else f"file://{path.path}"


def asset_of_destination(destination: Any) -> Asset | None:
    """The ``Asset`` of a destination: its fixed folder, the part before any placeholder or template
    (a destination without either is its own Asset); of a list of destinations (mapped over), the
    deepest folder that holds them all.

    ``s3://bucket/clues/{{ ds }}.jsonl`` gives ``Asset("s3://bucket/clues")``; a folder name outside
    ASCII is percent-encoded as UTF-8, as Airflow requires of an Asset URI
    (``file:///data/线索/{start_date}.jsonl`` gives ``Asset("file:///data/%E7%BA%BF%E7%B4%A2")``), so a
    DAG scheduled on it should build it with this function too. A destination whose scheme or
    bucket is templated gives ``None`` (pass ``outlets`` yourself).
    """
    if isinstance(destination, (list, tuple)):
        uris = [destination_uri(item) for item in destination]
        if not uris or None in uris:
            return None
        return asset_of_folder(_common_folder([fixed_folder(uri) for uri in uris if uri is not None]))
    uri = destination_uri(destination)
    if uri is None:
        return None  # not a destination at all: check_destination says so, naming the field
    return asset_of_folder(fixed_folder(uri) if "{" in uri else uri)


def destination_uri(destination: Any) -> str | None:
    """A destination's URI as written (an ``ObjectStoragePath``'s without its connection id), or
    ``None`` for anything that is not a destination."""
    if isinstance(destination, str):
        return destination.strip()
    return plain_uri(destination) if hasattr(destination, "protocol") else None


def _common_folder(folders: list[str]) -> str:
    """The deepest folder above all of ``folders`` (an empty string where their schemes differ)."""
    schemes = {folder.partition("://")[0] for folder in folders}
    if len(schemes) != 1:
        return ""
    parts = [folder.partition("://")[2].split("/") for folder in folders]
    common = []
    for names in zip(*parts, strict=False):
        if len(set(names)) != 1:
            break
        common.append(names[0])
    return f"{schemes.pop()}://{'/'.join(common)}"


def fixed_folder(uri: str) -> str:
    """The folder of ``uri`` before its first placeholder or template."""
    return uri.split("{", 1)[0].rsplit("/", 1)[0]


def asset_of_folder(folder: str) -> Asset | None:
    """``Asset(folder)`` with its URI percent-encoded, or ``None`` if ``folder`` has no scheme or path."""
    from airflow_provider_clue.compat import Asset

    scheme, _, rest = folder.partition("://")
    if not scheme or not rest.strip("/"):
        return None
    return Asset(uri=asset_uri(folder))


def asset_uri(uri: str) -> str:
    """``uri`` (a path as written, in any script) as an Asset URI: percent-encoded, no trailing slash."""
    return quote(uri.rstrip("/"), safe=_URI_SAFE)


def assets_holding(outlets: Any, uri: str) -> list[Asset]:
    """The Assets among ``outlets`` that are the object at ``uri`` or a folder above it."""
    from airflow_provider_clue.compat import Asset

    written = asset_uri(uri)
    return [
        outlet for outlet in outlets
        if isinstance(outlet, Asset) and (written == outlet.uri or written.startswith(outlet.uri.rstrip("/") + "/"))
    ]
