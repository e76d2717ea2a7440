"""What one contract run is asked to do: :class:`RunConfig`, built from options and the environment.

Every check of the user's input happens here, once, and fails with a one-line
:class:`~contracts.violations.UsageError` saying what was expected and what was given — the
command maps it to exit 2. Options win over environment variables (``OCP_BASE_URL``,
``OCP_USERNAME``/``OCP_PASSWORD``, ``OCP_ACCESS_KEY``/``OCP_SECRET_KEY``); when the environment
holds both credential sets, AK/SK wins unless ``--ocp-version`` predates it
(:func:`_credential_env`); secrets never appear in ``repr`` or in an error message.

``ocp_version`` (``--ocp-version``) names the OCP version whose documentation the target is held
to (:mod:`contracts.run.profile`); AK/SK before 4.0.3, which documents Basic only, is refused here.

Everything that can be known before the first request is checked here: a base URL that carries the
API prefix (``…/api/v2``: the suite adds it), a report path that cannot be written, an OCP version
the project does not know. Target flags without ``--allow-upgrade`` are not an error:
:func:`unused_options` names them for a warning.

``--phases`` narrows the run to some phases; ``--fault`` starts the embedded mock with named
faults, so a user sees a failure without a second terminal.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from contracts.ocp import API_PREFIX, LIFECYCLE_ROUTES, ROUTES
from contracts.versions import known_ocp_version, profile
from contracts.violations import UsageError

#: The phases of a run, in the order they run. ``workflow`` is the project's own stateful step
#: (rejection probes, read-only task checks, one followed upgrade); the others are schemathesis'.
ALL_PHASES: tuple[str, ...] = ("workflow", "drill", "examples", "coverage", "fuzzing", "stateful")
#: The drills of the failure path (``--drill``), in the order ``all`` runs them.
DRILL_NAMES: tuple[str, ...] = ("rollback", "retry", "skip", "cancel", "subtask-retry")
ENGINE_PHASES: tuple[str, ...] = ("examples", "coverage", "fuzzing", "stateful")

DEFAULT_MAX_EXAMPLES = 25
DEFAULT_REQUEST_TIMEOUT = 10.0
#: The largest response body a run reads (``--max-response-mb``); a task of 100,000 subtasks is
#: about 40 MB, so the default is generous for every fleet short of that.
DEFAULT_MAX_RESPONSE_MB = 64
_MB = 1024 * 1024
#: How long the workflow follows a real upgrade when ``--max-time`` is not given (seconds).
DEFAULT_LIVE_FOLLOW_TIME = 1800.0

_RATE = re.compile(r"^\s*(?P<count>[0-9]+)\s*/\s*(?P<unit>[smh])\s*$")
_PERIODS = {"s": 1.0, "m": 60.0, "h": 3600.0}
_ENV_NAMES = {
    "base_url": "OCP_BASE_URL",
    "username": "OCP_USERNAME",
    "password": "OCP_PASSWORD",
    "access_key": "OCP_ACCESS_KEY",
    "secret_key": "OCP_SECRET_KEY",
}


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``count`` requests per ``period`` seconds (``10/s``, ``100/m``, ``3000/h``)."""

    count: int
    period: float

    @property
    def interval(self) -> float:
        """Seconds between two requests at the limit."""
        return self.period / self.count

    def __str__(self) -> str:
        unit = {1.0: "s", 60.0: "m", 3600.0: "h"}.get(self.period, f"{self.period:g}s")
        return f"{self.count}/{unit}"


@dataclass(frozen=True, slots=True)
class UpgradeTarget:
    """The real OBProxy servers and package a live run may upgrade (``--cluster-id`` & co.)."""

    cluster_id: int
    obproxy_ids: tuple[int, ...]
    package: str

    def __str__(self) -> str:
        ids = ",".join(map(str, self.obproxy_ids))
        return f"cluster {self.cluster_id}, servers {ids}, package {self.package}"


