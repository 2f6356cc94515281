#!/usr/bin/env python3
"""Memory and create→Secret latency of `rotor run` against a real control plane and the
cloud simulator.

    .venv/bin/python bench/scale.py [--resources 1000] [--mode burst|trickle] [--rate 20]

Starts a control plane of its own (scripts/controlplane), the simulator with one DCS
instance per resource, and rotor (build/rotor, 2 workers, no leader election). Prints:
rotor's RSS idle with no resources; then creates the DcsInstances (firstRotation
Immediate) and records, from a watch on the Secrets, when each one's Secret first appears:
  burst    all resources in one request; latency = Secret seen − that request's return
  trickle  one resource at a time at --rate per second; latency = Secret seen − its create
p50/p95/p99/max of those latencies, rotations per second, rotor's CPU seconds for them, and
its RSS once idle again. It prints; it asserts nothing about the figures.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from harness import cpu_seconds, dcs_instance, percentile, rss_mib, stop_all  # noqa: E402
from support.kube import Kubectl, sim_account  # noqa: E402
from support.procs import CloudSim, Rotor, wait_for  # noqa: E402

NS = "bench-scale"
AK, SK = "SCALEAK", "scale-secret-key-not-real"
PROJECT = "0123456789abcdef0123456789abcdef"
FIRST = "First#Passw0rd1"


class SecretWatch:
    """First time each Secret of the namespace was seen, from `kubectl get -w`."""

    def __init__(self, kubeconfig):
        self.seen = {}
        self.proc = subprocess.Popen(
            ["kubectl", "--kubeconfig", str(kubeconfig), "get", "secrets", "-n", NS, "-w",
             "-o", "name", "-l", "app.kubernetes.io/managed-by=rotor"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            name = line.strip().split("/", 1)[-1]
            self.seen.setdefault(name, time.monotonic())

    def stop(self):
        self.proc.terminate()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--mode", choices=["burst", "trickle"], default="burst")
    ap.add_argument("--rate", type=float, default=20.0, help="trickle: resources per second")
    ap.add_argument("--idle", type=float, default=10.0, help="seconds before each RSS reading")
    ap.add_argument("--build-dir", default=os.environ.get("ROTOR_BUILD_DIR", str(ROOT / "build")))
    args = ap.parse_args()
    build = pathlib.Path(args.build_dir)
    n = args.resources

    work = pathlib.Path(tempfile.mkdtemp(prefix="rotor-bench-scale."))
    env = dict(os.environ, ROTOR_CP_DIR=str(work / "cp"))
    up = subprocess.run([str(ROOT / "scripts" / "controlplane"), "up"], env=env,
                        capture_output=True, text=True)
    if up.returncode != 0:
        sys.exit(up.stderr)
    kubeconfig = up.stdout.strip().splitlines()[-1]
    sim = rotor = watch = None
    try:
        k = Kubectl(kubeconfig)
        k.run("apply", "-f", str(ROOT / "crds"))
        k.run("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
        k.run("create", "namespace", NS)
        config = "instances:\n" + "".join(
            f"  - {{id: dcs-{i:05d}, service: dcs, project_id: {PROJECT}, password: \"{FIRST}\"}}\n"
            for i in range(n))
        sim = CloudSim(build / "rotor-cloudsim", work / "sim", config, AK, SK)
        sim_account(k, NS, sim.url, AK, SK, PROJECT)
        rotor = Rotor(build / "rotor", kubeconfig, work / "rotor.log", namespaces=[NS]).start()
        pid = rotor.proc.pid
        time.sleep(args.idle)
        idle_rss = rss_mib(pid)
        watch = SecretWatch(kubeconfig)
        time.sleep(1)
        cpu_before = cpu_seconds(pid)
        created = {}
        began = time.monotonic()
        if args.mode == "burst":
            items = [dcs_instance(i) for i in range(n)]
            for chunk in range(0, n, 500):  # kubectl apply of a List of at most 500
                k.run("create", "-n", NS, "-f", "-", input=json.dumps(
                    {"apiVersion": "v1", "kind": "List", "items": items[chunk:chunk + 500]}))
            at = time.monotonic()
            created = {f"dcs-{i:05d}-password": at for i in range(n)}
        else:
            for i in range(n):
                k.run("create", "-n", NS, "-f", "-", input=json.dumps(dcs_instance(i)))
                created[f"dcs-{i:05d}-password"] = time.monotonic()
                time.sleep(max(0.0, began + (i + 1) / args.rate - time.monotonic()))
        wait_for(lambda: len([s for s in created if s in watch.seen]) == n, 3600, 0.5,
                 "every Secret")
        done = max(watch.seen[s] for s in created)
        cpu = cpu_seconds(pid) - cpu_before
        latencies = [(watch.seen[s] - created[s]) * 1000 for s in created]
        time.sleep(args.idle)
        busy_rss = rss_mib(pid)

        print(f"rotor {build / 'rotor'}: {n} DcsInstances ({args.mode}"
              f"{f', {args.rate:g}/s' if args.mode == 'trickle' else ''}), 2 workers")
        print(f"RSS idle without resources: {idle_rss:.1f} MiB")
        print(f"RSS idle with {n} resources and their Secrets: {busy_rss:.1f} MiB")
        print(f"created -> Secret written, ms: p50 {percentile(latencies, 50):.0f}, "
              f"p95 {percentile(latencies, 95):.0f}, p99 {percentile(latencies, 99):.0f}, "
              f"max {max(latencies):.0f}")
        print(f"all written {done - began:.1f}s after the first create: "
              f"{n / (done - began):.1f} rotations/s; rotor CPU {cpu:.1f}s "
              f"({cpu / n * 1000:.1f} ms per rotation)")
    finally:
        stop_all(watch, rotor, sim)
        subprocess.run([str(ROOT / "scripts" / "controlplane"), "down"], env=env,
                       capture_output=True)


if __name__ == "__main__":
    main()
