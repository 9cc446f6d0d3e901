#!/usr/bin/env bash
# mkinitramfs.sh KERNEL_DIR OUT.gz CACHE: a busybox initramfs with the VFIO and
# 9p modules of one unpacked kernel package, vfioprobe and guest/init.sh.
set -euo pipefail
KT=$(readlink -f "$1") OUT=$2 C=$3
HERE=$(cd "$(dirname "$0")" && pwd)
M=$(ls -d "$KT"/lib/modules/* "$KT"/usr/lib/modules/* 2>/dev/null | head -1 || true)
KVER=$(basename "$M")
[ -f "$M/modules.dep" ] || depmod -b "${M%/lib/modules/*}" "$KVER"
case $(basename "$KT") in
  amd64-*) BB=/bin/busybox; ARCH=x86_64 ;;
  arm64-*) BB=$C/bb-arm64/bin/busybox; ARCH=aarch64 ;;
esac
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W"/{bin,proc,sys,dev,mnt,tmp,etc,lib/modules,root}
cp "$BB" "$W/bin/busybox"
cp "$C/bin/vfioprobe-$ARCH" "$W/bin/vfioprobe"
declare -A SEEN; ORDER=()
add() { # a module (path relative to $M) after its dependencies
  [ -n "${SEEN[$1]:-}" ] && return; SEEN[$1]=1
  local d; for d in $(grep -E "^$1:" "$M/modules.dep" | cut -d: -f2-); do add "$d"; done
  ORDER+=("$1")
}
# built-in ones are simply absent from modules.dep
for w in vfio vfio_iommu_type1 vfio-pci vfio_pci 9p 9pnet_virtio virtio_pci; do
  rel=$(grep -oE "^[^:]*/$w\.ko(\.xz|\.zst)?:" "$M/modules.dep" | head -1 | tr -d :) || true
  [ -n "$rel" ] && add "$rel"
done
: > "$W/modules.order"
for rel in "${ORDER[@]}"; do
  b=$(basename "$rel"); b=${b%.xz}; b=${b%.zst}
  case $rel in
    *.xz) xz -dc "$M/$rel" > "$W/lib/modules/$b" ;;
    *.zst) zstd -qdc "$M/$rel" > "$W/lib/modules/$b" ;;
    *) cp "$M/$rel" "$W/lib/modules/$b" ;;
  esac
  echo "$b" >> "$W/modules.order"
done
cp "$HERE/guest/init.sh" "$W/init"; chmod +x "$W/init"
(cd "$W" && find . | sort | cpio -o -H newc --quiet | gzip -1) > "$OUT"
echo "mkinitramfs: $OUT ($KVER, $(wc -l < "$W/modules.order") modules)"
