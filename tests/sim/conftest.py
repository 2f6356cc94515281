"""Fixtures that run rotor-cloudsim (and, when asked, a real redis-server) for a test."""
import pathlib
import shutil
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from simenv import AK, POD_IDENTITY_TOKEN, PROJECT, SK  # noqa: E402
from support.procs import CloudSim, Redis  # noqa: E402


@pytest.fixture
def cloudsim(build_dir, tmp_path):
    binary = pathlib.Path(build_dir) / "rotor-cloudsim"
    if not binary.exists():
        pytest.skip(f"{binary} is not built")
    (tmp_path / "pod-identity.token").write_text(POD_IDENTITY_TOKEN + "\n")
    config = (
        "seed: 7\n"
        "iam_users:\n"
        "  - {name: rotor, password: \"Iam#Passw0rd\", domain: acme}\n"
        "instances:\n"
        f"  - {{id: dcs1, service: dcs, project_id: {PROJECT}, password: \"Old#Passw0rd1\"}}\n"
        f"  - {{id: ddm1, service: ddm, project_id: {PROJECT}, users: {{root: \"Old#Passw0rd1\"}}}}\n"
        f"  - {{id: kafka1, service: kafka, project_id: {PROJECT}, password: \"Old#Passw0rd1\"}}\n"
        f"  - {{id: rmq1, service: rabbitmq, project_id: {PROJECT}, password: \"Old#Passw0rd1\"}}\n"
        "pod_identity: {token_file: pod-identity.token, lifetime_seconds: 3600}\n"
        "metadata: {lifetime_seconds: 3600}\n"
    )
    port_file = tmp_path / "url"
    sim = CloudSim(binary, tmp_path, config, AK, SK, ["--port-file", str(port_file)])
    assert port_file.read_text().strip() == sim.url
    yield sim
    assert sim.stop() == 0
    log = sim.stderr()
    # The log shows every call and never a secret.
    assert SK not in log
    for secret in ("Old#Passw0rd1", "Iam#Passw0rd", "New#Passw0rd2", "Kafka Pass#3",
                   POD_IDENTITY_TOKEN):
        assert secret not in log


@pytest.fixture
def redis_server(tmp_path):
    """A throwaway redis-server on a free port, password "Old#Passw0rd1"."""
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        pytest.skip("redis-server / redis-cli not installed")
    redis = Redis(tmp_path / "redis", "Old#Passw0rd1")
    yield redis.port
    redis.stop()
