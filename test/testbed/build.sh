#!/usr/bin/env bash
# Builds the test bed's binaries from the registries into $GITFERRY_TESTBED_HOME (default
# $HOME/.cache/gitferry-testbed). Idempotent: a piece is rebuilt only when its stamp differs.
# Usage: test/testbed/build.sh [k8s|etcd|kwok|helm|kustomize|jsonnet|registry|moto|cfnlint|schemathesis|all]...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
root=${GITFERRY_TESTBED_HOME:-$HOME/.cache/gitferry-testbed}
bin="$root/bin"
mkdir -p "$bin" "$root/logs"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

log() { printf '[testbed build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() { # piece, reason, logfile
  log "FAILED to build $1: $2"
  [ -n "${3:-}" ] && [ -f "$3" ] && { log "last lines of $3:"; tail -n 30 "$3" >&2; }
  exit 1
}
# Each piece writes "<piece> <version>" to a stamp once built; a matching stamp skips the build.
stamped() { [ -f "$root/stamps/$1" ] && [ "$(cat "$root/stamps/$1")" = "$2" ]; }
stamp() { mkdir -p "$root/stamps"; echo "$2" >"$root/stamps/$1"; }
# Says how long a piece took when it was built (a cached piece returns at once, silently).
timed() { local start=$SECONDS; "$@"; [ $((SECONDS - start)) -eq 0 ] || log "$1 took $((SECONDS - start)) s"; }

build_k8s() {
  local want="$K8S_VERSION $(sha256sum "$here/k8s/go.sum" | cut -c1-12)"
  stamped k8s "$want" && [ -x "$bin/kube-apiserver" ] && return 0
  log "building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl $K8S_VERSION (cold: about 6 min of the 11 min test bed build on 2 cores)"
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*} ldf=""
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=2026-01-01T00:00:00Z"
  done
  (cd "$here/k8s" && go build -trimpath -ldflags "$ldf" -o "$bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl) >"$root/logs/build-k8s.log" 2>&1 \
    || fail k8s "go build failed" "$root/logs/build-k8s.log"
  "$bin/kube-apiserver" --version | grep -q "$K8S_VERSION" || fail k8s "kube-apiserver --version is not $K8S_VERSION"
  stamp k8s "$want"
}

build_etcd() {
  stamped etcd "$ETCD_VERSION" && [ -x "$bin/etcd" ] && return 0
  log "building etcd $ETCD_VERSION"
  (cd "$here/etcd" && go build -trimpath -o "$bin/etcd" go.etcd.io/etcd/server/v3) >"$root/logs/build-etcd.log" 2>&1 \
    || fail etcd "go build failed" "$root/logs/build-etcd.log"
  stamp etcd "$ETCD_VERSION"
}

build_kwok() {
  stamped kwok "$KWOK_VERSION" && [ -x "$bin/kwok" ] && return 0
  log "building kwok and kwokctl $KWOK_VERSION"
  GOBIN="$bin" go install -trimpath "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION" \
    >"$root/logs/build-kwok.log" 2>&1 || fail kwok "go install failed" "$root/logs/build-kwok.log"
  # The stage files ship in the module; keep a path to them beside the binary.
  local dir; dir=$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage
  [ -d "$dir" ] || fail kwok "stage directory $dir missing from the module cache"
  rm -rf "$root/kwok-stages"; cp -r "$dir" "$root/kwok-stages"; chmod -R u+w "$root/kwok-stages"
  stamp kwok "$KWOK_VERSION"
}

build_helm() {
  stamped helm "$HELM_VERSION" && [ -x "$bin/helm" ] && return 0
  log "building helm $HELM_VERSION"
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  # Without these the offline KubeVersion defaults to 1.20 and `helm version` says unknown.
  GOBIN="$bin" go install -trimpath -ldflags "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
    -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >"$root/logs/build-helm.log" 2>&1 \
    || fail helm "go install failed" "$root/logs/build-helm.log"
  stamp helm "$HELM_VERSION"
}

build_kustomize() {
  stamped kustomize "$KUSTOMIZE_VERSION" && [ -x "$bin/kustomize" ] && return 0
  log "building kustomize $KUSTOMIZE_VERSION"
  GOBIN="$bin" go install -trimpath "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" \
    >"$root/logs/build-kustomize.log" 2>&1 || fail kustomize "go install failed" "$root/logs/build-kustomize.log"
  stamp kustomize "$KUSTOMIZE_VERSION"
}

# An OCI registry (CNCF distribution) for OCI Helm charts; in-memory storage, no TLS.
build_registry() {
  stamped registry "$DISTRIBUTION_VERSION" && [ -x "$bin/registry" ] && return 0
  log "building the OCI registry (distribution) $DISTRIBUTION_VERSION"
  GOBIN="$bin" go install -trimpath "github.com/distribution/distribution/v3/cmd/registry@$DISTRIBUTION_VERSION" \
    >"$root/logs/build-registry.log" 2>&1 || fail registry "go install failed" "$root/logs/build-registry.log"
  stamp registry "$DISTRIBUTION_VERSION"
}

# go-jsonnet's command: Jsonnet apps render with it as Argo CD's repo-server does (same library).
build_jsonnet() {
  stamped jsonnet "$JSONNET_VERSION" && [ -x "$bin/jsonnet" ] && return 0
  log "building jsonnet (go-jsonnet) $JSONNET_VERSION"
  GOBIN="$bin" go install -trimpath "github.com/google/go-jsonnet/cmd/jsonnet@$JSONNET_VERSION" \
    >"$root/logs/build-jsonnet.log" 2>&1 || fail jsonnet "go install failed" "$root/logs/build-jsonnet.log"
  stamp jsonnet "$JSONNET_VERSION"
}

# Python tools each get their own venv in the cache (off the system Python), stamped by version.
pip_tool() { # piece, pip requirement, version, binary inside the venv
  stamped "$1" "$3" && [ -x "$root/$1/bin/$4" ] && return 0
  log "installing $2 into a venv"
  { rm -rf "${root:?}/$1" && python3 -m venv "$root/$1" && "$root/$1/bin/pip" install --quiet "$2"; } \
    >"$root/logs/build-$1.log" 2>&1 || fail "$1" "pip install failed" "$root/logs/build-$1.log"
  stamp "$1" "$3"
}

# moto: DynamoDB, SQS, STS and Secrets Manager for the control plane tests.
build_moto() { pip_tool moto "moto[server]==$MOTO_VERSION" "$MOTO_VERSION" moto_server; }
# cfn-lint checks the synthesized CloudFormation template (test/infra).
build_cfnlint() { pip_tool cfnlint "cfn-lint==$CFNLINT_VERSION" "$CFNLINT_VERSION" cfn-lint; }
# schemathesis fuzzes the HTTP API from its OpenAPI document (test/e2e).
build_schemathesis() { pip_tool schemathesis "schemathesis==$SCHEMATHESIS_VERSION" "$SCHEMATHESIS_VERSION" schemathesis; }

pieces=("$@"); [ ${#pieces[@]} -eq 0 ] || [ "${pieces[0]}" = all ] && pieces=(etcd kwok helm kustomize jsonnet registry moto cfnlint schemathesis k8s)
for p in "${pieces[@]}"; do timed "build_$p"; done
log "binaries ready in $bin"