@dataclass(frozen=True)
class RunConfig:
    """One run's settings; build it with :func:`from_options` (it validates) or directly in tests."""

    base_url: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    target: UpgradeTarget | None = None
    allow_upgrade: bool = False
    task_ids: tuple[int, ...] = ()
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int | None = None
    workers: int = 1
    rate_limit: RateLimit | None = None
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_time: float | None = None
    strict: bool = False
    ca_bundle: Path | None = None
    insecure: bool = False
    junit_xml: Path | None = None
    report_dir: Path | None = None
    save_shape: Path | None = None
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_MB * _MB
    ocp_version: str | None = None
    #: Seconds between two polls of a followed task (``--poll-interval``; ``None``: 3 s live, no
    #: wait on the embedded mock).
    poll_interval: float | None = None
    #: ``--quiet``: no progress lines, only the summary and the verdict.
    quiet: bool = False
    #: ``--require``: operationIds that must be exercised (``("all",)``: every one), else exit 3.
    require: tuple[str, ...] = ()
    #: ``--drill``: the failure-path drills to run (``None``: all on the embedded mock, none live).
    drills: tuple[str, ...] | None = None
    #: ``--phases``: the phases to run, in run order.
    phases: tuple[str, ...] = ALL_PHASES
    #: ``--fault``: named faults of the embedded mock (a live target refuses them).
    mock_faults: tuple[str, ...] = ()

    @property
    def is_live(self) -> bool:
        """A live OCP (``--base-url``) rather than the embedded mock."""
        return self.base_url is not None

    @property
    def auth_scheme(self) -> str | None:
        """``"aksk"``, ``"basic"`` or ``None`` (the embedded mock then uses its demo user)."""
        if self.access_key is not None:
            return "aksk"
        if self.username is not None:
            return "basic"
        return None

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret the run holds, for the last scrub of anything written or printed."""
        return tuple(s for s in (self.password, self.secret_key) if s)

    @property
    def tls_verify(self) -> bool | str:
        """``requests``' ``verify``: a CA bundle path, ``False`` with ``--insecure``, else ``True``."""
        if self.ca_bundle is not None:
            return str(self.ca_bundle)
        return not self.insecure

    def with_phases(self, *phases: str) -> RunConfig:
        """The same run limited to ``phases`` (tests choose the phases a fault shows up in)."""
        unknown = sorted(set(phases) - set(ALL_PHASES))
        if unknown:
            raise UsageError(f"unknown phase {unknown[0]!r}; expected one of {', '.join(ALL_PHASES)}")
        return replace(self, phases=tuple(p for p in ALL_PHASES if p in phases))


# --------------------------------------------------------------------------- parsing helpers


def parse_phases(text: str | None) -> tuple[str, ...]:
    """``--phases examples,coverage`` → the phases in run order; ``None`` → every phase."""
    if text is None:
        return ALL_PHASES
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in ALL_PHASES]
    if not names or unknown:
        got = unknown[0] if unknown else text
        raise UsageError(f"--phases: expected a comma-separated list of {','.join(ALL_PHASES)}, got {got!r}")
    return tuple(phase for phase in ALL_PHASES if phase in names)


def parse_rate_limit(text: str) -> RateLimit:
    """``10/s`` → ``RateLimit(10, 1.0)``; anything else is a one-line :class:`UsageError`."""
    match = _RATE.match(text)
    if match is None or int(match["count"]) < 1:
        raise UsageError(f"--rate-limit: expected N/s, N/m or N/h with N >= 1 (e.g. 10/s), got {text!r}")
    return RateLimit(int(match["count"]), _PERIODS[match["unit"]])


def parse_id_list(text: str, *, option: str = "--obproxy-ids") -> tuple[int, ...]:
    """``1,2`` → ``(1, 2)``: positive integers, comma-separated, each once."""
    items = [item.strip() for item in text.split(",")]
    if not items or any(not item.isascii() or not item.isdigit() or int(item) < 1 for item in items):
        raise UsageError(f"{option}: expected comma-separated positive integers such as 1,2, got {text!r}")
    ids = tuple(int(item) for item in items)
    if len(set(ids)) != len(ids):
        raise UsageError(f"{option}: expected each id once, got {text!r}")
    return ids


