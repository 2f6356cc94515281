"""The chart and the kustomize manifests as real pods on a real node (scripts/cluster):
`helm install` → two operator pods, one leading → a rotation from inside the cluster
against the simulator, proven on a real Redis → `helm upgrade` with a changed value → the
leader pod deleted, the standby takes over → `helm uninstall` leaves the CRDs, resources
and Secrets → `kubectl apply -k deploy/` runs the same image.

The tests run in file order and build on each other (one cluster per session)."""
import base64
import json
import pathlib
import subprocess
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from support.kube import Kubectl, sim_account  # noqa: E402
from support.procs import CloudSim, Redis, wait_for  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
RELEASE, OPERATOR_NS, NS = "rotor", "rotor-system", "apps"
AK, SK = "NODEAK", "node-secret-key-not-real"
PROJECT = "0123456789abcdef0123456789abcdef"
FIRST = "First#Passw0rd1"
POD_START = 120  # seconds: "did not hang" bounds, not latency claims
ROTATION = 60


@pytest.fixture(scope="module")
def kubectl(cluster):
    return Kubectl(cluster[0])


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    r = Redis(tmp_path_factory.mktemp("redis"), FIRST)
    yield r
    r.stop()


@pytest.fixture(scope="module")
def sim(build_dir, cluster, redis, tmp_path_factory):
    """The simulator on loopback, exposed to pods on the host's side of the node's veth;
    its admin API stays a loopback one."""
    s = CloudSim(pathlib.Path(build_dir) / "rotor-cloudsim", tmp_path_factory.mktemp("sim"),
                 f"instances:\n  - {{id: dcs-node, service: dcs, project_id: {PROJECT}, "
                 f"password: \"{FIRST}\", redis_port: {redis.port}}}\n", AK, SK)
    port = s.url.rsplit(":", 1)[1]
    subprocess.run([str(ROOT / "scripts" / "cluster"), "expose", port], env=cluster[2],
                   check=True, capture_output=True)
    s.pod_url = f"http://{cluster[1]}:{port}"
    yield s
    s.stop()


@pytest.fixture(scope="module")
def helm(cluster):
    """Runs the pinned helm (charts/build-helm.sh builds it once from its Go module) against
    the cluster; fails on a non-zero exit."""
    built = subprocess.run([str(ROOT / "charts" / "build-helm.sh")], cwd=ROOT, capture_output=True,
                           text=True, timeout=1800)
    assert built.returncode == 0, built.stderr[-2000:]
    binary = built.stdout.strip().splitlines()[-1]

    def run(*args):
        out = subprocess.run([binary, "--kubeconfig", str(cluster[0]), *args], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, f"helm {args[0]} failed:\n{out.stderr}"
        return out.stdout
    return run


def operator_pods(kubectl, selector="app.kubernetes.io/name=rotor"):
    out = kubectl.run("get", "pods", "-n", OPERATOR_NS, "-l", selector, "-o", "json")
    return [p for p in json.loads(out.stdout)["items"] if not p["metadata"].get("deletionTimestamp")]


def ready_pods(kubectl, count, selector="app.kubernetes.io/name=rotor"):
    """The operator pods when exactly `count` are Running and Ready, else None."""
    pods = operator_pods(kubectl, selector)
    ready = [p for p in pods if p["status"].get("phase") == "Running" and any(
        c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))]
    return ready if len(ready) == count == len(pods) else None


def lease_holder(kubectl, name=RELEASE):
    lease = kubectl.get("lease", name, OPERATOR_NS) or {}
    return lease.get("spec", {}).get("holderIdentity", "")


def leader_pod(kubectl, pods, lease=RELEASE):
    """The pod whose name the Lease's holder identity starts with (identity: pod_random)."""
    holder = lease_holder(kubectl, lease)
    leaders = [p["metadata"]["name"] for p in pods if holder.startswith(p["metadata"]["name"] + "_")]
    return leaders[0] if len(leaders) == 1 else None


