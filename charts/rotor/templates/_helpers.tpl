{{/* The chart name, or nameOverride. */}}
{{- define "rotor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-qualified name; just the release name when that already contains the chart name. */}}
{{- define "rotor.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "rotor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rotor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "rotor.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "rotor.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rotor
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "rotor.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "rotor.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "rotor.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The watched namespaces, deduplicated (a list; empty means all namespaces). */}}
{{- define "rotor.watchNamespaces" -}}
{{- toJson (uniq (default list .Values.watchNamespaces)) -}}
{{- end -}}

{{/*
What the operator does inside a namespace it watches (src/controller/): list+watch the
namespaced rotor.dev kinds and get the one it reconciles and its CloudAccount; merge-patch
the status of the three rotated kinds; get, create and replace (PUT) the target Secret and
get the account's credential Secrets, always by name; create Events.
*/}}
{{- define "rotor.namespacedRules" -}}
- apiGroups: ["rotor.dev"]
  resources: ["cloudaccounts", "dcsinstances", "ddmaccounts", "dmsinstances"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["rotor.dev"]
  resources: ["dcsinstances/status", "ddmaccounts/status", "dmsinstances/status"]
  verbs: ["patch"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end -}}

{{/*
Cluster-scoped by nature, needed in every mode: the ClusterCloudAccount informer is
cluster-wide even with --namespace, and a ClusterCloudAccount's allowedNamespaces.selector
is matched against the labels of the resource's Namespace.
*/}}
{{- define "rotor.clusterRules" -}}
- apiGroups: ["rotor.dev"]
  resources: ["clustercloudaccounts"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["get"]
{{- end -}}

{{- define "rotor.validate" -}}
{{- if hasKey .Values "replicas" -}}
{{- fail "the value replicas is now called replicaCount" -}}
{{- end -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) -}}
{{- fail "replicaCount above 1 needs leaderElection.enabled: without leader election two replicas would rotate the same password concurrently" -}}
{{- end -}}
{{- if and .Values.serviceMonitor.enabled (not (and .Values.metrics.enabled .Values.metrics.service.enabled)) -}}
{{- fail "serviceMonitor.enabled needs metrics.enabled and metrics.service.enabled: it scrapes the metrics Service" -}}
{{- end -}}
{{- if and .Values.metrics.enabled (eq (int .Values.metrics.port) (int .Values.health.port)) -}}
{{- fail "metrics.port and health.port must differ" -}}
{{- end -}}
{{- if not (has .Values.logFormat (list "json" "text")) -}}
{{- fail (printf "logFormat must be json or text, not %q" (toString .Values.logFormat)) -}}
{{- end -}}
{{- if not (has .Values.logLevel (list "debug" "info" "warn" "error")) -}}
{{- fail (printf "logLevel must be debug, info, warn or error, not %q" (toString .Values.logLevel)) -}}
{{- end -}}
{{- if or (lt (int .Values.workers) 1) (gt (int .Values.workers) 64) -}}
{{- fail "workers must be between 1 and 64" -}}
{{- end -}}
{{- if and .Values.credentialNamespaces (not .Values.watchNamespaces) -}}
{{- fail "credentialNamespaces only applies with watchNamespaces (watching all namespaces already grants get on every Secret)" -}}
{{- end -}}
{{- end -}}

{{/* The Lease's namespace: leaderElection.namespace, else the release namespace. */}}
{{- define "rotor.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace -}}
{{- end -}}
