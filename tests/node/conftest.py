"""Fixtures for the real-node tests: a single-node cluster (scripts/cluster) running rotor's
image as pods. The cluster is made for the session and taken down at its end."""
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "scripts" / "cluster"
IMAGE = ROOT / "scripts" / "image"
ROTOR_IMAGE = "localhost/rotor:test"


def run(*args, env=None, timeout=900):
    out = subprocess.run([str(a) for a in args], cwd=ROOT, capture_output=True, text=True,
                         env=env, timeout=timeout)
    assert out.returncode == 0, f"{args[0]} {args[1]} failed ({out.returncode}):\n{out.stderr[-4000:]}"
    return out.stdout


@pytest.fixture(scope="session")
def cluster(build_dir):
    """(kubeconfig path, host address the pods reach, state folder) of a running node with
    rotor's image loaded as localhost/rotor:test."""
    scratch = None if os.environ.get("ROTOR_CLUSTER_DIR") else tempfile.mkdtemp(prefix="rotor-node-")
    state = os.environ.get("ROTOR_CLUSTER_DIR") or scratch + "/cluster"
    env = dict(os.environ, ROTOR_CLUSTER_DIR=state)
    env.pop("ROTOR_CP_DIR", None)  # scripts/cluster keeps its control plane in its own folder
    try:
        kubeconfig = pathlib.Path(run(CLUSTER, "up", env=env, timeout=3600).strip().splitlines()[-1])
        image_tar = pathlib.Path(state).parent / "rotor-image.tar"
        run(IMAGE, "rotor", build_dir / "rotor", image_tar, ROTOR_IMAGE, env=env)
        run(CLUSTER, "load", image_tar, env=env)
        image_tar.unlink()
        node_env = run(CLUSTER, "env", env=env)
        host = dict(line.split("=", 1) for line in node_env.split())["NODE_HOST_IP"]
        yield kubeconfig, host, env
    finally:
        subprocess.run([str(CLUSTER), "down"], cwd=ROOT, env=env, capture_output=True, timeout=300)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
