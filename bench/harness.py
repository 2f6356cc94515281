"""Shared pieces of the operator benchmarks under bench/: process readings from /proc, a
percentile, a throwaway control plane, a small Kubernetes API client and a Secret watch.

The API client speaks to the apiserver directly (client certificate from the kubeconfig,
one keep-alive connection) rather than through a kubectl process per request, so that a
create's return time is taken within a millisecond of the apiserver's answer and a watch
event is stamped when it arrives, not when a child process flushes its output.

bench/scale.py and bench/api_traffic.py predate this module and keep their own copies of
rss_mib/cpu_seconds/percentile/SecretWatch; they can switch to these.
"""
import base64
import http.client
import json
import os
import pathlib
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]


# ---- objects and processes ---------------------------------------------------------------

def dcs_instance(i, account="sim"):
    """DcsInstance dcs-NNNNN: instance dcs-NNNNN, Secret dcs-NNNNN-password, due at once."""
    name = f"dcs-{i:05d}"
    return {"apiVersion": "rotor.dev/v1alpha1", "kind": "DcsInstance",
            "metadata": {"name": name},
            "spec": {"cloudAccountRef": {"name": account}, "instanceId": name,
                     "rotation": {"interval": "720h", "firstRotation": "Immediate"},
                     "secret": {"name": name + "-password"}}}


def stop_all(*things):
    """Stops each of them that was started (None: never started), in the order given."""
    for thing in things:
        if thing is not None:
            thing.stop()


# ---- readings from /proc ----------------------------------------------------------------

def rss_mib(pid):
    """Resident set size of `pid` in MiB (VmRSS: anonymous, file-backed and shared pages)."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid):
    """User + system CPU seconds `pid` has used so far (its own threads, not children)."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, p):
    """Nearest-rank percentile of `values` (p in 0..100)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def latency_summary(latencies_ms):
    return {"p50": percentile(latencies_ms, 50), "p95": percentile(latencies_ms, 95),
            "p99": percentile(latencies_ms, 99), "max": max(latencies_ms)}


# ---- a control plane of its own ---------------------------------------------------------

class ControlPlane:
    """scripts/controlplane in a private state dir; `with ControlPlane(dir) as cp:`."""

    def __init__(self, state_dir):
        self.state_dir = pathlib.Path(state_dir)
        self.env = dict(os.environ, ROTOR_CP_DIR=str(self.state_dir))
        self.kubeconfig = None

    def __enter__(self):
        up = subprocess.run([str(ROOT / "scripts" / "controlplane"), "up"], env=self.env,
                            capture_output=True, text=True)
        if up.returncode != 0:
            sys.exit(up.stderr)
        self.kubeconfig = up.stdout.strip().splitlines()[-1]
        return self

    def __exit__(self, *exc):
        subprocess.run([str(ROOT / "scripts" / "controlplane"), "down"], env=self.env,
                       capture_output=True)

    def apiserver_pid(self):
        path = self.state_dir / "kube-apiserver.pid"
        return int(path.read_text()) if path.exists() else None


# ---- the Kubernetes API, directly --------------------------------------------------------

class Api:
    """Requests to the apiserver of an admin kubeconfig (embedded CA and client cert/key).

    The client key is written to a private temporary directory (mode 0700) for the ssl
    module, which loads keys from files only, and deleted by close()."""

    def __init__(self, kubeconfig):
        config = yaml.safe_load(pathlib.Path(kubeconfig).read_text())
        cluster = config["clusters"][0]["cluster"]
        user = config["users"][0]["user"]
        url = urllib.parse.urlsplit(cluster["server"])
        self.host, self.port = url.hostname, url.port or 443
        self._dir = tempfile.mkdtemp(prefix="bench-api.")
        os.chmod(self._dir, 0o700)
        files = {}
        for key, name in (("certificate-authority-data", "ca.crt"),
                          ("client-certificate-data", "client.crt"),
                          ("client-key-data", "client.key")):
            path = pathlib.Path(self._dir) / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(base64.b64decode(cluster[key] if key.startswith("cert") else user[key]))
            files[name] = str(path)
        self.context = ssl.create_default_context(cafile=files["ca.crt"])
        self.context.load_cert_chain(files["client.crt"], files["client.key"])
        self._conn = None
        self._lock = threading.Lock()

    def connect(self, timeout=30):
        return http.client.HTTPSConnection(self.host, self.port, context=self.context,
                                           timeout=timeout)

    def request(self, method, path, body=None):
        """One request on the shared keep-alive connection; returns (status, parsed body)."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        with self._lock:
            for attempt in (0, 1):
                if self._conn is None:
                    self._conn = self.connect()
                try:
                    self._conn.request(method, path, body=data, headers=headers)
                    resp = self._conn.getresponse()
                    raw = resp.read()
                    break
                except (http.client.HTTPException, OSError):
                    self._conn.close()
                    self._conn = None
                    if attempt:
                        raise
        return resp.status, (json.loads(raw) if raw else None)

    def create(self, path, obj):
        """POST `obj` to the collection `path`; raises unless the apiserver answered 201."""
        status, answer = self.request("POST", path, obj)
        if status != 201:
            raise RuntimeError(f"create at {path}: HTTP {status}: "
                               f"{(answer or {}).get('message', '')}")
        return answer

    def close(self):
        if self._conn:
            self._conn.close()
        shutil.rmtree(self._dir, ignore_errors=True)


