"""Version profiles are derived from the spec's ``x-ocp-since`` marks, never from copies of it."""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate as validate_openapi

from contracts.spec import Spec, load_spec
from contracts.validate import validate_response
from contracts.versions import PROFILE_NAMES, features, ocp_version, parse_version, profile
from contracts.violations import SpecError, UsageError

UPGRADE_BODY = "/paths/~1api~1v2~1obproxy~1clusters~1{id}~1obproxies~1{obproxyIds}~1upgrade/post/requestBody"


@pytest.mark.parametrize(
    ("name", "has_body", "schemes"),
    [
        pytest.param("3.1.1", False, ("basicAuth",), id="3.1.1-basic-only"),
        pytest.param("4.0.0", False, ("basicAuth",), id="4.0.0-basic-only"),
        pytest.param("4.0.3", True, ("basicAuth", "akSkAuth"), id="4.0.3-body-and-aksk"),
        pytest.param("4.2", True, ("basicAuth", "akSkAuth"), id="4.2"),
        pytest.param("latest", True, ("basicAuth", "akSkAuth"), id="latest"),
        pytest.param("4.0.2", False, ("basicAuth",), id="any-dotted-version"),
    ],
)
def test_profiles_follow_the_since_marks(name: str, has_body: bool, schemes: tuple[str, ...]) -> None:
    spec = load_spec()
    chosen = profile(name)
    assert chosen.has_request_body("upgradeObproxies", spec.document) is has_body
    assert chosen.auth_schemes == schemes
    assert chosen.has_request_body("getTaskInstance", spec.document) is False


def test_the_marks_are_read_from_the_spec() -> None:
    marked = {(f.pointer, f.since_text) for f in features(load_spec().document)}
    assert (UPGRADE_BODY, "4.0.3") in marked
    assert ("/components/securitySchemes/akSkAuth", "4.0.3") in marked


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_every_profile_document_is_still_valid_openapi(name: str) -> None:
    validate_openapi(profile(name).document(load_spec().document))


def test_before_4_0_3_the_document_has_no_upgrade_body_and_no_aksk() -> None:
    original = load_spec().document
    before = copy.deepcopy(original)
    document = profile("4.0.0").document(original)
    upgrade = document["paths"]["/api/v2/obproxy/clusters/{id}/obproxies/{obproxyIds}/upgrade"]["post"]
    assert "requestBody" not in upgrade
    assert "akSkAuth" not in document["components"]["securitySchemes"]
    assert document["security"] == [{"basicAuth": []}]
    assert original == before, "the loaded spec itself must stay untouched"


def test_4_2_means_the_newest_4_2_docs() -> None:
    assert profile("4.2").version == (4, 2, 2)
    assert profile("latest").version is None


def test_unknown_auth_is_refused_with_the_version_that_brings_it() -> None:
    expected = r"akSkAuth is documented from OCP 4\.0\.3; --ocp-version 4\.0\.0 offers basicAuth"
    with pytest.raises(UsageError, match=expected):
        profile("4.0.0").require_auth("akSkAuth")
    profile("4.0.3").require_auth("akSkAuth")


@pytest.mark.parametrize("text", ["4.x", "", "four", "4.0.3-beta"])
def test_not_a_version_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="expected an OCP version"):
        parse_version(text)
    with pytest.raises(argparse.ArgumentTypeError, match="expected an OCP version"):
        ocp_version(text)


def test_versions_compare_numerically() -> None:
    assert parse_version("4.10") > parse_version("4.2.2")
    assert parse_version("4.2") == (4, 2, 0)


def _synthetic(since: Any) -> Spec:
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "Task": {
                    "type": "object",
                    "required": ["id", "taskId"],
                    "properties": {
                        "id": {"type": "integer", "description": "The id."},
                        "taskId": {
                            "type": "integer",
                            "x-ocp-since": since,
                            "description": "Added later. More text.",
                        },
                    },
                }
            }
        },
    }
    return Spec(path=Path("synthetic.yaml"), document=document, operations={})


def test_a_marked_property_leaves_properties_and_required() -> None:
    spec = _synthetic("4.3")
    schema = profile("4.2", spec).document(spec.document)["components"]["schemas"]["Task"]
    assert list(schema["properties"]) == ["id"]
    assert schema["required"] == ["id"]
    feature = features(spec.document)[0]
    assert (feature.title, feature.summary) == ("property taskId of Task", "Added later.")


def test_a_bad_since_mark_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="x-ocp-since is 'soon'"):
        features(_synthetic("soon").document)


def test_validate_with_a_profile_spec_still_accepts_the_examples() -> None:
    old = profile("3.1.1").spec()
    sample = load_spec().document["components"]["examples"]["DocumentedSampleOfflineObproxy"]["value"]
    assert not [v for v in validate_response(sample, operation="upgrade", spec=old) if v.is_error]
    assert profile("latest").spec() is load_spec()


def test_validate_takes_ocp_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from contracts.cli import main

    sample = tmp_path / "sample.json"
    value = load_spec().document["components"]["examples"]["DocumentedSampleOfflineObproxy"]["value"]
    sample.write_text(json.dumps(value), encoding="utf-8")
    assert main(["validate", "--ocp-version", "4.0.0", str(sample)]) == 0
    assert "conforms" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--ocp-version", "4.x", str(sample)])
    assert exit_info.value.code == 2


def test_the_failure_path_is_documented_from_the_oldest_docs_on() -> None:
    """Task retry and rollback, the subtask calls and the cluster read are in every named profile
    (the docs document them from 3.1.1); a version before that lacks them, by name."""
    spec = load_spec()
    failure_path = {
        "operation " + op
        for op in (
            "getObproxyCluster", "retryTaskInstance", "rollbackTaskInstance", "getSubtaskLog",
            "retrySubtask", "skipSubtask", "cancelSubtask",
        )
    }  # fmt: skip
    for name in PROFILE_NAMES:
        assert failure_path <= {f.title for f in profile(name).available}
    older = profile("3.0.0")
    assert {f.title for f in older.unavailable} >= failure_path
    document = older.document(spec.document)
    assert "post" not in document["paths"]["/api/v2/tasks/instances/{taskInstanceId}/retry"]
    validate_openapi(document)
