#!/usr/bin/env bash
# Builds the worker's Lambda layer: helm, kustomize and jsonnet (go-jsonnet) for linux/arm64 at the versions pinned in
# test/testbed/versions.env (the same the tests run), into dist/tools-layer/bin (Lambda mounts the
# layer at /opt, so the worker finds /opt/bin/helm, /opt/bin/kustomize and /opt/bin/jsonnet).
# Usage: infra/build-tools-layer.sh [out-dir]   (needs Go; the registries only, no release downloads)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../test/testbed/versions.env
. "$here/../test/testbed/versions.env"
out=${1:-$here/../dist/tools-layer}
minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
export CGO_ENABLED=0 GOOS=linux GOARCH=arm64 GOFLAGS=-buildvcs=false
# `go install` refuses GOBIN for cross-compiled binaries; without it they land in $GOPATH/bin/linux_arm64.
unset GOBIN
# Without these ldflags helm's offline KubeVersion defaults to 1.20 (as in test/testbed/build.sh).
go install -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
  -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
go install -trimpath -ldflags "-s -w" "github.com/google/go-jsonnet/cmd/jsonnet@$JSONNET_VERSION"
built="$(go env GOPATH)/bin/linux_arm64"
mkdir -p "$out/bin"
cp "$built/helm" "$built/kustomize" "$built/jsonnet" "$out/bin/"
echo "tools layer ready in $out: helm $HELM_VERSION, kustomize $KUSTOMIZE_VERSION, jsonnet $JSONNET_VERSION (linux/arm64)"
