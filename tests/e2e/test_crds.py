"""The rotor.dev/v1alpha1 CRDs against a real kube-apiserver.

Installs crds/*.yaml into the control plane of `scripts/controlplane up`, checks that
every examples/ manifest is accepted, that invalid objects are refused with a message
naming the broken rule (OpenAPI schema and CEL x-kubernetes-validations), that defaults
are applied, and that printer columns, the `rotor` category and short names work.

Objects are created in the namespace rotor-crd-tests (names carry a per-run suffix)
and deleted afterwards; most checks use server-side dry-run and store nothing. The
namespace itself is kept: without kube-controller-manager a deleted namespace never
finishes terminating.
"""
import copy
import json
import pathlib
import re
import subprocess
import sys
import uuid

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CRDS = ROOT / "crds"
EXAMPLES = ROOT / "examples"
KUBECTL = "/usr/bin/kubectl"
NS = "rotor-crd-tests"
RUN = uuid.uuid4().hex[:6]
API = "rotor.dev/v1alpha1"

CRD_NAMES = {
    "CloudAccount": "cloudaccounts.rotor.dev",
    "ClusterCloudAccount": "clustercloudaccounts.rotor.dev",
    "DcsInstance": "dcsinstances.rotor.dev",
    "DdmAccount": "ddmaccounts.rotor.dev",
    "DmsInstance": "dmsinstances.rotor.dev",
}


class Kubectl:
    def __init__(self, kubeconfig, cache_dir):
        self.base = [KUBECTL, f"--kubeconfig={kubeconfig}", f"--cache-dir={cache_dir}",
                     "--request-timeout=30s"]

    def run(self, *args, stdin=None, check=True):
        if stdin is not None and not isinstance(stdin, str):
            stdin = json.dumps(stdin)
        p = subprocess.run(self.base + list(args), input=stdin, capture_output=True,
                           text=True, timeout=120)
        if check and p.returncode != 0:
            pytest.fail(f"kubectl {' '.join(args)} failed ({p.returncode}):\n"
                        f"{p.stdout}\n{p.stderr}")
        return p

    def json(self, *args, **kw):
        return json.loads(self.run(*args, "-o", "json", **kw).stdout)


@pytest.fixture(scope="module")
def kubectl(kubeconfig, tmp_path_factory):
    """kubectl against the control plane, with the CRDs installed and Established."""
    boot = Kubectl(kubeconfig, tmp_path_factory.mktemp("kubectl-cache-boot"))
    # Server-side apply: no last-applied annotation (size limit) and idempotent;
    # force-conflicts takes over fields another applier (a test run, the lead's
    # demo) may own.
    p = boot.run("apply", "--server-side", "--force-conflicts", "--field-manager=rotor-tests",
                 "-f", str(CRDS))
    assert "Warning" not in p.stderr, p.stderr
    boot.run("wait", "--for=condition=Established", "--timeout=60s",
             *[f"crd/{n}" for n in CRD_NAMES.values()])
    # A fresh discovery cache, so short names and the category are seen right away.
    k = Kubectl(kubeconfig, tmp_path_factory.mktemp("kubectl-cache"))
    if k.run("get", "namespace", NS, check=False).returncode != 0:
        k.run("create", "namespace", NS)
    return k


# ---- valid baseline objects -----------------------------------------------------


def rotated(kind, name=None, **spec_extra):
    spec = {
        "cloudAccountRef": {"name": "sim"},
        "instanceId": "inst-1",
        "rotation": {"interval": "720h"},
        "secret": {"name": "out"},
    }
    if kind == "DdmAccount":
        spec["username"] = "app"
    spec.update(spec_extra)
    return {
        "apiVersion": API,
        "kind": kind,
        "metadata": {"name": name or f"t-{kind.lower()}-{RUN}", "namespace": NS},
        "spec": spec,
    }


def account(kind, **spec_extra):
    cluster = kind == "ClusterCloudAccount"
    spec = {
        "region": "eu-de",
        "projectId": "0123456789abcdef0123456789abcdef",
        "credentials": {"secretRef": {"name": "creds"}},
    }
    if cluster:
        spec["credentials"]["secretRef"]["namespace"] = NS
        spec["allowedNamespaces"] = {"names": [NS]}
    spec.update(spec_extra)
    meta = {"name": f"t-{kind.lower()}-{RUN}"}
    if not cluster:
        meta["namespace"] = NS
    return {"apiVersion": API, "kind": kind, "metadata": meta, "spec": spec}


