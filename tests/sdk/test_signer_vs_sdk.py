"""Cross-checks rotor's SDK-HMAC-SHA256 signer against the official Python SDK's.

Each generated request is built the way huaweicloudsdkcore's own HTTP path builds it
(Client._parse_path_params / _parse_query_params / _parse_body, BasicCredentials adding
X-Project-Id and X-Security-Token, Signer.sign adding Host), then signed by the SDK. The
URL the SDK would put on the wire (after `requests` prepares it) is split into path and
query, and those, with the SDK's final headers and body bytes, are handed to
rotor-sign-tool: rotor must produce the same signature from what the SDK sends.

Headers: the SDK signs every header whose name has no `_`; rotor signs content-type,
host, x-project-id, x-sdk-date and x-security-token. Requests here carry only those five
(plus `_` headers, which neither signs); the SDK's User-Agent is left out, since rotor
does not send it. Content-Type is always a JSON one: for other types the SDK adds
`X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` and signs that instead of the body hash, which
rotor never does (it sends JSON only).

Query keys and values are sorted decoded, then encoded (both official SDKs do so); rotor
used to sort the encoded forms, which this check caught (145 of the 500 requests).

Repeated query keys carry string values only: for non-string values the SDK sorts
Python objects (ints numerically, and mixed types raise), which is SDK-specific.

A second oracle, the official Go SDK (tests/sdk/go, built from the Go module proxy), runs
on the same generated requests when ROTOR_SDK_GO=1: a warm run takes a few seconds, but
a cold one downloads the 47 MB SDK module and compiles it (about 2.5 minutes).
"""
from __future__ import annotations

import dataclasses
import difflib
import json
import os
import pathlib
import random
import shutil
import subprocess
import urllib.parse

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.client import Client
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.algorithm import SigningAlgorithm
from huaweicloudsdkcore.signer.signer import Signer

SEED = 20240611
N_CASES = 500
AK = "AccessKey"
ROTOR_SIGNED = {"content-type", "host", "x-project-id", "x-sdk-date", "x-security-token"}


# --------------------------------------------------------------------------- SDK side


class _CapturingSigner(Signer):
    """The SDK's Signer, recording the canonical request it signs (on the request)."""

    def _process_canonical_request(self, request, signed_headers):
        canonical = super()._process_canonical_request(request, signed_headers)
        request.rotor_canonical = canonical
        return canonical


@dataclasses.dataclass
class Case:
    name: str
    method: str
    endpoint: str
    template: str
    path_params: dict
    query_params: list  # [(key, value)] as the SDK's generated clients pass them
    collection_formats: dict
    headers: dict  # header params given by the caller (before the SDK adds its own)
    body: object  # None, str, or dict (serialised by the SDK)
    sk: str
    project_id: str | None
    security_token: str | None


@dataclasses.dataclass
class SdkResult:
    method: str
    path: str  # as on the wire
    query: str  # as on the wire
    headers: dict  # as signed and sent, without Authorization
    body: str
    signed_headers: str
    signature: str
    canonical: str


