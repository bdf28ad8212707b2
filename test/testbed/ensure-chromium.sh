#!/usr/bin/env bash
# The browser tests (test/e2e/web-ui-*) drive Debian's Chromium with playwright-core (no browser
# download from anywhere else). Installs it with apt-get when /usr/bin/chromium is missing; fails
# loudly when it cannot, so the browser tests are never skipped silently.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "ensure-chromium: /usr/bin/chromium is missing; installing Debian's chromium with apt-get (for the browser tests)" >&2
if [ "$(id -u)" != 0 ]; then
  echo "ensure-chromium: not root: install it yourself (sudo apt-get install chromium)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "ensure-chromium: apt-get installed no /usr/bin/chromium" >&2; exit 1; }
echo "ensure-chromium: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) installed" >&2
