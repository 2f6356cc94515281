"""rotor-cloudsim against the OFFICIAL Huawei Cloud Python SDKs: their signed requests must be
accepted, and our answers must parse into their response models. The SDKs are the closest
thing to the real cloud available here, so they keep the simulator honest."""
import json
import subprocess
import urllib.error
import urllib.request

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.auth.provider import PodIdentityCredentialProvider
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkdcs.v2 import (DcsClient, ModifyInstancePasswordBody, ResetInstancePasswordBody,
                                  ResetPasswordRequest, ShowInstanceRequest,
                                  UpdatePasswordRequest)
from huaweicloudsdkddm.v1 import (DdmClient, ResetDdmUserPasswordRequest,
                                  ResetUserPasswordV3RequestBody)
from huaweicloudsdkkafka.v2 import KafkaClient
from huaweicloudsdkkafka.v2 import ResetPasswordReq as KafkaResetBody
from huaweicloudsdkkafka.v2 import ResetPasswordRequest as KafkaResetRequest
from huaweicloudsdkrabbitmq.v2 import RabbitMQClient
from huaweicloudsdkrabbitmq.v2 import ResetPasswordReq as RabbitResetBody
from huaweicloudsdkrabbitmq.v2 import ResetPasswordRequest as RabbitResetRequest

from simenv import AK, PROJECT, SK


def client(cls, sim, sk=SK):
    return cls.new_builder().with_credentials(BasicCredentials(AK, sk, PROJECT)) \
        .with_endpoints([sim.url]).build()


def dcs_change(sim, old, new):
    return client(DcsClient, sim).update_password(UpdatePasswordRequest(
        instance_id="dcs1", body=ModifyInstancePasswordBody(old_password=old, new_password=new)))


def dcs_reset(sim, new, instance_id="dcs1"):
    return client(DcsClient, sim).reset_password(ResetPasswordRequest(
        instance_id=instance_id,
        body=ResetInstancePasswordBody(new_password=new, no_password_access=False)))


def test_dcs_reset(cloudsim):
    resp = dcs_reset(cloudsim, "New#Passw0rd2")
    assert resp.status_code == 200
    assert (resp.code, resp.message, resp.ext_message) == ("1", "success", None)
    assert (resp.retry_times_left, resp.lock_time, resp.lock_time_left) == ("5", "0", "0")
    assert cloudsim.instance("dcs1")["password"] == "New#Passw0rd2"
    call = cloudsim.calls()[-1]
    assert (call["action"], call["status"], call["principal"]) == ("dcs.reset", 200, "ak:" + AK)


def test_dcs_change_wrong_then_right_old_password(cloudsim):
    wrong = dcs_change(cloudsim, "Wrong#Passw0rd1", "New#Passw0rd2")
    assert wrong.status_code == 200
    assert (wrong.result, wrong.retry_times_left, wrong.lock_time_left) == ("passwordFailed", "4", "0")
    right = dcs_change(cloudsim, "Old#Passw0rd1", "New#Passw0rd2")
    assert (right.result, right.retry_times_left) == ("success", "5")
    assert right.message == "Modify DCSInstance password success."
    assert cloudsim.instance("dcs1")["password"] == "New#Passw0rd2"


def test_dcs_lockout_and_simulated_time(cloudsim):
    for _ in range(4):
        dcs_change(cloudsim, "Wrong#Passw0rd1", "New#Passw0rd2")
    locked = dcs_change(cloudsim, "Wrong#Passw0rd1", "New#Passw0rd2")
    assert (locked.result, locked.lock_time, locked.lock_time_left) == ("locked", "5", "5")
    assert dcs_reset(cloudsim, "New#Passw0rd2").code == "3"  # reset refused while locked
    # Five simulated minutes later (still within the 15 minutes a signature may be off).
    cloudsim.admin("POST", "/_sim/clock", {"advance_seconds": 300})
    assert dcs_change(cloudsim, "Old#Passw0rd1", "New#Passw0rd2").result == "success"


def test_dcs_show_instance(cloudsim):
    resp = client(DcsClient, cloudsim).show_instance(ShowInstanceRequest(instance_id="dcs1"))
    assert (resp.instance_id, resp.engine, resp.status) == ("dcs1", "Redis", "RUNNING")
    assert resp.no_password_access == "false"
    assert isinstance(resp.port, int)


def test_dcs_reset_unsupported_is_a_client_error(cloudsim):
    cloudsim.put_instance("dcs1", reset_unsupported=True)
    with pytest.raises(exceptions.ClientRequestException) as e:
        dcs_reset(cloudsim, "New#Passw0rd2")
    assert (e.value.status_code, e.value.error_code) == (400, "DCS.4839")


def test_ddm_reset(cloudsim):
    resp = client(DdmClient, cloudsim).reset_ddm_user_password(ResetDdmUserPasswordRequest(
        instance_id="ddm1", username="root",
        body=ResetUserPasswordV3RequestBody(password="Ddm#Passw0rd9")))
    assert resp.status_code == 200
    assert cloudsim.instance("ddm1")["users"]["root"] == "Ddm#Passw0rd9"


