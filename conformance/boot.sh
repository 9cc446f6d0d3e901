#!/usr/bin/env bash
# boot.sh ARCH SERIES IOMMU SHARE MEM LOG TIMEOUT [qemu args...]
# Boots one Debian kernel under TCG with an emulated IOMMU and an e1000e to
# hand to vfio-pci; the guest's /init runs SHARE/run.sh from a read-only 9p
# share and powers off. The serial console goes to LOG.
#   ARCH   x86_64 | aarch64
#   IOMMU  intel | amd | smmuv3 (GICv3 + ITS) | smmuv3-gicv2 (no MSI isolation)
# Environment: BOOT_RMRR=1 prepends the DMAR with RMRRs (set-up step 5);
#   BOOT_USR=DIR and BOOT_ROOT=DIR share more directories (tags usr, root).
set -uo pipefail
C=${DOORBELL_CONFORMANCE_CACHE:-$HOME/.cache/doorbell-conformance}
ARCH=$1 SERIES=$2 IOMMU=$3 SHARE=$4 MEM=$5 LOG=$6 TIMEOUT=$7; shift 7
case $ARCH in x86_64) KA=amd64 ;; aarch64) KA=arm64 ;; *) echo "boot.sh: unknown arch $ARCH" >&2; exit 2 ;; esac
K=$(ls "$C"/k/$KA-$SERIES/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$K" ] || { echo "boot.sh: no $KA $SERIES kernel in $C: run conformance/setup.sh" >&2; exit 2; }
INITRD=$C/img/initrd-$KA-$SERIES.gz
if [ -n "${BOOT_RMRR:-}" ]; then
  INITRD=$(mktemp); cat "$C/img/dmar-rmrr.cpio" "$C/img/initrd-$KA-$SERIES.gz" > "$INITRD"
fi
# fixed PCI slots, so RMRR device scopes and group numbers do not move
share() { # TAG DIR SLOT
  FS+=(-fsdev "local,id=fs$1,path=$2,security_model=none,readonly=on" -device "virtio-9p-pci,fsdev=fs$1,mount_tag=$1,addr=$3")
}
FS=()
share rs "$SHARE" 0x6
[ -n "${BOOT_USR:-}" ] && share usr "$BOOT_USR" 0x7
[ -n "${BOOT_ROOT:-}" ] && share root "$BOOT_ROOT" 0x8
NIC=(-device e1000e,netdev=n0,addr=0x3 -netdev user,id=n0,restrict=on)
case $ARCH-$IOMMU in
  x86_64-intel) M=(-M q35,kernel-irqchip=split -cpu max -device intel-iommu,intremap=on,caching-mode=on); CMD="console=ttyS0 intel_iommu=on no_timer_check" ;;
  x86_64-amd) M=(-M q35,kernel-irqchip=split -cpu EPYC -device amd-iommu,intremap=on); CMD="console=ttyS0 iommu=nopt no_timer_check" ;;
  aarch64-smmuv3) M=(-M virt,iommu=smmuv3,gic-version=3 -cpu max,pauth-impdef=on); CMD="console=ttyAMA0" ;;
  aarch64-smmuv3-gicv2) M=(-M virt,iommu=smmuv3,gic-version=2 -cpu max,pauth-impdef=on); CMD="console=ttyAMA0" ;;
  *) echo "boot.sh: unknown $ARCH IOMMU $IOMMU" >&2; exit 2 ;;
esac
timeout --kill-after=5 "$TIMEOUT" qemu-system-$ARCH "${M[@]}" -accel tcg -smp 1 -m "$MEM" -nographic -no-reboot \
  -kernel "$K" -initrd "$INITRD" -append "$CMD panic=-1 quiet loglevel=1" \
  "${FS[@]}" "${NIC[@]}" "$@" > "$LOG" 2>&1
rc=$?
[ -n "${BOOT_RMRR:-}" ] && rm -f "$INITRD"
echo "BOOT-EXIT $rc" >> "$LOG"
exit $rc
