"""`rotor generate` and `rotor rotate` as a user runs them, against the simulator and Redis."""
import http.server
import json
import os
import pathlib
import signal
import stat
import subprocess
import sys
import threading
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from support.procs import CloudSim, Redis, wait_for  # noqa: E402

AK, SK = "CLIAK", "cli-secret-key-not-real"
PROJECT = "0123456789abcdef0123456789abcdef"
FIRST = "First#Passw0rd1"
DCS_SPECIALS = set("`~!@#$^&*()-_=+|{},<.>/?")


@pytest.fixture
def rotor_bin(build_dir):
    return str(pathlib.Path(build_dir) / "rotor")


@pytest.fixture
def redis(tmp_path):
    r = Redis(tmp_path / "redis", FIRST)
    yield r
    r.stop()


@pytest.fixture
def sim(build_dir, tmp_path, redis):
    config = (
        "instances:\n"
        f"  - {{id: dcs1, service: dcs, project_id: {PROJECT}, password: \"{FIRST}\", redis_port: {redis.port}}}\n"
        f"  - {{id: dcs-4839, service: dcs, project_id: {PROJECT}, password: \"{FIRST}\", reset_unsupported: true}}\n"
        f"  - {{id: ddm1, service: ddm, project_id: {PROJECT}, users: {{app: \"{FIRST}\"}}}}\n"
        f"  - {{id: kafka1, service: kafka, project_id: {PROJECT}, password: \"{FIRST}\"}}\n"
        f"  - {{id: rmq1, service: rabbitmq, project_id: {PROJECT}, password: \"{FIRST}\"}}\n")
    s = CloudSim(pathlib.Path(build_dir) / "rotor-cloudsim", tmp_path / "sim", config, AK, SK)
    yield s
    s.stop()


class Runner:
    """Runs `rotor` and remembers every output, to check that no password leaks."""

    def __init__(self, binary, sim, tmp):
        self.binary, self.sim, self.tmp = binary, sim, tmp
        self.outputs = []

    def run(self, *args, env=None, sk=SK, timeout=60):
        e = dict(os.environ, CLOUD_SDK_AK=AK, CLOUD_SDK_SK=sk) if env is None else env
        out = subprocess.run([self.binary, *args], capture_output=True, text=True, env=e, timeout=timeout)
        self.outputs.append(out.stderr)
        return out

    def rotate(self, service, instance, out_file, *extra, **kw):
        return self.run("rotate", "--service", service, "--region", "eu-de", "--project-id", PROJECT,
                        "--instance-id", instance, "--endpoint", self.sim.url, "--password-file",
                        str(out_file), *extra, **kw)


@pytest.fixture
def cli(rotor_bin, sim, tmp_path):
    r = Runner(rotor_bin, sim, tmp_path)
    yield r
    secrets = {SK, FIRST} | {sim.instance(i).get("password") or "" for i in ("dcs1", "dcs-4839", "kafka1", "rmq1")}
    for text in r.outputs:
        for s in secrets:
            assert not s or s not in text, "a password reached rotor's output"


def pending_of(out_file):
    """The pending password in OUT.pending (the rotation record), or None."""
    path = pathlib.Path(str(out_file) + ".pending")
    return json.loads(path.read_text()).get("pending") if path.exists() else None


@pytest.mark.parametrize("service,length", [("dcs", 32), ("ddm", 20), ("kafka", 8), ("rabbitmq", 32)])
def test_generate_prints_compliant_passwords(rotor_bin, service, length):
    args = [rotor_bin, "generate", "--service", service, "--length", str(length), "--count", "200"]
    if service == "ddm":
        args += ["--username", "app"]
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert len(lines) == 200 and len(set(lines)) == 200
    for pw in lines:
        assert len(pw) == length
        assert any(c.islower() for c in pw) and any(c.isupper() for c in pw) and any(c.isdigit() for c in pw)
        if service == "dcs":
            assert set(pw) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") | DCS_SPECIALS
        if service in ("kafka", "rabbitmq"):
            assert not pw.startswith("-")


