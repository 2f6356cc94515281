#!/usr/bin/env python3
"""Generates the rotor.dev/v1alpha1 CustomResourceDefinitions in this directory.

The five CRDs share most of their schema (the three rotated kinds have the same
cloudAccountRef/rotation/password/secret/status; the two account kinds differ only
in scope), so the YAML files are generated from the building blocks below instead
of being kept in sync by hand. Edit this file, then run:

    .venv/bin/python crds/generate.py          # rewrite crds/*.yaml and the chart's copies
    .venv/bin/python crds/generate.py --check  # exit 1 if a file is out of date

The same files go to charts/rotor/files/crds/, which the chart's templates/crds.yaml
renders (Helm packages only files inside the chart directory).

Rules of thumb the apiserver enforces (and that shaped this file):
- Structural schemas: every node has a `type`; no `additionalProperties` next to
  `properties`; defaults must themselves validate.
- CEL cost: every string a rule looks at has a maxLength and every list a maxItems,
  or the apiserver refuses the CRD because the estimated cost is unbounded.
- Defaults are applied before validation, but rules still guard optional fields with
  has() so they behave the same on objects stored before a default was added.
"""
import pathlib
import sys

import yaml

GROUP = "rotor.dev"
VERSION = "v1alpha1"
CATEGORIES = ["rotor"]
HERE = pathlib.Path(__file__).resolve().parent
CHART_CRDS = HERE.parent / "charts" / "rotor" / "files" / "crds"

# ---- small schema helpers ----------------------------------------------------


def obj(desc, properties, required=None, rules=None, default=None):
    node = {"type": "object", "description": desc}
    if required:
        node["required"] = required
    node["properties"] = properties
    if default is not None:
        node["default"] = default
    if rules:
        node["x-kubernetes-validations"] = rules
    return node


def string(desc, **kw):
    return {"type": "string", "description": desc, **kw}


def rule(expr, message, **kw):
    return {"rule": expr, "message": message, **kw}


# DNS-1123 subdomain (Secret and other object names) and label (namespace names).
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
# What the apiserver accepts as a key of Secret.data (IsConfigMapKey).
SECRET_KEY = r"^[-._a-zA-Z0-9]+$"
# A positive Go duration restricted to h/m/s units: 720h, 30m, 1h30m, 90s, 1.5h.
# The same strings parse with Go's time.ParseDuration and CEL's duration().
DURATION_RE = r"^([0-9]+(\.[0-9]+)?(h|m|s))+$"
# Five whitespace-separated cron fields: minute hour day-of-month month day-of-week.
# Field contents (ranges, steps, lists, JAN-DEC / SUN-SAT names) are checked by the
# operator, which reports a bad one in the Ready condition.
CRON_FIELD = r"[0-9A-Za-z*,/-]+"
CRON_RE = rf"^{CRON_FIELD}([ \t]+{CRON_FIELD}){{4}}$"
# The standard macros, which the operator's schedule parser expands.
CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]


def object_name(desc):
    return string(desc, minLength=1, maxLength=253, pattern=DNS_SUBDOMAIN)


def namespace_name(desc):
    return string(desc, minLength=1, maxLength=63, pattern=DNS_LABEL)


def secret_key(desc, default):
    return string(
        desc,
        default=default,
        minLength=1,
        maxLength=253,
        pattern=SECRET_KEY,
        **{
            "x-kubernetes-validations": [
                rule(
                    "self != '.' && self != '..' && !self.startsWith('..')",
                    "a Secret key must not be '.' or '..' nor start with '..'",
                )
            ]
        },
    )


def duration(desc):
    return string(
        desc,
        maxLength=32,
        **{
            "x-kubernetes-validations": [
                rule(
                    f"self.matches(r'{DURATION_RE}') && duration(self) > duration('0s')",
                    "must be a positive duration made of h, m and s units, "
                    "such as 720h, 30m, 1h30m or 90s",
                )
            ]
        },
    )


def quote_cel_raw(s):
    """A CEL raw triple-quoted string literal holding s verbatim."""
    assert "'''" not in s
    return "r'''" + s + "'''"


def char_class(chars):
    """An RE2 character class matching exactly the characters in chars."""
    return "[" + "".join("\\" + c if not c.isalnum() and c != " " else c for c in chars) + "]"