def parse_require(text: str | None) -> tuple[str, ...]:
    """``--require``: comma-separated operationIds of the contract, or ``all``."""
    if text is None:
        return ()
    known = sorted(op for _, _, op in (*ROUTES.values(), *LIFECYCLE_ROUTES.values()))
    items = tuple(dict.fromkeys(item.strip() for item in text.split(",") if item.strip()))
    unknown = [item for item in items if item not in (*known, "all")]
    if not items or unknown:
        raise UsageError(f"--require: expected 'all' or operation ids among {', '.join(known)}, got {text!r}")
    return ("all",) if "all" in items else items


def parse_drills(text: str | None) -> tuple[str, ...] | None:
    """``--drill``: comma-separated drill names (``retry``, ``rollback``, ``skip``, ``cancel``,
    ``subtask-retry``) or ``all``."""
    if text is None:
        return None
    items = tuple(dict.fromkeys(item.strip() for item in text.split(",") if item.strip()))
    if not items or any(item not in (*DRILL_NAMES, "all") for item in items):
        raise UsageError(f"--drill: expected 'all' or some of {', '.join(DRILL_NAMES)}, got {text!r}")
    return DRILL_NAMES if "all" in items else tuple(d for d in DRILL_NAMES if d in items)


def _given(value: Any, default: Any) -> Any:
    """``value`` unless it was not given (``None``); ``0`` stays ``0`` so validation can refuse it."""
    return default if value is None else value


def _check_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--base-url: expected http(s)://host[:port][/prefix], got {url!r}")
    if parts.username is not None or parts.password is not None:
        raise UsageError(
            "--base-url: put credentials in OCP_USERNAME/OCP_PASSWORD or OCP_ACCESS_KEY/"
            "OCP_SECRET_KEY, not in the URL"
        )
    if parts.query or parts.fragment:
        raise UsageError(f"--base-url: expected no query or fragment, got {url!r}")
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX) or path.endswith("/api") or f"{API_PREFIX}/" in path + "/":
        fixed = url[: url.find("/api")].rstrip("/")
        raise UsageError(
            f"--base-url: drop the API prefix, the suite adds {API_PREFIX}/... itself: "
            f"expected {fixed!r}, got {url!r}"
        )
    return url.rstrip("/")


def _pair(first: str | None, second: str | None, names: str) -> None:
    if (first is None) != (second is None):
        raise UsageError(f"{names}: expected both or neither, got only one")


def _positive(value: float | None, option: str) -> None:
    if value is not None and value <= 0:
        raise UsageError(f"{option}: expected a number > 0, got {value:g}")


def _target(cluster_id: int | None, obproxy_ids: str | None, package: str | None) -> UpgradeTarget | None:
    given = [v is not None for v in (cluster_id, obproxy_ids, package)]
    if not any(given):
        return None
    if not all(given):
        raise UsageError("--cluster-id, --obproxy-ids and --package name one upgrade target: give all three")
    assert cluster_id is not None and obproxy_ids is not None and package is not None
    if cluster_id < 1:
        raise UsageError(f"--cluster-id: expected a positive integer, got {cluster_id}")
    if not package.strip():
        raise UsageError(
            "--package: expected an installation package name such as obproxy-ce-4.2.3.0-20231227111200"
        )
    return UpgradeTarget(cluster_id, parse_id_list(obproxy_ids), package.strip())


# --------------------------------------------------------------------------- validation


def _check_credentials(config: RunConfig) -> None:
    _pair(config.username, config.password, "--username/--password (OCP_USERNAME/OCP_PASSWORD)")
    _pair(config.access_key, config.secret_key, "--access-key/--secret-key (OCP_ACCESS_KEY/OCP_SECRET_KEY)")
    if config.username is not None and config.access_key is not None:
        raise UsageError(
            "credentials: expected Basic (username/password) or AK/SK (access/secret key), got both"
        )
    if config.is_live and config.auth_scheme is None:
        raise UsageError(
            "a live OCP needs credentials: set OCP_USERNAME/OCP_PASSWORD or "
            "OCP_ACCESS_KEY/OCP_SECRET_KEY (or --username/--password, --access-key/--secret-key)"
        )