def secret_password(kubectl, name):
    return (kubectl.secret_data(name, NS) or {}).get("password")


def rotate_now(kubectl, value):
    kubectl.run("annotate", "--overwrite", "-n", NS, "dcsinstance", "cache",
                f"rotor.dev/rotate-now={value}")


def chart_values(sim_host):
    return ["--set", "image.repository=localhost/rotor", "--set", "image.tag=test",
            "--set", "image.pullPolicy=Never",
            "--set", f"endpointPolicy.allowedHosts[0]={sim_host}",
            "--set", "endpointPolicy.allowPlainHttp=true"]


def test_helm_install_runs_two_pods_and_one_leads(cluster, helm, kubectl):
    helm("install", RELEASE, "charts/rotor", "-n", OPERATOR_NS, "--create-namespace",
         *chart_values(cluster[1]))
    pods = wait_for(lambda: ready_pods(kubectl, 2), POD_START, 1, "two ready operator pods")
    leader = wait_for(lambda: leader_pod(kubectl, pods), POD_START, 1, "a leader")
    assert leader in {p["metadata"]["name"] for p in pods}
    # Each pod runs as the chart says: non-root, read-only root, its in-cluster identity.
    spec = pods[0]["spec"]
    assert spec["serviceAccountName"] == RELEASE
    container = spec["containers"][0]
    assert container["image"] == "localhost/rotor:test"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    uid = kubectl.run("exec", "-n", OPERATOR_NS, leader, "--", "/usr/local/bin/rotor", "--version")
    assert uid.stdout.startswith("rotor ")


def test_a_rotation_from_inside_the_cluster_opens_redis(cluster, kubectl, sim, redis):
    kubectl.run("create", "namespace", NS)
    sim_account(kubectl, NS, sim.pod_url, AK, SK, PROJECT)
    kubectl.apply({"apiVersion": "rotor.dev/v1alpha1", "kind": "DcsInstance",
                   "metadata": {"name": "cache"},
                   "spec": {"cloudAccountRef": {"name": "sim"}, "instanceId": "dcs-node",
                            "rotation": {"interval": "720h", "firstRotation": "Immediate"},
                            "secret": {"name": "cache-password"}}}, NS)
    pw = wait_for(lambda: secret_password(kubectl, "cache-password"), ROTATION, 1, "the Secret")
    assert sim.instance("dcs-node")["password"] == pw
    assert redis.ping(pw) == "PONG"
    assert "PONG" not in redis.ping(FIRST)
    ready = wait_for(lambda: kubectl.condition("dcsinstance", "cache", NS, "Ready"), 30, 1, "Ready")
    assert ready["status"] == "True"
    # Only the leader rotated: the standby logged no rotation.
    pods = operator_pods(kubectl)
    leader = leader_pod(kubectl, pods)
    for p in pods:
        log = kubectl.run("logs", "-n", OPERATOR_NS, p["metadata"]["name"]).stdout
        assert (p["metadata"]["name"] == leader) == ("password rotated" in log), log[-2000:]
        assert pw not in log and SK not in log


def test_helm_upgrade_with_a_changed_value_rolls_out_and_keeps_rotating(cluster, helm, kubectl, redis):
    before = {p["metadata"]["name"] for p in operator_pods(kubectl)}
    helm("upgrade", RELEASE, "charts/rotor", "-n", OPERATOR_NS, *chart_values(cluster[1]),
         "--set", "workers=3", "--wait", "--timeout", "180s")
    pods = wait_for(lambda: (p := ready_pods(kubectl, 2)) and
                    not before & {x["metadata"]["name"] for x in p} and p, POD_START, 1,
                    "two new ready pods")
    for p in pods:
        assert "--workers=3" in p["spec"]["containers"][0]["args"]
    wait_for(lambda: leader_pod(kubectl, pods), POD_START, 1, "a leader among the new pods")
    old = secret_password(kubectl, "cache-password")
    rotate_now(kubectl, "after-upgrade")
    new = wait_for(lambda: (p := secret_password(kubectl, "cache-password")) != old and p,
                   ROTATION, 1, "a rotation after the upgrade")
    assert redis.ping(new) == "PONG"


