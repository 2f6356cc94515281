"""Fixtures that run rotor-cloudsim (and, when asked, a real redis-server) for a test."""
import json
import pathlib
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from simenv import AK, PROJECT, SK


class CloudSim:
    """A running rotor-cloudsim: its URL and its admin API."""

    def __init__(self, proc, url, stderr_path):
        self.proc = proc
        self.url = url
        self.stderr_path = stderr_path

    def admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read() or b"{}")

    def put_instance(self, instance_id, **spec):
        return self.admin("PUT", "/_sim/instances/" + instance_id, spec)

    def instance(self, instance_id):
        return self.admin("GET", "/_sim/instances/" + instance_id)

    def calls(self):
        return self.admin("GET", "/_sim/calls")["calls"]

    def stderr(self):
        return pathlib.Path(self.stderr_path).read_text()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cloudsim(build_dir, tmp_path):
    binary = pathlib.Path(build_dir) / "rotor-cloudsim"
    if not binary.exists():
        pytest.skip(f"{binary} is not built")
    sk_file = tmp_path / "sk"
    sk_file.write_text(SK + "\n")
    config = tmp_path / "cloudsim.yaml"
    config.write_text(
        "seed: 7\n"
        "iam_users:\n"
        "  - {name: rotor, password: \"Iam#Passw0rd\", domain: acme}\n"
        "instances:\n"
        f"  - {{id: dcs1, service: dcs, project_id: {PROJECT}, password: \"Old#Passw0rd1\"}}\n"
        f"  - {{id: ddm1, service: ddm, project_id: {PROJECT}, users: {{root: \"Old#Passw0rd1\"}}}}\n"
        f"  - {{id: kafka1, service: kafka, project_id: {PROJECT}, password: \"Old#Passw0rd1\"}}\n"
        f"  - {{id: rmq1, service: rabbitmq, project_id: {PROJECT}, password: \"Old#Passw0rd1\"}}\n"
    )
    port_file = tmp_path / "url"
    stderr_path = tmp_path / "cloudsim.stderr"
    with open(stderr_path, "w") as err:
        proc = subprocess.Popen(
            [str(binary), "--listen", "127.0.0.1:0", "--config", str(config), "--ak", AK,
             "--sk-file", str(sk_file), "--port-file", str(port_file)],
            stdout=subprocess.PIPE, stderr=err, text=True)
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), pathlib.Path(stderr_path).read_text()
    assert port_file.read_text().strip() == url
    sim = CloudSim(proc, url, stderr_path)
    yield sim
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    log = sim.stderr()
    # The log shows every call and never a secret.
    assert SK not in log
    for secret in ("Old#Passw0rd1", "Iam#Passw0rd", "New#Passw0rd2", "Kafka Pass#3"):
        assert secret not in log


@pytest.fixture
def redis_server(tmp_path):
    """A throwaway redis-server on a free port, password "Old#Passw0rd1"."""
    binary = shutil.which("redis-server")
    if not binary or not shutil.which("redis-cli"):
        pytest.skip("redis-server / redis-cli not installed")
    port = free_port()
    data = tmp_path / "redis"
    data.mkdir()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(data), "--requirepass", "Old#Passw0rd1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("redis-server did not start")
    yield port
    proc.terminate()
    proc.wait(timeout=10)