def _check_tls(config: RunConfig) -> None:
    if config.ca_bundle is not None and config.insecure:
        raise UsageError("--ca-bundle and --insecure contradict each other: give one")
    if config.ca_bundle is not None and not config.ca_bundle.is_file():
        raise UsageError(f"--ca-bundle: expected a readable PEM file, got {str(config.ca_bundle)!r}")


def _check_numbers(config: RunConfig) -> None:
    if config.max_examples < 1:
        raise UsageError(f"--max-examples: expected an integer >= 1, got {config.max_examples}")
    if not 1 <= config.workers <= 64:
        raise UsageError(f"--workers: expected an integer from 1 to 64, got {config.workers}")
    _positive(config.request_timeout, "--request-timeout")
    _positive(config.max_time, "--max-time")
    _positive(config.poll_interval, "--poll-interval")
    if config.max_response_bytes < _MB:
        raise UsageError(
            f"--max-response-mb: expected an integer >= 1, got {config.max_response_bytes / _MB:g}"
        )
    if any(task_id < 1 for task_id in config.task_ids):
        raise UsageError(f"--task-id: expected positive integers, got {min(config.task_ids)}")
    if config.seed is not None and config.seed < 0:
        raise UsageError(f"--seed: expected an integer >= 0, got {config.seed}")


def _check_version(config: RunConfig) -> None:
    """A known version text, and credentials of a scheme that version documents."""
    if config.ocp_version is None:
        return
    known_ocp_version(config.ocp_version)
    if config.auth_scheme == "aksk":
        try:
            profile(config.ocp_version).require_auth("akSkAuth")
        except UsageError as error:
            raise UsageError(
                f"--access-key/--secret-key: {error}; use --username/--password (OCP_USERNAME/OCP_PASSWORD)"
            ) from None


def _writable(path: Path, option: str, *, directory: bool) -> None:
    """``path`` (a directory, or a file's directory) can be written: the folder is created and a
    scratch file made and removed in it, since permission bits alone do not tell (root passes every
    ``os.access`` check, yet cannot write under ``/proc`` or on a read-only mount)."""
    folder = path if directory else path.parent
    if directory and path.exists() and not path.is_dir():
        raise UsageError(f"{option}: expected a directory, got the file {str(path)!r}")
    if not directory and path.is_dir():
        raise UsageError(f"{option}: expected a file path, got the directory {str(path)!r}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(
            f"{option}: cannot write to {str(folder)!r} ({reason}); expected a writable path"
        ) from None


def _check_outputs(config: RunConfig) -> None:
    if config.report_dir is not None:
        _writable(config.report_dir, "--report-dir", directory=True)
    if config.junit_xml is not None:
        _writable(config.junit_xml, "--junit-xml", directory=False)
    if config.save_shape is not None:
        _writable(config.save_shape, "--save-shape", directory=False)


def unused_options(config: RunConfig) -> str | None:
    """A warning when the target flags were given but are not used: the embedded mock, or no
    ``--allow-upgrade``."""
    if config.target is not None and not config.is_live:
        return (
            "warning: --cluster-id, --obproxy-ids and --package are unused with the embedded mock "
            "(it upgrades its own inventory); give --base-url to name a live target"
        )
    if config.target is not None and not config.allow_upgrade:
        return (
            "warning: --cluster-id, --obproxy-ids and --package are unused without --allow-upgrade "
            "(the run stays read-only: nothing is upgraded; the ids only name the rejection probes)"
        )
    return None


def validate(config: RunConfig) -> RunConfig:
    """``config`` unchanged if it is usable; else a one-line :class:`UsageError`."""
    _check_credentials(config)
    _check_version(config)
    _check_tls(config)
    _check_numbers(config)
    _check_outputs(config)
    if config.is_live and config.mock_faults:
        raise UsageError("--fault breaks the embedded mock; it cannot be used with --base-url (a live OCP)")
    if config.is_live and config.drills and not config.allow_upgrade:
        raise UsageError("--drill starts upgrades and control calls: it needs --allow-upgrade and its target")
    if config.is_live and config.allow_upgrade and config.target is None:
        raise UsageError(
            "--allow-upgrade on a live OCP needs the real target: --cluster-id, --obproxy-ids and --package"
        )
    return config


