"""The package as a user installs it: the wheel and the sdist are built from a copy of the checkout
(the wheel from the sdist, as an installer does), the wheel is installed into a fresh virtualenv,
and the installed tool runs from a directory outside any checkout.

No network: the fresh virtualenv reaches the dependencies through a ``.pth`` line naming this
interpreter's site-packages (a plain path: its own ``.pth`` files, among them the editable
install's, are not processed), and the wheel is installed with ``--no-deps``. The test proves
that the wheel's files, not the checkout's, are what runs.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.mock._support import mock_process

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "openapi.yaml"
SAMPLE = ROOT / "tests" / "data" / "documented-sample.json"
CYCLE = ROOT / "tests" / "data" / "invalid" / "dag-cycle.json"
MEMBER = "contracts/data/openapi.yaml"
_SKIP = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "reports",
    "docs-build",
    ".coverage*",
)

pytestmark = pytest.mark.slow


class Installed:
    """A fresh virtualenv with the built wheel installed, and a working directory outside the checkout."""

    def __init__(self, root: Path, sdist: Path, wheel: Path) -> None:
        self.root = root
        self.sdist = sdist
        self.wheel = wheel
        self.bin = root / "venv" / "bin"
        self.cwd = root / "elsewhere"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "OCP_", "COV_"))}

    def run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "ocp-contract"), *argv],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("packaging")
    source = root / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=_SKIP)
    dist = root / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
        check=True,
        capture_output=True,
    )
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    purelib = Path(
        subprocess.run(
            [
                str(root / "venv" / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (purelib / "dev-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(root / "venv" / "bin" / "python"),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            "--disable-pip-version-check",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    target = Installed(root, sdist, wheel)
    target.cwd.mkdir()
    shutil.copy(SAMPLE, target.cwd / "sample.json")
    shutil.copy(CYCLE, target.cwd / "cycle.json")
    yield target


def test_the_wheel_and_the_sdist_carry_the_spec_itself(installed: Installed) -> None:
    spec = SPEC.read_bytes()
    with zipfile.ZipFile(installed.wheel) as wheel:
        assert wheel.read(MEMBER) == spec
        assert "contracts/py.typed" in wheel.namelist()
        entry_points = wheel.read(
            next(n for n in wheel.namelist() if n.endswith("entry_points.txt"))
        ).decode()
    assert "ocp-contract = contracts.cli:main" in entry_points
    assert "contracts.pytest_plugin" in entry_points
    with tarfile.open(installed.sdist) as sdist:
        member = next(m for m in sdist.getmembers() if m.name.endswith(MEMBER))
        assert member.isfile()
        extracted = sdist.extractfile(member)
        assert extracted is not None and extracted.read() == spec


def test_the_installed_package_is_the_wheels_and_reads_the_spec_through_importlib_resources(
    installed: Installed,
) -> None:
    code = (
        "import contracts, contracts.spec as s\n"
        "from importlib import resources\n"
        "print(contracts.__file__)\n"
        "print(s.DEFAULT_SPEC_PATH)\n"
        "print(len(resources.files('contracts').joinpath('data', 'openapi.yaml').read_bytes()))\n"
    )
    result = subprocess.run(
        [str(installed.bin / "python"), "-c", code],
        cwd=installed.cwd,
        env=installed.env,
        capture_output=True,
        text=True,
        check=True,
    )
    package, spec, size = result.stdout.splitlines()
    venv = str(installed.root / "venv")
    assert package.startswith(venv) and spec.startswith(venv), result.stdout
    assert not Path(spec).is_symlink()
    assert int(size) == len(SPEC.read_bytes())


def test_version_validate_and_check_spec_work_outside_the_checkout(installed: Installed) -> None:
    version = installed.run("--version")
    assert version.returncode == 0 and version.stdout.startswith("ocp-contract 0."), version
    good = installed.run("validate", "sample.json")
    assert good.returncode == 0 and "sample.json: conforms" in good.stdout, good
    both = installed.run("validate", "sample.json", "cycle.json")
    assert both.returncode == 1 and "[dag.cycle]" in both.stdout, both
    check = installed.run("check-spec")
    assert check.returncode == 0 and "valid OpenAPI" in check.stdout, check


def test_the_installed_mock_serves_until_stopped(installed: Installed) -> None:
    argv = [str(installed.bin / "ocp-contract"), "mock", "--port", "0", "--quiet"]
    with mock_process(argv, cwd=installed.cwd, env=installed.env) as served:
        reply = requests.get(
            f"{served.url()}/api/v2/tasks/instances/33150", auth=("admin", "ocp-demo-admin"), timeout=10
        )
        assert reply.status_code == 200 and reply.json()["data"]["status"] == "SUCCESSFUL"
        served.process.send_signal(signal.SIGTERM)
        served.process.communicate(timeout=30)
    assert served.process.returncode == 0


def test_a_short_run_against_the_embedded_mock(installed: Installed) -> None:
    result = installed.run(
        "run", "--max-examples", "2", "--seed", "1", "--report-dir", "reports", timeout=300
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert (installed.cwd / "reports" / "junit.xml").is_file()


def test_the_wheel_lists_only_the_packages_dependencies(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        metadata = wheel.read(next(n for n in wheel.namelist() if n.endswith("METADATA"))).decode()
    required = {
        line.split(":", 1)[1].strip().split(";")[0].split("<")[0].split(">")[0].split("=")[0].strip().lower()
        for line in io.StringIO(metadata)
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    }
    assert "hypothesis" not in required and "pytest" not in required
    assert {"schemathesis", "jsonschema-rs", "pyyaml", "werkzeug", "responses"} <= required