def dry_run_create(kubectl, obj):
    return kubectl.run("create", "--dry-run=server", "-o", "json", "-f", "-", stdin=obj,
                       check=False)


def with_(obj, path, value):
    """A copy of obj with the field at dotted path set (value DELETE removes it)."""
    obj = copy.deepcopy(obj)
    *parents, last = path.split(".")
    node = obj
    for p in parents:
        node = node.setdefault(p, {})
    if value is DELETE:
        node.pop(last, None)
    else:
        node[last] = value
    return obj


DELETE = object()

VALID = [rotated("DcsInstance"), rotated("DdmAccount"), rotated("DmsInstance"),
         account("CloudAccount"), account("ClusterCloudAccount")]


# ---- CRDs and examples -------------------------------------------------------------


def test_crds_are_established(kubectl):
    for kind, name in CRD_NAMES.items():
        crd = kubectl.json("get", "crd", name)
        conds = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
        assert conds.get("Established") == "True", (name, conds)
        assert conds.get("NamesAccepted") == "True", (name, conds)
        assert crd["spec"]["names"]["kind"] == kind
        assert crd["spec"]["names"]["categories"] == ["rotor"]
        version = crd["spec"]["versions"][0]
        assert version["name"] == "v1alpha1" and version["subresources"] == {"status": {}}


