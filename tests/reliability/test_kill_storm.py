"""The real operator on the real control plane, SIGKILLed at random moments while the cloud
simulator throttles (429), fails (500), and applies passwords but loses the answer; the
apiserver restarted in the middle of it. Afterwards every Secret holds what the cloud holds
(or, for a resource waiting for a person, its record does), no other rotation is left
pending, no instance is locked, rotor survived the apiserver restart
without restarting, and no password, key or token it handled appears in any log line,
Event, status or annotation.

ROTOR_RELIABILITY_KILLS sets the number of kills (default 50; the full run uses 1000) and
ROTOR_RELIABILITY_SEED the random choices (printed, so a failing run can be replayed as far
as the real processes' timing allows).
"""
import json
import os
import pathlib
import random
import subprocess
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from support.kube import Kubectl, sim_account  # noqa: E402
from support.procs import CloudSim, Rotor, wait_for  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
NS = "rotor-reliability"
AK, SK = "RELAK", "reliability-secret-key-not-real"
PROJECT = "0123456789abcdef0123456789abcdef"
FIRST = "First#Passw0rd1"
KILLS = int(os.environ.get("ROTOR_RELIABILITY_KILLS", "50"))
SEED = int(os.environ.get("ROTOR_RELIABILITY_SEED", str(int(time.time()))))
FAULTS = {"latency_ms": 30, "error_rate": 0.15, "throttle_rate": 0.15, "drop_rate": 0.15}
# Kinds and instances: resets for most, the change call for one DCS that refuses resets
# (the path that spends a wrong-password attempt if rotor ever guesses).
DCS = [f"dcs-{i}" for i in range(6)]
CHANGE_ONLY = "dcs-change"
KAFKA = "kafka-1"
SETTLE = 240  # seconds: "did not hang" bound for the final convergence


