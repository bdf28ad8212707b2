#!/usr/bin/env bash
# Builds the peer engines' harnesses (bench/peers/flux, bench/peers/argo) from the Go module proxy
# into $HOME/.cache/gitferry-bench-peers (never committed). A harness that does not build is
# reported with go's own error and skipped by bench/peers.ts.
set -u
out="${GITFERRY_PEERS_BIN:-$HOME/.cache/gitferry-bench-peers}"
mkdir -p "$out"
cd "$(dirname "$0")"
for peer in flux argo; do
  if (cd "$peer" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -o "$out/$peer-harness" .) >"$out/$peer-build.log" 2>&1; then
    echo "built $out/$peer-harness"
  else
    echo "$peer harness did not build (see $out/$peer-build.log):" >&2
    tail -5 "$out/$peer-build.log" >&2
  fi
done
