#!/usr/bin/env bash
# conformance/setup.sh: everything the conformance tiers boot, from Debian's
# packages through the apt sources this machine already has. Idempotent: each
# step checks its output first. Not part of `npm start`.
#
# Writes to $DOORBELL_CONFORMANCE_CACHE (default ~/.cache/doorbell-conformance):
#   apt-<name>/   private apt configurations for other suites / arm64 (the
#                 system's sources stay untouched)
#   k/<arch>-<series>/  unpacked linux-image-*-unsigned packages
#   bin/          vfioprobe for x86_64 and aarch64 (static)
#   img/          initramfs per kernel; DMAR with RMRRs for the ACPI table upgrade
#   root-trixie/ (QEMU 10.0), root-bullseye/ (QEMU 5.2), root-arm64/ (QEMU 7.2
#                 arm64 build, for the VMM inside the arm64 guest)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
C=${DOORBELL_CONFORMANCE_CACHE:-$HOME/.cache/doorbell-conformance}
mkdir -p "$C"
T0=$(date +%s)
step() { echo "setup: $(( $(date +%s) - T0 ))s $*"; }
[ "$(id -u)" -eq 0 ] || { echo "setup: run as root (apt-get, debootstrap, chroot)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

# 1. host packages, installed only when missing
PKGS="qemu-system-x86 qemu-system-arm qemu-utils busybox-static cpio xz-utils zstd kmod debootstrap
      gcc libc6-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
missing=$(for p in $PKGS; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
  step "installing $(echo $missing)"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# 2. the Debian archive this machine uses (deb822 or one-line sources)
SRC=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v '^\s*#' || true)
MIRROR=$(echo "$SRC" | grep -oE '(URIs:|deb(\s+\[[^]]*\])?)\s+https?://\S+/debian/?(\s|$)' | grep -oE 'https?://\S+' | sed 's,/$,,' | head -1)
SECURITY=$(echo "$SRC" | grep -oE 'https?://\S+/debian-security' | head -1)
[ -n "$MIRROR" ] || { echo "setup: no Debian archive found in /etc/apt sources" >&2; exit 1; }
[ -n "$SECURITY" ] || SECURITY=${MIRROR}-security

mkapt() { # NAME ARCH SUITE... : a private apt configuration, updated once a day at most
  local d=$C/apt-$1 a=$2 s u; shift 2
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
  : > "$d/sources.list"
  for s in "$@"; do
    case $s in *-security) u=$SECURITY ;; *) u=$MIRROR ;; esac
    echo "deb [arch=$a signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $u $s main" >> "$d/sources.list"
  done
  printf '%s\n' "Dir::Etc::SourceList \"$d/sources.list\";" 'Dir::Etc::SourceParts "/nonexistent";' \
    "Dir::State::Lists \"$d/lists\";" "Dir::Cache \"$d/cache\";" "APT::Architectures { \"$a\"; };" \
    "APT::Architecture \"$a\";" 'APT::Sandbox::User "root";' > "$d/apt.conf"
  if [ -z "$(find "$d/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
    APT_CONFIG=$d/apt.conf apt-get update -qq
  fi
}

# 3. kernels: the newest linux-image-<arch> of each suite, unpacked
kernel() { # ARCH SERIES SUITE APTNAME: the newest version the archive actually serves
  local arch=$1 series=$2 suite=$3 apt=$C/apt-$4/apt.conf dir=$C/k/$1-$2 ver pkg
  [ -d "$dir/boot" ] && return 0
  mkdir -p "$C/debs" "$C/k"
  for ver in $(APT_CONFIG=$apt apt-cache madison "linux-image-$arch" | awk -v s="$suite" '$0 ~ s"[-/ ]" || $0 ~ s"$" {print $3}'); do
    pkg=$(APT_CONFIG=$apt apt-cache show "linux-image-$arch=$ver" | sed -n 's/^Depends: \(linux-image-[^ ,]*\).*/\1-unsigned/p' | head -1)
    step "kernel $arch $series: $pkg"
    if (cd "$C/debs" && APT_CONFIG=$apt apt-get download -qq "$pkg:$arch" 2>/dev/null); then
      rm -rf "$dir.tmp" && dpkg -x "$C"/debs/${pkg}_*_$arch.deb "$dir.tmp" && mv "$dir.tmp" "$dir"
      return 0
    fi
    step "kernel $arch $series: $pkg not served, trying an older one"
  done
  echo "setup: no linux-image-$arch for $suite could be downloaded" >&2; return 1
}
mkapt amd64 amd64 bookworm bookworm-security trixie bullseye bullseye-security
mkapt arm64 arm64 bookworm bookworm-security trixie bullseye bullseye-security
for arch in amd64 arm64; do
  kernel $arch 5.10 bullseye $arch
  kernel $arch 6.1 bookworm $arch
  kernel $arch 6.12 trixie $arch