@pytest.mark.parametrize("args,needle", [
    (["generate", "--service", "mongo"], "unknown service"),
    (["generate", "--service", "dcs", "--length", "65"], "length"),
    (["generate", "--service", "dcs", "--length", "7"], "length"),
    (["generate", "--service", "ddm"], "username"),
    (["generate", "--service", "dcs", "--special-characters", "%"], "%"),
    (["rotate", "--service", "dcs"], "--region"),
    (["frobnicate"], "unknown command"),
])
def test_bad_usage_is_one_clear_line_and_exit_2(rotor_bin, args, needle):
    out = subprocess.run([rotor_bin, *args], capture_output=True, text=True)
    assert out.returncode == 2, out.stderr
    assert needle in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_help_and_version(rotor_bin):
    for cmd in ("generate", "rotate", "run"):
        out = subprocess.run([rotor_bin, cmd, "--help"], capture_output=True, text=True)
        assert out.returncode == 0 and "--" in out.stdout
    assert "exit codes" in subprocess.run([rotor_bin, "rotate", "--help"], capture_output=True, text=True).stdout
    assert subprocess.run([rotor_bin, "version"], capture_output=True, text=True).stdout.startswith("rotor ")


def test_dcs_reset_writes_a_private_file_that_opens_redis(cli, sim, redis, tmp_path):
    out_file = tmp_path / "dcs.pw"
    r = cli.rotate("dcs", "dcs1", out_file)
    assert r.returncode == 0, r.stderr
    pw = out_file.read_text()
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    assert not pathlib.Path(str(out_file) + ".pending").exists()
    assert sim.instance("dcs1")["password"] == pw
    assert redis.ping(pw) == "PONG"
    assert "PONG" not in redis.ping(FIRST)


def test_dcs_change_uses_the_old_password_file(cli, sim, redis, tmp_path):
    old = tmp_path / "old.pw"
    old.write_text(FIRST + "\n")
    out_file = tmp_path / "new.pw"
    r = cli.rotate("dcs", "dcs1", out_file, "--method", "change", "--old-password-file", str(old))
    assert r.returncode == 0, r.stderr
    assert redis.ping(out_file.read_text()) == "PONG"
    assert [c["method"] for c in sim.calls("dcs1")] == ["PUT"]


def test_a_wrong_old_password_is_reported_once_and_never_retried(cli, sim, tmp_path):
    old = tmp_path / "old.pw"
    old.write_text("Wrong#Passw0rd9")
    r = cli.rotate("dcs", "dcs1", tmp_path / "new.pw", "--method", "change", "--old-password-file", str(old))
    assert r.returncode == 3
    assert "WrongOldPassword" in r.stderr and "retries left 4" in r.stderr
    assert len(sim.calls("dcs1")) == 1
    # The refusal is remembered next to OUT (no password in it): running the same command
    # again does not spend a second attempt.
    record = (tmp_path / "new.pw.pending").read_text()
    assert "Wrong#Passw0rd9" not in record and pending_of(tmp_path / "new.pw") is None
    for _ in range(4):
        r = cli.rotate("dcs", "dcs1", tmp_path / "new.pw", "--method", "change", "--old-password-file", str(old))
        assert r.returncode == 3 and "WrongOldPassword" in r.stderr
    assert len(sim.calls("dcs1")) == 1
    assert sim.instance("dcs1")["password"] == FIRST
    old.write_text(FIRST)  # the person fixes the old password: one attempt, which works
    r = cli.rotate("dcs", "dcs1", tmp_path / "new.pw", "--method", "change", "--old-password-file", str(old))
    assert r.returncode == 0, r.stderr
    assert sim.instance("dcs1")["password"] == (tmp_path / "new.pw").read_text()


