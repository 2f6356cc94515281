"""rotor's Kubernetes client (src/kube/) against a real kube-apiserver.

The client is C++, so the checks themselves are the GoogleTest cases KubeLive.* in
tests/unit/kube_live_test.cpp; they skip themselves unless ROTOR_TEST_KUBECONFIG is
set. This module provides what they need and runs each one:

* the admin kubeconfig of `scripts/controlplane up` (client certificate, CA data),
* the rotor.dev CRDs (status subresource, generation, Gone on a new watch cache),
* a second kubeconfig authenticating as the service account default/default with a
  token from `kubectl create token`, for the RBAC (Forbidden) case.

Objects are created in the namespace `default` with a per-run suffix and deleted again.
"""
import json
import os
import pathlib
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from support.kube import token_kubeconfig as write_token_kubeconfig  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("ROTOR_BUILD_DIR", ROOT / "build"))
UNIT_TESTS = BUILD / "rotor-unit-tests"
KUBECTL = "/usr/bin/kubectl"

# The live cases, by name; a case that is missing from the binary fails below, so this list
# and kube_live_test.cpp cannot drift apart silently.
LIVE_CASES = [
    "SecretCrudConflictAndPreconditions",
    "ConfigMapPatchesAndServerSideApply",
    "CustomResourceStatusSubresourceAndGeneration",
    "WatchDeliversEachChangePromptlyAndStopsOnRequest",
    "WatchSendsBookmarksWhenAskedAndEndsAtItsTimeout",
    "TooOldResourceVersionIsGone",
    "WrongCaIsATlsFailureAndInsecureSkipsVerification",
    "ServiceAccountTokenIsAllowedWhereRbacSaysSoAndForbiddenElsewhere",
]


def kubectl(kubeconfig, *args, timeout=120):
    p = subprocess.run([KUBECTL, f"--kubeconfig={kubeconfig}", "--request-timeout=30s", *args],
                       capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        pytest.fail(f"kubectl {' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
    return p.stdout


@pytest.fixture(scope="module")
def admin_kubeconfig(kubeconfig):
    """The control plane's admin kubeconfig, with the rotor.dev CRDs installed."""
    kubectl(kubeconfig, "apply", "--server-side", "--force-conflicts", "-f", str(ROOT / "crds"))
    kubectl(kubeconfig, "wait", "--for=condition=Established", "--timeout=60s",
            "crd/cloudaccounts.rotor.dev")
    return kubeconfig


@pytest.fixture(scope="module")
def token_kubeconfig(admin_kubeconfig, tmp_path_factory):
    """A kubeconfig for the service account default/default: the admin kubeconfig's
    server and CA, and a bearer token from the TokenRequest API."""
    path = tmp_path_factory.mktemp("kube-client") / "token.kubeconfig"
    return write_token_kubeconfig(admin_kubeconfig, "default", "default", path)


def test_live_cases_exist():
    assert UNIT_TESTS.is_file(), f"{UNIT_TESTS} not built (set ROTOR_BUILD_DIR?)"
    listed = subprocess.run([str(UNIT_TESTS), "--gtest_list_tests", "--gtest_filter=KubeLive.*"],
                            capture_output=True, text=True, timeout=60, check=True).stdout
    names = {line.strip() for line in listed.splitlines() if line.startswith("  ")}
    assert names == set(LIVE_CASES)


@pytest.mark.parametrize("case", LIVE_CASES)
def test_kube_client_live(case, admin_kubeconfig, token_kubeconfig, tmp_path):
    report = tmp_path / "report.json"
    env = dict(os.environ,
               ROTOR_TEST_KUBECONFIG=str(admin_kubeconfig),
               ROTOR_TEST_TOKEN_KUBECONFIG=str(token_kubeconfig))
    run = subprocess.run([str(UNIT_TESTS), f"--gtest_filter=KubeLive.{case}",
                          f"--gtest_output=json:{report}"],
                         env=env, capture_output=True, text=True, timeout=180)
    output = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, output
    results = json.loads(report.read_text())
    cases = [t for suite in results["testsuites"] for t in suite["testsuite"]]
    assert len(cases) == 1, output
    # A skip would mean the environment above did not reach the test: that is a failure here.
    assert cases[0].get("result") == "COMPLETED", output
    assert not cases[0].get("failures"), output
