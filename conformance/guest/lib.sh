# Sourced by the generated /mnt/run.sh of a conformance guest.
# bind NAME VENDOR DEVICE: vfio-pci takes the device; prints "TARGET NAME GROUP".
bind() {
  for d in /sys/bus/pci/devices/*; do
    [ "$(cat $d/vendor) $(cat $d/device)" = "$2 $3" ] || continue
    b=$(basename $d)
    echo vfio-pci > $d/driver_override
    [ -e $d/driver ] && echo $b > $d/driver/unbind
    echo $b > /sys/bus/pci/drivers_probe
    g=$(readlink $d/iommu_group); g=${g##*/}
    echo "TARGET $1 ${g:-none} $b"
    eval "GROUP_$1=${g:-none} BDF_$1=$b"
    return
  done
  echo "TARGET $1 none none"
}
# capture: /sys/kernel/iommu_groups as `grep -H` prints it (what doorbell import sysfs reads)
capture() {
  for f in /sys/kernel/iommu_groups/*/reserved_regions; do
    sed "s|^|SYSFS $f:|" $f
  done
}
# nested QEMU: a chroot with QEMU (the host's /usr, or a whole root filesystem, over 9p)
ROOT=/tmp/root
use_root() { # usr | root
  mkdir -p $ROOT
  if [ "$1" = usr ]; then
    mkdir -p $ROOT/usr $ROOT/dev $ROOT/proc $ROOT/sys $ROOT/tmp $ROOT/etc $ROOT/run
    mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose usr $ROOT/usr || echo "GUEST mount usr failed"
    for l in bin lib lib64 sbin; do ln -s usr/$l $ROOT/$l; done
  else
    mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose root $ROOT || echo "GUEST mount root failed"
    mount -t tmpfs tmp $ROOT/tmp; mount -t tmpfs run $ROOT/run
  fi
  mount --bind /dev $ROOT/dev; mount --bind /proc $ROOT/proc; mount --bind /sys $ROOT/sys
  # a nested guest's RAM is only reserved: overcommit so 1 TiB guests can be created
  echo 1 > /proc/sys/vm/overcommit_memory
}
# l2 NAME BINARY QMPFILE ARGS...: one nested QEMU, stopped before it runs (-S);
# QMP commands from QMPFILE, then query-status and quit.
l2() {
  n=$1 q=$2 f=$3; shift 3
  echo "L2 $n BEGIN"
  { echo '{"execute":"qmp_capabilities"}'; sed "s/@BDF/$BDF_nic/g" $f; echo '{"execute":"query-status"}'; echo '{"execute":"quit"}'; } |
    chroot $ROOT timeout 300 $q -accel tcg,tb-size=64 -S -nodefaults -display none -serial none -monitor none -qmp stdio "$@" 2>&1 |
    cut -c1-1000 | sed "s/^/L2 $n OUT /"
  echo "L2 $n END"
}
