#!/usr/bin/env bash
# Browser tests drive Debian's chromium with a CJK font. Install them when we can (root on
# Debian); otherwise say exactly what is missing. Browser tests skip when chromium is absent.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || missing+=(fonts-wqy-microhei)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} for the browser tests…" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Browser tests need: sudo apt-get install ${missing[*]} (they are skipped until then)" >&2
fi