@pytest.mark.parametrize("cls,request_cls,body_cls,instance_id", [
    (KafkaClient, KafkaResetRequest, KafkaResetBody, "kafka1"),
    (RabbitMQClient, RabbitResetRequest, RabbitResetBody, "rmq1"),
])
def test_dms_reset(cloudsim, cls, request_cls, body_cls, instance_id):
    resp = client(cls, cloudsim).reset_password(
        request_cls(instance_id=instance_id, body=body_cls(new_password="Kafka Pass#3")))
    assert resp.status_code == 204
    assert cloudsim.instance(instance_id)["password"] == "Kafka Pass#3"


def test_wrong_sk_is_apig_0301(cloudsim):
    with pytest.raises(exceptions.ClientRequestException) as e:
        client(DcsClient, cloudsim, sk="not-the-key").show_instance(
            ShowInstanceRequest(instance_id="dcs1"))
    assert (e.value.status_code, e.value.error_code) == (401, "APIG.0301")
    assert "verify aksk signature fail" in e.value.error_msg


def test_dropped_connection_applies_the_password(cloudsim):
    cloudsim.put_instance("kafka1", faults={"drop_next": 1})
    with pytest.raises(exceptions.ConnectionException):
        client(KafkaClient, cloudsim).reset_password(KafkaResetRequest(
            instance_id="kafka1", body=KafkaResetBody(new_password="Kafka Pass#3")))
    assert cloudsim.instance("kafka1")["password"] == "Kafka Pass#3"
    assert cloudsim.calls()[-1]["outcome"] == "success (dropped)"


def test_iam_token_authenticates_a_call(cloudsim):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "rotor", "password": "Iam#Passw0rd", "domain": {"name": "acme"}}}},
        "scope": {"project": {"id": PROJECT}}}}
    req = urllib.request.Request(cloudsim.url + "/v3/auth/tokens", data=json.dumps(body).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 201
        token = resp.headers["X-Subject-Token"]
        assert json.loads(resp.read())["token"]["expires_at"].endswith("Z")
    show = urllib.request.Request(f"{cloudsim.url}/v2/{PROJECT}/instances/dcs1",
                                  headers={"X-Auth-Token": token})
    with urllib.request.urlopen(show, timeout=10) as resp:
        assert json.loads(resp.read())["instance_id"] == "dcs1"
    body["auth"]["identity"]["password"]["user"]["password"] = "wrong"
    req = urllib.request.Request(cloudsim.url + "/v3/auth/tokens", data=json.dumps(body).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 401


def test_pod_identity_credentials_sign_an_sdk_call(cloudsim, monkeypatch, tmp_path):
    # The official SDK's Pod Identity provider reads our answer and signs with the key.
    monkeypatch.setenv("HC_CONTAINER_CREDENTIALS_FULL_URI",
                       cloudsim.url + "/pod-identity/credentials")
    monkeypatch.setenv("HC_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                       str(tmp_path / "pod-identity.token"))
    credentials = PodIdentityCredentialProvider.get_basic().get_credentials()
    credentials.project_id = PROJECT
    assert credentials.security_token
    dcs = DcsClient.new_builder().with_credentials(credentials) \
        .with_endpoints([cloudsim.url]).build()
    assert dcs.show_instance(ShowInstanceRequest(instance_id="dcs1")).instance_id == "dcs1"
    assert cloudsim.calls()[-1]["principal"] == "ak:" + credentials.ak


def test_metadata_security_key_signs_a_call(cloudsim):
    with urllib.request.urlopen(cloudsim.url + "/openstack/latest/securitykey", timeout=10) as r:
        credential = json.loads(r.read())["credential"]
    assert credential["expires_at"].endswith("Z")
    dcs = DcsClient.new_builder().with_credentials(
        BasicCredentials(credential["access"], credential["secret"], PROJECT)
        .with_security_token(credential["securitytoken"])).with_endpoints([cloudsim.url]).build()
    assert dcs.show_instance(ShowInstanceRequest(instance_id="dcs1")).instance_id == "dcs1"


def redis_ping(port, password):
    out = subprocess.run(["redis-cli", "-p", str(port), "--no-auth-warning", "-a", password, "ping"],
                         capture_output=True, text=True, timeout=10)
    return out.stdout.strip()


def test_reset_reaches_a_real_redis(cloudsim, redis_server):
    cloudsim.put_instance("dcs1", redis_port=redis_server)
    assert redis_ping(redis_server, "Old#Passw0rd1") == "PONG"
    assert dcs_reset(cloudsim, "New#Passw0rd2").code == "1"
    assert redis_ping(redis_server, "New#Passw0rd2") == "PONG"
    assert redis_ping(redis_server, "Old#Passw0rd1") != "PONG"
    # The change call goes through the same push, authenticating with the current password.
    assert dcs_change(cloudsim, "New#Passw0rd2", "Third#Passw0rd3").result == "success"
    assert redis_ping(redis_server, "Third#Passw0rd3") == "PONG"
    assert redis_ping(redis_server, "New#Passw0rd2") != "PONG"


def test_redis_failure_keeps_the_old_password(cloudsim, redis_server):
    # The simulator believes a password the Redis does not have: the push fails, the call
    # answers 500 and neither side changes.
    cloudsim.put_instance("dcs1", redis_port=redis_server, password="Drifted#Passw0rd1")
    with pytest.raises(exceptions.ServerResponseException) as e:
        dcs_reset(cloudsim, "New#Passw0rd2")
    assert (e.value.status_code, e.value.error_code) == (500, "DCS.4069")
    assert cloudsim.instance("dcs1")["password"] == "Drifted#Passw0rd1"
    assert redis_ping(redis_server, "Old#Passw0rd1") == "PONG"