def test_the_last_attempt_before_the_lock_waits_for_use_last_attempt(cli, sim, tmp_path):
    runs = []
    for i in range(5):  # five different mistakes, each a person's own: one attempt each
        old = tmp_path / f"old{i}.pw"
        old.write_text(f"Wrong#Passw0rd{i}")
        runs.append(cli.rotate("dcs", "dcs1", tmp_path / "x.pw", "--method", "change", "--old-password-file",
                               str(old)))
    assert [r.returncode for r in runs] == [3, 3, 3, 3, 3]
    assert "LastAttempt" in runs[4].stderr and "--use-last-attempt" in runs[4].stderr
    assert sim.instance("dcs1")["password"] == FIRST  # four wrong attempts, no lock
    r = cli.rotate("dcs", "dcs1", tmp_path / "x.pw", "--method", "change", "--old-password-file",
                   str(tmp_path / "old4.pw"), "--use-last-attempt")
    assert r.returncode == 4, r.stderr  # the person chose to spend it, and walked into the lock
    r = cli.rotate("dcs", "dcs1", tmp_path / "y.pw")
    assert r.returncode == 4, r.stderr
    assert "locked until" in r.stderr


def test_auto_falls_back_to_change_on_dcs_4839(cli, sim, tmp_path):
    r = cli.rotate("dcs", "dcs-4839", tmp_path / "a.pw")
    assert r.returncode == 3 and "old-password-file" in r.stderr
    old = tmp_path / "old.pw"
    old.write_text(FIRST)
    r = cli.rotate("dcs", "dcs-4839", tmp_path / "b.pw", "--old-password-file", str(old))
    assert r.returncode == 0, r.stderr
    assert "DCS.4839" in r.stderr
    assert sim.instance("dcs-4839")["password"] == (tmp_path / "b.pw").read_text()


@pytest.mark.parametrize("service,instance,extra", [
    ("ddm", "ddm1", ["--username", "app"]), ("kafka", "kafka1", []), ("rabbitmq", "rmq1", [])])
def test_ddm_and_dms_reset(cli, sim, tmp_path, service, instance, extra):
    out_file = tmp_path / "pw"
    r = cli.rotate(service, instance, out_file, *extra)
    assert r.returncode == 0, r.stderr
    got = sim.instance(instance)
    assert (got["users"]["app"] if service == "ddm" else got["password"]) == out_file.read_text()


def test_a_5xx_keeps_the_pending_password_and_the_next_run_sends_it_again(cli, sim, tmp_path):
    sim.put_instance("kafka1", faults={"error_next": 1})
    out_file = tmp_path / "k.pw"
    r = cli.rotate("kafka", "kafka1", out_file)
    assert r.returncode == 5, r.stderr
    kept = pending_of(out_file)
    assert kept and not out_file.exists()
    r = cli.rotate("kafka", "kafka1", out_file)
    assert r.returncode == 0, r.stderr
    assert out_file.read_text() == kept == sim.instance("kafka1")["password"]


def test_a_dropped_connection_after_apply_loses_nothing(cli, sim, redis, tmp_path):
    sim.put_instance("dcs1", faults={"drop_next": 1})
    out_file = tmp_path / "d.pw"
    r = cli.rotate("dcs", "dcs1", out_file)
    assert r.returncode == 5, r.stderr
    pending = pending_of(out_file)
    assert sim.instance("dcs1")["password"] == pending  # applied, answer lost
    assert cli.rotate("dcs", "dcs1", out_file).returncode == 0
    assert out_file.read_text() == pending
    assert redis.ping(pending) == "PONG"


def test_throttling_exits_7_and_the_next_run_sends_the_same_password(cli, sim, tmp_path):
    sim.put_instance("rmq1", faults={"throttle_next": 1})
    r = cli.rotate("rabbitmq", "rmq1", tmp_path / "r.pw")
    assert r.returncode == 7, r.stderr
    assert "Throttled" in r.stderr
    held = pending_of(tmp_path / "r.pw")  # never applied, kept: one rotation, one password
    assert held and sim.instance("rmq1")["password"] == FIRST
    assert cli.rotate("rabbitmq", "rmq1", tmp_path / "r.pw").returncode == 0
    assert (tmp_path / "r.pw").read_text() == held == sim.instance("rmq1")["password"]
    assert not pathlib.Path(str(tmp_path / "r.pw") + ".pending").exists()