# ---- shared pieces: accounts -----------------------------------------------


def endpoint(service):
    return string(
        f"Base URL of the {service} API, overriding the default for cloud and region "
        "(private endpoints, proxies, the simulator). Must be https:// inside the cloud's "
        "domains, or a host the operator admits (rotor run --allowed-endpoint-host); plain "
        "http:// only to loopback or with rotor run --allow-plain-http.",
        minLength=1,
        maxLength=2048,
        **{
            "x-kubernetes-validations": [
                rule(
                    "(self.startsWith('https://') || self.startsWith('http://')) && isURL(self)"
                    " && url(self).getHostname() != ''",
                    "must be a URL starting with https:// or http:// and naming a host",
                )
            ]
        },
    )


def secret_key_ref(desc, key_desc, default_key, cluster):
    props = {"name": object_name("Name of the Secret.")}
    required = ["name"]
    if cluster:
        props["namespace"] = namespace_name("Namespace of the Secret.")
        required.append("namespace")
    props["key"] = secret_key(key_desc, default_key)
    return obj(desc, props, required=required)


def account_spec(cluster):
    secret_ref_props = {
        "name": object_name(
            "Name of a Secret with keys accessKey and secretKey, and securityToken "
            "for temporary credentials. It must carry the label rotor.dev/credentials=true."
            + ("" if cluster else " It must be in the CloudAccount's namespace.")
        )
    }
    secret_ref_required = ["name"]
    if cluster:
        secret_ref_props["namespace"] = namespace_name("Namespace of the Secret.")
        secret_ref_required.append("namespace")

    props = {
        "cloud": string(
            "Which cloud: HuaweiCloud or OpenTelekomCloud. Selects the default endpoints.",
            enum=["HuaweiCloud", "OpenTelekomCloud"],
            default="HuaweiCloud",
        ),
        "region": string(
            "Region, such as eu-de, eu-nl, cn-north-4 or ap-southeast-1.",
            minLength=1,
            maxLength=64,
            pattern=r"^[a-z]+(-[a-z0-9]+)+$",
        ),
        "projectId": string(
            "Project ID (in Huawei Cloud and Open Telekom Cloud a 32-character hex string) "
            "that the managed instances belong to.",
            minLength=1,
            maxLength=64,
            pattern=r"^[0-9A-Za-z_-]+$",
        ),
        "endpoints": obj(
            "Per-service endpoint overrides. Unset services use the public endpoint for "
            "cloud and region.",
            {
                "dcs": endpoint("DCS (Redis)"),
                "ddm": endpoint("DDM"),
                "dms": endpoint("DMS (Kafka, RabbitMQ)"),
                "iam": endpoint("IAM (token issuing; used with credentials.iam)"),
            },
        ),
        "credentials": obj(
            "How rotor authenticates to the cloud: exactly one of secretRef (AK/SK) "
            "and iam (an IAM user's password, exchanged for a token)"
            + (
                ", or rotor's own identity without a static key: oidc, podIdentity or "
                "ecsMetadata (for cluster accounts only: they act as the operator)."
                if cluster
                else ". rotor's own identity (oidc, podIdentity, ecsMetadata) is for "
                "ClusterCloudAccounts only."
            ),
            {
                **(ambient_credentials() if cluster else {}),
                "secretRef": obj(
                    "An access key pair (AK/SK), signed with SDK-HMAC-SHA256.",
                    secret_ref_props,
                    required=secret_ref_required,
                ),
                "iam": obj(
                    "An IAM user whose password rotor exchanges for a project-scoped "
                    "token. Repeated wrong passwords lock the IAM user.",
                    {
                        "domain": string(
                            "Account (domain) name the IAM user belongs to.",
                            minLength=1,
                            maxLength=64,
                        ),
                        "username": string("IAM user name.", minLength=1, maxLength=64),
                        "passwordSecretRef": secret_key_ref(
                            "The Secret holding the IAM user's password"
                            + (
                                "."
                                if cluster
                                else ", in the CloudAccount's namespace."
                            ),
                            "Key of the password in the Secret.",
                            "password",
                            cluster,
                        ),
                    },
                    required=["domain", "username", "passwordSecretRef"],
                ),
            },
            rules=credential_rules(cluster),
        ),
        "tls": obj(
            "TLS settings for the cloud endpoints.",
            {
                "caSecretRef": secret_key_ref(
                    "A Secret holding PEM CA certificates to trust for the endpoints, "
                    "in addition to the system roots"
                    + ("." if cluster else ", in the CloudAccount's namespace."),
                    "Key of the PEM bundle in the Secret.",
                    "ca.crt",
                    cluster,
                )
            },
        ),
    }
    required = ["region", "projectId", "credentials"]
    props["allowedInstances"] = allowed_instances(cluster)
    spec_rules = None
    if cluster:
        spec_rules = [
            rule(
                "!has(self.credentials.podIdentity) || self.cloud == 'HuaweiCloud'",
                "credentials.podIdentity (CCE Pod Identity) exists on HuaweiCloud only",
            )
        ]
    if cluster:
        props["allowedNamespaces"] = obj(
            "Namespaces whose DcsInstances, DdmAccounts and DmsInstances may use this "
            "ClusterCloudAccount: those listed in names plus those the selector matches. "
            "An empty selector ({}) matches every namespace.",
            namespace_set(),
            rules=[
                rule(
                    "(has(self.names) && size(self.names) > 0) || has(self.selector)",
                    "allowedNamespaces needs at least one of names or selector",
                )
            ],
        )
        required.append("allowedNamespaces")
    return obj(
        ("Cluster-wide" if cluster else "Namespaced")
        + " cloud account: where and how rotor calls the cloud APIs.",
        props,
        required=required,
        rules=spec_rules,
    )