@pytest.fixture(scope="module")
def kubectl(kubeconfig):
    k = Kubectl(kubeconfig)
    k.run("apply", "-f", str(ROOT / "crds"))
    k.run("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
    k.run("create", "namespace", NS, check=False)
    for kind in ("dcsinstance", "dmsinstance"):
        k.run("delete", kind, "--all", "-n", NS, "--ignore-not-found")
    k.run("delete", "secret", "--all", "-n", NS, "--ignore-not-found")
    k.run("delete", "events", "--all", "-n", NS, "--ignore-not-found")
    return k


@pytest.fixture(scope="module")
def sim(build_dir, tmp_path_factory):
    lines = [f"  - {{id: {i}, service: dcs, project_id: {PROJECT}, password: \"{FIRST}\"}}"
             for i in DCS]
    lines.append(f"  - {{id: {CHANGE_ONLY}, service: dcs, project_id: {PROJECT}, "
                 f"password: \"{FIRST}\", reset_unsupported: true}}")
    lines.append(f"  - {{id: {KAFKA}, service: kafka, project_id: {PROJECT}, password: \"{FIRST}\"}}")
    s = CloudSim(pathlib.Path(build_dir) / "rotor-cloudsim", tmp_path_factory.mktemp("sim"),
                 "instances:\n" + "\n".join(lines) + "\n", AK, SK, extra_args=["--seed", str(SEED)])
    yield s
    s.stop()


def resources():
    """(kind, name, instance) of every resource the suite rotates."""
    out = [("DcsInstance", i, i) for i in DCS] + [("DcsInstance", CHANGE_ONLY, CHANGE_ONLY)]
    out.append(("DmsInstance", KAFKA, KAFKA))
    return out


def manifest(kind, name, instance):
    spec = {"cloudAccountRef": {"name": "sim"}, "instanceId": instance,
            "rotation": {"interval": "720h", "firstRotation": "Immediate"},
            "secret": {"name": name + "-password"}}
    if kind == "DmsInstance":
        spec["engine"] = "Kafka"
    return {"apiVersion": "rotor.dev/v1alpha1", "kind": kind, "metadata": {"name": name},
            "spec": spec}


def blocked(kubectl):
    """Names of the resources that wait for a person."""
    out = kubectl.run("get", "dcsinstances,dmsinstances", "-n", NS, "-o", "json").stdout
    return {o["metadata"]["name"] for o in json.loads(out)["items"]
            if o.get("status", {}).get("blockedReason")}


def pending(kubectl, kind, name):
    record = kubectl.secret_data(f"rotor-record.{kind.lower()}.{name}", NS) or {}
    return json.loads(record["record"]).get("pending") if "record" in record else None


def create(kubectl, obj):
    kubectl.run("create", "-n", NS, "-f", "-", input=json.dumps(obj))


def cloud_instances(sim):
    return sim.admin("GET", "/_sim/instances")["instances"]


def controlplane(*args):
    subprocess.run([str(ROOT / "scripts" / "controlplane"), *args], cwd=ROOT, check=True,
                   capture_output=True, timeout=180)


def test_sigkill_storm_under_cloud_faults_loses_nothing_and_locks_nothing(
        build_dir, kubeconfig, kubectl, sim, tmp_path_factory):
    rng = random.Random(SEED)
    print(f"seed {SEED}, {KILLS} kills, faults {FAULTS}")
    # Secrets are made with `create`: `apply` would copy their values into its
    # last-applied annotation, and the leak scan below reads every annotation.
    sim_account(kubectl, NS, sim.url, AK, SK, PROJECT)
    # rotor never guesses a current password: the instance that only takes the change call
    # starts with the one it has, in a Secret opted in to rotor.
    create(kubectl, {"apiVersion": "v1", "kind": "Secret",
                     "metadata": {"name": CHANGE_ONLY + "-password",
                                  "labels": {"app.kubernetes.io/managed-by": "rotor"}},
                     "stringData": {"password": FIRST}})
    for r in resources():
        kubectl.apply(manifest(*r), NS)
    sim.admin("PUT", "/_sim/faults", FAULTS)

    logs = tmp_path_factory.mktemp("rotor")
    seen_passwords = {FIRST}
    rotor = None
    restarted_apiserver_at = KILLS // 2
    started = time.monotonic()
    for kill in range(KILLS):
        rotor = Rotor(pathlib.Path(build_dir) / "rotor", kubeconfig, logs / f"rotor-{kill}.log",
                      namespaces=[NS]).start()
        # Ask for rotations of a few resources, so that kills land in every step of one.
        # The person asking for rotations does not answer rotor's questions: a resource that
        # waits for a person (a lost change answer, the last attempt before the lock) is
        # left alone, as rotate-now there would be the go-ahead to spend an attempt.
        waiting = blocked(kubectl)
        free = [r for r in resources() if r[1] not in waiting]
        chosen = rng.sample(free, k=min(3, len(free)))
        for kind in {k for k, _, _ in chosen}:
            kubectl.run("annotate", "--overwrite", "-n", NS, kind.lower(),
                        *[n for k, n, _ in chosen if k == kind], f"rotor.dev/rotate-now=k{kill}")
        if kill == restarted_apiserver_at:
            # The apiserver goes away under a running rotor and comes back on the same
            # port; rotor's watches end and reconnect. rotor itself must not restart.
            time.sleep(rng.uniform(0.2, 1.0))
            controlplane("restart-apiserver")
            assert rotor.proc.poll() is None, "rotor exited when the apiserver restarted"
            kubectl.run("annotate", "--overwrite", "-n", NS, "dcsinstance", DCS[0],
                        "rotor.dev/rotate-now=after-apiserver-restart")
            before = kubectl.secret_data(DCS[0] + "-password", NS) or {}
            wait_for(lambda: (kubectl.get("dcsinstance", DCS[0], NS) or {}).get("status", {})
                     .get("lastRotateNowValue") == "after-apiserver-restart", 120, 0.5,
                     "the rotation asked for after the apiserver restart")
            assert rotor.proc.poll() is None, "rotor restarted"
            assert (kubectl.secret_data(DCS[0] + "-password", NS) or {}) != before
            relists = rotor.log().count("watch expired; relisting")
            print(f"apiserver restarted under rotor: {relists} watches ended with 410 and "
                  "relisted, rotor kept running and rotated")
        time.sleep(rng.uniform(0.05, 1.5))
        rotor.kill()
        seen_passwords.update(i.get("password", "") for i in cloud_instances(sim))
    print(f"{KILLS} kills in {time.monotonic() - started:.0f}s")

    # The cloud behaves again; one last operator brings everything to rest.
    sim.admin("PUT", "/_sim/faults", {"error_rate": 0, "throttle_rate": 0, "drop_rate": 0,
                                      "latency_ms": 0})
    rotor = Rotor(pathlib.Path(build_dir) / "rotor", kubeconfig, logs / "rotor-final.log",
                  namespaces=[NS]).start()
    try:
        unsettled = []

        def at_rest():
            # Idle with the cloud's password in the Secret, or waiting for a person with the
            # cloud's password in the Secret or in the record.
            unsettled.clear()
            for kind, name, instance in resources():
                status = (kubectl.get(kind.lower(), name, NS) or {}).get("status", {})
                data = kubectl.secret_data(name + "-password", NS) or {}
                cloud = sim.instance(instance)["password"]
                if status.get("blockedReason"):
                    ok = cloud in (data.get("password"), pending(kubectl, kind, name))
                else:
                    ok = status.get("phase") == "Idle" and data.get("password") == cloud
                if not ok:
                    unsettled.append((name, status.get("phase"), status.get("blockedReason"),
                                      status.get("lastError", {}).get("message")))
            return not unsettled
        try:
            wait_for(at_rest, SETTLE, 1, "every resource Idle with the cloud's password")
        except AssertionError:
            raise AssertionError(f"not at rest: {unsettled}")
    finally:
        assert rotor.stop() == 0

    for kind, name, instance in resources():
        cloud = sim.instance(instance)
        seen_passwords.add(cloud["password"])
        assert not cloud.get("lock", {}).get("locked"), f"{instance} was locked"
        status = (kubectl.get(kind.lower(), name, NS) or {}).get("status", {})
        if status.get("blockedReason"):
            print(f"{name} waits for a person: {status['blockedReason']}")
        else:
            assert pending(kubectl, kind, name) is None, name
        data = kubectl.secret_data(name + "-password", NS)
        seen_passwords.update(v for k, v in data.items() if "password" in k)

    # Nothing secret in anything rotor wrote outside Secret data.
    written = "\n".join(p.read_text() for p in sorted(logs.glob("*.log")))
    written += kubectl.run("get", "events", "-n", NS, "-o", "json").stdout
    for kind in ("dcsinstances", "dmsinstances"):
        written += kubectl.run("get", kind, "-n", NS, "-o", "json").stdout
    secrets = json.loads(kubectl.run("get", "secrets", "-n", NS, "-o", "json").stdout)
    written += json.dumps([s["metadata"] for s in secrets["items"]])
    secret_values = (seen_passwords - {""}) | {SK}
    leaks = [v for v in secret_values if v in written]
    print(f"leak scan: {len(secret_values)} secret values over {len(written)} characters: "
          f"{len(leaks)} found")
    assert not leaks, "secret material in logs, Events, status or annotations"
