#!/usr/bin/env python3
"""Mass rotation at the cloud's rate limit: N resources due at once against a simulator that
answers in 50 ms and throttles above R calls per second (429 APIG.0308).

    .venv/bin/python bench/mass_rotation.py [--resources 1000] [--limit 20] [--burst 20]
        [--retry-after] [--workers 2] [--max-workers 32] [--build-dir build]

Starts a control plane of its own (scripts/controlplane) and the simulator with N DCS
instances, faults {latency_ms, rate_limit_per_s: R, rate_limit_burst, rate_limit_retry_after}.
With rotor NOT running, creates N DcsInstances (firstRotation Immediate, interval 720h), so
that every one is due when rotor starts; then starts rotor (no leader election, metrics on a
free loopback port) and measures, from rotor's start until a watch has seen every target
Secret (rotor writes it only after the cloud applied the reset):

  elapsed                 rotor start -> last Secret seen
  ideal                   N / R (each first rotation is one reset call, and the burst
                          lets B calls through at once: (N - B) / R is the floor)
  ratio                   elapsed / ideal
  first Secret            rotor start -> first Secret seen (start-up, informer sync), and
                          the rate of Secrets from the first to the last
  calls                   passed and throttled by the gateway (the sim's /_sim/rate_limit)
                          and rotor's own count (rotor_cloud_requests_total by outcome)
  achieved rate           passed calls / elapsed, against R
  rotor                   CPU seconds, peak RSS (VmHWM), threads at the end and at most

then waits (--settle) until no resource is pending or not Ready, reports how long after the
last Secret that took and rotor's CPU in the 10 s after, and checks: every target Secret's password equals the simulator's password of its
instance (compared in memory, never printed); no resource has Ready False or a lock; each
instance got exactly one applied reset (from the sim's call log, read as the run goes since
the sim keeps only its newest 10,000 calls); no rotation pending (status.pendingSince).
Progress lines go to stderr every --sample seconds; the run directory (printed first) keeps
rotor.log, the simulator's stderr, rotor's final /metrics and timeline.json. It prints; it
asserts nothing about the figures.
"""
import argparse
import base64
import collections
import json
import os
import pathlib
import re
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from harness import (ROOT, Api, ControlPlane, SecretWatch, cpu_seconds, dcs_instance,  # noqa: E402
                     rss_mib, stop_all)

sys.path.insert(0, str(ROOT / "tests"))
from support.kube import Kubectl, sim_account  # noqa: E402
from support.procs import CloudSim, Rotor, free_port  # noqa: E402

NS = "bench-mass"
AK, SK = "MASSAK", "mass-secret-key-not-real"
PROJECT = "0123456789abcdef0123456789abcdef"
FIRST = "First#Passw0rd1"
KIND_PATH = f"/apis/rotor.dev/v1alpha1/namespaces/{NS}/dcsinstances"


def name_of(i):
    return f"dcs-{i:05d}"


def proc_status(pid, key):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return None


