#!/usr/bin/env bash
# charts/build-helm.sh — build (once) and print the path of the pinned `helm` binary.
#
# Usage:
#   charts/build-helm.sh          build helm if it is not cached yet; the LAST line of
#                                 stdout is the absolute path of the binary
#   "$(charts/build-helm.sh | tail -n 1)" lint charts/rotor
#
# Environment:
#   ROTOR_CACHE   binary cache, kept across runs and outside the repo
#                 (default $HOME/.cache/rotor); the binary goes to
#                 $ROTOR_CACHE/helm-<version>/helm
#
# helm is compiled from its Go module (helm.sh/helm/v3/cmd/helm, through the Go
# module proxy) at the version pinned below, with the same version stamps as the
# official release build, so `helm version` says v3.16.4 and `helm template` /
# `helm lint` assume the Kubernetes version helm was released against (1.31, from
# its k8s.io/client-go v0.31.x) instead of the in-code fallback of 1.20.
# Idempotent: a cached binary is reused; concurrent callers wait on a flock for one
# build. Progress goes to stderr; only stdout's last line is meant for machines.

set -euo pipefail

# ---- pinned version --------------------------------------------------------
# 3.16.x: the chart needs nothing newer, and its go.mod (go 1.22, no replace
# directives) builds with the current Go toolchain via a plain `go install`.
HELM_VERSION=v3.16.4
# helm's release Makefile derives these from its k8s.io/client-go (v0.31.3 for
# v3.16.4): major = 0 + 1, minor = 31.
HELM_K8S_MAJOR=1
HELM_K8S_MINOR=31

CACHE_DIR=${ROTOR_CACHE:-$HOME/.cache/rotor}
case $CACHE_DIR in /*) ;; *) CACHE_DIR=$PWD/$CACHE_DIR ;; esac
HELM_DIR=$CACHE_DIR/helm-$HELM_VERSION
HELM_BIN=$HELM_DIR/helm

exec 3>&1 1>&2
log() { printf 'build-helm: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

build_helm() (
  local started=$SECONDS tmp pkg x=""
  log "building helm $HELM_VERSION from its Go module (first time only; takes a few minutes)..."
  tmp=$(mktemp -d "$HELM_DIR/build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  cd "$tmp"
  # Outside any module and workspace: `go install pkg@version` uses helm's own go.mod.
  # CGO off as in the official release builds: a static binary, no C compiler needed.
  export GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0 GOBIN=$tmp/bin
  x+=" -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  x+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    x+=" -X $pkg.k8sVersionMajor=$HELM_K8S_MAJOR -X $pkg.k8sVersionMinor=$HELM_K8S_MINOR"
  done
  if ! go install -trimpath -ldflags "-s -w$x" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" \
    >build.log 2>&1; then
    log "go install failed:"
    tail -n 30 build.log >&2
    exit 1
  fi
  # The rename means a half-written binary is never picked up.
  mv -f "$tmp/bin/helm" "$HELM_BIN"
  log "built $HELM_BIN in $((SECONDS - started))s"
)

if [[ ! -x $HELM_BIN ]]; then
  # Go's own installer puts it here, which a non-login shell may not have on PATH.
  command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
  command -v go >/dev/null || die "'go' is required but not on PATH"
  command -v flock >/dev/null || die "'flock' is required but not on PATH"
  mkdir -p "$HELM_DIR"
  (
    flock 8
    [[ -x $HELM_BIN ]] || build_helm
  ) 8>"$HELM_DIR/.build.lock"
fi
"$HELM_BIN" version --short >/dev/null 2>&1 || die "$HELM_BIN does not run"
echo "$HELM_BIN" >&3
