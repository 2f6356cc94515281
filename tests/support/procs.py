"""Real processes for the integration tests: rotor-cloudsim, redis-server, rotor run."""
import json
import pathlib
import shutil
import signal
import socket
import subprocess
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, interval=0.2, what="condition"):
    """Polls `predicate` until it returns something truthy; fails after `timeout` seconds."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class CloudSim:
    """A running rotor-cloudsim: its URL and its admin API."""

    def __init__(self, binary, workdir, config_yaml, ak, sk, extra_args=()):
        workdir = pathlib.Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "sk").write_text(sk + "\n")
        (workdir / "cloudsim.yaml").write_text(config_yaml)
        self.stderr_path = workdir / "cloudsim.stderr"
        with open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(
                [str(binary), "--listen", "127.0.0.1:0", "--config", str(workdir / "cloudsim.yaml"),
                 "--ak", ak, "--sk-file", str(workdir / "sk"), *extra_args],
                stdout=subprocess.PIPE, stderr=err, text=True)
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.stderr()

    def admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read() or b"{}")

    def put_instance(self, instance_id, **spec):
        return self.admin("PUT", "/_sim/instances/" + instance_id, spec)

    def instance(self, instance_id):
        return self.admin("GET", "/_sim/instances/" + instance_id)

    def calls(self, instance_id=None):
        calls = self.admin("GET", "/_sim/calls")["calls"]
        if instance_id is None:
            return calls
        return [c for c in calls if instance_id in c.get("path", "")]

    def stderr(self):
        return pathlib.Path(self.stderr_path).read_text()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=10)


class Redis:
    """A throwaway redis-server on a free port."""

    def __init__(self, workdir, password):
        binary = shutil.which("redis-server")
        assert binary and shutil.which("redis-cli"), "redis-server and redis-cli are needed"
        self.port = free_port()
        data = pathlib.Path(workdir)
        data.mkdir(parents=True, exist_ok=True)
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(data)]
        if password:
            args += ["--requirepass", password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._listening, 10, 0.05, "redis-server to listen")

    def _listening(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def ping(self, password):
        """What `redis-cli PING` answers when authenticating with `password` (None: no AUTH)."""
        args = ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), "--no-auth-warning"]
        if password is not None:
            args += ["-a", password]
        out = subprocess.run(args + ["PING"], capture_output=True, text=True, timeout=10)
        return (out.stdout + out.stderr).strip()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Rotor:
    """`rotor run` against a kubeconfig, logging JSON to a file."""

    def __init__(self, binary, kubeconfig, log_path, namespaces=(), workers=2, extra_args=(),
                 env=None, leader_election=None, metrics_port=None, health_port=None):
        # leader_election: None runs without (every test operator reconciles on its own),
        # else (lease namespace, lease name). Ports: None disables the listener, so that
        # operators of concurrent tests never compete for a port.
        self.args = [str(binary), "run", "--kubeconfig", str(kubeconfig), "--log-format", "json",
                     "--allowed-endpoint-host=127.0.0.1",
                     "--workers", str(workers)]
        if leader_election is None:
            self.args.append("--leader-elect=false")
        else:
            self.args += [f"--leader-election-namespace={leader_election[0]}",
                          f"--leader-election-id={leader_election[1]}"]
        self.args.append("--metrics-bind-address=" +
                         (f"127.0.0.1:{metrics_port}" if metrics_port else "0"))
        self.args.append("--health-probe-bind-address=" +
                         (f"127.0.0.1:{health_port}" if health_port else "0"))
        self.args += list(extra_args)
        self.env = env
        for ns in namespaces:
            self.args += ["--namespace", ns]
        self.log_path = pathlib.Path(log_path)
        self.proc = None

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.args, stdout=log, stderr=log, env=self.env)
        log.close()
        return self

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            return self.proc.wait(timeout=20)
        return self.proc.returncode if self.proc else None

    def log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""