def sdk_sign(case: Case) -> SdkResult:
    """Builds and signs `case` as the SDK's Client.build_future_request + credentials do."""
    client = Client()  # only its parameter-processing helpers are used
    creds = BasicCredentials(AK, case.sk, case.project_id)
    if case.security_token is not None:
        creds.with_security_token(case.security_token)
    creds._SIGNER_CASE = {SigningAlgorithm.HMAC_SHA256: _CapturingSigner}  # instance-level

    netloc = urllib.parse.urlparse(case.endpoint).netloc
    schema = urllib.parse.urlparse(case.endpoint).scheme
    header_params = dict(case.headers)
    resource_path = client._parse_path_params(
        case.collection_formats, dict(case.path_params), case.template,
        creds.get_update_path_params())
    query_params = client._parse_query_params(case.collection_formats, list(case.query_params))
    body = client._parse_body(case.body, None) if case.body is not None else None

    request = SdkRequest(method=case.method, schema=schema, host=netloc,
                         resource_path=resource_path, query_params=query_params,
                         header_params=header_params, body=body)
    request = creds.sign_request(request)

    auth = request.header_params.pop("Authorization")
    prefix = "SDK-HMAC-SHA256 Access=%s, SignedHeaders=" % AK
    assert auth.startswith(prefix), auth
    signed_headers, signature = auth[len(prefix):].split(", Signature=")

    # What `requests` (the SDK's HTTP client) really sends.
    body_bytes = request.body or b""
    prepared = requests.Request(case.method, request.url, headers=request.header_params,
                                data=body_bytes).prepare()
    wire = urllib.parse.urlsplit(prepared.url)
    # The signer leaves header values as UTF-8 bytes seen as ISO-8859-1 text, which
    # http.client encodes back to those UTF-8 bytes: undo that to get the bytes sent.
    headers = {k: v.encode("iso-8859-1").decode("utf-8") for k, v in prepared.headers.items()
               if k != "Content-Length"}
    return SdkResult(method=case.method, path=wire.path, query=wire.query, headers=headers,
                     body=body_bytes.decode("utf-8"), signed_headers=signed_headers,
                     signature=signature, canonical=request.rotor_canonical)


# --------------------------------------------------------------------------- rotor side


def rotor_sign(build_dir, inputs: list[dict]) -> list[dict]:
    tool = build_dir / "rotor-sign-tool"
    if not tool.exists():
        pytest.fail(f"{tool} not built (ninja -C {build_dir} rotor-sign-tool, or set ROTOR_BUILD_DIR)")
    stdin = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in inputs)
    proc = subprocess.run([str(tool)], input=stdin.encode("utf-8"), capture_output=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    out = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines() if line]
    assert len(out) == len(inputs), proc.stderr.decode(errors="replace")
    return out


def rotor_input(sdk: SdkResult, sk: str) -> dict:
    return {"method": sdk.method, "path": sdk.path, "query": sdk.query, "headers": sdk.headers,
            "body": sdk.body, "sk": sk}


def mismatch_report(case_desc: str, sdk: SdkResult, ours: dict) -> str:
    diff = "\n".join(difflib.unified_diff(sdk.canonical.split("\n"), ours["canonical"].split("\n"),
                                          "sdk", "rotor", lineterm=""))
    return (f"signature mismatch for {case_desc}\n"
            f"  wire: {sdk.method} {sdk.path}?{sdk.query}\n"
            f"  headers: {sdk.headers!r}\n  body: {sdk.body!r}\n"
            f"  sdk   signed={sdk.signed_headers} sig={sdk.signature}\n"
            f"  rotor signed={ours['signed_headers']} sig={ours['signature']}\n"
            f"--- SDK canonical request:\n{sdk.canonical}\n"
            f"--- rotor canonical request:\n{ours['canonical']}\n"
            f"--- diff:\n{diff}")


# --------------------------------------------------------------------------- generator

TEMPLATES = [
    "/v2/{project_id}/instances/{instance_id}/password",
    "/v2/{project_id}/instances/{instance_id}/password/reset",
    "/v2/{project_id}/instances/{instance_id}/accounts/{account_id}/password/reset",
    "/v2/{project_id}/instances/{instance_id}/users/{user_name}",
    "/v1/{project_id}/instances/{instance_id}/users",
    "/v2/{project_id}/instances/{instance_id}/",
    "/v1.0/{project_id}/{engine}/instances/{instance_id}",
    "/v3/auth/tokens",
    "/",
]
ENDPOINTS = [
    "https://dcs.eu-de.otc.t-systems.com",
    "https://dcs.ap-southeast-1.myhuaweicloud.com:443",
    "https://ddm.eu-west-101.myhuaweicloud.eu",
    "http://127.0.0.1:8080",
    "https://[::1]:8443",
    "https://dms.cn-north-4.myhuaweicloud.com:31943",
]
ODD = [" ", "~", "%", "+", "*", "'", ":", "@", "/", "?", "#", "&", "=", "!", "$", "(", ")",
       ",", ";", "[", "]", "{", "}", "|", "^", "`", "\"", "<", ">", "\\", ".", "-", "_",
       "é", "ü", "中", "文", "Ω", "😀", "\u00a0", "\t"]