def test_generated_crds_are_up_to_date():
    pytest.importorskip("yaml")
    p = subprocess.run([sys.executable, str(CRDS / "generate.py"), "--check"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("obj", VALID, ids=lambda o: o["kind"])
def test_valid_baseline_is_accepted(kubectl, obj):
    p = dry_run_create(kubectl, obj)
    assert p.returncode == 0, p.stderr


def example_files():
    return sorted(EXAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_example_is_accepted(kubectl, path):
    # Server-side dry-run runs the full validation (schema, CEL, admission) but stores
    # nothing, so no operator acts on these objects.
    p = kubectl.run("apply", "--server-side", "--dry-run=server", "-f", str(path),
                    "-o", "json", check=False)
    assert p.returncode == 0, p.stderr
    assert "Warning" not in p.stderr, p.stderr


def test_examples_cover_every_kind(kubectl):
    kinds = set()
    for path in example_files():
        out = kubectl.run("apply", "--server-side", "--dry-run=server", "-f", str(path),
                          "-o", "json").stdout
        doc = json.loads(out)
        for item in doc.get("items", [doc]):
            kinds.add(item["kind"])
    assert set(CRD_NAMES) | {"Secret"} <= kinds, kinds


# ---- refused objects -----------------------------------------------------------------

DCS = rotated("DcsInstance")
DDM = rotated("DdmAccount")
DMS = rotated("DmsInstance")
CA = account("CloudAccount")
CCA = account("ClusterCloudAccount")

REFUSED = [
    # (id, object, text the apiserver's message must contain)
    ("interval-and-schedule",
     with_(DCS, "spec.rotation", {"interval": "1h", "schedule": "0 3 * * *"}),
     "rotation.interval and rotation.schedule are mutually exclusive"),
    ("neither-interval-nor-schedule",
     with_(DCS, "spec.rotation", {"suspend": True}),
     "rotation needs one of interval or schedule"),
    ("length-7", with_(DCS, "spec.password", {"length": 7}),
     "spec.password.length: Invalid value: 7: spec.password.length in body should be "
     "greater than or equal to 8"),
    ("length-33", with_(DDM, "spec.password", {"length": 33}),
     "spec.password.length in body should be less than or equal to 32"),
    ("length-33-dms", with_(DMS, "spec.password", {"length": 33}),
     "spec.password.length in body should be less than or equal to 32"),
    ("passwordFree-with-Change",
     with_(with_(DCS, "spec.method", "Change"), "spec.passwordFree", True),
     "passwordFree needs method Reset or Auto"),
    ("cron-4-fields", with_(DCS, "spec.rotation", {"schedule": "0 3 * *"}),
     "schedule must be a 5-field cron expression"),
    ("cron-6-fields", with_(DDM, "spec.rotation", {"schedule": "0 0 3 * * *"}),
     "schedule must be a 5-field cron expression"),
    ("cron-every", with_(DMS, "spec.rotation", {"schedule": "@every 1h"}),
     "schedule must be a 5-field cron expression"),
    ("ddm-without-username", with_(DDM, "spec.username", DELETE),
     "spec.username: Required value"),
    ("equal-password-keys",
     with_(DCS, "spec.secret", {"name": "out", "passwordKey": "pw", "previousPasswordKey": "pw"}),
     "secret.passwordKey and secret.previousPasswordKey must differ"),
    ("equal-keys-via-default",
     with_(DMS, "spec.secret", {"name": "out", "previousPasswordKey": "password"}),
     "secret.passwordKey and secret.previousPasswordKey must differ"),
    ("bad-secret-key", with_(DCS, "spec.secret", {"name": "out", "passwordKey": "pass word"}),
     "spec.secret.passwordKey in body should match"),
    ("dotdot-secret-key", with_(DCS, "spec.secret", {"name": "out", "passwordKey": ".."}),
     "a Secret key must not be '.' or '..'"),
    ("cluster-account-without-allowedNamespaces",
     with_(CCA, "spec.allowedNamespaces", DELETE), "spec.allowedNamespaces: Required value"),
    ("cluster-account-empty-allowedNamespaces",
     with_(CCA, "spec.allowedNamespaces", {"names": []}),
     "allowedNamespaces needs at least one of names or selector"),
    ("cluster-secretRef-without-namespace",
     with_(CCA, "spec.credentials", {"secretRef": {"name": "creds"}}),
     "spec.credentials.secretRef.namespace: Required value"),
    ("selector-In-without-values",
     with_(CCA, "spec.allowedNamespaces",
           {"selector": {"matchExpressions": [{"key": "team", "operator": "In"}]}}),
     "operators In and NotIn need values"),
    ("timeZone-without-schedule",
     with_(DCS, "spec.rotation", {"interval": "1h", "timeZone": "Europe/Berlin"}),
     "rotation.timeZone applies only to rotation.schedule"),
    ("interval-in-days", with_(DCS, "spec.rotation", {"interval": "30d"}),
     "must be a positive duration made of h, m and s units"),
    ("interval-zero", with_(DCS, "spec.rotation", {"interval": "0s"}),
     "must be a positive duration made of h, m and s units"),
    ("jitter-not-shorter-than-interval",
     with_(DCS, "spec.rotation", {"interval": "1h", "jitter": "60m"}),
     "rotation.jitter must be shorter than rotation.interval"),
    ("empty-instanceId", with_(DCS, "spec.instanceId", ""),
     "spec.instanceId in body should be at least 1 chars long"),
    ("no-instanceId", with_(DMS, "spec.instanceId", DELETE), "spec.instanceId: Required value"),
    ("no-cloudAccountRef-name", with_(DCS, "spec.cloudAccountRef", {"kind": "CloudAccount"}),
     "spec.cloudAccountRef.name: Required value"),
    ("bad-cloudAccountRef-kind", with_(DCS, "spec.cloudAccountRef", {"name": "a", "kind": "Foo"}),
     "spec.cloudAccountRef.kind: Unsupported value"),
    ("bad-method", with_(DCS, "spec.method", "Rotate"), "spec.method: Unsupported value"),
    ("bad-engine", with_(DMS, "spec.engine", "Pulsar"), "spec.engine: Unsupported value"),
    ("empty-specialCharacters", with_(DCS, "spec.password", {"specialCharacters": ""}),
     "spec.password.specialCharacters in body should be at least 1 chars long"),
    # '%' is in the newest DCS reset doc but not in the change doc nor the older reset doc.
    ("dcs-special-outside-intersection", with_(DCS, "spec.password", {"specialCharacters": "!%"}),
     "specialCharacters may only contain characters that every version"),
    ("ddm-special-outside-intersection", with_(DDM, "spec.password", {"specialCharacters": "$"}),
     "specialCharacters may only contain characters that every version"),
    ("account-both-credentials",
     with_(CA, "spec.credentials", {"secretRef": {"name": "c"}, "iam": {
         "domain": "d", "username": "u", "passwordSecretRef": {"name": "p"}}}),
     "credentials need exactly one of secretRef, iam"),
    ("account-no-credentials", with_(CA, "spec.credentials", {}),
     "credentials need exactly one of secretRef, iam"),
    # rotor's own identity acts as the operator: not for a namespaced account (the field
    # does not exist there).
    ("namespaced-account-oidc", with_(CA, "spec.credentials", {"oidc": {"providerId": "idp"}}),
     'unknown field "spec.credentials.oidc"'),
    ("cluster-account-two-identities",
     with_(CCA, "spec.credentials", {"oidc": {"providerId": "idp"}, "ecsMetadata": {}}),
     "credentials need exactly one of secretRef, iam, oidc, podIdentity, ecsMetadata"),
    ("pod-identity-on-otc",
     with_(with_(CCA, "spec.credentials", {"podIdentity": {}}), "spec.cloud", "OpenTelekomCloud"),
     "credentials.podIdentity (CCE Pod Identity) exists on HuaweiCloud only"),
    ("allowedInstances-bad-pattern",
     with_(CCA, "spec.allowedInstances", [{"dcs": ["a*b"]}]),
     "spec.allowedInstances[0].dcs[0] in body should match"),
    ("account-endpoint-scheme", with_(CA, "spec.endpoints", {"dcs": "ftp://dcs.example"}),
     "must be a URL starting with https:// or http://"),
    ("account-endpoint-not-url", with_(CA, "spec.endpoints", {"ddm": "http://"}),
     "must be a URL starting with https:// or http://"),
    ("account-bad-cloud", with_(CA, "spec.cloud", "AWS"), "spec.cloud: Unsupported value"),
    ("account-no-region", with_(CA, "spec.region", DELETE), "spec.region: Required value"),
    ("account-no-projectId", with_(CA, "spec.projectId", DELETE), "spec.projectId: Required value"),
]


@pytest.mark.parametrize("obj,message", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_invalid_object_is_refused(kubectl, obj, message):
    p = dry_run_create(kubectl, obj)
    assert p.returncode != 0, f"accepted:\n{p.stdout}"
    assert message in p.stderr, p.stderr


@pytest.mark.parametrize("obj", [
    with_(DCS, "spec.rotation", {"schedule": "*/15 2-5 1,15 JAN-MAR MON-FRI",
                                 "timeZone": "Europe/Berlin", "jitter": "5m"}),
    with_(DCS, "spec.rotation", {"schedule": "@daily", "timeZone": "UTC"}),
    with_(DCS, "spec.rotation", {"interval": "1h30m", "jitter": "10m", "suspend": True}),
    with_(with_(DCS, "spec.method", "Reset"), "spec.passwordFree", True),
    with_(DCS, "spec.password", {"length": 8, "specialCharacters": "`~!@#$^&*()-_=+|{},<.>/?"}),
    with_(DDM, "spec.password", {"length": 32, "specialCharacters": "~!@#%^*-_+?"}),
    with_(DMS, "spec.password", {"specialCharacters": "`~!@#$%^&*()-_=+\\|[{}];:'\",<.>/? "}),
    with_(DMS, "spec.engine", "RabbitMQ"),
    with_(DCS, "spec.cloudAccountRef", {"name": "shared", "kind": "ClusterCloudAccount"}),
    with_(CA, "spec.credentials", {"iam": {"domain": "acme", "username": "rotor",
                                           "passwordSecretRef": {"name": "iam-pw"}}}),
    with_(CA, "spec.tls", {"caSecretRef": {"name": "ca"}}),
    with_(CCA, "spec.allowedNamespaces", {"selector": {}}),
    with_(CCA, "spec.allowedNamespaces", {"selector": {"matchExpressions": [
        {"key": "team", "operator": "In", "values": ["a"]},
        {"key": "x", "operator": "Exists"}]}}),
    with_(CCA, "spec.credentials", {"oidc": {"providerId": "my-cluster"}}),
    with_(CCA, "spec.credentials", {"podIdentity": {}}),
    with_(CCA, "spec.credentials", {"ecsMetadata": {}}),
    with_(CCA, "spec.allowedInstances", [
        {"name": "team-a", "namespaces": {"names": ["team-a"]}, "dcs": ["team-a-*", "x1"],
         "ddm": ["*"]},
        {"namespaces": {"selector": {"matchLabels": {"tier": "prod"}}}, "dms": ["k-1"]}]),
], ids=["cron-names-ranges-steps", "cron-macro", "interval-jitter-suspend", "passwordFree-Reset",
        "dcs-all-specials", "ddm-all-specials", "dms-all-specials-and-space", "rabbitmq",
        "cluster-account-ref", "iam-credentials", "tls-ca", "selector-all-namespaces",
        "selector-expressions", "cluster-oidc", "cluster-pod-identity", "cluster-ecs-metadata",
        "allowed-instances"])
def test_valid_variant_is_accepted(kubectl, obj):
    p = dry_run_create(kubectl, obj)
    assert p.returncode == 0, p.stderr


# ---- defaults, immutability, status ----------------------------------------------


@pytest.fixture
def created(kubectl):
    """Creates objects for real; deletes them after the test."""
    made = []

    def create(obj):
        kubectl.run("create", "-f", "-", stdin=obj)
        made.append(obj)
        return obj

    yield create
    for obj in made:
        ns = ["-n", obj["metadata"]["namespace"]] if "namespace" in obj["metadata"] else []
        kubectl.run("delete", obj["kind"].lower() + ".rotor.dev", obj["metadata"]["name"],
                    *ns, "--ignore-not-found", "--wait=false", check=False)


def test_defaults_are_applied(kubectl, created):
    minimal = {
        "apiVersion": API, "kind": "DcsInstance",
        "metadata": {"name": f"minimal-{RUN}", "namespace": NS},
        "spec": {"cloudAccountRef": {"name": "sim"}, "instanceId": "dcs-1",
                 "rotation": {"interval": "1h"}, "secret": {"name": "dcs-1-password"}},
    }
    created(minimal)
    spec = kubectl.json("get", "dcsinstance", minimal["metadata"]["name"], "-n", NS)["spec"]
    assert spec["method"] == "Auto"
    assert spec["passwordFree"] is False
    assert spec["cloudAccountRef"] == {"name": "sim", "kind": "CloudAccount"}
    assert spec["secret"] == {"name": "dcs-1-password", "passwordKey": "password",
                              "previousPasswordKey": "previous-password"}
    assert spec["password"] == {"length": 32}
    assert spec["rotation"] == {"interval": "1h", "suspend": False, "firstRotation": "AfterInterval"}


def test_defaults_of_other_kinds(kubectl):
    dms = json.loads(dry_run_create(kubectl, DMS).stdout)["spec"]
    assert dms["engine"] == "Kafka" and dms["password"] == {"length": 32}
    ca = json.loads(dry_run_create(kubectl, with_(CA, "spec.credentials", {"iam": {
        "domain": "acme", "username": "rotor", "passwordSecretRef": {"name": "pw"}}})).stdout)
    assert ca["spec"]["cloud"] == "HuaweiCloud"
    assert ca["spec"]["credentials"]["iam"]["passwordSecretRef"]["key"] == "password"


@pytest.mark.parametrize("field,value,message", [
    ("spec.instanceId", "other", "instanceId is immutable"),
    ("spec.username", "other", "username is immutable"),
    ("spec.engine", "RabbitMQ", "engine is immutable"),
])
def test_identity_fields_are_immutable(kubectl, created, field, value, message):
    kind = {"spec.instanceId": "DcsInstance", "spec.username": "DdmAccount",
            "spec.engine": "DmsInstance"}[field]
    obj = created(rotated(kind, name=f"immutable-{field.split('.')[1].lower()}-{RUN}"))
    patch = with_({}, field, value)
    p = kubectl.run("patch", kind.lower() + ".rotor.dev", obj["metadata"]["name"], "-n", NS,
                    "--type=merge", "-p", json.dumps(patch), check=False)
    assert p.returncode != 0 and message in p.stderr, p.stderr
    # Other fields stay editable.
    kubectl.run("patch", kind.lower() + ".rotor.dev", obj["metadata"]["name"], "-n", NS,
                "--type=merge", "-p", json.dumps({"spec": {"rotation": {"suspend": True}}}))


def header_and_rows(text):
    lines = [line for line in text.splitlines() if line.strip()]
    split = [re.split(r"\s{2,}", line.strip()) for line in lines]
    return split[0], split[1:]


def test_printer_columns_and_status_subresource(kubectl, created):
    obj = created(rotated("DcsInstance", name=f"columns-{RUN}", instanceId="dcs-columns"))
    name = obj["metadata"]["name"]
    status = {"status": {
        "observedGeneration": 1,
        "conditions": [
            {"type": "Ready", "status": "True", "reason": "Rotated", "message": "",
             "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": 1},
            {"type": "Locked", "status": "False", "reason": "NotLocked", "message": "",
             "lastTransitionTime": "2026-01-01T00:00:00Z"},
        ],
        "lastRotationTime": "2026-01-01T00:00:00Z",
        "nextRotationTime": "2099-01-31T00:00:00Z",
        "rotationCount": 3,
        "resetUnsupported": True,
        "lastRotateNowValue": "x",
        "lastError": {"code": "DCS.4049", "message": "instance not running"},
        "pendingSince": "2026-01-01T00:00:00Z",
        "lockedUntil": "2026-01-01T00:05:00Z",
        "phase": "Unconfirmed",
        "blockedReason": "NeedsConfirmation",
    }}
    kubectl.run("patch", "dcsinstance", name, "-n", NS, "--subresource=status",
                "--type=merge", "-p", json.dumps(status))
    got = kubectl.json("get", "dcsinstance", name, "-n", NS)
    # Every field the operator writes survives (unknown status fields would be pruned).
    assert got["status"] == status["status"]
    # Spec changes through the main resource can't touch status, and vice versa.
    kubectl.run("patch", "dcsinstance", name, "-n", NS, "--type=merge",
                "-p", json.dumps({"status": {"rotationCount": 99}}))
    assert kubectl.json("get", "dcsinstance", name, "-n", NS)["status"]["rotationCount"] == 3

    header, rows = header_and_rows(kubectl.run("get", "dcsinstances", "-n", NS).stdout)
    assert header == ["NAME", "INSTANCE", "READY", "LAST ROTATION", "NEXT ROTATION", "AGE"]
    row = next(r for r in rows if r[0] == name)
    assert row[1] == "dcs-columns" and row[2] == "True"
    assert re.fullmatch(r"\d+[smhdy].*", row[3]), row  # a relative age, e.g. 326d
    assert row[4] == "2099-01-31T00:00:00Z", row

    for resource, extra in [("ddmaccounts", ["USERNAME"]), ("dmsinstances", ["ENGINE"])]:
        created(rotated({"ddmaccounts": "DdmAccount", "dmsinstances": "DmsInstance"}[resource],
                        name=f"columns-{RUN}"))
        header, _ = header_and_rows(kubectl.run("get", resource, "-n", NS).stdout)
        assert header == ["NAME", "INSTANCE", *extra, "READY", "LAST ROTATION",
                          "NEXT ROTATION", "AGE"]
    created(account("CloudAccount"))
    header, _ = header_and_rows(kubectl.run("get", "cloudaccounts", "-n", NS).stdout)
    assert header == ["NAME", "CLOUD", "REGION", "READY", "AGE"]


def test_bad_status_is_refused(kubectl, created):
    obj = created(rotated("DmsInstance", name=f"badstatus-{RUN}"))
    bad = {"status": {"conditions": [{"type": "Ready", "status": "Yes", "reason": "X",
                                      "message": "",
                                      "lastTransitionTime": "2026-01-01T00:00:00Z"}]}}
    p = kubectl.run("patch", "dmsinstance", obj["metadata"]["name"], "-n", NS,
                    "--subresource=status", "--type=merge", "-p", json.dumps(bad), check=False)
    assert p.returncode != 0 and "Unsupported value" in p.stderr, p.stderr


# ---- category and short names ---------------------------------------------------


@pytest.fixture
def one_of_each(kubectl, created):
    objs = [rotated("DcsInstance", name=f"each-{RUN}"), rotated("DdmAccount", name=f"each-{RUN}"),
            rotated("DmsInstance", name=f"each-{RUN}"), account("CloudAccount"),
            account("ClusterCloudAccount")]
    for obj in objs:
        created(obj)
    return objs


def test_category_lists_every_kind(kubectl, one_of_each):
    out = kubectl.run("get", "rotor", "-n", NS, "-o", "name").stdout.split()
    for obj in one_of_each:
        assert f"{obj['kind'].lower()}.rotor.dev/{obj['metadata']['name']}" in out, out


@pytest.mark.parametrize("short,kind", [
    ("dcs", "DcsInstance"), ("ddm", "DdmAccount"), ("dms", "DmsInstance"),
    ("ca", "CloudAccount"), ("cca", "ClusterCloudAccount")])
def test_short_names(kubectl, one_of_each, short, kind):
    obj = next(o for o in one_of_each if o["kind"] == kind)
    out = kubectl.run("get", short, obj["metadata"]["name"], "-n", NS, "-o", "name").stdout
    assert out.strip() == f"{kind.lower()}.rotor.dev/{obj['metadata']['name']}"
