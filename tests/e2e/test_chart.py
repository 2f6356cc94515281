"""charts/rotor rendered with `helm template` (no cluster needed): the conventions of
cert-manager-like charts. CRDs are templates (crds.enabled) kept on uninstall
(crds.keep); a ServiceMonitor only on request; commonLabels on every object; replicaCount
and the PodDisruptionBudget; and every value in values.yaml is in values.schema.json and
documented in the chart's README.
"""
import json
import pathlib
import re
import sys

import pytest
import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from support.helm import CHART, build_helm, objects, template  # noqa: E402

ROOT = CHART.parents[1]
CRD_NAMES = sorted(f"{p}.rotor.dev" for p in ["cloudaccounts", "clustercloudaccounts",
                                              "dcsinstances", "ddmaccounts", "dmsinstances"])
KEEP = "helm.sh/resource-policy"


@pytest.fixture(scope="module")
def helm():
    path, why = build_helm()
    if path is None:
        pytest.skip(why)
    return path


def of_kind(objs, kind):
    return [o for o in objs if o["kind"] == kind]


def test_crds_are_rendered_kept_and_identical_to_crds_dir(helm):
    crds = of_kind(objects(helm), "CustomResourceDefinition")
    assert sorted(c["metadata"]["name"] for c in crds) == CRD_NAMES
    for crd in crds:
        assert crd["metadata"]["annotations"] == {KEEP: "keep"}
        assert crd["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
        name = crd["metadata"]["name"]
        (source,) = [d for d in yaml.safe_load_all(
            (ROOT / "crds" / f"rotor.dev_{name.split('.')[0]}.yaml").read_text()) if d]
        assert crd["spec"] == source["spec"], name


def test_crds_enabled_false_renders_no_crd_and_keep_false_no_annotation(helm):
    assert not of_kind(objects(helm, "--set", "crds.enabled=false"),
                       "CustomResourceDefinition")
    for crd in of_kind(objects(helm, "--set", "crds.keep=false"), "CustomResourceDefinition"):
        assert KEEP not in crd["metadata"].get("annotations", {})


def test_no_service_monitor_unless_enabled(helm):
    assert not of_kind(objects(helm), "ServiceMonitor")


def test_service_monitor_scrapes_the_metrics_service(helm):
    objs = objects(helm, "--set", "serviceMonitor.enabled=true",
                   "--set", "serviceMonitor.namespace=monitoring",
                   "--set", "serviceMonitor.interval=15s",
                   "--set", "serviceMonitor.scrapeTimeout=5s",
                   "--set", "serviceMonitor.labels.release=kube-prometheus-stack")
    (sm,) = of_kind(objs, "ServiceMonitor")
    assert sm["apiVersion"] == "monitoring.coreos.com/v1"
    assert sm["metadata"]["namespace"] == "monitoring"
    assert sm["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert sm["spec"]["namespaceSelector"] == {"matchNames": ["rotor-system"]}
    (endpoint,) = sm["spec"]["endpoints"]
    assert endpoint == {"port": "metrics", "path": "/metrics", "interval": "15s",
                        "scrapeTimeout": "5s"}
    # It selects the metrics Service (and only it), by a port name that Service has.
    services = of_kind(objs, "Service")
    selected = [s for s in services if all(s["metadata"]["labels"].get(k) == v for k, v in
                                           sm["spec"]["selector"]["matchLabels"].items())]
    assert [s["metadata"]["name"] for s in selected] == ["rotor-metrics"]
    assert "metrics" in [p["name"] for p in selected[0]["spec"]["ports"]]


@pytest.mark.parametrize("off", ["metrics.enabled=false", "metrics.service.enabled=false"])
def test_service_monitor_needs_the_metrics_service(helm, off):
    p = template(helm, "--set", "serviceMonitor.enabled=true", "--set", off)
    assert p.returncode != 0 and "serviceMonitor.enabled needs" in p.stderr, p.stderr


def test_metrics_without_a_service(helm):
    objs = objects(helm, "--set", "metrics.service.enabled=false")
    assert not of_kind(objs, "Service")
    (dep,) = of_kind(objs, "Deployment")
    (c,) = dep["spec"]["template"]["spec"]["containers"]
    assert "--metrics-bind-address=:8080" in c["args"]


def test_common_labels_on_every_object_and_the_pods(helm):
    objs = objects(helm, "--set", "commonLabels.team=platform",
                   "--set", "commonLabels.cost-center=42x",
                   "--set", "serviceMonitor.enabled=true",
                   "--set", "watchNamespaces={a}", "--set", "credentialNamespaces={c}")
    kinds = {o["kind"] for o in objs}
    assert {"CustomResourceDefinition", "ServiceMonitor", "PodDisruptionBudget", "Role",
            "RoleBinding", "ClusterRole", "ClusterRoleBinding", "ServiceAccount", "Service",
            "Deployment"} <= kinds
    for o in objs:
        labels = o["metadata"].get("labels", {})
        assert labels.get("team") == "platform", (o["kind"], o["metadata"]["name"])
        assert labels.get("cost-center") == "42x", (o["kind"], o["metadata"]["name"])
    (dep,) = of_kind(objs, "Deployment")
    assert dep["spec"]["template"]["metadata"]["labels"]["team"] == "platform"
    assert "team" not in dep["spec"]["selector"]["matchLabels"]  # selectors never change


def test_replica_count_and_the_disruption_budget(helm):
    objs = objects(helm, "--set", "replicaCount=3",
                   "--set", "podDisruptionBudget.maxUnavailable=1")
    (dep,) = of_kind(objs, "Deployment")
    assert dep["spec"]["replicas"] == 3
    (pdb,) = of_kind(objs, "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 1 and "minAvailable" not in pdb["spec"]
    (pdb,) = of_kind(objects(helm, "--set", "podDisruptionBudget.minAvailable=50%"),
                     "PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == "50%"
    assert not of_kind(objects(helm, "--set", "podDisruptionBudget.enabled=false"),
                       "PodDisruptionBudget")
    # The old name is refused rather than silently ignored.
    p = template(helm, "--set", "replicas=3")
    assert p.returncode != 0 and "replicaCount" in p.stderr, p.stderr


def test_extra_env_follows_the_charts_own(helm):
    objs = objects(helm, "--set", "extraEnv[0].name=HTTPS_PROXY",
                   "--set", "extraEnv[0].value=http://proxy.example:3128")
    (dep,) = of_kind(objs, "Deployment")
    (c,) = dep["spec"]["template"]["spec"]["containers"]
    assert [e["name"] for e in c["env"]] == ["POD_NAME", "POD_NAMESPACE", "HTTPS_PROXY"]
    assert c["env"][-1]["value"] == "http://proxy.example:3128"


def value_paths(values, schema, prefix=()):
    """Every key of values.yaml as (path, the schema of its parent, whether it is a leaf),
    down to where the schema takes any object."""
    for key, value in values.items():
        path = (*prefix, key)
        node = schema.get("properties", {}).get(key, {})
        branch = isinstance(value, dict) and "properties" in node
        yield path, schema, not branch
        if branch:
            yield from value_paths(value, node, path)


def test_extra_args_may_not_repeat_a_flag_the_chart_sets(helm):
    # Found on the real node: --workers=3 in extraArgs crash-looped the pod, since rotor
    # refuses a flag given twice. The chart refuses it when rendering instead.
    p = template(helm, "--set", "extraArgs[0]=--workers=3")
    assert p.returncode != 0 and "--workers is set by the chart" in p.stderr, p.stderr
    p = template(helm, "--set", "extraArgs[0]=--allow-plain-http")
    assert p.returncode != 0 and "--allow-plain-http is set by the chart" in p.stderr, p.stderr
    deployment = of_kind(objects(helm, "--set", "extraArgs[0]=--credential-namespace=creds"),
                         "Deployment")[0]
    assert "--credential-namespace=creds" in deployment["spec"]["template"]["spec"][
        "containers"][0]["args"]


def test_every_value_is_in_the_schema():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    schema = json.loads((CHART / "values.schema.json").read_text())
    missing = [".".join(p) for p, parent, _ in value_paths(values, schema)
               if p[-1] not in parent.get("properties", {})]
    assert not missing, f"values.yaml keys without a schema: {missing}"


def test_every_value_is_documented_in_the_chart_readme():
    """In the README's values table, a path is written out (`metrics.port`) or as a sibling
    of the path before it in the same row (`metrics.service.type` / `.annotations`)."""
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    schema = json.loads((CHART / "values.schema.json").read_text())
    rows = [line for line in (CHART / "README.md").read_text().splitlines()
            if line.startswith("| `")]

    def documented(path):
        full = ".".join(path)
        parent = ".".join(path[:-1])
        for row in rows:
            if f"`{full}`" in row:
                return True
            if parent and f"`{parent}." in row and re.search(rf"`\.{re.escape(path[-1])}`", row):
                return True
        return False

    missing = [".".join(p) for p, _, leaf in value_paths(values, schema)
               if leaf and not documented(p)]
    assert not missing, f"values not documented in charts/rotor/README.md: {missing}"
