"""Shared pytest fixtures: where the built binaries are, and a running control plane
(scripts/controlplane) for the end-to-end and reliability tests."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = pathlib.Path(os.environ.get("ROTOR_BUILD_DIR", ROOT / "build"))


@pytest.fixture(scope="session")
def build_dir() -> pathlib.Path:
    return BUILD


CONTROLPLANE = ROOT / "scripts" / "controlplane"

# The first `up` compiles kube-apiserver and etcd from source (many minutes);
# later ones reuse the cached binaries and a running plane.
UP_TIMEOUT = int(os.environ.get("ROTOR_CP_UP_TIMEOUT", "3600"))


@pytest.fixture(scope="session")
def kubeconfig() -> pathlib.Path:
    """Path of the admin kubeconfig of a running control plane.

    Starts one with `scripts/controlplane up` (which reuses a running plane). It is
    deliberately left running after the session: other tests and runs reuse it, and
    `scripts/controlplane down` stops it.
    """
    try:
        up = subprocess.run([str(CONTROLPLANE), "up"], cwd=ROOT, capture_output=True,
                            text=True, timeout=UP_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"scripts/controlplane up took longer than {UP_TIMEOUT}s:\n{e.stderr}")
    if up.returncode != 0:
        pytest.fail(f"scripts/controlplane up failed ({up.returncode}):\n{up.stderr[-4000:]}")
    lines = up.stdout.strip().splitlines()
    assert lines, f"scripts/controlplane up printed no kubeconfig path:\n{up.stderr[-4000:]}"
    path = pathlib.Path(lines[-1])
    assert path.is_file(), f"kubeconfig {path} does not exist"
    return path