def test_another_replica_takes_over_when_the_leader_pod_is_deleted(cluster, kubectl, sim, redis):
    pods = ready_pods(kubectl, 2)
    leader = leader_pod(kubectl, pods)
    kubectl.run("delete", "pod", "-n", OPERATOR_NS, leader, "--wait=false")
    started = time.time()
    # A deleted pod gets SIGTERM and hands the Lease back, so a standby need not wait for it
    # to expire (15 s). Usually the standby takes it; the pod the ReplicaSet starts in the
    # deleted one's place may win that race, which is as good.
    holder = wait_for(lambda: (h := lease_holder(kubectl)) and not h.startswith(leader + "_") and h,
                      60, 0.5, f"another replica to lead after {leader}")
    took = time.time() - started
    old = secret_password(kubectl, "cache-password")
    calls = len(sim.calls("dcs-node"))
    rotate_now(kubectl, "after-takeover")
    new = wait_for(lambda: (p := secret_password(kubectl, "cache-password")) != old and p,
                   ROTATION, 1, "a rotation by the new leader")
    assert redis.ping(new) == "PONG"
    assert sim.instance("dcs-node")["password"] == new
    # One rotation, one password applied (a reset is one call here).
    applied = [c for c in sim.calls("dcs-node")[calls:] if c.get("method") in ("PUT", "POST")]
    assert len(applied) == 1, applied
    print(f"{holder.split('_')[0]} took over {took:.1f}s after the leader pod was deleted")


def test_helm_uninstall_leaves_crds_resources_and_secrets(cluster, helm, kubectl):
    pw = secret_password(kubectl, "cache-password")
    helm("uninstall", RELEASE, "-n", OPERATOR_NS, "--wait")
    wait_for(lambda: not operator_pods(kubectl), POD_START, 1, "the operator pods to go")
    assert kubectl.get("crd", "dcsinstances.rotor.dev") is not None
    assert kubectl.get("dcsinstance", "cache", NS) is not None
    assert kubectl.get("cloudaccount", "sim", NS) is not None
    assert secret_password(kubectl, "cache-password") == pw
    assert kubectl.secret_data("cloud-creds", NS)["secretKey"] == SK
    assert kubectl.get("secret", "rotor-record.dcsinstance.cache", NS) is not None


def test_kubectl_apply_k_deploy_runs_the_same_image(cluster, kubectl):
    deployment = (ROOT / "deploy" / "manifests" / "deployment.yaml").read_text()
    image = next(line.split("image:", 1)[1].split("#")[0].strip()
                 for line in deployment.splitlines() if "image:" in line)
    env = cluster[2]
    subprocess.run([str(ROOT / "scripts" / "cluster"), "ctr", "images", "tag", "--force",
                    "localhost/rotor:test", image], env=env, check=True, capture_output=True)
    kubectl.run("apply", "-k", str(ROOT / "deploy"))
    selector = "app.kubernetes.io/name=rotor"
    pods = wait_for(lambda: ready_pods(kubectl, 1, selector), POD_START, 1, "the kustomize pod")
    assert pods[0]["spec"]["containers"][0]["image"] == image
    # deploy/ admits only the cloud's own endpoints: the simulator's plain-http address is
    # refused before any Secret is read, and the Secret stays as it was.
    pw = secret_password(kubectl, "cache-password")
    rotate_now(kubectl, "kustomize")
    cond = wait_for(lambda: (c := kubectl.condition("dcsinstance", "cache", NS, "Ready")) and
                    c.get("reason") == "EndpointNotAllowed" and c, ROTATION, 1, "EndpointNotAllowed")
    assert cond["status"] == "False"
    assert secret_password(kubectl, "cache-password") == pw
    secret = kubectl.get("secret", "cache-password", NS)
    assert base64.b64decode(secret["data"]["password"]).decode() == pw
