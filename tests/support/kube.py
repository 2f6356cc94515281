"""kubectl as an independent client of the test control plane."""
import base64
import json
import subprocess


class Kubectl:
    def __init__(self, kubeconfig):
        self.kubeconfig = str(kubeconfig)

    def run(self, *args, input=None, check=True):
        out = subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig, *args], input=input,
                             capture_output=True, text=True, timeout=60)
        if check and out.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {out.stderr}")
        return out

    def apply(self, manifest, namespace=None):
        args = ["apply", "-f", "-"] + (["-n", namespace] if namespace else [])
        return self.run(*args, input=manifest if isinstance(manifest, str) else json.dumps(manifest))

    def get(self, kind, name, namespace=None):
        args = ["get", kind, name, "-o", "json"] + (["-n", namespace] if namespace else [])
        out = self.run(*args, check=False)
        return json.loads(out.stdout) if out.returncode == 0 else None

    def secret_data(self, name, namespace):
        """The Secret's data, decoded; None when the Secret does not exist."""
        s = self.get("secret", name, namespace)
        if s is None:
            return None
        return {k: base64.b64decode(v).decode() for k, v in (s.get("data") or {}).items()}

    def condition(self, kind, name, namespace, ctype):
        obj = self.get(kind, name, namespace) or {}
        for c in obj.get("status", {}).get("conditions", []):
            if c["type"] == ctype:
                return c
        return None


def token_kubeconfig(admin_kubeconfig, namespace, name, path):
    """Writes a kubeconfig (mode 0600) authenticating as ServiceAccount namespace/name: the
    admin kubeconfig's server and CA, and a bearer token from the TokenRequest API."""
    admin = Kubectl(admin_kubeconfig)
    raw = json.loads(admin.run("config", "view", "--raw", "-o", "json").stdout)
    cluster = raw["clusters"][0]["cluster"]
    token = admin.run("create", "token", name, "-n", namespace, "--duration=1h").stdout.strip()
    assert token.count(".") == 2, "expected a JWT from kubectl create token"
    assert base64.b64decode(cluster["certificate-authority-data"]).startswith(b"-----BEGIN")
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "rotor", "cluster": {
            "server": cluster["server"],
            "certificate-authority-data": cluster["certificate-authority-data"]}}],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [{"name": name, "context": {"cluster": "rotor", "user": name,
                                                "namespace": namespace}}],
        "current-context": name,
    }
    path.touch(mode=0o600)
    path.write_text(json.dumps(config))  # JSON is YAML
    return path


def sim_account(kubectl, namespace, url, ak, sk, project, name="sim", secret="cloud-creds"):
    """A credentials Secret marked for rotor and a CloudAccount `name` sending every service
    to the simulator at `url`. The Secret is made with `create`: `apply` would copy its
    values into its last-applied annotation, where leak scans look."""
    kubectl.run("create", "-n", namespace, "-f", "-", input=json.dumps(
        {"apiVersion": "v1", "kind": "Secret",
         "metadata": {"name": secret, "labels": {"rotor.dev/credentials": "true"}},
         "stringData": {"accessKey": ak, "secretKey": sk}}))
    kubectl.apply({"apiVersion": "rotor.dev/v1alpha1", "kind": "CloudAccount",
                   "metadata": {"name": name},
                   "spec": {"region": "eu-de", "projectId": project,
                            "endpoints": {s: url for s in ("dcs", "ddm", "dms", "iam")},
                            "credentials": {"secretRef": {"name": secret}}}}, namespace)
    return name
