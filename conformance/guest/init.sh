#!/bin/busybox sh
# /init of the conformance guests: modules, the 9p share, /mnt/run.sh, power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
for m in $(cat /modules.order); do insmod /lib/modules/$m 2>/dev/null || echo "GUEST insmod $m failed"; done
echo "GUEST kernel $(uname -r) $(uname -m)"
if mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 rs /mnt && [ -f /mnt/run.sh ]; then
  sh /mnt/run.sh 2>&1
else
  echo "GUEST no /mnt/run.sh"
fi
echo "GUEST done"
sync
poweroff -f
