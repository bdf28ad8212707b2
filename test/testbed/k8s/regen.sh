#!/usr/bin/env bash
# Regenerates this wrapper module for a Kubernetes version: k8s.io/kubernetes requires its staging
# modules at v0.0.0 with local replaces, so `go install` of its commands fails; here each staging
# module is replaced by its published v0.Y.Z, derived from k8s.io/kubernetes's own go.mod.
set -euo pipefail
cd "$(dirname "$0")"
version=${1:-v1.36.3}
minor=${version#v1.}; staging="v0.${minor}"
rm -f go.mod go.sum
go mod init gitferry.local/testbed/k8s >/dev/null 2>&1
gomod=$(go mod download -json "k8s.io/kubernetes@${version}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
go mod edit -go="$(sed -n 's/^go \(.*\)/\1/p' "$gomod")"
for m in $(awk '$1 ~ /^k8s.io\// && $2 == "v0.0.0" {print $1}' "$gomod" | sort -u); do
  go mod edit -replace="${m}=${m}@${staging}"
done
go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@${version}" "k8s.io/kubernetes/cmd/kube-controller-manager@${version}" \
  "k8s.io/kubernetes/cmd/kube-scheduler@${version}" "k8s.io/kubernetes/cmd/kubectl@${version}"
go mod tidy
echo "k8s wrapper module regenerated for ${version}: $(grep -c '=>' go.mod) replaces"