def namespace_set():
    """The properties naming a set of namespaces: listed names plus a label selector."""
    return {
        "names": {
            "type": "array",
            "description": "Namespace names.",
            "maxItems": 256,
            "items": namespace_name("A namespace name."),
            "x-kubernetes-list-type": "set",
        },
        "selector": label_selector("Selects namespaces by their labels."),
    }


def instance_patterns(service):
    return {
        "type": "array",
        "description": f"{service} instance ids this rule admits: an id, a prefix ending "
        "in * (team-a-*), or * for every instance.",
        "maxItems": 256,
        "items": string(
            "An instance id or prefix*.",
            minLength=1,
            maxLength=65,
            pattern=r"^(\*|[A-Za-z0-9][A-Za-z0-9_-]*\*?)$",
        ),
        "x-kubernetes-list-type": "set",
    }


def allowed_instances(cluster):
    return {
        "type": "array",
        "description": (
            "Which instances the namespaces using this account may rotate. A resource is "
            "admitted when a rule applies to its namespace and lists its instance under its "
            "service. "
            + (
                "A ClusterCloudAccount without rules admits no instance: a tenant must never "
                "reach another tenant's instance of the same project."
                if cluster
                else "Without rules a CloudAccount admits every instance of its project."
            )
        ),
        "maxItems": 64,
        "items": obj(
            "One rule: for these namespaces, these instances.",
            {
                "name": string("Shown in conditions that refuse an instance.", maxLength=63),
                "namespaces": obj(
                    "The namespaces the rule is for: those listed plus those the selector "
                    "matches. Absent: every namespace that may use the account.",
                    namespace_set(),
                ),
                "dcs": instance_patterns("DCS"),
                "ddm": instance_patterns("DDM"),
                "dms": instance_patterns("DMS (Kafka, RabbitMQ)"),
            },
        ),
        "x-kubernetes-list-type": "atomic",
    }


def ambient_credentials():
    return {
        "oidc": obj(
            "Federate rotor's projected service-account token (mounted at "
            "--oidc-token-file, audience that of the IAM identity provider) for a "
            "project-scoped IAM token. Huawei Cloud and Open Telekom Cloud.",
            {
                "providerId": string(
                    "The IAM identity provider registered for the cluster's "
                    "service-account issuer (sent as X-Idp-Id).",
                    minLength=1,
                    maxLength=64,
                    pattern=r"^[A-Za-z0-9_.-]+$",
                )
            },
            required=["providerId"],
        ),
        "podIdentity": obj(
            "CCE Pod Identity (Huawei Cloud): temporary AK/SK from the agent named by "
            "HC_CONTAINER_CREDENTIALS_FULL_URI in rotor's pod.",
            {},
        ),
        "ecsMetadata": obj(
            "The agency of the ECS node rotor runs on, from the metadata service. Every pod "
            "on the node can use that agency: choose it only for nodes dedicated to rotor.",
            {},
        ),
    }


