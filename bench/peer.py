#!/usr/bin/env python3
"""rotor beside a Go peer, the External Secrets Operator (ESO), on one control plane:
memory, create→Secret latency and CPU for the same number of objects, and rotor/peer ratios.

    scripts/peer-build      # once: builds ESO v0.16.2 into ~/.cache/rotor/peer/
    .venv/bin/python bench/peer.py [--resources 1000] [--mode trickle|burst] [--rate 20]

One control plane (scripts/controlplane) holds both products' CRDs. The two operators run
one after the other, each alone on the machine's share of CPU, in a namespace of its own:

  rotor  (--build-dir, default build/; 2 workers, no leader election, --namespace
         bench-rotor): N DcsInstances (firstRotation Immediate, interval 720h) against the
         cloud simulator, which answers each password reset at once.
  ESO    (scripts/peer-build's binary; core controller only: no webhook, no cert controller;
         --concurrent 2, no leader election, --namespace bench-eso, metrics on a free
         loopback port): one Password generator and N ExternalSecrets (refreshInterval 720h)
         whose dataFrom is that generator.

For each: RSS after --idle seconds with no objects; the objects created (trickle: one at a
time at --rate per second; burst: one after another as fast as the apiserver answers),
the latency from each create's return to its Secret's first appearance in a watch
(p50/p95/p99/max); CPU seconds of the operator (and of kube-apiserver) from the first
create until every Secret was seen; RSS after --idle seconds more with the N objects and
their Secrets. It prints both columns and the ratios rotor/ESO; it asserts nothing.
"""
import argparse
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from harness import (ROOT, Api, ControlPlane, SecretWatch, cpu_seconds, create_all,  # noqa: E402
                     dcs_instance, latency_summary, rss_mib)

sys.path.insert(0, str(ROOT / "tests"))
from support.kube import Kubectl, sim_account  # noqa: E402
from support.procs import CloudSim, Rotor, free_port, wait_for  # noqa: E402

ROTOR_NS, ESO_NS = "bench-rotor", "bench-eso"
AK, SK = "PEERAK", "peer-secret-key-not-real"
PROJECT = "0123456789abcdef0123456789abcdef"
FIRST = "First#Passw0rd1"
WORKERS = 2


def external_secret(i):
    name = f"es-{i:05d}"
    return {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
            "metadata": {"name": name},
            "spec": {"refreshInterval": "720h",
                     "target": {"name": name + "-password"},
                     "dataFrom": [{"sourceRef": {"generatorRef": {
                         "apiVersion": "generators.external-secrets.io/v1alpha1",
                         "kind": "Password", "name": "bench"}}}]}}


def measure(name, proc_pid, cp, api, namespace, objects, path, args, stderr_of):
    """The common part: idle RSS, creates, latencies, CPU, RSS with the objects."""
    n = len(objects)
    time.sleep(args.idle)
    if proc_pid() is None:
        sys.exit(f"{name} exited before the first reading:\n{stderr_of()[-3000:]}")
    pid = proc_pid()
    result = {"rss_idle": rss_mib(pid)}
    watch = SecretWatch(api, namespace)
    try:
        apiserver = cp.apiserver_pid()
        cpu_before, api_cpu_before = cpu_seconds(pid), cpu_seconds(apiserver)
        secret_of = lambda o: o["metadata"]["name"] + "-password"  # noqa: E731
        created, began = create_all(api, path, objects, secret_of, args.mode, args.rate)
        created_done = time.monotonic()
        wait_for(lambda: watch.count(created) == n or proc_pid() is None, args.timeout, 0.2,
                 f"{name}: every Secret")
        if proc_pid() is None:
            sys.exit(f"{name} exited during the run:\n{stderr_of()[-3000:]}")
        done = max(watch.seen[s] for s in created)
        result["cpu"] = cpu_seconds(pid) - cpu_before
        result["api_cpu"] = cpu_seconds(apiserver) - api_cpu_before
        result["lat"] = latency_summary([(watch.seen[s] - created[s]) * 1000 for s in created])
        result["creates_s"] = created_done - began
        result["all_s"] = done - began
        result["load1"] = os.getloadavg()[0]  # how busy the shared machine was meanwhile
    finally:
        watch.stop()
    cpu_before = cpu_seconds(pid)
    time.sleep(args.idle)
    result["rss_busy"] = rss_mib(pid)
    result["cpu_idle"] = cpu_seconds(pid) - cpu_before  # with N objects, nothing to do
    return result


