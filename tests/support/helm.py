"""The pinned helm binary (charts/build-helm.sh) and `helm template` of charts/rotor."""
import os
import pathlib
import subprocess

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "rotor"
BUILD_HELM = ROOT / "charts" / "build-helm.sh"
BUILD_TIMEOUT = int(os.environ.get("ROTOR_HELM_BUILD_TIMEOUT", "1800"))


def build_helm():
    """The binary's path, or (None, why) when it cannot be built."""
    try:
        p = subprocess.run([BUILD_HELM], cwd=ROOT, capture_output=True, text=True,
                           timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, f"charts/build-helm.sh took longer than {BUILD_TIMEOUT}s"
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines or not os.access(lines[-1], os.X_OK):
        return None, (f"helm could not be built (charts/build-helm.sh exited {p.returncode}):"
                      f"\n{p.stderr[-2000:]}")
    return pathlib.Path(lines[-1]), ""


def template(helm, *args, release="rotor", namespace="rotor-system"):
    """`helm template`: the CompletedProcess (check returncode and stderr yourself)."""
    return subprocess.run([str(helm), "template", release, str(CHART), "--namespace", namespace,
                           *args], capture_output=True, text=True, timeout=120)


def objects(helm, *args, **kw):
    """The rendered objects; fails the caller's assertion with helm's error."""
    p = template(helm, *args, **kw)
    assert p.returncode == 0, p.stderr
    return [d for d in yaml.safe_load_all(p.stdout) if d]