def credential_rules(cluster):
    variants = ["secretRef", "iam"] + (["oidc", "podIdentity", "ecsMetadata"] if cluster else [])
    count = " + ".join(f"(has(self.{v}) ? 1 : 0)" for v in variants)
    return [
        rule(
            f"{count} == 1",
            "credentials need exactly one of " + ", ".join(variants),
        )
    ]


def label_selector(desc):
    return {
        "type": "object",
        "description": desc + " A standard Kubernetes label selector.",
        "properties": {
            "matchLabels": {
                "type": "object",
                "description": "Labels that must all be present with these values.",
                "maxProperties": 64,
                "additionalProperties": {"type": "string", "maxLength": 63},
            },
            "matchExpressions": {
                "type": "array",
                "description": "Requirements that must all hold.",
                "maxItems": 32,
                "items": obj(
                    "A label selector requirement.",
                    {
                        "key": string("Label key.", minLength=1, maxLength=317),
                        "operator": string(
                            "In, NotIn, Exists or DoesNotExist.",
                            enum=["In", "NotIn", "Exists", "DoesNotExist"],
                        ),
                        "values": {
                            "type": "array",
                            "description": "Values for In and NotIn; empty otherwise.",
                            "maxItems": 64,
                            "items": {"type": "string", "maxLength": 63},
                            "x-kubernetes-list-type": "atomic",
                        },
                    },
                    required=["key", "operator"],
                    rules=[
                        rule(
                            "self.operator in ['In', 'NotIn'] "
                            "? (has(self.values) && size(self.values) > 0) "
                            ": (!has(self.values) || size(self.values) == 0)",
                            "operators In and NotIn need values; Exists and "
                            "DoesNotExist take none",
                        )
                    ],
                ),
                "x-kubernetes-list-type": "atomic",
            },
        },
        "x-kubernetes-map-type": "atomic",
    }


# ---- shared pieces: status -------------------------------------------------

CONDITION = {
    # The shape of metav1.Condition, as controller-gen emits it.
    "type": "object",
    "description": "A metav1.Condition. Types rotor sets: Ready, Rotating, Locked, Degraded.",
    "required": ["type", "status", "lastTransitionTime", "reason", "message"],
    "properties": {
        "type": string(
            "Condition type: Ready, Rotating, Locked or Degraded.",
            maxLength=316,
            pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
            r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
        ),
        "status": string("True, False or Unknown.", enum=["True", "False", "Unknown"]),
        "observedGeneration": {
            "type": "integer",
            "format": "int64",
            "minimum": 0,
            "description": "metadata.generation the condition was set for.",
        },
        "lastTransitionTime": string(
            "When the status last changed.", format="date-time"
        ),
        "reason": string(
            "CamelCase reason for the last transition.",
            minLength=1,
            maxLength=1024,
            pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
        ),
        "message": string("Human-readable details; may be empty.", maxLength=32768),
    },
}


def conditions():
    return {
        "type": "array",
        "description": "Current state, as standard conditions keyed by type.",
        "maxItems": 16,
        "items": CONDITION,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
    }


def observed_generation():
    return {
        "type": "integer",
        "format": "int64",
        "minimum": 0,
        "description": "metadata.generation of the spec the status describes.",
    }


def account_status():
    return obj(
        "Observed state of the account.",
        {"conditions": conditions(), "observedGeneration": observed_generation()},
    )