_BASIC = ("username", "password")
_AKSK = ("access_key", "secret_key")


def _credential_env(options: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """The credential variables the run reads, after the documented precedence.

    An option wins over its variable; a scheme given on the command line (either of its options)
    sets the other scheme's variables aside; when the environment alone holds both schemes, AK/SK
    wins — OCP recommends it from 4.0.3 — unless ``--ocp-version`` is older, which knows Basic only.
    Both schemes on the command line stay an error (:func:`_check_credentials`).
    """
    from_env = {name: env.get(_ENV_NAMES[name]) or "" for name in (*_BASIC, *_AKSK)}
    on_line = {scheme for scheme in (_BASIC, _AKSK) if any(options.get(name) for name in scheme)}
    in_env = {scheme for scheme in (_BASIC, _AKSK) if any(from_env[name] for name in scheme)}
    if on_line:
        keep = on_line
    elif in_env == {_BASIC, _AKSK}:
        keep = {_BASIC} if _knows_basic_only(options.get("ocp_version")) else {_AKSK}
    else:
        keep = in_env
    return {name: from_env[name] for scheme in keep for name in scheme if from_env[name]}


def _knows_basic_only(version: Any) -> bool:
    """``--ocp-version`` names a version that documents Basic only (before 4.0.3)."""
    if version is None:
        return False
    try:
        profile(str(version)).require_auth("akSkAuth")
    except UsageError:
        return True
    return False


def from_options(options: Mapping[str, Any], env: Mapping[str, str]) -> RunConfig:
    """A validated :class:`RunConfig` from parsed options (argparse names) and the environment."""
    credentials = _credential_env(options, env)

    def pick(name: str) -> Any:
        value = options.get(name)
        if value is None and name in credentials:
            return credentials[name]
        if value is None and name in _ENV_NAMES and name not in (*_BASIC, *_AKSK):
            value = env.get(_ENV_NAMES[name]) or None
        return value

    base_url = pick("base_url")
    rate = options.get("rate_limit")
    config = RunConfig(
        base_url=None if base_url is None else _check_base_url(str(base_url)),
        username=pick("username"),
        password=pick("password"),
        access_key=pick("access_key"),
        secret_key=pick("secret_key"),
        target=_target(options.get("cluster_id"), options.get("obproxy_ids"), options.get("package")),
        allow_upgrade=bool(options.get("allow_upgrade")),
        task_ids=tuple(options.get("task_id") or ()),
        max_examples=_given(options.get("max_examples"), DEFAULT_MAX_EXAMPLES),
        seed=options.get("seed"),
        workers=_given(options.get("workers"), 1),
        rate_limit=None if rate is None else parse_rate_limit(str(rate)),
        request_timeout=_given(options.get("request_timeout"), DEFAULT_REQUEST_TIMEOUT),
        max_time=options.get("max_time"),
        strict=bool(options.get("strict")),
        ca_bundle=None if options.get("ca_bundle") is None else Path(options["ca_bundle"]),
        insecure=bool(options.get("insecure")),
        junit_xml=None if options.get("junit_xml") is None else Path(options["junit_xml"]),
        report_dir=None if options.get("report_dir") is None else Path(options["report_dir"]),
        save_shape=None if options.get("save_shape") is None else Path(options["save_shape"]),
        max_response_bytes=_given(options.get("max_response_mb"), DEFAULT_MAX_RESPONSE_MB) * _MB,
        ocp_version=options.get("ocp_version"),
        poll_interval=options.get("poll_interval"),
        quiet=bool(options.get("quiet")),
        require=parse_require(options.get("require")),
        phases=parse_phases(options.get("phases")),
        mock_faults=tuple(options.get("fault") or ()),
        drills=parse_drills(options.get("drill")),
    )
    return validate(config)
