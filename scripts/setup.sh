#!/usr/bin/env bash
# Set up doorbell on a Debian machine: the system libraries `canvas` compiles
# against (installed only when missing), then `npm ci` and the build.
# Idempotent: a second run skips apt and npm when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev pkg-config fonts-dejavu-core)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm ci only when the lockfile changed since the last install.
stamp=node_modules/.doorbell-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -e node_modules/canvas/build/Release/canvas.node ]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

npm run --silent build
echo "setup: ready (node $(node --version))"