def rotated_status(kind):
    props = {
        "conditions": conditions(),
        "observedGeneration": observed_generation(),
        "lastRotationTime": string(
            "When the password was last changed successfully.", format="date-time"
        ),
        "nextRotationTime": string(
            "When the next rotation is due (absent while suspended).", format="date-time"
        ),
        "lockedUntil": string(
            "Until when the cloud refuses password changes after failed attempts; rotor "
            "makes no call before then.",
            format="date-time",
        ),
        "rotationCount": {
            "type": "integer",
            "format": "int64",
            "minimum": 0,
            "description": "Number of successful rotations.",
        },
        "lastError": obj(
            "The last failed attempt's error; cleared by a successful rotation.",
            {
                "code": string("Cloud error code (DCS.4049, APIG.0308, ...) or rotor's own."),
                "message": string("Error message."),
            },
        ),
        "lastRotateNowValue": string(
            "The last value of the rotor.dev/rotate-now annotation that rotor acted on; "
            "setting the annotation to a different value triggers one rotation."
        ),
        "pendingSince": string(
            "When the rotation now in progress (or being retried) started; absent when "
            "none is pending.",
            format="date-time",
        ),
        "phase": string(
            "Phase of the rotation record: Idle, Prepared, Held (a pending password never "
            "applied so far), Unconfirmed (the cloud may hold the pending password; it is "
            "kept until confirmed) or Applied (only the Secret write is left).",
            enum=["Idle", "Prepared", "Held", "Unconfirmed", "Applied"],
        ),
        "blockedReason": string(
            "Set after a failure only a person can fix (WrongOldPassword, NeedsConfirmation, "
            "NoCurrentPassword, ResetUnsupported). rotor makes no further call until the "
            "password in the Secret, the spec or the rotor.dev/rotate-now annotation changes."
        ),
    }
    if kind == "DcsInstance":
        props["resetUnsupported"] = {
            "type": "boolean",
            "description": "With method Auto: the reset call answered DCS.4839 (reset not "
            "supported for this instance), so rotor uses the change call.",
        }
    return obj(f"Observed state of the {kind}.", props)


# ---- shared pieces: rotated kinds ------------------------------------------

# Special characters the cloud accepts in every documented version of the call
# (see /work/shared/api-notes.md): a user may narrow them, never widen them.
SPECIALS = {
    "DcsInstance": "`~!@#$^&*()-_=+|{},<.>/?",
    "DdmAccount": "~!@#%^*-_+?",
    "DmsInstance": "`~!@#$%^&*()-_=+\\|[{}];:'\",<.>/? ",
}