def create_parallel(kubeconfig, n, threads):
    """Creates the N DcsInstances, `threads` connections each taking every threads-th one."""
    errors = []

    def part(k):
        api = Api(kubeconfig)
        try:
            for i in range(k, n, threads):
                api.create(KIND_PATH, dcs_instance(i))
        except Exception as e:  # noqa: BLE001
            errors.append(str(e))
        finally:
            api.close()

    workers = [threading.Thread(target=part, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        sys.exit(f"creating the DcsInstances failed: {errors[0]}")


def list_all(api, path, limit=500):
    """Every item of a collection, read in pages of `limit`."""
    items, cont = [], None
    while True:
        query = {"limit": str(limit)}
        if cont:
            query["continue"] = cont
        status, body = api.request("GET", path + "?" + urllib.parse.urlencode(query))
        if status != 200:
            raise RuntimeError(f"list {path}: HTTP {status}")
        items += body.get("items", [])
        cont = body.get("metadata", {}).get("continue")
        if not cont:
            return items


class CallLog:
    """The sim's call log, read with ?since= as the run goes (it keeps only its newest 10,000
    calls): counts by (action, status, fault, outcome) and applied resets per instance."""

    def __init__(self, sim):
        self.sim, self.last = sim, 0
        self.kinds = collections.Counter()
        self.applied = collections.Counter()
        self.gap = False

    def poll(self):
        calls = self.sim.admin("GET", f"/_sim/calls?since={self.last}")["calls"]
        if calls and self.last and calls[0]["seq"] != self.last + 1:
            self.gap = True  # calls dropped from the log between two reads
        for c in calls:
            self.last = max(self.last, c["seq"])
            self.kinds[(c["action"], c["status"], c["fault"], c["outcome"])] += 1
            if c["action"] == "dcs.reset" and not c["fault"] and c["outcome"] == "success":
                self.applied[c["instance_id"]] += 1


def resource_states(api):
    """(Ready not True, pending, lock named in Ready) counts over the DcsInstances."""
    not_ready = pending = locked = 0
    for obj in list_all(api, KIND_PATH):
        status = obj.get("status", {})
        conds = {c["type"]: c for c in status.get("conditions", [])}
        ready = conds.get("Ready", {})
        if ready.get("status") != "True":
            not_ready += 1
        if status.get("pendingSince") or conds.get("Rotating", {}).get("status") == "True":
            pending += 1
        if "lock" in (ready.get("reason", "") + ready.get("message", "")).lower():
            locked += 1
    return not_ready, pending, locked


def scrape(port):
    return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()


def metric_sums(text, name, by):
    """{label value: sum} of the samples of `name` grouped by label `by`."""
    out = collections.Counter()
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        labels, _, value = line.rpartition(" ")
        m = re.search(by + r'="([^"]*)"', labels)
        out[m.group(1) if m else ""] += float(value)
    return dict(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--limit", type=int, default=20, help="the gateway's calls per second (R)")
    ap.add_argument("--burst", type=int, default=None, help="the gateway's burst (default: R)")
    ap.add_argument("--retry-after", action="store_true",
                    help="throttled answers carry Retry-After")
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-workers", type=int, default=32)
    ap.add_argument("--create-threads", type=int, default=4,
                    help="parallel connections creating the DcsInstances")
    ap.add_argument("--sample", type=float, default=5.0, help="seconds between progress lines")
    ap.add_argument("--timeout", type=float, default=7200.0,
                    help="seconds to wait for every Secret")
    ap.add_argument("--settle", type=float, default=300.0,
                    help="seconds to wait, after the last Secret, for every status to settle")
    ap.add_argument("--build-dir", default=os.environ.get("ROTOR_BUILD_DIR", str(ROOT / "build")))
    args = ap.parse_args()
    build, n, rate = pathlib.Path(args.build_dir), args.resources, args.limit
    burst = args.burst if args.burst is not None else rate

    work = pathlib.Path(tempfile.mkdtemp(prefix="rotor-bench-mass."))
    print(f"run dir: {work}", file=sys.stderr, flush=True)
    sim = rotor = watch = None
    with ControlPlane(work / "cp") as cp:
        k = Kubectl(cp.kubeconfig)
        api = Api(cp.kubeconfig)
        try:
            k.run("apply", "-f", str(ROOT / "crds"))
            k.run("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
            k.run("create", "namespace", NS)
            faults = (f"faults: {{latency_ms: {args.latency_ms}, rate_limit_per_s: {rate}, "
                      f"rate_limit_burst: {burst}, "
                      f"rate_limit_retry_after: {'true' if args.retry_after else 'false'}}}\n")
            config = faults + "instances:\n" + "".join(
                f"  - {{id: {name_of(i)}, service: dcs, project_id: {PROJECT}, "
                f"password: \"{FIRST}\"}}\n" for i in range(n))
            sim = CloudSim(build / "rotor-cloudsim", work / "sim", config, AK, SK)
            sim_account(k, NS, sim.url, AK, SK, PROJECT)

            began = time.monotonic()
            create_parallel(cp.kubeconfig, n, args.create_threads)
            print(f"created {n} DcsInstances in {time.monotonic() - began:.1f}s",
                  file=sys.stderr, flush=True)
            secrets = [name_of(i) + "-password" for i in range(n)]
            watch = SecretWatch(api, NS)
            log = CallLog(sim)
            before = sim.admin("GET", "/_sim/rate_limit")

            port = free_port()
            apiserver = cp.apiserver_pid()
            api_cpu0 = cpu_seconds(apiserver)
            rotor = Rotor(build / "rotor", cp.kubeconfig, work / "rotor.log", namespaces=[NS],
                          workers=args.workers, metrics_port=port,
                          extra_args=[f"--max-workers={args.max_workers}"])
            t0 = time.monotonic()
            rotor.start()
            pid = rotor.proc.pid
            timeline, max_threads, last = [], 0, (t0, 0)
            deadline = t0 + args.timeout
            while True:
                time.sleep(args.sample)
                if rotor.proc.poll() is not None:
                    sys.exit(f"rotor exited during the run:\n{rotor.log()[-3000:]}")
                log.poll()
                now, done = time.monotonic(), watch.count(secrets)
                rl = sim.admin("GET", "/_sim/rate_limit")
                passed = rl["passed"] - before["passed"]
                throttled = rl["throttled"] - before["throttled"]
                threads = proc_status(pid, "Threads")
                max_threads = max(max_threads, threads)
                point = {"t": round(now - t0, 1), "secrets": done, "passed": passed,
                         "throttled": throttled, "threads": threads,
                         "cpu": round(cpu_seconds(pid), 1), "rss_mib": round(rss_mib(pid), 1)}
                timeline.append(point)
                window = (passed - last[1]) / (now - last[0])
                last = (now, passed)
                print(f"t={point['t']:7.1f}s secrets {done}/{n} passed {passed} throttled "
                      f"{throttled} ({window:.1f}/s last window) threads {threads} "
                      f"cpu {point['cpu']}s rss {point['rss_mib']} MiB",
                      file=sys.stderr, flush=True)
                if done == n or now > deadline:
                    break
            if done < n:
                print(f"TIMED OUT: {done}/{n} Secrets after {args.timeout}s", flush=True)
            done_at = max(watch.seen[s] for s in secrets if s in watch.seen)
            first_at = min(watch.seen[s] for s in secrets if s in watch.seen)
            elapsed = done_at - t0
            cpu = cpu_seconds(pid)
            api_cpu = cpu_seconds(apiserver) - api_cpu0
            peak_rss = proc_status(pid, "VmHWM") / 1024
            threads_end = proc_status(pid, "Threads")

            # Settle: status writes trail the Secret. Read the resources until none is
            # pending or not Ready (or --settle seconds pass), then everything once.
            settle_began = time.monotonic()
            while True:
                not_ready, pending, locked = resource_states(api)
                if (not_ready == 0 and pending == 0) or \
                        time.monotonic() - settle_began > args.settle:
                    break
                time.sleep(5)
            settled = time.monotonic() - done_at
            cpu_settled = cpu_seconds(pid)
            time.sleep(10)
            idle_cpu = cpu_seconds(pid) - cpu_settled
            log.poll()
            rl = sim.admin("GET", "/_sim/rate_limit")
            passed = rl["passed"] - before["passed"]
            throttled = rl["throttled"] - before["throttled"]
            metrics = scrape(port)
            (work / "rotor.metrics").write_text(metrics)
            requests = metric_sums(metrics, "rotor_cloud_requests_total", "outcome")
            rotations = metric_sums(metrics, "rotor_rotations_total", "result")
            reconciles = metric_sums(metrics, "rotor_reconcile_total", "result")

            # Checks. Passwords are compared here and never printed or written.
            instances = sim.admin("GET", "/_sim/instances")["instances"]
            sim_pw = {i["id"]: i.get("password") for i in instances}
            locked_sim = sum(1 for i in instances if i.get("lock", {}).get("locked"))
            mismatched = missing = 0
            by_name = {s["metadata"]["name"]: s for s in
                       list_all(api, f"/api/v1/namespaces/{NS}/secrets")}
            for i in range(n):
                secret = by_name.get(name_of(i) + "-password")
                if secret is None:
                    missing += 1
                    continue
                value = base64.b64decode(secret.get("data", {}).get("password", "")).decode()
                if value != sim_pw.get(name_of(i)) or value == FIRST:
                    mismatched += 1
            del sim_pw, by_name, instances
            resets = [log.applied.get(name_of(i), 0) for i in range(n)]
            not_sent_log = sum(1 for line in rotor.log().splitlines() if "not sent:" in line)
        finally:
            stop_all(watch, rotor, sim)
            api.close()

    ideal = n / rate
    floor = max(0, n - burst) / rate
    (work / "timeline.json").write_text(json.dumps(
        {"args": vars(args), "timeline": timeline,
         "calls": [[*key, count] for key, count in sorted(log.kinds.items())]}, indent=1))
    print(f"rotor {build / 'rotor'}: {n} DcsInstances due at once; sim latency "
          f"{args.latency_ms} ms, limit {rate}/s burst {burst}"
          f"{', Retry-After' if args.retry_after else ''}; --workers {args.workers} "
          f"--max-workers {args.max_workers}")
    print(f"elapsed (rotor start -> last Secret): {elapsed:.1f}s; ideal N/R {ideal:.1f}s "
          f"((N-burst)/R {floor:.1f}s); ratio {elapsed / ideal:.3f}")
    print(f"first Secret {first_at - t0:.1f}s after rotor's start; first -> last "
          f"{done_at - first_at:.1f}s ({(n - 1) / max(1e-9, done_at - first_at):.2f} Secrets/s)")
    print(f"gateway: passed {passed}, throttled {throttled} "
          f"({throttled / max(1, passed + throttled) * 100:.1f}% of {passed + throttled}); "
          f"achieved {passed / elapsed:.2f}/s = {passed / elapsed / rate * 100:.1f}% of the limit")
    print(f"rotor cloud requests by outcome: {json.dumps(requests)}; rotations "
          f"{json.dumps(rotations)}; reconciles {json.dumps(reconciles)}; "
          f"'not sent' log lines {not_sent_log}")
    print(f"sim call log: " + "; ".join(
        f"{a} {s} {f or '-'} {o}: {c}" for (a, s, f, o), c in sorted(log.kinds.items()))
        + (" (GAP: calls were dropped from the log between reads)" if log.gap else ""))
    print(f"rotor CPU {cpu:.1f}s ({cpu / n * 1000:.1f} ms per rotation), peak RSS "
          f"{peak_rss:.1f} MiB, threads at the end {threads_end} (at most {max_threads}); "
          f"kube-apiserver CPU {api_cpu:.1f}s; load1 {os.getloadavg()[0]:.2f}")
    print(f"statuses settled (none pending, all Ready) {settled:.1f}s after the last Secret"
          f"{'' if not_ready == 0 and pending == 0 else ' -- NOT SETTLED'}; rotor CPU in the "
          f"10s after that: {idle_cpu:.1f}s")
    print(f"checks: Secrets missing {missing}, password != sim's {mismatched}; resources "
          f"Ready not True {not_ready}, lock-related {locked}, pending {pending}; sim "
          f"instances locked {locked_sim}; applied resets per instance: "
          f"{dict(sorted(collections.Counter(resets).items()))}")
    print(f"run dir: {work}")


if __name__ == "__main__":
    main()