class SecretWatch:
    """When each Secret of a namespace was first seen (time.monotonic()), from a watch.

    Only names are kept; a Secret's data is never read out of the events. `ready` is set
    once the apiserver has answered the watch request, so creates made after it cannot be
    missed."""

    def __init__(self, api, namespace, label_selector=None):
        self.api, self.namespace, self.selector = api, namespace, label_selector
        self.seen = {}
        self.ready = threading.Event()
        self._stop = False
        self._conn = None
        threading.Thread(target=self._run, daemon=True).start()
        if not self.ready.wait(30):
            raise RuntimeError(f"the watch on Secrets of {namespace} did not start")

    def _run(self):
        resource_version = None
        while not self._stop:
            query = {"watch": "1", "timeoutSeconds": "3600", "allowWatchBookmarks": "false"}
            if self.selector:
                query["labelSelector"] = self.selector
            if resource_version:
                query["resourceVersion"] = resource_version
            path = (f"/api/v1/namespaces/{self.namespace}/secrets?"
                    + urllib.parse.urlencode(query))
            try:
                self._conn = self.api.connect(timeout=None)
                self._conn.request("GET", path, headers={"Accept": "application/json"})
                resp = self._conn.getresponse()
                if resp.status != 200:
                    raise RuntimeError(f"watch: HTTP {resp.status}")
                self.ready.set()
                while True:
                    line = resp.readline()
                    if not line:
                        break
                    at = time.monotonic()
                    event = json.loads(line)
                    meta = event.get("object", {}).get("metadata", {})
                    if event.get("type") in ("ADDED", "MODIFIED") and "name" in meta:
                        self.seen.setdefault(meta["name"], at)
                    resource_version = meta.get("resourceVersion", resource_version)
            except (OSError, http.client.HTTPException, ValueError):
                if self._stop:
                    return
                time.sleep(0.2)
            finally:
                if self._conn:
                    self._conn.close()

    def count(self, names):
        return sum(1 for n in names if n in self.seen)

    def stop(self):
        self._stop = True
        if self._conn and self._conn.sock:
            try:
                self._conn.sock.shutdown(2)
            except OSError:
                pass


def create_all(api, path, objects, secret_of, mode, rate):
    """Creates `objects` at collection `path`, returning {Secret name: create returned at}.

    trickle: one create at a time, started every 1/rate seconds (no catching up in a
             burst if one is late: the next waits its own slot or starts at once);
    burst:   one create after another as fast as the apiserver answers them.
    """
    created = {}
    began = time.monotonic()
    for i, obj in enumerate(objects):
        api.create(path, obj)
        created[secret_of(obj)] = time.monotonic()
        if mode == "trickle":
            time.sleep(max(0.0, began + (i + 1) / rate - time.monotonic()))
    return created, began
