"""rotor without a static AK/SK, on the real control plane: the apiserver issues real
service-account tokens (TokenRequest API) and publishes its keys (OIDC discovery, JWKS); the
simulator plays IAM and checks each token's signature against those keys, its issuer,
audience, expiry and subject. Pod Identity and the ECS metadata service are played by the
simulator too. No AK/SK is given to rotor anywhere in this file.
"""
import json
import os
import pathlib
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from support.kube import Kubectl  # noqa: E402
from support.procs import CloudSim, Redis, Rotor, wait_for  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
# A namespace of this run's own: a reused control plane keeps the last run's objects.
NS = f"rotor-identity-{os.getpid()}"
SA = "rotor-federated"
AUDIENCE = "iam.rotor-test"
IDP = "rotor-cluster-idp"
PROJECT = "0123456789abcdef0123456789abcdef"
FIRST = "First#Passw0rd1"
POD_TOKEN = "pod-identity-token-value-0001"


@pytest.fixture(scope="module")
def kubectl(kubeconfig):
    k = Kubectl(kubeconfig)
    k.run("apply", "-f", str(ROOT / "crds"))
    k.run("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
    k.run("create", "namespace", NS, check=False)
    k.run("create", "serviceaccount", SA, "-n", NS, check=False)
    return k


def issue_token(kubectl, audience, seconds=600):
    """A real projected-style token from the TokenRequest API."""
    return kubectl.run("create", "token", SA, "-n", NS, f"--audience={audience}",
                       f"--duration={seconds}s").stdout.strip()


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    r = Redis(tmp_path_factory.mktemp("redis-identity"), FIRST)
    yield r
    r.stop()


@pytest.fixture(scope="module")
def sim(kubectl, build_dir, tmp_path_factory, redis):
    work = tmp_path_factory.mktemp("sim-identity")
    discovery = json.loads(kubectl.run("get", "--raw", "/.well-known/openid-configuration").stdout)
    (work / "jwks.json").write_text(kubectl.run("get", "--raw", "/openid/v1/jwks").stdout)
    (work / "pod-identity.token").write_text(POD_TOKEN)
    instances = "".join(
        f"  - {{id: {i}, service: dcs, project_id: {PROJECT}, password: \"{FIRST}\"{extra}}}\n"
        for i, extra in [("dcs-oidc", f", redis_port: {redis.port}"), ("dcs-pod", ""),
                         ("dcs-ecs", ""), ("dcs-badaud", "")])
    config = (
        f"instances:\n{instances}"
        f"oidc:\n  provider_id: {IDP}\n  issuer: {discovery['issuer']}\n"
        f"  audience: {AUDIENCE}\n  subjects: [\"system:serviceaccount:{NS}:{SA}\"]\n"
        f"  jwks_file: jwks.json\n  token_lifetime_seconds: 86400\n"
        "pod_identity: {token_file: pod-identity.token, lifetime_seconds: 3600}\n"
        "metadata: {lifetime_seconds: 3600}\n")
    # The simulator's own AK/SK exists for other tests; rotor is never given it.
    s = CloudSim(pathlib.Path(build_dir) / "rotor-cloudsim", work, config, "UNUSEDAK",
                 "unused-secret-key-0000")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def rotor(kubectl, sim, build_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("rotor-identity")
    token_file = work / "oidc-token"
    token_file.write_text(issue_token(kubectl, AUDIENCE))
    pod_token_file = work / "pod-token"
    pod_token_file.write_text(POD_TOKEN)
    # What CCE injects into a pod with a Pod Identity association.
    env = dict(os.environ, HC_CONTAINER_CREDENTIALS_FULL_URI=sim.url + "/pod-identity/credentials",
               HC_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(pod_token_file))
    env.pop("CLOUD_SDK_AK", None)
    env.pop("CLOUD_SDK_SK", None)
    r = Rotor(pathlib.Path(build_dir) / "rotor", kubectl.kubeconfig, work / "rotor.log",
              namespaces=[NS], env=env,
              extra_args=[f"--oidc-token-file={token_file}", f"--metadata-url={sim.url}"]).start()
    r.token_file = token_file
    yield r
    assert r.stop() == 0, r.log()[-3000:]


def cluster_account(kubectl, sim, name, credentials, instance):
    kubectl.apply({
        "apiVersion": "rotor.dev/v1alpha1", "kind": "ClusterCloudAccount",
        "metadata": {"name": f"{name}-{os.getpid()}"},
        "spec": {"region": "eu-de", "projectId": PROJECT,
                 "endpoints": {s: sim.url for s in ("dcs", "ddm", "dms", "iam")},
                 "credentials": credentials,
                 "allowedNamespaces": {"names": [NS]},
                 "allowedInstances": [{"namespaces": {"names": [NS]}, "dcs": [instance]}]}})


def dcs(kubectl, name, account, instance):
    kubectl.apply({
        "apiVersion": "rotor.dev/v1alpha1", "kind": "DcsInstance",
        "metadata": {"name": name},
        "spec": {"cloudAccountRef": {"kind": "ClusterCloudAccount",
                                     "name": f"{account}-{os.getpid()}"},
                 "instanceId": instance, "method": "Reset",
                 "rotation": {"interval": "720h", "firstRotation": "Immediate"},
                 "secret": {"name": f"{name}-password"}}}, NS)


def rotated(kubectl, sim, name, instance):
    def written():
        data = kubectl.secret_data(f"{name}-password", NS)
        return data.get("password") if data else None
    pw = wait_for(written, 40, what=f"{name}'s Secret")
    assert sim.instance(instance)["password"] == pw
    return pw


def test_oidc_federation_of_a_real_service_account_token(kubectl, sim, redis, rotor):
    cluster_account(kubectl, sim, "federated", {"oidc": {"providerId": IDP}}, "dcs-oidc")
    dcs(kubectl, "oidc", "federated", "dcs-oidc")
    pw = rotated(kubectl, sim, "oidc", "dcs-oidc")
    assert redis.ping(pw) == "PONG"  # the rotated password opens the real database
    exchanges = [c for c in sim.calls() if "id-token" in c.get("path", "")]
    assert exchanges and all(c["status"] == 201 for c in exchanges), exchanges


def test_cce_pod_identity(kubectl, sim, rotor):
    cluster_account(kubectl, sim, "pod-identity", {"podIdentity": {}}, "dcs-pod")
    dcs(kubectl, "pod", "pod-identity", "dcs-pod")
    rotated(kubectl, sim, "pod", "dcs-pod")
    assert any("pod-identity" in c.get("path", "") for c in sim.calls())


def test_ecs_agency_from_the_metadata_service(kubectl, sim, rotor):
    cluster_account(kubectl, sim, "ecs-agency", {"ecsMetadata": {}}, "dcs-ecs")
    dcs(kubectl, "ecs", "ecs-agency", "dcs-ecs")
    rotated(kubectl, sim, "ecs", "dcs-ecs")
    assert any("securitykey" in c.get("path", "") for c in sim.calls())


def test_a_wrong_audience_is_one_clear_refusal_and_no_retry_loop(kubectl, sim, rotor):
    # The kubelet would rotate the file; here it now holds a token for another audience,
    # and a new account (a new client) reads it.
    rotor.token_file.write_text(issue_token(kubectl, "not-the-iam-audience"))
    cluster_account(kubectl, sim, "bad-audience", {"oidc": {"providerId": IDP}}, "dcs-badaud")
    dcs(kubectl, "badaud", "bad-audience", "dcs-badaud")
    cond = wait_for(lambda: (c := kubectl.condition("dcsinstance", "badaud", NS, "Ready"))
                    and c.get("reason") == "AuthenticationFailed" and c, 40,
                    what="AuthenticationFailed")
    assert "IAM" in cond["message"] or "token" in cond["message"].lower(), cond
    before = [c for c in sim.calls() if "id-token" in c.get("path", "") and c["status"] == 401]
    kubectl.run("annotate", "dcsinstance", "badaud", "-n", NS, "--overwrite",
                "rotor.dev/rotate-now=again")
    for i in range(3):  # edits wake the resource; none may send the token again
        kubectl.run("label", "dcsinstance", "badaud", "-n", NS, "--overwrite", f"poke=p{i}")
    time.sleep(3)
    after = [c for c in sim.calls() if "id-token" in c.get("path", "") and c["status"] == 401]
    assert len(before) == 1 and len(after) == 1, (before, after)
    assert sim.instance("dcs-badaud")["password"] == FIRST
    # No token, JWT or temporary key in the log.
    log = rotor.log()
    assert "eyJ" not in log, "a JWT reached the log"
