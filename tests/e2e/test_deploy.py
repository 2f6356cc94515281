"""The install manifests (deploy/) and the Helm chart (charts/rotor) against a real
kube-apiserver (scripts/controlplane: RBAC on, no controller-manager, no nodes, so the
Deployment is stored but its pod never runs).

* deploy/ and deploy/namespaced/ apply with server-side dry-run, and so do
  `kubectl apply -f crds/ -f deploy/manifests/`;
* the RBAC of deploy/ is applied for real and checked as the `rotor` ServiceAccount
  itself (a token from the TokenRequest API): every verb the operator uses is allowed,
  dangerous ones and the ones it does not use are refused;
* when a build of the operator is there (ROTOR_BUILD_DIR, default build/), `rotor run`
  runs with that token and reconciles a DcsInstance (its cloud unreachable) without a
  single Forbidden: every call it made was allowed;
* the Helm chart lints, renders, applies with server-side dry-run, refuses bad values,
  grants what deploy/ grants, and with watchNamespaces confines Secrets to those
  namespaces (applied for real and checked with the chart's own ServiceAccount);
* charts/rotor/files/crds/ (what the chart's templates/crds.yaml renders) is a
  byte-for-byte copy of crds/.

helm comes from charts/build-helm.sh (built from its Go module once, then cached); the
Helm tests are skipped, with the reason, only when that build fails.

Namespaces are kept after the run (without kube-controller-manager a deleted namespace
never finishes terminating); everything here is applied idempotently, so a rerun against
the same control plane works.
"""
import base64
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time
import uuid

import pytest
import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from support.kube import token_kubeconfig  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
CRDS = ROOT / "crds"
DEPLOY = ROOT / "deploy"
MANIFESTS = DEPLOY / "manifests"
CHART = ROOT / "charts" / "rotor"
BUILD_HELM = ROOT / "charts" / "build-helm.sh"
BUILD = pathlib.Path(os.environ.get("ROTOR_BUILD_DIR", ROOT / "build"))
KUBECTL = "/usr/bin/kubectl"
HELM_BUILD_TIMEOUT = int(os.environ.get("ROTOR_HELM_BUILD_TIMEOUT", "1800"))

SA = "system:serviceaccount:rotor-system:rotor"
# A namespace the operator has no business with, but which it may serve when it watches
# all namespaces (its resources can be anywhere).
APP_NS = "rotor-deploy-tests"
# The chart's namespaced-mode release.
HELM_NS = "rotor-helm-tests"
HELM_WATCHED = "rotor-helm-watched"
HELM_CREDS = "rotor-helm-creds"
RUN = uuid.uuid4().hex[:6]

CRD_NAMES = sorted(f"{p}.rotor.dev" for p in
                   ["cloudaccounts", "clustercloudaccounts", "dcsinstances", "ddmaccounts",
                    "dmsinstances"])
ROTATED = ["dcsinstances.rotor.dev", "ddmaccounts.rotor.dev", "dmsinstances.rotor.dev"]
NAMESPACED_KINDS = ["cloudaccounts.rotor.dev", *ROTATED]


def run(cmd, *, check=True, timeout=120, stdin=None):
    p = subprocess.run([str(c) for c in cmd], input=stdin, capture_output=True, text=True,
                       timeout=timeout)
    if check and p.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} failed ({p.returncode}):\n"
                    f"{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p


def kubectl(kubeconfig, *args, check=True, stdin=None, timeout=120):
    return run([KUBECTL, f"--kubeconfig={kubeconfig}", "--request-timeout=30s", *args],
               check=check, stdin=stdin, timeout=timeout)


def ensure_namespace(kubeconfig, name):
    doc = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    kubectl(kubeconfig, "apply", "-f", "-", stdin=json.dumps(doc))


def docs(text):
    return [d for d in yaml.safe_load_all(text) if d]


def token_kubeconfig_for(admin_kubeconfig, namespace, name, path):
    return token_kubeconfig(admin_kubeconfig, namespace, name, path)


def can_i(kubeconfig, verb, resource, namespace=None, subresource=None):
    """`kubectl auth can-i` as the kubeconfig's user: True or False."""
    args = ["auth", "can-i", verb, resource]
    if subresource:
        args.append(f"--subresource={subresource}")
    args += ["-A"] if namespace == "*" else ["-n", namespace] if namespace else []
    p = kubectl(kubeconfig, *args, check=False)
    answer = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
    if answer not in ("yes", "no"):
        pytest.fail(f"kubectl {' '.join(args)}: unexpected answer {p.stdout!r} {p.stderr!r}")
    return answer == "yes"


def attributes(verb, resource, namespace=None, subresource=None):
    """SelfSubjectAccessReview resourceAttributes for a check written the way
    `kubectl auth can-i` takes it: resource[.group], namespace "*" for all namespaces."""
    plural, _, group = resource.partition(".")
    if plural == "*":
        group = "*"  # every resource of every API group
    attrs = {"verb": verb, "resource": plural, "group": group}
    if namespace and namespace != "*":
        attrs["namespace"] = namespace
    if subresource:
        attrs["subresource"] = subresource
    return attrs


