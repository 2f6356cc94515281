#!/usr/bin/env python3
"""Kubernetes API requests that `rotor run` makes per rotation and while idle, counted by the
apiserver itself (its audit log, filtered on rotor's User-Agent), not by rotor.

    .venv/bin/python bench/api_traffic.py [--resources 50] [--idle 60] [--leader-elect]

Starts a control plane of its own with an audit log (scripts/controlplane), the cloud
simulator and `rotor run` (build/rotor), creates N DcsInstances due at once, waits until
every Secret is written, then leaves rotor idle for --idle seconds. Prints requests by verb
and resource for both phases. With --leader-elect the Lease renewals (one write per retry
period) are counted apart from the rest. It prints; it asserts nothing about the figures.
"""
import argparse
import collections
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from support.kube import Kubectl, sim_account  # noqa: E402
from support.procs import CloudSim, Rotor, wait_for  # noqa: E402

NS = "bench-traffic"
AK, SK = "BENCHAK", "bench-secret-key-not-real"
PROJECT = "0123456789abcdef0123456789abcdef"
FIRST = "First#Passw0rd1"
WRITES = {"create", "update", "patch", "delete", "deletecollection"}


def rotor_requests(audit_log, since_line):
    """(verb, resource) → count for rotor's requests in the audit log after `since_line`
    lines, and the number of lines read. A watch counts once, when its response starts."""
    counts = collections.Counter()
    lines = pathlib.Path(audit_log).read_text().splitlines()
    for line in lines[since_line:]:
        event = json.loads(line)
        if not event.get("userAgent", "").startswith("rotor/"):
            continue
        verb = event["verb"]
        if (verb == "watch") != (event["stage"] == "ResponseStarted"):
            continue
        if verb != "watch" and event["stage"] != "ResponseComplete":
            continue
        resource = event.get("objectRef", {}).get("resource", "?")
        counts[(verb, resource)] += 1
    return counts, len(lines)


def show(title, counts, per=None):
    total = sum(counts.values())
    writes = sum(n for (v, _), n in counts.items() if v in WRITES)
    lease = sum(n for (v, r), n in counts.items() if v in WRITES and r == "leases")
    print(f"\n{title}: {total} requests, {writes} writes ({lease} of them Lease renewals)")
    for (verb, resource), n in sorted(counts.items()):
        extra = f"  ({n / per:.2f} per rotation)" if per else ""
        print(f"  {verb:7} {resource:22} {n:6}{extra}")
    if per:
        print(f"  writes per rotation, Lease aside: {(writes - lease) / per:.2f}; "
              f"all requests per rotation: {total / per:.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=50)
    ap.add_argument("--idle", type=float, default=60.0, help="seconds of idle measured")
    ap.add_argument("--leader-elect", action="store_true")
    ap.add_argument("--build-dir", default=os.environ.get("ROTOR_BUILD_DIR", str(ROOT / "build")))
    args = ap.parse_args()
    build = pathlib.Path(args.build_dir)

    work = pathlib.Path(tempfile.mkdtemp(prefix="rotor-bench-traffic."))
    audit = work / "audit.log"
    env = dict(os.environ, ROTOR_CP_DIR=str(work / "cp"), ROTOR_CP_AUDIT_LOG=str(audit))
    up = subprocess.run([str(ROOT / "scripts" / "controlplane"), "up"], env=env,
                        capture_output=True, text=True)
    if up.returncode != 0:
        sys.exit(up.stderr)
    kubeconfig = up.stdout.strip().splitlines()[-1]
    sim = rotor = None
    try:
        k = Kubectl(kubeconfig)
        k.run("apply", "-f", str(ROOT / "crds"))
        k.run("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
        k.run("create", "namespace", NS)
        ids = [f"dcs-{i:05d}" for i in range(args.resources)]
        config = "instances:\n" + "".join(
            f"  - {{id: {i}, service: dcs, project_id: {PROJECT}, password: \"{FIRST}\"}}\n"
            for i in ids)
        sim = CloudSim(build / "rotor-cloudsim", work / "sim", config, AK, SK)
        sim_account(k, NS, sim.url, AK, SK, PROJECT)
        items = [{"apiVersion": "rotor.dev/v1alpha1", "kind": "DcsInstance",
                  "metadata": {"name": i},
                  "spec": {"cloudAccountRef": {"name": "sim"}, "instanceId": i,
                           "rotation": {"interval": "720h", "firstRotation": "Immediate"},
                           "secret": {"name": i + "-password"}}} for i in ids]
        k.apply({"apiVersion": "v1", "kind": "List", "items": items}, NS)

        _, start = rotor_requests(audit, 0)
        leader = (NS, "rotor-bench") if args.leader_elect else None
        rotor = Rotor(build / "rotor", kubeconfig, work / "rotor.log", namespaces=[NS],
                      leader_election=leader).start()
        began = time.monotonic()

        def written():
            out = k.run("get", "secrets", "-n", NS, "-l", "app.kubernetes.io/managed-by=rotor",
                        "-o", "name").stdout.split()
            return sum(1 for s in out if s.endswith("-password")) == len(ids)
        wait_for(written, 600, 0.5, "every Secret")
        took = time.monotonic() - began

        # The burst ends when rotor has made no request but Lease renewals for 5 s (status
        # writes and the reconciles its own writes trigger land after the last Secret).
        def quiet():
            _, before = rotor_requests(audit, 0)
            time.sleep(5)
            counts, _ = rotor_requests(audit, before)
            return not [key for key in counts if key[1] != "leases"]  # renewals never stop
        wait_for(quiet, 300, 0, "rotor to go quiet")
        settled = time.monotonic() - began
        busy, mark = rotor_requests(audit, start)
        time.sleep(args.idle)
        idle, mark = rotor_requests(audit, mark)

        # A second rotation of every resource (rotate-now), now that its Secrets exist.
        before = {}
        for i in ids:
            before[i] = k.secret_data(i + "-password", NS)["password"]
        k.run("annotate", "-n", NS, "dcsinstances", "--all", "rotor.dev/rotate-now=bench")
        _, mark = rotor_requests(audit, mark)  # from here on

        def rotated_again():
            return all(k.secret_data(i + "-password", NS)["password"] != before[i] for i in ids)
        wait_for(rotated_again, 600, 1, "every second rotation")
        wait_for(quiet, 300, 0, "rotor to go quiet")
        again, _ = rotor_requests(audit, mark)

        print(f"rotor {build / 'rotor'}: {len(ids)} DcsInstances due at once, "
              f"leader election {'on' if args.leader_elect else 'off'}")
        print(f"every Secret written {took:.1f}s after start")
        print(f"rotor quiet (no request for 5 s) {settled:.1f}s after start")
        show("from start until quiet", busy, per=len(ids))
        show(f"idle, the following {args.idle:.0f} s", idle)
        show("a second rotation of each (rotate-now), until quiet", again, per=len(ids))
    finally:
        if rotor:
            rotor.stop()
        if sim:
            sim.stop()
        subprocess.run([str(ROOT / "scripts" / "controlplane"), "down"], env=env,
                       capture_output=True)


if __name__ == "__main__":
    main()
