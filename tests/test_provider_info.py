"""The provider as Airflow discovers it: entry point, hook, connection type and its form."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from importlib.metadata import distribution, entry_points
from importlib.resources import files

import pytest

from airflow_provider_clue import __version__, get_provider_info
from airflow_provider_clue.api.connection_settings import EXTRA_FIELDS
from tests.version_gates import DECLARATIVE_CONNECTION_FORM

DISTRIBUTION = "airflow-provider-clue"


def test_package_name_and_version_match_the_distribution():
    info = get_provider_info()
    assert info["package-name"] == DISTRIBUTION
    assert info["versions"] == [__version__] == [distribution(DISTRIBUTION).version]


def test_entry_point_is_registered():
    [entry] = [ep for ep in entry_points(group="apache_airflow_provider") if ep.dist and ep.dist.name == DISTRIBUTION]
    assert entry.load() is get_provider_info


def test_provider_info_matches_airflows_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(files("airflow").joinpath("provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


@pytest.fixture(scope="module")
def providers_manager():
    from airflow.providers_manager import ProvidersManager

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        manager = ProvidersManager()
        manager.initialize_providers_hooks()
        yield manager


def test_providers_manager_sees_the_provider_and_hook(providers_manager):
    assert DISTRIBUTION in providers_manager.providers
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hook = providers_manager.hooks["clue"]
    assert hook.hook_class_name == "airflow_provider_clue.hooks.clue.ClueHook"
    assert hook.connection_id_attribute_name == "clue_conn_id"
    assert hook.connection_testable


@DECLARATIVE_CONNECTION_FORM  # 3.0 and 3.1: tests/test_connection_form_service.py reads the form their UI shows
def test_connection_form_declares_every_extra(providers_manager):
    widgets = providers_manager.connection_form_widgets
    for extra in EXTRA_FIELDS:
        widget = widgets[f"extra__clue__{extra.name}"]
        assert widget.field["schema"]["title"] == extra.label
        assert widget.field["value"] == extra.default
        assert widget.field["description"] == extra.description
        assert widget.is_sensitive == extra.sensitive
    assert widgets["extra__clue__filters_in"].field["schema"]["enum"] == ["body", "query"]
    assert widgets["extra__clue__phone_hash_secret"].is_sensitive
    assert widgets["extra__clue__timezone"].field["value"] == "Asia/Shanghai"


def test_connection_form_relabels_and_hides_fields(providers_manager):
    behaviour = providers_manager.field_behaviours["clue"]
    assert set(behaviour["hidden_fields"]) == {"schema", "port"}
    assert behaviour["relabeling"] == {"host": "Base URL", "password": "API token", "login": "User ID"}


@pytest.mark.parametrize(("command", "expected"), [("list", DISTRIBUTION), ("hooks", "ClueHook")])
def test_airflow_cli_lists_the_provider(command, expected):
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    result = subprocess.run([airflow, "providers", command, "--output", "plain"], capture_output=True, text=True,
                            timeout=120, check=True)
    assert expected in result.stdout


def test_the_version_says_development_while_the_changelog_lists_unreleased_changes():
    """Between releases the version is the next one's ``.devN``, so an install from a checkout never
    claims to be the release before it (CONTRIBUTING.md, Versions)."""
    import re
    from pathlib import Path

    from packaging.version import Version

    changelog = (Path(__file__).resolve().parent.parent / "CHANGELOG.md").read_text()
    unreleased = changelog.split("## [Unreleased]", 1)[1].split("\n## [", 1)[0]
    released = [Version(v) for v in re.findall(r"^## \[(\d+\.\d+\.\d+)\]", changelog, re.MULTILINE)]
    version = Version(__version__)
    if any(line.startswith("- ") for line in unreleased.splitlines()):
        assert version.is_devrelease and version > max(released), __version__
    else:
        assert version == max(released), __version__