done
if [ ! -x "$C/bb-arm64/bin/busybox" ]; then
  step "busybox-static arm64"
  (cd "$C/debs" && APT_CONFIG=$C/apt-arm64/apt.conf apt-get download -qq busybox-static:arm64/bookworm)
  dpkg -x "$C"/debs/busybox-static_*_arm64.deb "$C/bb-arm64"
fi

# 4. vfioprobe, initramfs images (rebuilt when their inputs change)
mkdir -p "$C/bin" "$C/img"
for a in x86_64 aarch64; do
  cc=gcc; [ $a = aarch64 ] && cc=aarch64-linux-gnu-gcc
  if [ ! -x "$C/bin/vfioprobe-$a" ] || [ "$HERE/vfioprobe.c" -nt "$C/bin/vfioprobe-$a" ]; then
    $cc -O2 -static -Wall -Werror -o "$C/bin/vfioprobe-$a" "$HERE/vfioprobe.c"
  fi
done
for k in "$C"/k/*; do
  n=$(basename "$k"); out=$C/img/initrd-$n.gz
  if [ ! -f "$out" ] || [ "$HERE/mkinitramfs.sh" -nt "$out" ] || [ "$HERE/guest/init.sh" -nt "$out" ] || [ "$C/bin/vfioprobe-x86_64" -nt "$out" ]; then
    "$HERE/mkinitramfs.sh" "$k" "$out" "$C"
  fi
done

# 5. a DMAR with two RMRRs, fed through the initrd ACPI table upgrade: QEMU's
# own DMAR (same device set as the kernel-tier boots) plus one RMRR on the
# e1000e (direct) and one on qemu-xhci (USB: direct-relaxable)
if [ ! -f "$C/img/dmar-rmrr.cpio" ] || [ "$HERE/dmar-rmrr.mjs" -nt "$C/img/dmar-rmrr.cpio" ]; then
  step "DMAR with RMRRs"
  w=$(mktemp -d)
  printf '%s\n' 'od -An -tx1 -v /sys/firmware/acpi/tables/DMAR | sed "s/^/ACPIHEX /"' > "$w/run.sh"
  for try in 1 2 3; do # TCG on a loaded machine may lose a boot: try again
    DOORBELL_CONFORMANCE_CACHE=$C "$HERE/boot.sh" x86_64 6.1 intel "$w" 1G "$w/serial.log" 120 -device qemu-xhci,addr=0x5 || true
    grep '^ACPIHEX' "$w/serial.log" | sed 's/^ACPIHEX //' | tr -d '\r' > "$w/dmar.hex"
    [ -s "$w/dmar.hex" ] && break
  done
  mkdir -p "$w/cpio/kernel/firmware/acpi"
  node "$HERE/dmar-rmrr.mjs" "$w/dmar.hex" "$w/cpio/kernel/firmware/acpi/DMAR.aml" 0xfeffc000:0xfeffffff:00:03.0 0xf0000:0xfffff:00:05.0
  (cd "$w/cpio" && find . | cpio -o -H newc --quiet) > "$C/img/dmar-rmrr.cpio"
  rm -rf "$w"
fi

# 6. root filesystems for the VMM tier's nested QEMU
rootfs() { # DIR SUITE ARCH: QEMU for x86 and arm guests
  local dir=$C/$1 suite=$2 arch=$3
  [ -x "$dir/usr/bin/qemu-system-x86_64" ] && [ -x "$dir/usr/bin/qemu-system-aarch64" ] && return 0
  step "root filesystem $1 ($suite $arch)"
  rm -rf "$dir"
  if [ "$arch" = amd64 ]; then
    debootstrap --variant=minbase --include=qemu-system-x86,qemu-system-arm "$suite" "$dir" "$MIRROR" >/dev/null
  else # unpack only: no configuration, the guest only runs the binaries
    debootstrap --foreign --arch=arm64 --variant=minbase --include=qemu-system-x86,qemu-system-arm "$suite" "$dir" "$MIRROR" >/dev/null
    for d in "$dir"/var/cache/apt/archives/*.deb; do dpkg -x "$d" "$dir"; done
    for d in bin sbin lib; do
      if [ -d "$dir/$d" ] && [ ! -L "$dir/$d" ]; then cp -a "$dir/$d/." "$dir/usr/$d/" && rm -rf "${dir:?}/$d" && ln -s "usr/$d" "$dir/$d"; fi
    done
    rm -rf "$dir"/var/cache/apt/archives/*.deb
  fi
  rm -rf "$dir"/var/cache/apt/archives/*.deb
}
# the three are independent: build them side by side, fail if any fails
pids=()
for r in "root-trixie trixie amd64" "root-bullseye bullseye amd64" "root-arm64 bookworm arm64"; do
  rootfs $r & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

step "ready in $C"