def rotated_spec(kind):
    specials = SPECIALS[kind]
    shown = specials.replace(" ", "") + (" and space" if " " in specials else "")
    props = {
        "cloudAccountRef": obj(
            "The account to call the cloud with.",
            {
                "name": object_name("Name of the CloudAccount (in this namespace) or the "
                                    "ClusterCloudAccount."),
                "kind": string(
                    "CloudAccount (same namespace) or ClusterCloudAccount (its "
                    "allowedNamespaces must include this namespace).",
                    enum=["CloudAccount", "ClusterCloudAccount"],
                    default="CloudAccount",
                ),
            },
            required=["name"],
        ),
        "instanceId": string(
            "ID of the cloud instance. Immutable: the stored password belongs to this "
            "instance.",
            minLength=1,
            maxLength=64,
            pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
            **{
                "x-kubernetes-validations": [
                    rule("self == oldSelf", "instanceId is immutable; create a new object instead")
                ]
            },
        ),
    }
    if kind == "DdmAccount":
        props["username"] = string(
            "The DDM account whose password is rotated. Immutable.",
            minLength=1,
            maxLength=32,
            pattern=r"^[A-Za-z][A-Za-z0-9_]*$",
            **{
                "x-kubernetes-validations": [
                    rule("self == oldSelf", "username is immutable; create a new object instead")
                ]
            },
        )
    if kind == "DmsInstance":
        props["engine"] = string(
            "Message broker engine of the instance. Immutable. (Open Telekom Cloud offers "
            "the password call for Kafka only.)",
            enum=["Kafka", "RabbitMQ"],
            default="Kafka",
            **{
                "x-kubernetes-validations": [
                    rule("self == oldSelf", "engine is immutable; create a new object instead")
                ]
            },
        )
    if kind == "DcsInstance":
        props["method"] = string(
            "Which DCS call sets the password. Reset: POST .../password/reset (no old "
            "password needed). Change: PUT .../password with the old password from the "
            "Secret (wrong guesses lock the instance). Auto: reset, and change from then "
            "on if the instance answers DCS.4839 (reset not supported).",
            enum=["Auto", "Reset", "Change"],
            default="Auto",
        )
        props["passwordFree"] = {
            "type": "boolean",
            "default": False,
            "description": "Send no_password_access=true with the reset call, making the "
            "instance password-free. Only the reset call has this option, so it cannot "
            "be combined with method Change.",
        }
    props["rotation"] = obj(
        "When to rotate: exactly one of interval and schedule.",
        {
            "interval": duration(
                "Rotate this long after the previous rotation: a Go duration in h, m "
                "and s units, such as 720h, 30m or 1h30m."
            ),
            "schedule": string(
                "Rotate at these times: a 5-field cron expression (minute hour "
                "day-of-month month day-of-week), such as '0 3 * * 0', or a macro: "
                + ", ".join(CRON_MACROS) + ".",
                maxLength=128,
                **{
                    "x-kubernetes-validations": [
                        rule(
                            f"self.matches(r'{CRON_RE}') || self in {CRON_MACROS}",
                            "schedule must be a 5-field cron expression "
                            "(minute hour day-of-month month day-of-week), "
                            "such as '0 3 * * 0', or one of " + ", ".join(CRON_MACROS),
                        )
                    ]
                },
            ),
            "timeZone": string(
                "IANA time zone for schedule, such as Europe/Berlin; UTC when unset.",
                minLength=1,
                maxLength=64,
                pattern=r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$",
            ),
            "suspend": {
                "type": "boolean",
                "default": False,
                "description": "Stop scheduled rotations. The rotor.dev/rotate-now "
                "annotation still triggers one.",
            },
            "jitter": duration(
                "Delay each due rotation by a random amount up to this duration, so "
                "many objects don't rotate at the same instant. Shorter than interval."
            ),
            "firstRotation": string(
                "When a Secret already holds a password as rotor adopts it: AfterInterval "
                "(default) counts it as rotated at adoption, Immediate rotates it at once. "
                "A Secret without a password gets one at once either way.",
                enum=["Immediate", "AfterInterval"],
                default="AfterInterval",
            ),
        },
        rules=[
            rule(
                "!(has(self.interval) && has(self.schedule))",
                "rotation.interval and rotation.schedule are mutually exclusive: "
                "set exactly one",
            ),
            rule(
                "has(self.interval) || has(self.schedule)",
                "rotation needs one of interval or schedule",
            ),
            rule(
                "!has(self.timeZone) || has(self.schedule)",
                "rotation.timeZone applies only to rotation.schedule",
                fieldPath=".timeZone",
            ),
            rule(
                "!has(self.jitter) || !has(self.interval)"
                f" || !self.jitter.matches(r'{DURATION_RE}')"
                f" || !self.interval.matches(r'{DURATION_RE}')"
                " || duration(self.jitter) < duration(self.interval)",
                "rotation.jitter must be shorter than rotation.interval",
                fieldPath=".jitter",
            ),
        ],
    )
    props["password"] = obj(
        "How new passwords are generated. Every password has at least three of: "
        "lowercase, uppercase, digits, special characters.",
        {
            "length": {
                "type": "integer",
                "minimum": 8,
                "maximum": 32,
                "default": 32,
                "description": "Password length, 8 to 32 (what every documented version "
                "of the call accepts).",
            },
            "specialCharacters": string(
                "Special characters to draw from, narrowing the default set. Allowed: "
                + shown
                + ".",
                minLength=1,
                maxLength=64,
                **{
                    "x-kubernetes-validations": [
                        rule(
                            f"self.matches({quote_cel_raw('^' + char_class(specials) + '+$')})",
                            f"specialCharacters may only contain characters that every "
                            f"version of the {kind} password call accepts: {shown}",
                        )
                    ]
                },
            ),
        },
        default={},
    )
    props["secret"] = obj(
        "The Secret (in this namespace) that receives the password. rotor creates it "
        "if missing and only touches the keys below.",
        {
            "name": object_name("Name of the Secret."),
            "passwordKey": secret_key("Key of the current password.", "password"),
            "previousPasswordKey": secret_key(
                "Key of the password before the last rotation, kept so clients can "
                "fall back while they pick up the new one.",
                "previous-password",
            ),
        },
        required=["name"],
        rules=[
            rule(
                "(has(self.passwordKey) ? self.passwordKey : 'password') != "
                "(has(self.previousPasswordKey) ? self.previousPasswordKey : 'previous-password')",
                "secret.passwordKey and secret.previousPasswordKey must differ",
            )
        ],
    )
    required = ["cloudAccountRef", "instanceId"]
    if kind == "DdmAccount":
        required.append("username")
    required += ["rotation", "secret"]
    rules = None
    if kind == "DcsInstance":
        rules = [
            rule(
                "!(has(self.passwordFree) && self.passwordFree) || "
                "!has(self.method) || self.method != 'Change'",
                "passwordFree needs method Reset or Auto: the change call cannot make "
                "an instance password-free",
                fieldPath=".passwordFree",
            )
        ]
    return obj(f"Desired state of the {kind}.", props, required=required, rules=rules)