PRE_ESCAPED = ["%20", "%2F", "%2f", "%41", "%e4%b8%ad", "%%", "%G1", "%4", "%25", "+%2B"]
QUERY_KEYS = ["limit", "offset", "name", "a", "a:", "a0", "A", "a b", "a-b", "a.b", "a~", "a_b",
              "a%", "x+y", "é", "中", "key[sub]", "Z", "z", "_", "~", "0", "@"]


def odd_string(rng: random.Random, lo: int = 0, hi: int = 10) -> str:
    out = []
    for _ in range(rng.randint(lo, hi)):
        r = rng.random()
        if r < 0.45:
            out.append(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
        elif r < 0.85:
            out.append(rng.choice(ODD))
        else:
            out.append(rng.choice(PRE_ESCAPED))
    return "".join(out)


def gen_date(rng: random.Random) -> str:
    return "%04d%02d%02dT%02d%02d%02dZ" % (rng.randint(2000, 2035), rng.randint(1, 12),
                                           rng.randint(1, 28), rng.randint(0, 23),
                                           rng.randint(0, 59), rng.randint(0, 59))


def gen_body(rng: random.Random, method: str):
    r = rng.random()
    if method in ("GET", "DELETE") and r < 0.75:
        return None
    r = rng.random()
    if r < 0.15:
        return None
    if r < 0.25:
        return ""
    if r < 0.5:  # a dict: the SDK serialises it (simplejson, ASCII-escaped)
        return {"old_password": odd_string(rng, 0, 12), "new_password": odd_string(rng, 8, 20),
                "no_password_access": rng.choice([True, False]), "n": rng.randint(-5, 10**6)}
    # a string body goes out byte for byte: raw UTF-8, sometimes with a trailing newline
    doc = {"name": odd_string(rng, 0, 12), "pw": "pässwörd-中文-😀", "id": rng.randint(0, 99)}
    text = json.dumps(doc, ensure_ascii=False, separators=rng.choice([(",", ":"), (", ", ": ")]))
    return text + rng.choice(["", "\n", "\r\n", "\n\n"])


def gen_case(rng: random.Random, i: int) -> Case:
    method = rng.choice(["GET", "POST", "PUT", "DELETE"])
    template = rng.choice(TEMPLATES)
    endpoint = rng.choice(ENDPOINTS)
    project_id = None
    if rng.random() < 0.7:
        project_id = rng.choice(["0123456789abcdef0123456789abcdef",
                                 "eu-de_proj", odd_string(rng, 1, 8)])
    path_params = {}
    for name in ("project_id", "instance_id", "account_id", "user_name", "engine"):
        if "{%s}" % name not in template or (name == "project_id" and project_id):
            continue
        r = rng.random()
        if r < 0.25:
            path_params[name] = "%08x-%04x" % (rng.getrandbits(32), rng.getrandbits(16))
        elif r < 0.3:
            path_params[name] = ""
        elif r < 0.35:
            path_params[name] = rng.randint(0, 10**9)
        else:
            path_params[name] = odd_string(rng, 1, 10)

    query_params = []
    collection_formats = {}
    for _ in range(rng.choice([0, 0, 1, 2, 3, 5, 8])):
        key = rng.choice(QUERY_KEYS) if rng.random() < 0.7 else odd_string(rng, 1, 6)
        r = rng.random()
        if r < 0.15:  # a list: expanded by the SDK's 'multi' collection format
            query_params.append((key, [odd_string(rng, 0, 5) for _ in range(rng.randint(1, 4))]))
            collection_formats[key] = "multi"
        elif r < 0.3:  # the same key again, string values
            query_params.append((key, odd_string(rng, 0, 6)))
            query_params.append((key, rng.choice(["", "b", "B", "a", odd_string(rng, 0, 6)])))
        elif r < 0.4:
            query_params.append((key, ""))
        else:
            query_params.append((key, odd_string(rng, 0, 8)))
    # single-valued non-string values, under keys nothing else uses
    if rng.random() < 0.2:
        query_params.append(("limit_n%d" % i, rng.randint(0, 1000)))
    if rng.random() < 0.1:
        query_params.append(("enable%d" % i, rng.choice([True, False])))
    # the SDK sorts (key, value) tuples: keep every key's values of one type
    kinds: dict = {}
    query_params = [(k, v) for k, v in query_params
                    if kinds.setdefault(k, type(v)) is type(v) and not (
                        isinstance(v, list) and sum(1 for kk, _ in query_params if kk == k) > 1)]
    for k in list(collection_formats):
        if not any(kk == k and isinstance(v, list) for kk, v in query_params):
            del collection_formats[k]

    headers = {}
    date_name = rng.choice(["X-Sdk-Date", "X-Sdk-Date", "x-sdk-date"])
    headers[date_name] = gen_date(rng)
    netloc = urllib.parse.urlparse(endpoint).netloc
    if rng.random() < 0.4:  # an explicit Host; otherwise the SDK signer adds the netloc
        hostname = urllib.parse.urlparse(endpoint).hostname
        if ":" in hostname:
            hostname = "[" + hostname + "]"
        host = rng.choice([netloc, hostname, "%s:%d" % (hostname, rng.choice([443, 80, 8443]))])
        headers[rng.choice(["Host", "host"])] = host
    body = gen_body(rng, method)
    r = rng.random()
    if r < 0.5:
        headers["Content-Type"] = "application/json"
    elif r < 0.75:
        headers[rng.choice(["Content-Type", "content-type"])] = rng.choice(
            ["application/json;charset=UTF-8", "application/json; charset=utf-8 ",
             "application/json\t"])
    if rng.random() < 0.6:
        headers[rng.choice(["X_Request_Id", "TEST_UNDERSCORE", "x_b3_traceid"])] = (
            odd_string(rng, 0, 6).replace("\t", " ").encode("ascii", "ignore").decode() or "v")
    token = None
    if rng.random() < 0.4:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
        token = "".join(rng.choice(alphabet) for _ in range(rng.randint(20, 300)))
        token = rng.choice(["", " ", "  "]) + token + rng.choice(["", " ", "\t"])
    return Case(name=f"gen{i:03d}", method=method, endpoint=endpoint, template=template,
                path_params=path_params, query_params=query_params,
                collection_formats=collection_formats, headers=headers, body=body,
                sk=odd_string(rng, 8, 40).encode("ascii", "ignore").decode() or "SK",
                project_id=project_id, security_token=token)


def generated_cases() -> list[Case]:
    rng = random.Random(SEED)
    return [gen_case(rng, i) for i in range(N_CASES)]


# --------------------------------------------------------------------------- tests

CASES = generated_cases()


@pytest.fixture(scope="module")
def signed(build_dir):
    sdk_results = [sdk_sign(c) for c in CASES]
    ours = rotor_sign(build_dir, [rotor_input(s, c.sk) for s, c in zip(sdk_results, CASES)])
    return {c.name: (s, o) for c, s, o in zip(CASES, sdk_results, ours)}


def test_generator_covers_the_brief():
    wire = [sdk_sign(c) for c in CASES]
    assert {c.method for c in CASES} == {"GET", "POST", "PUT", "DELETE"}
    assert any("%25" in w.path for w in wire) and any("%E4" in w.path for w in wire)
    assert any(w.query.count("&") >= 3 for w in wire)
    assert any("=&" in w.query or w.query.endswith("=") for w in wire)  # empty values
    keys = [urllib.parse.parse_qsl(w.query, keep_blank_values=True) for w in wire]
    assert any(len({k for k, _ in kv}) < len(kv) for kv in keys)  # repeated keys
    assert any(w.body.endswith("\n") for w in wire) and any(w.body == "" for w in wire)
    assert any(":" in w.headers.get("Host", "") for w in wire)
    assert any(":" not in w.headers.get("Host", ":") for w in wire)
    for name in ("X-Project-Id", "X-Security-Token", "Content-Type"):
        assert any(name.lower() in (h.lower() for h in w.headers) for w in wire), name
    assert any(any("_" in h for h in w.headers) for w in wire)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_generated_request_matches_sdk(case, signed):
    sdk, ours = signed[case.name]
    unsigned = {h.lower() for h in sdk.headers if "_" in h}
    assert not unsigned & set(sdk.signed_headers.split(";"))
    assert set(sdk.signed_headers.split(";")) <= ROTOR_SIGNED, sdk.signed_headers
    desc = f"{case.name}: {case!r}"
    assert (ours["signed_headers"], ours["signature"]) == (sdk.signed_headers, sdk.signature), \
        mismatch_report(desc, sdk, ours)
    assert ours["canonical"] == sdk.canonical, mismatch_report(desc, sdk, ours)


# The official vectors (../shared/api-notes.md, "Request signing"). Vectors 1 and 2 sign
# only x-sdk-date (no host), which the SDK's sign() never does (it always adds Host): they
# are checked against the SDK signer's own canonical-request and signing steps with that
# header list; vectors 3 and 4 go through the SDK's full sign().
EMPTY_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
VECTORS = [
    dict(name="v1-get", method="GET", host="example.huaweicloud.com", path="/path",
         query=[("limit", 1)], headers={"X-Sdk-Date": "20060102T150405Z",
                                        "TEST_UNDERSCORE": "TEST_VALUE"},
         body="", signed=["x-sdk-date"],
         canonical="GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n" + EMPTY_HASH,
         sts_hash="85c3b7730f308aee452b16138a42a914397e43a8f0d732dfa521c0ef2afa98a4",
         signature="5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"),
    # Content-Type: application/json is present but not signed in this vector; it does not
    # enter the canonical request, so rotor is handed the signed headers only.
    dict(name="v2-post", method="POST", host="example.huaweicloud.com", path="/path",
         query=[("key", "value")], headers={"X-Sdk-Date": "20060102T150405Z",
                                            "TEST_UNDERSCORE": "TEST_VALUE"},
         body='{"Name":"test","Id":1}\n', signed=["x-sdk-date"],
         signature="cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59"),
    dict(name="v3-get-host", method="GET", host="service.endpoint.myhuaweicloud.com",
         path="/resources", query=[("size", 1)], headers={"X-Sdk-Date": "20200608T023900Z"},
         body="", signed=None,
         signature="cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842"),
    dict(name="v4-post-host", method="POST", host="service.endpoint.myhuaweicloud.com",
         path="/resources", query=[("size", 1)], headers={"X-Sdk-Date": "20200608T023900Z"},
         body='{"name":"test","id":1}', signed=None,
         signature="436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f"),
]


@pytest.mark.parametrize("vec", VECTORS, ids=[v["name"] for v in VECTORS])
def test_official_vector(vec, build_dir):
    request = SdkRequest(method=vec["method"], schema="https", host=vec["host"],
                         resource_path=vec["path"], query_params=list(vec["query"]),
                         header_params=dict(vec["headers"]), body=vec["body"].encode())
    signer = _CapturingSigner(BasicCredentials("AccessKey", "SecretKey"))
    if vec["signed"] is not None:
        canonical = signer._process_canonical_request(request, vec["signed"])
        date = Signer._process_header_time(request)
        sts = signer._process_string_to_sign(canonical, date)
        sdk_signature = signer._sign_string_to_sign(sts, "SecretKey")
        headers = dict(vec["headers"])
        if "canonical" in vec:
            assert canonical == vec["canonical"]
            assert sts.endswith(vec["sts_hash"])
    else:
        signer.sign(request)
        assert request.header_params["Authorization"].startswith(
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, Signature=")
        sdk_signature = request.header_params["Authorization"].rsplit("=", 1)[1]
        canonical = request.rotor_canonical
        headers = {k: v for k, v in request.header_params.items() if k != "Authorization"}
    assert sdk_signature == vec["signature"]

    query = "&".join(f"{k}={v}" for k, v in vec["query"])
    [ours] = rotor_sign(build_dir, [{"method": vec["method"], "path": vec["path"],
                                     "query": query, "headers": headers,
                                     "body": vec["body"], "sk": "SecretKey"}])
    assert ours["canonical"] == canonical
    assert ours["signature"] == vec["signature"]


# --------------------------------------------------------------------------- Go SDK oracle

GO_DIR = pathlib.Path(__file__).resolve().parent / "go"


@pytest.fixture(scope="module")
def go_oracle(tmp_path_factory):
    if os.environ.get("ROTOR_SDK_GO") != "1":
        pytest.skip("Go SDK oracle is opt-in: set ROTOR_SDK_GO=1")
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed")
    binary = tmp_path_factory.mktemp("go") / "sdk-go-oracle"
    proc = subprocess.run([go, "build", "-o", str(binary), "."], cwd=GO_DIR,
                          capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr
    return binary


def go_input(case: Case) -> dict:
    """The same request as the Go SDK's generated clients would build it."""
    query: dict = {}
    for k, v in case.query_params:  # repeated keys become one slice, as Go maps need
        if isinstance(v, list):
            query.setdefault(k, []).extend(v)
        elif k in query:
            query[k] = (query[k] if isinstance(query[k], list) else [query[k]]) + [v]
        else:
            query[k] = v
    # The Go signer reads the date only under the exact name "X-Sdk-Date" (its own). It
    # signs strings.TrimSpace(value) but sends the value untrimmed, which differs for
    # Unicode spaces (U+00A0) at either end: values are handed to it already trimmed
    # (the Python SDK strips them before sending, so they reach rotor trimmed there too).
    headers = {("X-Sdk-Date" if k.lower() == "x-sdk-date" else k): v.strip()
               for k, v in case.headers.items()}
    return {"method": case.method, "endpoint": case.endpoint, "path": case.template,
            "path_params": {k: str(v) for k, v in case.path_params.items()},
            "query": [[k, v] for k, v in query.items()], "headers": headers,
            "body": case.body if isinstance(case.body, str) else None,
            "body_json": case.body if isinstance(case.body, dict) else None,
            "ak": AK, "sk": case.sk, "project_id": (case.project_id or "").strip(),
            "security_token": (case.security_token or "").strip()}


def test_generated_requests_match_go_sdk(go_oracle, build_dir):
    inputs = "".join(json.dumps(go_input(c), ensure_ascii=False) + "\n" for c in CASES)
    proc = subprocess.run([str(go_oracle)], input=inputs.encode(), capture_output=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    go_out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(go_out) == len(CASES)
    # The Go signer never signs Content-Type (rotor does when present): leave it out.
    ours = rotor_sign(build_dir, [
        {"method": c.method, "path": g["wire_path"], "query": g["wire_query"],
         "headers": {k: v for k, v in g["headers"].items() if k.lower() != "content-type"},
         "body": g["body"], "sk": c.sk} for c, g in zip(CASES, go_out)])
    failures = []
    for c, g, o in zip(CASES, go_out, ours):
        if "error" in g:
            failures.append(f"{c.name}: Go SDK error {g['error']}")
        elif (o["signed_headers"], o["signature"]) != (g["signed_headers"], g["signature"]):
            failures.append(f"{c.name}: go {g['signed_headers']} {g['signature']} vs rotor "
                            f"{o['signed_headers']} {o['signature']}\n  input {go_input(c)!r}\n"
                            f"  wire {g['wire_path']}?{g['wire_query']}\n"
                            f"  rotor canonical:\n{o['canonical']}")
    assert not failures, f"{len(failures)} of {len(CASES)} differ:\n" + "\n".join(failures[:5])