def test_change_after_an_unknown_outcome_never_walks_into_the_lockout(cli, sim, tmp_path):
    # Defect 8: after a change whose answer was lost, every later run used to send the
    # inherited password with the old one, get "wrong old password", and lock the instance.
    old = tmp_path / "old.pw"
    old.write_text(FIRST)
    out_file = tmp_path / "c.pw"
    sim.put_instance("dcs1", faults={"drop_next": 1})
    r = cli.rotate("dcs", "dcs1", out_file, "--method", "change", "--old-password-file", str(old))
    assert r.returncode == 5, r.stderr
    taken = pending_of(out_file)
    assert sim.instance("dcs1")["password"] == taken  # applied, answer lost
    for _ in range(6):
        r = cli.rotate("dcs", "dcs1", out_file, "--method", "change", "--old-password-file", str(old))
        assert r.returncode == 5 and "NeedsConfirmation" in r.stderr, r.stderr
    assert len(sim.calls("dcs1")) == 1  # no guess was sent
    assert not sim.instance("dcs1").get("locked")
    assert pending_of(out_file) == taken
    # The person checks which password works and passes it as the old one: rotor sees the
    # pending password is in force and writes it out, without another call.
    old.write_text(taken)
    r = cli.rotate("dcs", "dcs1", out_file, "--method", "change", "--old-password-file", str(old))
    assert r.returncode == 0, r.stderr
    assert out_file.read_text() == taken and len(sim.calls("dcs1")) == 1


def test_a_killed_rotate_leaves_the_pending_file_for_the_next_run(cli, sim, redis, rotor_bin, tmp_path):
    sim.put_instance("dcs1", faults={"latency_ms": 3000})
    out_file = tmp_path / "k.pw"
    pending = pathlib.Path(str(out_file) + ".pending")
    env = dict(os.environ, CLOUD_SDK_AK=AK, CLOUD_SDK_SK=SK)
    proc = subprocess.Popen([rotor_bin, "rotate", "--service", "dcs", "--region", "eu-de", "--project-id",
                             PROJECT, "--instance-id", "dcs1", "--endpoint", sim.url, "--password-file",
                             str(out_file)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(pending.exists, 10, 0.02, "the pending file")
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(3)
    taken = sim.instance("dcs1")["password"]
    assert pending_of(out_file) == taken and not out_file.exists()
    sim.put_instance("dcs1", faults={"latency_ms": 0})
    assert cli.rotate("dcs", "dcs1", out_file).returncode == 0
    assert out_file.read_text() == taken
    assert redis.ping(taken) == "PONG"


def test_authentication_failure_exits_6(cli, tmp_path):
    r = cli.rotate("dcs", "dcs1", tmp_path / "a.pw", sk="not-the-secret-key")
    assert r.returncode == 6, r.stderr
    assert "APIG.0301" in r.stderr


def test_missing_credentials_and_bad_endpoint(cli, rotor_bin, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUD_SDK_")}
    r = cli.rotate("dcs", "dcs1", tmp_path / "a.pw", env=env)
    assert r.returncode == 2 and "CLOUD_SDK_AK" in r.stderr
    r = subprocess.run([rotor_bin, "rotate", "--service", "dcs", "--region", "eu-de", "--project-id", PROJECT,
                        "--instance-id", "dcs1", "--endpoint", "ftp://nowhere", "--password-file",
                        str(tmp_path / "b.pw")], capture_output=True, text=True,
                       env=dict(os.environ, CLOUD_SDK_AK=AK, CLOUD_SDK_SK=SK))
    assert r.returncode == 2 and "bad --endpoint" in r.stderr


class Garbage(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"\x00\xffnot json at all")

    def log_message(self, *args):
        pass


def test_an_unparseable_answer_is_an_unknown_outcome_not_a_crash(rotor_bin, tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        r = subprocess.run([rotor_bin, "rotate", "--service", "dcs", "--region", "eu-de", "--project-id", PROJECT,
                            "--instance-id", "x", "--endpoint", f"http://127.0.0.1:{server.server_port}",
                            "--password-file", str(tmp_path / "g.pw")], capture_output=True, text=True,
                           env=dict(os.environ, CLOUD_SDK_AK=AK, CLOUD_SDK_SK=SK), timeout=60)
    finally:
        server.shutdown()
    assert r.returncode == 5, r.stderr
    assert "Unknown" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert pathlib.Path(str(tmp_path / "g.pw") + ".pending").exists()
