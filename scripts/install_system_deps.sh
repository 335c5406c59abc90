#!/usr/bin/env bash
# Debian packages the reports need, installed only when missing:
#   fonts-noto-cjk        Chinese PDF reports (English PDFs work without it)
#   libharfbuzz-subset0   fast font subsetting in WeasyPrint (a Chinese PDF takes ~3 s, not ~25 s)
#   libpango-1.0-0, libpangoft2-1.0-0   WeasyPrint's text layout
#   chromium              headless browser of the workbench's and portal's browser tests (driven
#                         by Playwright through executable_path; Playwright cannot download its own)
# Needs root or sudo and the Debian mirror; otherwise says what to install and carries on, so the
# tests that need a package say why they cannot run instead of failing on a machine problem.
set -u
packages=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "install_system_deps: no apt-get; please install: ${missing[*]}" >&2
  exit 0
fi
sudo_cmd=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo_cmd=(sudo -n); else
    echo "install_system_deps: not root; please install: ${missing[*]}" >&2
    exit 0
  fi
fi
echo "install_system_deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || { "${sudo_cmd[@]}" apt-get update -q >/dev/null 2>&1 \
       && "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" \
            >/dev/null 2>&1; } \
  || echo "install_system_deps: could not install ${missing[*]}" >&2
exit 0