def reviews(kubeconfig, checks):
    """The kubeconfig user's access for each check, from SelfSubjectAccessReviews (what
    `kubectl auth can-i` sends), all in one kubectl call: {check: allowed}."""
    items = [{"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": {"resourceAttributes": attributes(*c)}} for c in checks]
    out = kubectl(kubeconfig, "create", "-o", "json", "-f", "-",
                  stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": items})).stdout
    answers, decoder, pos = [], json.JSONDecoder(), 0
    while out[pos:].strip():
        pos += len(out[pos:]) - len(out[pos:].lstrip())
        obj, pos = decoder.raw_decode(out, pos)
        answers.extend(obj["items"] if obj.get("kind") == "List" else [obj])
    assert len(answers) == len(checks), out[-2000:]
    result = {}
    for check, answer in zip(checks, answers):
        sent = {k: v for k, v in attributes(*check).items() if v}
        got = {k: v for k, v in answer["spec"]["resourceAttributes"].items() if v}
        assert got == sent, (check, answer)  # kubectl kept the order
        result[check] = answer["status"].get("allowed", False)
    return result


def check_access(kubeconfig, allowed, denied):
    """Each entry is (verb, resource[.group], namespace, subresource); all mismatches are
    reported in one failure."""
    got = reviews(kubeconfig, list(dict.fromkeys(allowed + denied)))
    wrong = [f"allowed but should not be: {c}" for c in denied if got[c]]
    wrong += [f"refused but needed: {c}" for c in allowed if not got[c]]
    assert not wrong, "\n".join(wrong)


# ---- fixtures ----------------------------------------------------------------


@pytest.fixture(scope="module")
def admin(kubeconfig):
    """The admin kubeconfig, with the rotor.dev CRDs installed for real and the
    namespaces the tests use (a dry run cannot put objects in a namespace that a dry
    run "created")."""
    kubectl(kubeconfig, "apply", "--server-side", "--force-conflicts", "-f", CRDS)
    kubectl(kubeconfig, "wait", "--for=condition=Established", "--timeout=60s",
            *[f"crd/{n}" for n in CRD_NAMES])
    for ns in ("rotor-system", APP_NS, "apps", HELM_NS, HELM_WATCHED, HELM_CREDS):
        ensure_namespace(kubeconfig, ns)
    return kubeconfig


@pytest.fixture(scope="module")
def rotor_rbac(admin, tmp_path_factory):
    """deploy/'s ServiceAccount and RBAC applied for real; a token kubeconfig for it."""
    for f in ("namespace.yaml", "serviceaccount.yaml", "clusterrole.yaml",
              "clusterrolebinding.yaml", "leader-election.yaml"):
        kubectl(admin, "apply", "-f", MANIFESTS / f)
    path = tmp_path_factory.mktemp("deploy") / "rotor.kubeconfig"
    return token_kubeconfig_for(admin, "rotor-system", "rotor", path)


@pytest.fixture(scope="module")
def helm():
    """The pinned helm binary (charts/build-helm.sh); skips the test if it cannot be built."""
    try:
        p = subprocess.run([BUILD_HELM], cwd=ROOT, capture_output=True, text=True,
                           timeout=HELM_BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.skip(f"charts/build-helm.sh took longer than {HELM_BUILD_TIMEOUT}s")
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines or not os.access(lines[-1], os.X_OK):
        pytest.skip(f"helm could not be built (charts/build-helm.sh exited {p.returncode}):\n"
                    f"{p.stderr[-2000:]}")
    return pathlib.Path(lines[-1])


def helm_template(helm, *args, release="rotor", namespace="rotor-system", check=True):
    return run([helm, "template", release, CHART, "--namespace", namespace, *args], check=check)


# ---- (a) deploy/ with kustomize and plain -f ----------------------------------


def require_crds_kustomization():
    assert (CRDS / "Kustomization").is_file(), (
        "crds/Kustomization is missing: deploy/kustomization.yaml includes ../crds, and "
        "kustomize loads a directory outside the kustomization root only when it has a "
        "kustomization file listing every crds/rotor.dev_*.yaml. (Named without .yaml so "
        "that `kubectl apply -f crds/` does not read it as an object.)")


def test_deploy_kustomization_renders_crds_and_operator():
    require_crds_kustomization()
    out = docs(run([KUBECTL, "kustomize", DEPLOY]).stdout)
    kinds = sorted(f"{d['kind']}/{d['metadata']['name']}" for d in out)
    assert kinds == sorted([
        *[f"CustomResourceDefinition/{n}" for n in CRD_NAMES],
        "Namespace/rotor-system", "ServiceAccount/rotor", "ClusterRole/rotor",
        "ClusterRoleBinding/rotor", "Role/rotor-leader-election",
        "RoleBinding/rotor-leader-election", "Deployment/rotor"])


def test_deploy_applies_with_server_dry_run(admin):
    require_crds_kustomization()
    out = kubectl(admin, "apply", "--dry-run=server", "-k", DEPLOY).stdout
    assert "deployment.apps/rotor" in out and "clusterrole.rbac.authorization.k8s.io/rotor" in out


def test_plain_manifests_apply_with_server_dry_run(admin):
    # `-f deploy/manifests/` must not trip over manifests/Kustomization.
    kubectl(admin, "apply", "--dry-run=server", "-f", CRDS, "-f", MANIFESTS)


def test_namespaced_variant_applies_and_confines_secrets(admin):
    require_crds_kustomization()
    out = docs(run([KUBECTL, "kustomize", DEPLOY / "namespaced"]).stdout)
    by = {(d["kind"], d["metadata"].get("namespace"), d["metadata"]["name"]): d for d in out}
    cluster_rules = by[("ClusterRole", None, "rotor")]["rules"]
    assert all("secrets" not in r["resources"] for r in cluster_rules), cluster_rules
    assert ("Role", "apps", "rotor") in by and ("RoleBinding", "apps", "rotor") in by
    args = by[("Deployment", "rotor-system", "rotor")]["spec"]["template"]["spec"][
        "containers"][0]["args"]
    assert args[-2:] == ["--namespace", "apps"]
    kubectl(admin, "apply", "--dry-run=server", "-k", DEPLOY / "namespaced")


def test_deployment_is_hardened():
    (dep,) = docs((MANIFESTS / "deployment.yaml").read_text())
    spec = dep["spec"]
    assert spec["replicas"] == 1 and spec["strategy"]["type"] == "RollingUpdate"
    pod = spec["template"]["spec"]
    assert pod["serviceAccountName"] == "rotor"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 65532
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (c,) = pod["containers"]
    assert c["image"] == "ghcr.io/rotor-dev/rotor:0.1.0"
    assert c["args"] == ["run", "--log-format", "json"]
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    assert {p["name"]: p["containerPort"] for p in c["ports"]} == {"metrics": 8080,
                                                                    "health": 8081}
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert {"requests", "limits"} <= set(c["resources"])
    env = {e["name"]: e for e in c["env"]}
    assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"


# ---- (b) RBAC, as the ServiceAccount itself --------------------------------------

# What `rotor run` (all namespaces) calls: src/controller/{informer,operator,reconciler,
# accounts,events}.cpp. (verb, resource, namespace, subresource)
NEEDED_CLUSTER_WIDE = [
    *[(v, r, "*", None) for r in NAMESPACED_KINDS for v in ("list", "watch")],
    *[(v, "clustercloudaccounts.rotor.dev", None, None) for v in ("get", "list", "watch")],
    *[("get", r, APP_NS, None) for r in NAMESPACED_KINDS],
    *[("patch", r, APP_NS, "status") for r in ROTATED],
    *[(v, "secrets", ns, None) for v in ("get", "create", "update")
      for ns in (APP_NS, "default")],
    # The informer of rotor's own Secrets (label selector app.kubernetes.io/managed-by=rotor;
    # RBAC cannot narrow by label).
    *[(v, "secrets", ns, None) for v in ("list", "watch") for ns in ("*", APP_NS)],
    ("get", "namespaces", None, None),
    ("create", "events", APP_NS, None),
    *[(v, "leases.coordination.k8s.io", "rotor-system", None)
      for v in ("get", "create", "update")],
]

DANGEROUS = [
    # Secrets are never deleted.
    ("delete", "secrets", APP_NS, None), ("deletecollection", "secrets", APP_NS, None),
    # Nothing on workloads.
    *[(v, "pods", APP_NS, None) for v in ("get", "list", "create", "delete", "*")],
    ("create", "pods", APP_NS, "exec"), ("get", "pods", APP_NS, "log"),
    ("create", "deployments.apps", APP_NS, None),
    ("get", "nodes", None, "proxy"),
    # No way to more privileges.
    ("escalate", "clusterroles.rbac.authorization.k8s.io", None, None),
    ("bind", "clusterroles.rbac.authorization.k8s.io", None, None),
    ("escalate", "roles.rbac.authorization.k8s.io", APP_NS, None),
    ("bind", "roles.rbac.authorization.k8s.io", APP_NS, None),
    ("create", "clusterrolebindings.rbac.authorization.k8s.io", None, None),
    ("create", "rolebindings.rbac.authorization.k8s.io", APP_NS, None),
    ("impersonate", "serviceaccounts", APP_NS, None), ("impersonate", "users", None, None),
    ("create", "serviceaccounts", APP_NS, "token"),
    ("create", "customresourcedefinitions.apiextensions.k8s.io", None, None),
    ("*", "*", "*", None),
]

# Not dangerous, but not used by the operator either, so not granted: the rotated kinds'
# spec and the accounts are only read, Secrets are replaced (PUT) not patched, Events are
# created (never aggregated with a patch), Leases only in rotor-system.
UNUSED = [
    *[(v, r, APP_NS, None) for r in NAMESPACED_KINDS for v in ("create", "update", "patch",
                                                                "delete")],
    ("update", "clustercloudaccounts.rotor.dev", None, None),
    ("patch", "cloudaccounts.rotor.dev", APP_NS, "status"),
    ("patch", "clustercloudaccounts.rotor.dev", None, "status"),
    ("patch", "secrets", APP_NS, None),
    ("patch", "events", APP_NS, None),
    ("list", "namespaces", None, None),
    ("create", "leases.coordination.k8s.io", APP_NS, None),
    ("create", "configmaps", APP_NS, None),
]


def test_rbac_allows_exactly_what_the_operator_calls(rotor_rbac):
    check_access(rotor_rbac, NEEDED_CLUSTER_WIDE, DANGEROUS + UNUSED)


def test_kubectl_auth_can_i_agrees(admin, rotor_rbac):
    # A sample through `kubectl auth can-i`, both as the token's user and as the admin
    # impersonating the ServiceAccount (`--as`, how an admin would audit the install).
    sample = [("get", "secrets", APP_NS, None), ("list", "secrets", "*", None),
              ("patch", "dcsinstances.rotor.dev", APP_NS, "status"),
              ("update", "dcsinstances.rotor.dev", APP_NS, None),
              ("watch", "ddmaccounts.rotor.dev", "*", None), ("get", "pods", APP_NS, None)]
    expected = reviews(rotor_rbac, sample)
    for check in sample:
        verb, res, ns, sub = check
        assert can_i(rotor_rbac, *check) == expected[check], check
        args = ["auth", "can-i", verb, res, f"--as={SA}"]
        args += [f"--subresource={sub}"] if sub else []
        args += ["-A"] if ns == "*" else ["-n", ns]
        p = kubectl(admin, *args, check=False)
        assert p.stdout.strip() == ("yes" if expected[check] else "no"), (args, p.stdout)


def test_token_is_really_authorized_by_rbac(rotor_rbac):
    # A real request, not a review: get by name is allowed (NotFound), listing Secrets is
    # allowed (rotor watches the ones labelled managed-by=rotor), deleting one is Forbidden.
    p = kubectl(rotor_rbac, "get", "secret", f"absent-{RUN}", "-n", APP_NS, check=False)
    assert "NotFound" in p.stderr, p.stderr
    p = kubectl(rotor_rbac, "get", "secrets", "-n", APP_NS, "-l", "app.kubernetes.io/managed-by=rotor",
                check=False)
    assert p.returncode == 0, p.stderr
    p = kubectl(rotor_rbac, "delete", "secret", f"absent-{RUN}", "-n", APP_NS, check=False)
    assert p.returncode != 0 and "Forbidden" in p.stderr, p.stderr


def test_operator_runs_with_these_permissions(admin, rotor_rbac, tmp_path):
    """`rotor run` as the ServiceAccount: one reconcile of a DcsInstance whose cloud is
    unreachable reads the resource, its CloudAccount and credentials, replaces the target
    Secret (pending password), patches the status and records an Event; a second one,
    through a ClusterCloudAccount admitting namespaces by label, also gets the Namespace.
    No call may be Forbidden."""
    rotor = BUILD / "rotor"
    if not os.access(rotor, os.X_OK):
        pytest.skip(f"no operator build at {rotor} (set ROTOR_BUILD_DIR)")
    ns, name = APP_NS, f"deploy-{RUN}"
    kubectl(admin, "label", "namespace", ns, "--overwrite", f"rotor.dev/deploy-test={RUN}")
    dead = "http://127.0.0.1:9"  # the discard port: nothing listens, the call fails fast
    objs = [
        {"apiVersion": "v1", "kind": "Secret",
         "metadata": {"name": f"{name}-creds", "namespace": ns,
                      "labels": {"rotor.dev/credentials": "true"}},
         "stringData": {"accessKey": "AK", "secretKey": "SK"}},
        # Exists already and is rotated at once (firstRotation Immediate); the dead cloud
        # leaves the rotation unconfirmed, so the record is created, then updated (PUT).
        {"apiVersion": "v1", "kind": "Secret",
         "metadata": {"name": f"{name}-password", "namespace": ns,
                      "labels": {"app.kubernetes.io/managed-by": "rotor"}},
         "stringData": {"password": "Initial-Password-0123"}},
        {"apiVersion": "rotor.dev/v1alpha1", "kind": "CloudAccount",
         "metadata": {"name": name, "namespace": ns},
         "spec": {"region": "eu-de", "projectId": "0123456789abcdef0123456789abcdef",
                  "endpoints": {s: dead for s in ("dcs", "ddm", "dms", "iam")},
                  "credentials": {"secretRef": {"name": f"{name}-creds"}}}},
        {"apiVersion": "rotor.dev/v1alpha1", "kind": "ClusterCloudAccount",
         "metadata": {"name": name},
         "spec": {"region": "eu-de", "projectId": "0123456789abcdef0123456789abcdef",
                  "endpoints": {s: dead for s in ("dcs", "ddm", "dms", "iam")},
                  "credentials": {"secretRef": {"name": f"{name}-creds", "namespace": ns}},
                  "allowedNamespaces": {
                      "selector": {"matchLabels": {"rotor.dev/deploy-test": RUN}}},
                  "allowedInstances": [{
                      "namespaces": {"selector": {"matchLabels": {"rotor.dev/deploy-test": RUN}}},
                      "dcs": [f"dcs-{RUN}-*"]}]}},
        {"apiVersion": "rotor.dev/v1alpha1", "kind": "DcsInstance",
         "metadata": {"name": name, "namespace": ns},
         "spec": {"cloudAccountRef": {"name": name}, "instanceId": f"dcs-{RUN}",
                  "method": "Reset", "rotation": {"interval": "720h", "firstRotation": "Immediate"},
                  "secret": {"name": f"{name}-password"}}},
        {"apiVersion": "rotor.dev/v1alpha1", "kind": "DcsInstance",
         "metadata": {"name": f"{name}-cluster", "namespace": ns},
         "spec": {"cloudAccountRef": {"kind": "ClusterCloudAccount", "name": name},
                  "instanceId": f"dcs-{RUN}-c", "method": "Reset",
                  "rotation": {"interval": "720h"},
                  "secret": {"name": f"{name}-cluster-password"}}},
    ]
    manifest = json.dumps({"apiVersion": "v1", "kind": "List", "items": objs})
    kubectl(admin, "apply", "-f", "-", stdin=manifest)
    try:
        check_operator_run(admin, rotor_rbac, rotor, ns, name, tmp_path / "rotor.log")
    finally:
        # Later runs of any operator against this control plane must not find these.
        kubectl(admin, "delete", "--ignore-not-found", "--wait=false", "-f", "-",
                stdin=manifest, check=False)
        kubectl(admin, "delete", "secret", "--ignore-not-found", "-n", ns,
                f"{name}-cluster-password", check=False)


def check_operator_run(admin, rotor_rbac, rotor, ns, name, log):
    env = dict(os.environ, POD_NAME=f"rotor-test-{RUN}")
    env.pop("KUBECONFIG", None)
    with open(log, "w") as out:
        proc = subprocess.Popen([rotor, "run", f"--kubeconfig={rotor_rbac}", "--log-format",
                                 "json", "--log-level", "debug", "--workers", "2",
                                 "--allowed-endpoint-host=127.0.0.1",
                                 # Leader election as installed (a Lease in rotor-system, its
                                 # RBAC), under a name of this run's own.
                                 f"--leader-election-id=rotor-deploy-{RUN}",
                                 "--metrics-bind-address=0", "--health-probe-bind-address=0"],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        def reconciled(n):
            obj = json.loads(kubectl(admin, "get", "dcsinstance", n, "-n", ns, "-o",
                                     "json").stdout)
            return obj.get("status", {}).get("conditions")

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if reconciled(name) and reconciled(f"{name}-cluster"):
                break
            time.sleep(0.5)
        time.sleep(1)  # let the events of this reconcile be written
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    text = log.read_text()
    forbidden = [line for line in text.splitlines()
                 if "forbidden" in line.lower() or re.search(r"\b403\b", line)]
    assert not forbidden, "calls refused by RBAC:\n" + "\n".join(forbidden[:20])
    assert reconciled(name) and reconciled(f"{name}-cluster"), (
        "the operator did not write a status (rotor log below)\n" + text[-4000:])
    # The rotation record was created, then updated after the (lost) answer; the target
    # Secret is untouched until the cloud confirms.
    record = json.loads(kubectl(admin, "get", "secret", f"rotor-record.dcsinstance.{name}", "-n",
                                ns, "-o", "json").stdout)
    assert record["type"] == "rotor.dev/rotation-record"
    state = json.loads(base64.b64decode(record["data"]["record"]))
    assert state["phase"] == "Unconfirmed" and state["pending"], state["phase"]
    data = json.loads(kubectl(admin, "get", "secret", f"{name}-password", "-n", ns, "-o",
                              "json").stdout)["data"]
    assert sorted(data) == ["password"]
    events = json.loads(kubectl(admin, "get", "events", "-n", ns, "-o", "json").stdout)["items"]
    ours = [e for e in events if e["involvedObject"]["name"] in (name, f"{name}-cluster")]
    assert ours and all(e["reportingInstance"] == f"rotor-test-{RUN}" for e in ours), ours
    # The ClusterCloudAccount admitted the namespace by label (namespaces: get).
    cluster_obj = json.loads(kubectl(admin, "get", "dcsinstance", f"{name}-cluster", "-n", ns,
                                     "-o", "json").stdout)
    reasons = {c.get("reason") for c in cluster_obj["status"]["conditions"]}
    assert not reasons & {"AccountNotAllowed", "InstanceNotAllowed", "Forbidden"}, reasons


# ---- (c) the Helm chart --------------------------------------------------------


def test_helm_lint(helm):
    run([helm, "lint", "--strict", CHART])
    run([helm, "lint", "--strict", CHART, "--set", f"watchNamespaces={{{APP_NS},b}}",
         "--set", "credentialNamespaces={rotor-system}"])


def test_helm_template_renders_the_same_install_as_deploy(helm):
    out = docs(helm_template(helm, "--include-crds").stdout)
    kinds = sorted(f"{d['kind']}/{d['metadata']['name']}" for d in out)
    assert kinds == sorted([
        *[f"CustomResourceDefinition/{n}" for n in CRD_NAMES],
        "ServiceAccount/rotor", "ClusterRole/rotor", "ClusterRoleBinding/rotor",
        "Role/rotor-leader-election", "RoleBinding/rotor-leader-election",
        "Deployment/rotor", "Service/rotor-metrics",
        "PodDisruptionBudget/rotor"])  # the chart's default 2 replicas; deploy/ runs 1
    by = {(d["kind"], d["metadata"]["name"]): d for d in out}

    def rules(doc):  # the permissions granted, however they are grouped into rules
        return sorted({(g, res, v) for r in doc["rules"] for g in r["apiGroups"]
                       for res in r["resources"] for v in r["verbs"]})

    (deploy_cr,) = docs((MANIFESTS / "clusterrole.yaml").read_text())
    assert rules(by[("ClusterRole", "rotor")]) == rules(deploy_cr)
    deploy_le = docs((MANIFESTS / "leader-election.yaml").read_text())[0]
    assert rules(by[("Role", "rotor-leader-election")]) == rules(deploy_le)

    pod = by[("Deployment", "rotor")]["spec"]["template"]["spec"]
    (deploy_dep,) = docs((MANIFESTS / "deployment.yaml").read_text())
    deploy_pod = deploy_dep["spec"]["template"]["spec"]
    assert pod["securityContext"] == deploy_pod["securityContext"]
    (c,), (dc,) = pod["containers"], deploy_pod["containers"]
    for key in ("image", "securityContext", "resources", "env", "volumeMounts", "ports",
                "livenessProbe", "readinessProbe"):
        assert c[key] == dc[key], key
    assert c["args"] == ["run", "--log-format=json", "--log-level=info", "--workers=2", "--max-workers=32",
                         *LEADER_ELECTION_ARGS, "--metrics-bind-address=:8080",
                         "--health-probe-bind-address=:8081"]
    assert by[("Deployment", "rotor")]["spec"]["strategy"] == {"type": "RollingUpdate"}
    svc = by[("Service", "rotor-metrics")]["spec"]
    assert svc["ports"] == [{"name": "metrics", "port": 8080, "targetPort": "metrics",
                             "protocol": "TCP"}]
    assert svc["selector"] == by[("Deployment", "rotor")]["spec"]["selector"]["matchLabels"]


LEADER_ELECTION_ARGS = ["--leader-elect=true", "--leader-election-namespace=rotor-system",
                        "--leader-election-id=rotor", "--lease-duration=15s",
                        "--renew-deadline=10s", "--retry-period=2s"]


def test_helm_values_are_rendered(helm):
    out = docs(helm_template(
        helm, "--set", "image.tag=9.9.9", "--set", "workers=5", "--set", "logFormat=text",
        "--set", "logLevel=debug", "--set", "watchNamespaces={a,b,a}",
        "--set", "nodeSelector.disk=ssd", "--set", "tolerations[0].operator=Exists",
        "--set", "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                 ".nodeSelectorTerms[0].matchExpressions[0].key=zone",
        "--set", "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                 ".nodeSelectorTerms[0].matchExpressions[0].operator=Exists",
        "--set", "podSecurityContext.fsGroup=2000", "--set", "serviceAccount.create=false",
        "--set", "serviceAccount.name=existing", "--set", "resources.limits.memory=1Gi",
        "--set", "endpointPolicy.allowedHosts={.vpcep.example,127.0.0.1}",
        "--set", "endpointPolicy.allowPlainHttp=true",
        release="ops").stdout)
    (dep,) = [d for d in out if d["kind"] == "Deployment"]
    pod = dep["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert c["image"] == "ghcr.io/rotor-dev/rotor:9.9.9"
    assert c["args"] == ["run", "--log-format=text", "--log-level=debug", "--workers=5", "--max-workers=32",
                         "--leader-elect=true", "--leader-election-namespace=rotor-system",
                         "--leader-election-id=ops-rotor", "--lease-duration=15s",
                         "--renew-deadline=10s", "--retry-period=2s",
                         "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081",
                         "--namespace=a", "--namespace=b",
                         "--allowed-endpoint-host=.vpcep.example",
                         "--allowed-endpoint-host=127.0.0.1", "--allow-plain-http"]
    assert c["resources"]["limits"]["memory"] == "1Gi"
    assert pod["nodeSelector"] == {"disk": "ssd"}
    assert pod["tolerations"] == [{"operator": "Exists"}]
    assert "nodeAffinity" in pod["affinity"]
    assert pod["securityContext"]["fsGroup"] == 2000
    assert pod["serviceAccountName"] == "existing"
    assert not [d for d in out if d["kind"] == "ServiceAccount"]
    roles = sorted((d["metadata"]["namespace"], d["metadata"]["name"]) for d in out
                   if d["kind"] == "Role")
    assert roles == [("a", "ops-rotor"), ("b", "ops-rotor"),
                     ("rotor-system", "ops-rotor-leader-election")]
    (cr,) = [d for d in out if d["kind"] == "ClusterRole"]
    assert all("secrets" not in r["resources"] for r in cr["rules"]), cr["rules"]
    for sub in (d["subjects"][0] for d in out if d["kind"].endswith("Binding")):
        assert sub == {"kind": "ServiceAccount", "name": "existing",
                       "namespace": "rotor-system"}


def test_helm_leader_election_metrics_and_extras_are_rendered(helm):
    out = docs(helm_template(
        helm, "--set", "replicaCount=3", "--set", "leaderElection.namespace=leases",
        "--set", "leaderElection.leaseDuration=30s", "--set", "leaderElection.renewDeadline=20s",
        "--set", "leaderElection.retryPeriod=4s", "--set", "metrics.port=9090",
        "--set", "health.port=9091", "--set", "extraArgs={--metadata-url=http://md.example}",
        "--set", "extraVolumes[0].name=oidc-token",
        "--set", "extraVolumes[0].projected.sources[0].serviceAccountToken.audience=sts",
        "--set", "extraVolumes[0].projected.sources[0].serviceAccountToken.path=token",
        "--set", "extraVolumeMounts[0].name=oidc-token",
        "--set", "extraVolumeMounts[0].mountPath=/var/run/secrets/rotor.dev/oidc",
        "--set", "extraVolumeMounts[0].readOnly=true").stdout)
    (dep,) = [d for d in out if d["kind"] == "Deployment"]
    assert dep["spec"]["replicas"] == 3
    pod = dep["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert c["args"] == ["run", "--log-format=json", "--log-level=info", "--workers=2", "--max-workers=32",
                         "--leader-elect=true", "--leader-election-namespace=leases",
                         "--leader-election-id=rotor", "--lease-duration=30s",
                         "--renew-deadline=20s", "--retry-period=4s",
                         "--metrics-bind-address=:9090", "--health-probe-bind-address=:9091",
                         "--metadata-url=http://md.example"]
    assert {p["name"]: p["containerPort"] for p in c["ports"]} == {"metrics": 9090,
                                                                    "health": 9091}
    assert c["volumeMounts"][-1] == {"name": "oidc-token", "readOnly": True,
                                     "mountPath": "/var/run/secrets/rotor.dev/oidc"}
    assert pod["volumes"][-1]["name"] == "oidc-token"
    # The Lease's Role follows the Lease into its namespace.
    roles = {(d["kind"], d["metadata"]["name"]): d["metadata"]["namespace"] for d in out
             if d["kind"] in ("Role", "RoleBinding")}
    assert roles[("Role", "rotor-leader-election")] == "leases"
    assert roles[("RoleBinding", "rotor-leader-election")] == "leases"
    (svc,) = [d for d in out if d["kind"] == "Service"]
    assert svc["spec"]["ports"][0]["port"] == 9090


def test_helm_without_leader_election_or_metrics(helm):
    out = docs(helm_template(helm, "--set", "leaderElection.enabled=false", "--set", "replicaCount=1",
                             "--set", "metrics.enabled=false").stdout)
    (dep,) = [d for d in out if d["kind"] == "Deployment"]
    assert dep["spec"]["strategy"] == {"type": "Recreate"}
    (c,) = dep["spec"]["template"]["spec"]["containers"]
    assert c["args"] == ["run", "--log-format=json", "--log-level=info", "--workers=2", "--max-workers=32",
                         "--leader-elect=false", "--metrics-bind-address=0",
                         "--health-probe-bind-address=:8081"]
    assert [p["name"] for p in c["ports"]] == ["health"]
    assert not [d for d in out if d["kind"] == "Service"]


def test_helm_defaults_are_highly_available(helm):
    out = docs(helm_template(helm).stdout)
    (dep,) = [d for d in out if d["kind"] == "Deployment"]
    assert dep["spec"]["replicas"] == 2
    (spread,) = dep["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert spread["topologyKey"] == "kubernetes.io/hostname"
    assert spread["whenUnsatisfiable"] == "ScheduleAnyway"
    assert spread["labelSelector"]["matchLabels"] == dep["spec"]["selector"]["matchLabels"]
    (pdb,) = [d for d in out if d["kind"] == "PodDisruptionBudget"]
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["selector"] == dep["spec"]["selector"]
    one = docs(helm_template(helm, "--set", "replicaCount=1", "--set", "spread.enabled=false").stdout)
    assert not [d for d in one if d["kind"] == "PodDisruptionBudget"]
    (dep1,) = [d for d in one if d["kind"] == "Deployment"]
    assert "topologySpreadConstraints" not in dep1["spec"]["template"]["spec"]


@pytest.mark.parametrize("args, message", [
    (["--set", "leaderElection.enabled=false"], "leaderElection"),  # with the default 2 replicas
    (["--set", "leaderElection.leaseDuration=15"], "leaseDuration"),
    (["--set", "metrics.port=8081"], "must differ"),
    (["--set", "logFormat=xml"], "logFormat"),
    (["--set", "logLevel=trace"], "logLevel"),
    (["--set", "workers=0"], "workers"),
    (["--set", "maxWorkers=1"], "maxWorkers must not be below workers"),
    (["--set", "credentialNamespaces={x}"], "credentialNamespaces"),
    (["--set", "serviceAccount.create=false"], "serviceAccount.name"),
])
def test_helm_refuses_bad_values(helm, args, message):
    p = helm_template(helm, *args, check=False)
    assert p.returncode != 0 and message in p.stderr, (p.returncode, p.stderr)


def test_helm_rendered_manifests_apply_with_server_dry_run(admin, helm):
    out = helm_template(helm, "--include-crds", release="rotor-dryrun", namespace=HELM_NS).stdout
    kubectl(admin, "apply", "--dry-run=server", "-f", "-", stdin=out)
    out = helm_template(helm, "--set", f"watchNamespaces={{{HELM_WATCHED}}}",
                        release="rotor-dryrun", namespace=HELM_NS).stdout
    kubectl(admin, "apply", "--dry-run=server", "-f", "-", stdin=out)


def test_helm_namespaced_mode_confines_the_service_account(admin, helm, tmp_path):
    release = "rotor-ns"
    out = helm_template(helm, "--set", f"watchNamespaces={{{HELM_WATCHED}}}",
                        "--set", f"credentialNamespaces={{{HELM_CREDS}}}",
                        "--set", "crds.enabled=false",  # the admin fixture applied crds/
                        release=release, namespace=HELM_NS).stdout
    kubectl(admin, "apply", "-f", "-", stdin=out)  # for real; the pod never runs here
    kc = token_kubeconfig_for(admin, HELM_NS, release, tmp_path / "ns.kubeconfig")
    allowed = [
        *[(v, r, HELM_WATCHED, None) for r in NAMESPACED_KINDS for v in ("get", "list",
                                                                          "watch")],
        *[("patch", r, HELM_WATCHED, "status") for r in ROTATED],
        *[(v, "secrets", HELM_WATCHED, None) for v in ("get", "list", "watch", "create",
                                                         "update")],
        ("create", "events", HELM_WATCHED, None),
        *[(v, "clustercloudaccounts.rotor.dev", None, None) for v in ("get", "list", "watch")],
        ("get", "namespaces", None, None),
        ("get", "secrets", HELM_CREDS, None),
        *[(v, "leases.coordination.k8s.io", HELM_NS, None) for v in ("get", "create",
                                                                      "update")],
        ("create", "events", HELM_NS, None),  # on the Lease, at a takeover
    ]
    denied = [
        *[(v, "secrets", ns, None) for v in ("get", "create", "update")
          for ns in (APP_NS, "default", HELM_NS)],
        ("create", "secrets", HELM_CREDS, None), ("update", "secrets", HELM_CREDS, None),
        ("delete", "secrets", HELM_WATCHED, None),
        *[(v, "secrets", ns, None) for v in ("list", "watch")
          for ns in ("*", HELM_CREDS, APP_NS)],
        *[(v, r, "*", None) for r in NAMESPACED_KINDS for v in ("list", "watch")],
        ("get", "dcsinstances.rotor.dev", APP_NS, None),
        ("create", "events", APP_NS, None),
        ("get", "pods", HELM_WATCHED, None),
        ("bind", "roles.rbac.authorization.k8s.io", HELM_WATCHED, None),
        ("escalate", "roles.rbac.authorization.k8s.io", HELM_WATCHED, None),
    ]
    check_access(kc, allowed, denied)


# ---- (d) the chart's CRDs are crds/ --------------------------------------------


def test_chart_crds_are_copies_of_crds():
    copies = CHART / "files" / "crds"
    ours = sorted(p.name for p in CRDS.glob("*.yaml"))
    chart = sorted(p.name for p in copies.iterdir())
    assert chart == ours, ("charts/rotor/files/crds/ must hold exactly crds/*.yaml; run "
                           ".venv/bin/python crds/generate.py")
    stale = [n for n in ours if (CRDS / n).read_bytes() != (copies / n).read_bytes()]
    assert not stale, (f"charts/rotor/files/crds/ is out of date for {stale}; run "
                       ".venv/bin/python crds/generate.py")
    assert not (CHART / "crds").exists(), (
        "charts/rotor/crds/ would make Helm install the CRDs a second time, besides "
        "templates/crds.yaml")