# ---- CRDs --------------------------------------------------------------------

READY_COLUMN = {
    "name": "Ready",
    "type": "string",
    "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
}
AGE_COLUMN = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}

KINDS = {
    # kind: (plural, short names, scope, description)
    "CloudAccount": ("cloudaccounts", ["ca"], "Namespaced",
                     "A cloud account (region, project, credentials) for the rotated "
                     "objects in its namespace."),
    "ClusterCloudAccount": ("clustercloudaccounts", ["cca"], "Cluster",
                            "A cloud account that rotated objects in the allowed namespaces "
                            "may use."),
    "DcsInstance": ("dcsinstances", ["dcs"], "Namespaced",
                    "Rotates the password of a DCS (managed Redis) instance into a Secret."),
    "DdmAccount": ("ddmaccounts", ["ddm"], "Namespaced",
                   "Rotates the password of a DDM (distributed MySQL) account into a Secret."),
    "DmsInstance": ("dmsinstances", ["dms"], "Namespaced",
                    "Rotates the password of a DMS (Kafka or RabbitMQ) instance into a "
                    "Secret."),
}


def crd(kind):
    plural, short, scope, desc = KINDS[kind]
    if kind in ("CloudAccount", "ClusterCloudAccount"):
        cluster = kind == "ClusterCloudAccount"
        spec, status = account_spec(cluster), account_status()
        columns = [
            {"name": "Cloud", "type": "string", "jsonPath": ".spec.cloud"},
            {"name": "Region", "type": "string", "jsonPath": ".spec.region"},
            READY_COLUMN,
            AGE_COLUMN,
        ]
    else:
        spec, status = rotated_spec(kind), rotated_status(kind)
        columns = [{"name": "Instance", "type": "string", "jsonPath": ".spec.instanceId"}]
        if kind == "DdmAccount":
            columns.append({"name": "Username", "type": "string", "jsonPath": ".spec.username"})
        if kind == "DmsInstance":
            columns.append({"name": "Engine", "type": "string", "jsonPath": ".spec.engine"})
        columns += [
            READY_COLUMN,
            {"name": "Last Rotation", "type": "date", "jsonPath": ".status.lastRotationTime"},
            # Not type date: kubectl shows a date as its age, and any future time as
            # "<invalid>" (checked against kube-apiserver 1.32), so print the timestamp.
            {"name": "Next Rotation", "type": "string", "format": "date-time",
             "jsonPath": ".status.nextRotationTime"},
            AGE_COLUMN,
        ]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "names": {
                "kind": kind,
                "listKind": kind + "List",
                "plural": plural,
                "singular": kind.lower(),
                "shortNames": short,
                "categories": CATEGORIES,
            },
            "scope": scope,
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": columns,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "description": desc,
                            "required": ["spec"],
                            "properties": {
                                "apiVersion": {"type": "string"},
                                "kind": {"type": "string"},
                                "metadata": {"type": "object"},
                                "spec": spec,
                                "status": status,
                            },
                        }
                    },
                }
            ],
        },
    }


# ---- output ------------------------------------------------------------------


class Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):  # shared building blocks are written out in full
        return True


def render(kind):
    body = yaml.dump(crd(kind), Dumper=Dumper, sort_keys=False, width=100000,
                     allow_unicode=True)
    return "# Generated by crds/generate.py; edit that file, not this one.\n---\n" + body


def files():
    out = {}
    for k in KINDS:
        name = f"{GROUP}_{KINDS[k][0]}.yaml"
        out[HERE / name] = out[CHART_CRDS / name] = render(k)
    return out


def main(argv):
    check = "--check" in argv
    wanted = files()
    stale = []
    for path, text in wanted.items():
        where = path.relative_to(HERE.parent)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(where))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    # A CRD dropped here must not linger in the chart.
    for extra in sorted(set(CHART_CRDS.glob("*.yaml")) - set(wanted)):
        if check:
            stale.append(str(extra.relative_to(HERE.parent)))
        else:
            extra.unlink()
    if stale:
        print("out of date (run crds/generate.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
