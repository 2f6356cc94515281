"""rotor run against a real kube-apiserver, the cloud simulator and a real Redis.

The cluster's state is read with kubectl (an independent client) and the cloud's with the
simulator's admin API; Redis proves that the password in the Secret opens the database.
"""
import json
import pathlib
import subprocess
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from support.kube import Kubectl  # noqa: E402
from support.procs import CloudSim, Redis, Rotor, wait_for  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
NS = "rotor-e2e"
AK, SK = "E2EAK", "e2e-secret-key-not-real"
PROJECT = "0123456789abcdef0123456789abcdef"
MANAGED = {"app.kubernetes.io/managed-by": "rotor"}  # an existing Secret opted in
FIRST = "First#Passw0rd1"  # what every simulated instance starts with


@pytest.fixture(scope="module")
def kubectl(kubeconfig):
    k = Kubectl(kubeconfig)
    k.run("apply", "-f", str(ROOT / "crds"))
    k.run("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
    k.run("create", "namespace", NS, check=False)
    return k


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    r = Redis(tmp_path_factory.mktemp("redis"), FIRST)
    yield r
    r.stop()


@pytest.fixture(scope="module")
def sim(build_dir, tmp_path_factory, redis):
    instances = [
        f"  - {{id: dcs-main, service: dcs, project_id: {PROJECT}, password: \"{FIRST}\", redis_port: {redis.port}}}",
        f"  - {{id: dcs-interval, service: dcs, project_id: {PROJECT}, password: \"{FIRST}\"}}",
        f"  - {{id: dcs-kill, service: dcs, project_id: {PROJECT}, password: \"{FIRST}\"}}",
        f"  - {{id: dcs-wrong, service: dcs, project_id: {PROJECT}, password: \"{FIRST}\"}}",
        f"  - {{id: dcs-4839, service: dcs, project_id: {PROJECT}, password: \"{FIRST}\", reset_unsupported: true}}",
        f"  - {{id: dcs-restart, service: dcs, project_id: {PROJECT}, password: \"{FIRST}\"}}",
        f"  - {{id: ddm-1, service: ddm, project_id: {PROJECT}, users: {{app: \"{FIRST}\"}}}}",
        f"  - {{id: kafka-1, service: kafka, project_id: {PROJECT}, password: \"{FIRST}\"}}",
        f"  - {{id: rmq-1, service: rabbitmq, project_id: {PROJECT}, password: \"{FIRST}\"}}",
    ]
    s = CloudSim(pathlib.Path(build_dir) / "rotor-cloudsim", tmp_path_factory.mktemp("sim"),
                 "instances:\n" + "\n".join(instances) + "\n", AK, SK)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def account(kubectl, sim):
    kubectl.apply({"apiVersion": "v1", "kind": "Secret",
                   "metadata": {"name": "cloud-creds", "labels": {"rotor.dev/credentials": "true"}},
                   "stringData": {"accessKey": AK, "secretKey": SK}}, NS)
    kubectl.apply({"apiVersion": "rotor.dev/v1alpha1", "kind": "CloudAccount",
                   "metadata": {"name": "sim"},
                   "spec": {"region": "eu-de", "projectId": PROJECT,
                            "endpoints": {s: sim.url for s in ("dcs", "ddm", "dms", "iam")},
                            "credentials": {"secretRef": {"name": "cloud-creds"}}}}, NS)
    return "sim"


@pytest.fixture(scope="module")
def rotor(build_dir, kubeconfig, kubectl, account, tmp_path_factory):
    r = Rotor(pathlib.Path(build_dir) / "rotor", kubeconfig,
              tmp_path_factory.mktemp("rotor") / "rotor.log", namespaces=[NS]).start()
    yield r
    assert r.stop() == 0, r.log()[-3000:]


def rotated(kind, name, instance, interval="720h", secret=None, first=None, **spec):
    rotation = {"interval": interval}
    if first:
        rotation["firstRotation"] = first
    body = {"cloudAccountRef": {"name": "sim"}, "instanceId": instance,
            "rotation": rotation, "secret": {"name": secret or name + "-password"}}
    body.update(spec)
    return {"apiVersion": "rotor.dev/v1alpha1", "kind": kind, "metadata": {"name": name}, "spec": body}


def secret_password(kubectl, name):
    data = kubectl.secret_data(name, NS) or {}
    return data.get("password")


def pending_password(kubectl, kind, name):
    """The pending password in the resource's rotation record Secret, if any."""
    data = kubectl.secret_data(f"rotor-record.{kind}.{name}", NS) or {}
    return json.loads(data["record"]).get("pending") if "record" in data else None


def rotate_now(kubectl, kind, name, value):
    kubectl.run("annotate", "--overwrite", "-n", NS, kind, name, f"rotor.dev/rotate-now={value}")


def all_passwords(sim):
    return {sim.instance(i).get("password") for i in
            ("dcs-main", "dcs-interval", "dcs-kill", "dcs-wrong", "dcs-4839", "dcs-restart", "kafka-1", "rmq-1")}


def test_dcs_instance_gets_its_secret_and_the_password_opens_redis(kubectl, sim, redis, rotor):
    kubectl.apply(rotated("DcsInstance", "cache", "dcs-main"), NS)
    pw = wait_for(lambda: secret_password(kubectl, "cache-password"), 30, what="the Secret")
    assert sim.instance("dcs-main")["password"] == pw
    assert len(pw) == 32
    assert redis.ping(pw) == "PONG"
    assert "PONG" not in redis.ping(FIRST)
    ready = wait_for(lambda: kubectl.condition("dcsinstance", "cache", NS, "Ready"), 10, what="Ready")
    assert ready["status"] == "True"
    secret = kubectl.get("secret", "cache-password", NS)
    assert secret["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "rotor"
    printed = kubectl.run("get", "dcsinstances", "-n", NS).stdout
    assert "cache" in printed and "True" in printed


def test_rotate_now_rotates_once_per_value_and_keeps_the_previous(kubectl, sim, redis, rotor):
    kubectl.apply(rotated("DcsInstance", "cache", "dcs-main"), NS)
    first = wait_for(lambda: secret_password(kubectl, "cache-password"), 30, what="the Secret")
    rotate_now(kubectl, "dcsinstance", "cache", "one")
    second = wait_for(lambda: (p := secret_password(kubectl, "cache-password")) != first and p, 30,
                      what="a new password")
    assert kubectl.secret_data("cache-password", NS)["previous-password"] == first
    assert redis.ping(second) == "PONG"
    calls = len(sim.calls("dcs-main"))
    time.sleep(3)  # the same value again does nothing
    rotate_now(kubectl, "dcsinstance", "cache", "one")
    time.sleep(3)
    assert len(sim.calls("dcs-main")) == calls
    assert secret_password(kubectl, "cache-password") == second


def test_interval_rotation_happens_on_time(kubectl, sim, rotor):
    kubectl.apply(rotated("DcsInstance", "every-minute", "dcs-interval", interval="1m"), NS)
    first = wait_for(lambda: secret_password(kubectl, "every-minute-password"), 30, what="the Secret")
    started = time.time()
    obj = kubectl.get("dcsinstance", "every-minute", NS)
    assert obj["status"]["nextRotationTime"]
    second = wait_for(lambda: (p := secret_password(kubectl, "every-minute-password")) != first and p,
                      100, interval=1, what="the interval rotation")
    elapsed = time.time() - started
    assert 50 <= elapsed <= 90, f"rotated after {elapsed:.0f}s, expected about 60s"
    assert sim.instance("dcs-interval")["password"] == second


def test_ddm_account_and_dms_instances_rotate(kubectl, sim, rotor):
    kubectl.apply(rotated("DdmAccount", "orders-db", "ddm-1", username="app"), NS)
    kubectl.apply(rotated("DmsInstance", "events", "kafka-1"), NS)
    kubectl.apply(rotated("DmsInstance", "jobs", "rmq-1", engine="RabbitMQ"), NS)
    ddm = wait_for(lambda: secret_password(kubectl, "orders-db-password"), 30, what="DDM Secret")
    kafka = wait_for(lambda: secret_password(kubectl, "events-password"), 30, what="Kafka Secret")
    rmq = wait_for(lambda: secret_password(kubectl, "jobs-password"), 30, what="RabbitMQ Secret")
    assert sim.instance("ddm-1")["users"]["app"] == ddm
    assert sim.instance("kafka-1")["password"] == kafka
    assert sim.instance("rmq-1")["password"] == rmq


def test_change_with_a_wrong_old_password_degrades_after_one_attempt(kubectl, sim, rotor):
    kubectl.apply({"apiVersion": "v1", "kind": "Secret",
                   "metadata": {"name": "wrong-password", "labels": MANAGED},
                   "stringData": {"password": "Not#TheRight1"}}, NS)
    kubectl.apply(rotated("DcsInstance", "wrong", "dcs-wrong", method="Change", first="Immediate"), NS)
    degraded = wait_for(lambda: (c := kubectl.condition("dcsinstance", "wrong", NS, "Degraded"))
                        and c["status"] == "True" and c, 30, what="Degraded")
    assert degraded["reason"] == "WrongOldPassword"
    time.sleep(5)
    assert len(sim.calls("dcs-wrong")) == 1
    inst = sim.instance("dcs-wrong")
    assert inst["password"] == FIRST
    assert not inst.get("locked"), inst
    assert kubectl.secret_data("wrong-password", NS)["password"] == "Not#TheRight1"


def test_reset_unsupported_falls_back_to_change(kubectl, sim, rotor):
    kubectl.apply({"apiVersion": "v1", "kind": "Secret",
                   "metadata": {"name": "legacy-password", "labels": MANAGED},
                   "stringData": {"password": FIRST}}, NS)
    kubectl.apply(rotated("DcsInstance", "legacy", "dcs-4839", first="Immediate"), NS)
    pw = wait_for(lambda: (p := secret_password(kubectl, "legacy-password")) != FIRST and p, 30,
                  what="the fallback rotation")
    assert sim.instance("dcs-4839")["password"] == pw
    status = wait_for(lambda: kubectl.get("dcsinstance", "legacy", NS).get("status", {}).get("resetUnsupported"),
                      10, what="resetUnsupported")
    assert status is True


def test_sigkill_between_the_cloud_call_and_the_commit_loses_nothing(kubectl, sim, rotor):
    kubectl.apply(rotated("DcsInstance", "crash", "dcs-kill"), NS)
    first = wait_for(lambda: secret_password(kubectl, "crash-password"), 30, what="the Secret")
    # The simulator applies the password, then holds the answer for 4 s: rotor is killed
    # while it waits, after the cloud took the password and before the Secret says so.
    sim.put_instance("dcs-kill", faults={"latency_ms": 4000})
    rotate_now(kubectl, "dcsinstance", "crash", "kill")
    wait_for(lambda: pending_password(kubectl, "dcsinstance", "crash"), 20,
             interval=0.05, what="the pending password")
    time.sleep(1)
    rotor.kill()
    time.sleep(4)
    cloud_pw = sim.instance("dcs-kill")["password"]
    data = kubectl.secret_data("crash-password", NS)
    assert cloud_pw != first, "the cloud should have taken the new password"
    assert data["password"] == first and pending_password(kubectl, "dcsinstance", "crash") == cloud_pw
    sim.put_instance("dcs-kill", faults={"latency_ms": 0})
    rotor.start()
    wait_for(lambda: secret_password(kubectl, "crash-password") == cloud_pw, 30, what="the roll forward")
    assert pending_password(kubectl, "dcsinstance", "crash") is None
    assert kubectl.secret_data("crash-password", NS)["previous-password"] == first


def test_an_apiserver_restart_is_survived_without_restarting_rotor(kubectl, sim, rotor):
    kubectl.apply(rotated("DcsInstance", "restart", "dcs-restart"), NS)
    first = wait_for(lambda: secret_password(kubectl, "restart-password"), 30, what="the Secret")
    pid = rotor.proc.pid
    subprocess.run([str(ROOT / "scripts" / "controlplane"), "restart-apiserver"], check=True,
                   capture_output=True, timeout=300)
    rotate_now(kubectl, "dcsinstance", "restart", "after-restart")
    second = wait_for(lambda: (p := secret_password(kubectl, "restart-password")) != first and p, 90,
                      interval=1, what="a rotation after the restart")
    assert rotor.proc.pid == pid and rotor.proc.poll() is None
    assert sim.instance("dcs-restart")["password"] == second


def test_bad_references_get_a_clear_condition(kubectl, sim, rotor):
    kubectl.apply(rotated("DcsInstance", "orphan", "dcs-main", cloudAccountRef={"name": "missing"}), NS)
    ready = wait_for(lambda: (c := kubectl.condition("dcsinstance", "orphan", NS, "Ready"))
                     and c["status"] == "False" and c, 30, what="Ready=False")
    assert ready["reason"] == "AccountNotFound"
    assert "missing" in ready["message"]
    assert kubectl.secret_data("orphan-password", NS) is None


def test_no_password_or_key_reaches_the_log(sim, rotor):
    log = rotor.log()
    assert log, "rotor logged nothing"
    for line in log.splitlines():
        json.loads(line)  # every line is JSON
    for secret in all_passwords(sim) | {SK, FIRST, "Not#TheRight1"}:
        assert secret and secret not in log
