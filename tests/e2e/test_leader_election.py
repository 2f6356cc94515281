"""Two `rotor run` replicas with leader election on a real kube-apiserver and the cloud
simulator: one leads and rotates, the other waits with warm caches and is ready; the
leader killed with SIGKILL, the standby takes the Lease once it has expired and carries
on rotating; SIGTERM hands the Lease back, after letting a rotation in flight finish.

Short lease timings (4 s / 3 s / 1 s) keep the test quick; the waits are bounded by a
generous guard ("did not hang"), and the takeover is checked on the Lease itself: not
before the killed leader's claim ran out.
"""
import datetime
import json
import os
import pathlib
import signal
import sys
import time
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from support.kube import Kubectl  # noqa: E402
from support.procs import CloudSim, Rotor, free_port, wait_for  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
NS = "rotor-leader-e2e"
LEASE = "rotor-leader-e2e"
AK, SK = "LEAK", "leader-e2e-secret-key-not-real"
PROJECT = "0123456789abcdef0123456789abcdef"
FIRST = "First#Passw0rd1"
LEASE_SECONDS = 4
TIMINGS = ["--lease-duration=4s", "--renew-deadline=3s", "--retry-period=1s"]
GUARD = 60  # seconds: "did not hang", not a latency bound


@pytest.fixture(scope="module")
def kubectl(kubeconfig):
    k = Kubectl(kubeconfig)
    k.run("apply", "-f", str(ROOT / "crds"))
    k.run("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
    k.run("create", "namespace", NS, check=False)
    # What an earlier run left (the simulator starts afresh each time).
    k.run("delete", "lease", LEASE, "-n", NS, "--ignore-not-found")
    k.run("delete", "dcsinstance", "--all", "-n", NS, "--ignore-not-found")
    k.run("delete", "secret", "-n", NS, "-l", "app.kubernetes.io/managed-by=rotor",
          "--ignore-not-found")
    return k


@pytest.fixture(scope="module")
def sim(build_dir, tmp_path_factory):
    s = CloudSim(pathlib.Path(build_dir) / "rotor-cloudsim", tmp_path_factory.mktemp("sim"),
                 f"instances:\n  - {{id: dcs-le, service: dcs, project_id: {PROJECT}, "
                 f"password: \"{FIRST}\"}}\n", AK, SK)
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
    yield "sim"
    # Operators of later tests (some watch every namespace) must not find these. The
    # namespace stays: a bare control plane has no controller to finish deleting one.
    kubectl.run("delete", "dcsinstance", "--all", "-n", NS, "--wait=false", check=False)
    kubectl.run("delete", "cloudaccount", "sim", "-n", NS, "--ignore-not-found", check=False)
    kubectl.run("delete", "secret", "--all", "-n", NS, "--ignore-not-found", check=False)
    kubectl.run("delete", "lease", LEASE, "-n", NS, "--ignore-not-found", check=False)


def replica(build_dir, kubeconfig, tmp_path_factory, name):
    env = dict(os.environ, POD_NAME=name)
    env.pop("KUBECONFIG", None)
    metrics_port, health_port = free_port(), free_port()
    r = Rotor(pathlib.Path(build_dir) / "rotor", kubeconfig,
              tmp_path_factory.mktemp(name) / "rotor.log", namespaces=[NS],
              extra_args=TIMINGS, env=env, leader_election=(NS, LEASE),
              metrics_port=metrics_port, health_port=health_port)
    r.name = name
    r.metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
    r.health_url = f"http://127.0.0.1:{health_port}"
    return r.start()


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return None, ""


def metric(r, line_prefix):
    status, text = fetch(r.metrics_url)
    if status != 200:
        return None
    for line in text.splitlines():
        if line.startswith(line_prefix + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def lease(kubectl):
    return kubectl.get("lease", LEASE, NS) or {}


def holder(kubectl):
    return lease(kubectl).get("spec", {}).get("holderIdentity", "")


def micro_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def secret_password(kubectl, name):
    return (kubectl.secret_data(name, NS) or {}).get("password")


@pytest.fixture(scope="module")
def replicas(build_dir, kubeconfig, kubectl, account, tmp_path_factory):
    rs = [replica(build_dir, kubeconfig, tmp_path_factory, n) for n in ("le-a", "le-b")]
    yield rs
    for r in rs:
        if r.proc.poll() is None:
            r.proc.kill()
            r.proc.wait()


def test_one_leads_both_ready_then_the_standby_takes_over_a_killed_leader(kubectl, sim,
                                                                           replicas):
    a, b = replicas
    lead_id = wait_for(lambda: holder(kubectl), GUARD, what="a leader")
    leader, standby = (a, b) if lead_id.startswith("le-a_") else (b, a)
    assert lead_id.startswith(leader.name + "_")
    # Both ready (caches synced), both alive; only the leader says it leads.
    for r in replicas:
        wait_for(lambda r=r: fetch(r.health_url + "/readyz")[0] == 200, GUARD,
                 what=f"{r.name} ready")
        assert fetch(r.health_url + "/healthz")[0] == 200
    assert wait_for(lambda: metric(leader, "rotor_leader") == 1.0, GUARD, what="rotor_leader 1")
    assert metric(standby, "rotor_leader") == 0.0
    assert metric(leader, 'rotor_build_info{version="0.1.0"}') == 1.0

    # The leader rotates; the standby does not touch the resource.
    kubectl.apply({"apiVersion": "rotor.dev/v1alpha1", "kind": "DcsInstance",
                   "metadata": {"name": "cache"},
                   "spec": {"cloudAccountRef": {"name": "sim"}, "instanceId": "dcs-le",
                            "rotation": {"interval": "720h"},
                            "secret": {"name": "cache-password"}}}, NS)
    first = wait_for(lambda: secret_password(kubectl, "cache-password"), GUARD,
                     what="the first password")
    assert sim.instance("dcs-le")["password"] == first
    assert len(sim.calls("dcs-le")) == 1
    wait_for(lambda: metric(leader, 'rotor_rotations_total{kind="DcsInstance",result="success"}')
             == 1.0, GUARD, what="the rotation counted")
    assert metric(leader, 'rotor_resource_ready_status{kind="DcsInstance",namespace="%s",'
                  'name="cache",condition="True"}' % NS) == 1.0
    # The wiring of the other series in `rotor run`: the cloud call, the schedule, and API
    # requests of the reconciler and of the elector.
    assert metric(leader, 'rotor_cloud_requests_total{service="dcs",call="reset",'
                  'outcome="applied"}') == 1.0
    due = metric(leader, 'rotor_resource_next_rotation_timestamp_seconds{kind="DcsInstance",'
                 'namespace="%s",name="cache"}' % NS)
    assert abs(due - (time.time() + 720 * 3600)) < 300, due
    assert metric(leader, 'rotor_kube_requests_total{verb="create",resource="secrets",'
                  'code="201"}') >= 1.0
    wait_for(lambda: metric(leader, 'rotor_kube_requests_total{verb="update",resource="leases",'
                            'code="200"}') >= 1.0, GUARD, what="a renewal counted")
    assert metric(standby, 'rotor_kube_requests_total{verb="create",resource="secrets",'
                  'code="201"}') == 0.0
    assert "password rotated" not in standby.log()
    assert metric(standby, 'rotor_rotations_total{kind="DcsInstance",result="success"}') == 0.0

    # SIGKILL: no release. The standby waits out the claim, then takes over.
    before = lease(kubectl)["spec"]
    killed_at = time.monotonic()
    leader.kill()
    new_id = wait_for(lambda: (h := holder(kubectl)) != lead_id and h, GUARD, what="a takeover")
    took = time.monotonic() - killed_at
    assert new_id.startswith(standby.name + "_")
    after = lease(kubectl)["spec"]
    assert micro_time(after["acquireTime"]) >= (
        micro_time(before["renewTime"]) + datetime.timedelta(seconds=LEASE_SECONDS)), (
        before, after)
    assert after["leaseTransitions"] == before.get("leaseTransitions", 0) + 1
    print(f"standby took over {took:.1f}s after the SIGKILL (lease {LEASE_SECONDS}s)")
    assert wait_for(lambda: metric(standby, "rotor_leader") == 1.0, GUARD, what="new leader")

    # The new leader rotates with a warm cache; the rotation made before is not redone.
    assert len(sim.calls("dcs-le")) == 1
    kubectl.run("annotate", "--overwrite", "-n", NS, "dcsinstance", "cache",
                "rotor.dev/rotate-now=after-takeover")
    second = wait_for(lambda: (p := secret_password(kubectl, "cache-password")) != first and p,
                      GUARD, what="a rotation by the new leader")
    assert sim.instance("dcs-le")["password"] == second
    assert kubectl.secret_data("cache-password", NS)["previous-password"] == first
    assert len(sim.calls("dcs-le")) == 2

    # SIGTERM: exit 0 and the Lease handed back at once.
    assert standby.stop() == 0, standby.log()[-3000:]
    spec = lease(kubectl)["spec"]
    assert spec.get("holderIdentity", "") == "" and spec["leaseDurationSeconds"] == 1, spec
    assert "released the lease" in standby.log()


def test_a_leader_that_loses_its_lease_stops_and_exits_nonzero(build_dir, kubeconfig, kubectl,
                                                              account, tmp_path_factory):
    """As controller-runtime: leadership lost is the end of the process (the Deployment
    restarts it as a standby); it must not keep reconciling."""
    kubectl.run("delete", "lease", LEASE, "-n", NS, "--ignore-not-found")
    r = replica(build_dir, kubeconfig, tmp_path_factory, "le-c")
    try:
        wait_for(lambda: holder(kubectl).startswith("le-c_"), GUARD, what="le-c leading")
        # Another holder writes the Lease, as a replica that (wrongly or not) took it would.
        now = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        kubectl.run("patch", "lease", LEASE, "-n", NS, "--type=merge", "-p",
                    '{"spec":{"holderIdentity":"intruder","renewTime":"%s",'
                    '"leaseDurationSeconds":60}}' % now)
        wait_for(lambda: r.proc.poll() is not None, GUARD, what="le-c to exit")
        assert r.proc.returncode == 1, r.log()[-3000:]
        assert "leadership lost" in r.log()
        assert holder(kubectl) == "intruder"  # a lost leader never releases another's Lease
    finally:
        if r.proc.poll() is None:
            r.proc.kill()
            r.proc.wait()
        kubectl.run("delete", "lease", LEASE, "-n", NS, "--ignore-not-found")


def events_on_lease(kubectl):
    events = json.loads(kubectl.run("get", "events", "-n", NS, "-o", "json").stdout)["items"]
    return [e for e in events if e["involvedObject"].get("kind") == "Lease"
            and e["involvedObject"].get("name") == LEASE]


def record_phase(kubectl, name):
    data = kubectl.secret_data(f"rotor-record.dcsinstance.{name}", NS) or {}
    return json.loads(data["record"])["phase"] if "record" in data else ""


def test_sigterm_lets_the_rotation_in_flight_commit_then_releases_the_lease(
        build_dir, kubeconfig, kubectl, sim, account, tmp_path_factory):
    """SIGTERM while the cloud holds a password call open: the worker finishes that
    rotation (the cloud's password reaches the Secret, the record goes back to Idle),
    then the Lease is released and the process exits 0."""
    kubectl.run("delete", "lease", LEASE, "-n", NS, "--ignore-not-found")
    latency = 3.0
    sim.put_instance("dcs-term", service="dcs", project_id=PROJECT, password=FIRST,
                     faults={"latency_ms": int(latency * 1000)})
    r = replica(build_dir, kubeconfig, tmp_path_factory, "le-t")
    try:
        lead_id = wait_for(lambda: (h := holder(kubectl)).startswith("le-t_") and h, GUARD,
                           what="le-t leading")
        # The takeover is an Event on the Lease, naming the new leader.
        (event,) = wait_for(lambda: [e for e in events_on_lease(kubectl)
                                     if e["message"] == f"{lead_id} became leader"], GUARD,
                            what="the LeaderElection event")
        assert event["reason"] == "LeaderElection" and event["type"] == "Normal"
        assert event["involvedObject"]["apiVersion"] == "coordination.k8s.io/v1"
        assert event["involvedObject"]["uid"] == lease(kubectl)["metadata"]["uid"]

        kubectl.apply({"apiVersion": "rotor.dev/v1alpha1", "kind": "DcsInstance",
                       "metadata": {"name": "term"},
                       "spec": {"cloudAccountRef": {"name": "sim"}, "instanceId": "dcs-term",
                                "rotation": {"interval": "720h"},
                                "secret": {"name": "term-password"}}}, NS)
        # The cloud has the call (and has applied it); its answer takes `latency` seconds.
        wait_for(lambda: sim.calls("dcs-term"), GUARD, interval=0.05, what="the call to arrive")
        assert record_phase(kubectl, "term") == "Prepared"
        signalled = time.monotonic()
        r.proc.send_signal(signal.SIGTERM)
        assert r.proc.wait(timeout=GUARD) == 0, r.log()[-3000:]
        took = time.monotonic() - signalled
        print(f"exited {took:.1f}s after SIGTERM (cloud answer delay {latency}s)")

        applied = sim.instance("dcs-term")["password"]
        assert applied != FIRST
        assert secret_password(kubectl, "term-password") == applied  # committed, not lost
        assert record_phase(kubectl, "term") == "Idle"
        assert len(sim.calls("dcs-term")) == 1
        log = r.log()
        order = [log.index(m) for m in ("signal received", "password rotated",
                                        "released the lease")]
        assert order == sorted(order), log[-3000:]
        spec = lease(kubectl)["spec"]
        assert spec.get("holderIdentity", "") == "" and spec["leaseDurationSeconds"] == 1, spec
    finally:
        if r.proc.poll() is None:
            r.proc.kill()
            r.proc.wait()
        kubectl.run("delete", "dcsinstance", "term", "-n", NS, "--ignore-not-found")
        kubectl.run("delete", "lease", LEASE, "-n", NS, "--ignore-not-found")
