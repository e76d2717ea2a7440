"""The spec is parsed with libyaml once per content and read back as JSON, exactly as parsed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from contracts import spec_cache
from contracts.spec import DEFAULT_SPEC_PATH, load_spec, parse_yaml
from contracts.violations import SpecError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OCP_CONTRACT_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_the_packaged_spec_is_the_repositorys_spec() -> None:
    assert DEFAULT_SPEC_PATH.read_bytes() == (ROOT / "spec" / "openapi.yaml").read_bytes()


def test_libyaml_reads_the_spec_as_the_pure_python_loader_does() -> None:
    text = DEFAULT_SPEC_PATH.read_text(encoding="utf-8")
    assert yaml.__with_libyaml__, "the C loader is the fast path; PyYAML's wheels carry it"
    assert parse_yaml(text.encode()) == yaml.load(text, Loader=yaml.SafeLoader)


def test_the_cached_document_is_the_parsed_one(cache: Path) -> None:
    raw = DEFAULT_SPEC_PATH.read_bytes()
    first = spec_cache.load_cached(raw, parse_yaml)
    (kept,) = cache.glob("spec-*.json")

    def refuse(_: bytes) -> None:
        raise AssertionError("parsed again")

    assert spec_cache.load_cached(raw, refuse) == first == parse_yaml(raw)
    assert kept.stat().st_size > 0


def test_an_edited_spec_is_parsed_afresh(cache: Path) -> None:
    assert spec_cache.load_cached(b"a: 1\n", parse_yaml) == {"a": 1}
    assert spec_cache.load_cached(b"a: 2\n", parse_yaml) == {"a": 2}
    assert len(list(cache.glob("spec-*.json"))) == 2


def test_what_json_cannot_hold_exactly_is_not_cached(cache: Path) -> None:
    assert spec_cache.load_cached(b"200: ok\nwhen: 2024-01-02\n", parse_yaml)[200] == "ok"
    assert not cache.exists() or not list(cache.glob("spec-*.json"))


def test_a_corrupt_cache_entry_is_parsed_over(cache: Path) -> None:
    spec_cache.load_cached(b"a: 1\n", parse_yaml)
    (kept,) = cache.glob("spec-*.json")
    kept.write_bytes(b"{not json")
    assert spec_cache.load_cached(b"a: 1\n", parse_yaml) == {"a": 1}


def test_off_disables_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OCP_CONTRACT_CACHE", "off")
    assert spec_cache.cache_dir() is None
    monkeypatch.setenv("OCP_CONTRACT_CACHE", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert spec_cache.cache_dir() == tmp_path / "ocp-contract"


def test_an_unwritable_cache_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("OCP_CONTRACT_CACHE", str(blocker / "cache"))
    assert spec_cache.load_cached(b"a: 1\n", parse_yaml) == {"a": 1}


def test_a_spec_that_is_no_yaml_is_a_spec_error(tmp_path: Path, cache: Path) -> None:
    broken = tmp_path / "openapi.yaml"
    broken.write_text("paths: [unclosed\n")
    with pytest.raises(SpecError, match="cannot read the contract"):
        load_spec(broken)


@pytest.mark.parametrize("missing", [("_sha256",), ("_sha256", "_sha2")])
def test_the_cache_key_is_sha256_whichever_implementation_computes_it(
    missing: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    raw = b"openapi: 3.1.0\n"
    for name in missing:  # an interpreter without that built-in module
        monkeypatch.setitem(sys.modules, name, None)
    assert spec_cache._sha256_hex(raw) == hashlib.sha256(raw).hexdigest()