def run_rotor(cp, api, k, args, work):
    n, build = args.resources, pathlib.Path(args.build_dir)
    k.run("create", "namespace", ROTOR_NS)
    config = "instances:\n" + "".join(
        f"  - {{id: dcs-{i:05d}, service: dcs, project_id: {PROJECT}, password: \"{FIRST}\"}}\n"
        for i in range(n))
    sim = CloudSim(build / "rotor-cloudsim", work / "sim", config, AK, SK)
    rotor = None
    try:
        sim_account(k, ROTOR_NS, sim.url, AK, SK, PROJECT)
        rotor = Rotor(build / "rotor", cp.kubeconfig, work / "rotor.log", namespaces=[ROTOR_NS],
                      workers=WORKERS).start()
        pid = lambda: rotor.proc.pid if rotor.proc.poll() is None else None  # noqa: E731
        return measure("rotor", pid, cp, api, ROTOR_NS, [dcs_instance(i) for i in range(n)],
                       f"/apis/rotor.dev/v1alpha1/namespaces/{ROTOR_NS}/dcsinstances", args,
                       rotor.log)
    finally:
        if rotor:
            rotor.stop()
        sim.stop()


def run_eso(cp, api, k, args, work):
    n = args.resources
    k.run("create", "namespace", ESO_NS)
    k.run("create", "-n", ESO_NS, "-f", "-", input=json.dumps(
        {"apiVersion": "generators.external-secrets.io/v1alpha1", "kind": "Password",
         "metadata": {"name": "bench"},
         "spec": {"length": 24, "digits": 5, "symbols": 5, "noUpper": False,
                  "allowRepeat": True}}))
    log_path = work / "eso.log"
    metrics_port = free_port()
    argv = [args.eso, f"--metrics-addr=127.0.0.1:{metrics_port}", f"--namespace={ESO_NS}",
            f"--concurrent={WORKERS}", "--enable-leader-election=false",
            "--enable-cluster-store-reconciler=false",
            "--enable-cluster-external-secret-reconciler=false",
            "--enable-cluster-push-secret-reconciler=false",
            "--enable-push-secret-reconciler=false", "--loglevel=info", *args.eso_arg]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=log,
                                env=dict(os.environ, KUBECONFIG=cp.kubeconfig))
    try:
        pid = lambda: proc.pid if proc.poll() is None else None  # noqa: E731
        result = measure("ESO", pid, cp, api, ESO_NS, [external_secret(i) for i in range(n)],
                         f"/apis/external-secrets.io/v1/namespaces/{ESO_NS}/externalsecrets",
                         args, lambda: log_path.read_text())
        result.update(eso_metrics(metrics_port, work / "eso.metrics"))
        return result
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def eso_metrics(port, save_to):
    """Mean time an ExternalSecret waited in the work queue and mean reconcile time, from
    controller-runtime's own histograms on ESO's metrics endpoint (saved to `save_to`)."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    save_to.write_text(text)
    sums = {}
    for line in text.splitlines():
        if 'controller="externalsecret"' not in line and 'name="externalsecret"' not in line:
            continue
        metric, _, value = line.rpartition(" ")
        base = metric.split("{", 1)[0]
        if base.endswith(("_sum", "_count")):
            sums[base] = sums.get(base, 0.0) + float(value)
    out = {}
    for key, base in (("eso_queue_wait_ms", "workqueue_queue_duration_seconds"),
                      ("eso_reconcile_ms", "controller_runtime_reconcile_time_seconds")):
        if sums.get(base + "_count"):
            out[key] = sums[base + "_sum"] / sums[base + "_count"] * 1000
            out[key.replace("_ms", "_count")] = int(sums[base + "_count"])
    return out


def eso_binary():
    out = subprocess.run([str(ROOT / "scripts" / "peer-build")], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"scripts/peer-build failed:\n{out.stderr[-3000:]}")
    return out.stdout.strip().splitlines()[-1]


def eso_crds():
    out = subprocess.run([str(ROOT / "scripts" / "peer-build"), "crds"], capture_output=True,
                         text=True, check=True)
    crd_dir = pathlib.Path(out.stdout.strip().splitlines()[-1])
    return sorted(p for p in crd_dir.glob("*.yaml") if p.name != "kustomization.yaml")


def rounded(value):
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    return round(value, 3) if isinstance(value, float) else value


def row(label, r, e, fmt, ratio=True):
    q = f"{r / e:.2f}" if ratio and e else "–"
    return f"| {label} | {fmt.format(r)} | {fmt.format(e)} | {q} |"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--mode", choices=["burst", "trickle"], default="trickle")
    ap.add_argument("--rate", type=float, default=20.0, help="trickle: creates per second")
    ap.add_argument("--idle", type=float, default=10.0, help="seconds before each RSS reading")
    ap.add_argument("--timeout", type=float, default=3600.0,
                    help="seconds to wait for every Secret of one operator")
    ap.add_argument("--order", default="rotor,eso",
                    help="which operators to run, in order (rotor, eso or both)")
    ap.add_argument("--build-dir", default=os.environ.get("ROTOR_BUILD_DIR", str(ROOT / "build")))
    ap.add_argument("--eso", default=None, help="ESO binary (default: scripts/peer-build)")
    ap.add_argument("--eso-arg", action="append", default=[],
                    help="one more flag for ESO (repeatable), e.g. --eso-arg=--client-qps=500")
    args = ap.parse_args()
    order = [o.strip() for o in args.order.split(",") if o.strip()]
    if "eso" in order and not args.eso:
        args.eso = eso_binary()

    work = pathlib.Path(tempfile.mkdtemp(prefix="rotor-bench-peer."))
    results = {}
    with ControlPlane(work / "cp") as cp:
        k = Kubectl(cp.kubeconfig)
        api = Api(cp.kubeconfig)
        try:
            k.run("apply", "-f", str(ROOT / "crds"))
            crds = eso_crds() if "eso" in order else []
            for chunk in range(0, len(crds), 8):  # create: some are too big for apply's annotation
                k.run("create", *[a for p in crds[chunk:chunk + 8] for a in ("-f", str(p))])
            k.run("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
            for which in order:
                run = {"rotor": run_rotor, "eso": run_eso}[which]
                results[which] = run(cp, api, k, args, work)
                print(f"{which}: {json.dumps(rounded(results[which]))}",
                      file=sys.stderr, flush=True)
        finally:
            api.close()

    mode = args.mode + (f", {args.rate:g}/s" if args.mode == "trickle" else "")
    print(f"{args.resources} objects each ({mode}); rotor {pathlib.Path(args.build_dir) / 'rotor'}"
          f", ESO {args.eso or '-'}; logs in {work}")
    if set(results) != {"rotor", "eso"}:
        for which, r in results.items():
            print(which, json.dumps(rounded(r)))
        return
    r, e = results["rotor"], results["eso"]
    print("| | rotor | ESO | rotor/ESO |")
    print("|---|---|---|---|")
    print(row("RSS idle, no objects (MiB)", r["rss_idle"], e["rss_idle"], "{:.1f}"))
    print(row(f"RSS idle with {args.resources} objects and Secrets (MiB)",
              r["rss_busy"], e["rss_busy"], "{:.1f}"))
    for p in ("p50", "p95", "p99", "max"):
        print(row(f"create→Secret {p} (ms)", r["lat"][p], e["lat"][p], "{:.0f}"))
    print(row("operator CPU, first create → last Secret (s)", r["cpu"], e["cpu"], "{:.1f}"))
    print(row(f"operator CPU in the {args.idle:g} s idle after (s)", r["cpu_idle"], e["cpu_idle"],
              "{:.2f}"))
    print(row("kube-apiserver CPU, first create → last Secret (s)", r["api_cpu"], e["api_cpu"], "{:.1f}"))
    print(row("creates took (s)", r["creates_s"], e["creates_s"], "{:.1f}", ratio=False))
    print(row("last Secret seen after first create (s)", r["all_s"], e["all_s"], "{:.1f}"))
    print(row("load average (1 min) when the last Secret was seen", r["load1"], e["load1"],
              "{:.2f}", ratio=False))
    if "eso_reconcile_ms" in e:
        print(f"ESO's own metrics: {e['eso_reconcile_count']} reconciles of ExternalSecrets, "
              f"mean {e['eso_reconcile_ms']:.0f} ms each after a mean "
              f"{e['eso_queue_wait_ms']:.0f} ms in the work queue")


if __name__ == "__main__":
    main()
