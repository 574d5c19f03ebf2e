#!/bin/sh
# /init of the test guest (integration-tests/guest/build-guest.sh). The host
# picks a scenario on the kernel command line (scenario=, port=, target=,
# snapshot=) and talks to it over the serial console: the guest prints
# "@@ " lines (READY-FOR-SNAPSHOT, PASS, FAIL why), the host answers with
# lines such as "snapshot-taken". Every check that fails ends the run loudly.
export PATH=/sbin:/bin   # busybox prefers its applets: call e2fsprogs by full path
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev

say() { echo "@@ $*"; }
fail() { say "FAIL $*"; sync; reboot -f; }
try() { # try WHAT COMMAND...: runs it, fails with its output
    what=$1
    shift
    output=$("$@" 2>&1) || fail "$what: $output"
    [ -z "$output" ] || echo "$output"
}
arg() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" /proc/cmdline; }
wait_for() { # a line from the host
    while read -r line < /dev/ttyS0; do
        [ "$line" = "$1" ] && return 0
    done
    fail "console closed while waiting for $1"
}
wait_device() {
    for _ in $(seq 300); do [ -b "$1" ] && return 0; sleep 0.1; done
    fail "$1 did not appear"
}

for module in virtio_pci virtio_net virtio_blk iscsi_tcp sd_mod ext4 crc32c_generic crct10dif_generic; do
    modprobe "$module" || fail "modprobe $module"
done
ifconfig lo up
ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up || fail "no network"
route add default gw 10.0.2.2
scenario=$(arg scenario)
port=$(arg port)
target=$(arg target)
snapshot=$(arg snapshot)
chap_user=$(arg chap_user)      # test credentials: CHAP for the open-iscsi logins when set
chap_secret=$(arg chap_secret)
portal=10.0.2.2:$port
say "guest up: scenario $scenario, kernel $(uname -r)"

write_files() { # into the file system at $1: a small file and 8 MiB of random data with its checksum
    echo "written before the snapshot" > "$1/before" || fail "write $1/before"
    dd if=/dev/urandom of="$1/blob" bs=1M count=8 2>/dev/null || fail "write $1/blob"
    md5sum "$1/blob" | cut -d' ' -f1 > "$1/blob.md5"
    sync
}
check_files() { # $1 holds what write_files wrote, byte for byte
    [ "$(cat "$1/before")" = "written before the snapshot" ] || fail "$1/before is wrong"
    [ "$(md5sum "$1/blob" | cut -d' ' -f1)" = "$(cat "$1/blob.md5")" ] || fail "$1/blob does not match its checksum"
}

login() { # a node record discovery made: the server advertises the portal the guest sees (QEMU's NAT)
    settings="node.conn[0].iscsi.HeaderDigest CRC32C|node.conn[0].iscsi.DataDigest CRC32C"
    if [ -n "$chap_user" ]; then
        settings="$settings|node.session.auth.authmethod CHAP|node.session.auth.username $chap_user"
        settings="$settings|node.session.auth.password $chap_secret"
    fi
    old_ifs=$IFS
    IFS='|'
    for setting in $settings; do
        IFS=$old_ifs
        set -- "$1" $setting
        try "setting $2" iscsiadm -m node -T "$1" -p "$portal" -o update -n "$2" -v "$3"
        set -- "$1"
        IFS='|'
    done
    IFS=$old_ifs
    try "login to $1" iscsiadm -m node -T "$1" -p "$portal" --login
}

open_iscsi() {
    echo "InitiatorName=iqn.2026-11.org.snapshare:test-guest" > /etc/iscsi/initiatorname.iscsi
    touch /etc/iscsi/iscsid.conf
    iscsid -f > /tmp/iscsid.log 2>&1 &
    sleep 1
    try "discovery (iscsid: $(cat /tmp/iscsid.log))" iscsiadm -m discovery -t sendtargets -p "$portal" > /tmp/targets
    grep -q "^$portal,[0-9]* $target\$" /tmp/targets \
        || fail "discovery does not list $target at the advertised portal $portal: $(cat /tmp/targets)"
    login "$target"
    say "logged in to $target${chap_user:+ with CHAP as $chap_user}"
    wait_device /dev/sda
    /sbin/mke2fs -q -t ext4 /dev/sda || fail "mke2fs on the LUN"
    mount -t ext4 /dev/sda /mnt/a || fail "mount the LUN"
    write_files /mnt/a
    umount /mnt/a || fail "umount"
    say "READY-FOR-SNAPSHOT"
    wait_for snapshot-taken
    mount -t ext4 /dev/sda /mnt/a || fail "mount the LUN again"
    echo "written after the snapshot" > /mnt/a/after
    rm /mnt/a/before
    sync
    # The kernel found UNMAP in the LUN's VPD pages; fstrim unmaps the origin's free space,
    # blocks of the deleted file among them, which the snapshot must keep.
    grep -q '^[1-9]' /sys/block/sda/queue/discard_max_bytes \
        || fail "the kernel sees no UNMAP support: discard_max_bytes $(cat /sys/block/sda/queue/discard_max_bytes)"
    fstrim /mnt/a || fail "fstrim on the origin"
    say "fstrim unmapped the origin's free space"
    cache_type=$(echo /sys/block/sda/device/scsi_disk/*/cache_type)
    echo "write through" > "$cache_type" || fail "MODE SELECT turning the write cache off"
    [ "$(cat "$cache_type")" = "write through" ] || fail "cache type is $(cat "$cache_type") after MODE SELECT"
    echo "written with the write cache off" > /mnt/a/through
    sync
    say "write cache off by MODE SELECT, as the kernel reads it back"
    # Persistent reservations as fence_scsi takes them: register, reserve write exclusive; the
    # host checks that another initiator can read but not write, then the guest lets go.
    sg_persist -n --out --register --param-sark=0x5eed /dev/sda || fail "sg_persist register"
    sg_persist -n --out --reserve --param-rk=0x5eed --prout-type=1 /dev/sda || fail "sg_persist reserve"
    sg_persist -n --in --read-reservation /dev/sda > /tmp/reservation 2>&1
    grep -q "Key=0x5eed" /tmp/reservation || fail "the reservation reads back as: $(cat /tmp/reservation)"
    say "RESERVED"
    wait_for reservation-checked
    echo "written while reserved" > /mnt/a/reserved
    sync
    sg_persist -n --out --release --param-rk=0x5eed --prout-type=1 /dev/sda || fail "sg_persist release"
    sg_persist -n --out --register --param-rk=0x5eed --param-sark=0 /dev/sda || fail "sg_persist unregister"
    say "reservation: the holder wrote, released and unregistered"
    try "second discovery" iscsiadm -m discovery -t sendtargets -p "$portal" > /tmp/targets
    grep -q "$target.$snapshot" /tmp/targets || fail "the snapshot target is not discovered: $(cat /tmp/targets)"
    login "$target.$snapshot"
    wait_device /dev/sdb
    mount -t ext4 -o ro /dev/sdb /mnt/b || fail "mount the snapshot"
    check_files /mnt/b
    [ ! -e /mnt/b/after ] || fail "the snapshot holds a file written after it"
    [ -e /mnt/a/after ] && [ ! -e /mnt/a/before ] || fail "the origin lost what was written after the snapshot"
    say "checked: snapshot has the files of its moment, origin has the later ones"
    # The host grows the volume online; the kernel sees it at a rescan, the snapshot keeps its size.
    snapshot_sectors=$(cat /sys/block/sdb/size)
    say "READY-FOR-RESIZE"
    wait_for volume-resized
    echo 1 > /sys/class/block/sda/device/rescan || fail "rescan of sda"
    [ "$(cat /sys/block/sda/size)" = "$(arg resized_sectors)" ] \
        || fail "after the rescan sda has $(cat /sys/block/sda/size) sectors, not $(arg resized_sectors)"
    echo 1 > /sys/class/block/sdb/device/rescan || fail "rescan of sdb"
    [ "$(cat /sys/block/sdb/size)" = "$snapshot_sectors" ] || fail "the snapshot's size changed"
    check_files /mnt/b
    say "resize: the origin grew to $(arg resized_sectors) sectors at a rescan, the snapshot kept its size"
    # A writable snapshot is thin too: fstrim on it unmaps what its file system freed.
    mount -o remount,rw /mnt/b || fail "remount the snapshot read-write"
    grep -q '^[1-9]' /sys/block/sdb/queue/discard_max_bytes || fail "the kernel sees no UNMAP on the snapshot"
    rm /mnt/b/blob
    sync
    trimmed=$(fstrim -v /mnt/b) || fail "fstrim on the snapshot"
    umount /mnt/b
    /sbin/e2fsck -fn /dev/sdb > /tmp/fsck 2>&1 || fail "e2fsck of the trimmed snapshot: $(cat /tmp/fsck)"
    say "fstrim on the mounted snapshot ($trimmed), then e2fsck: clean"
    umount /mnt/a
    try "logout" iscsiadm -m node --logoutall=all
    say "logged out"
}

# Two cluster nodes serve one LUN (docs/CLUSTER.md): log in through both portals, let
# multipath-tools group the paths by their ALUA priority, keep ext4 writes going while the
# host kills the node holding the lock, then check the file system. No udev here: libdevmapper
# makes its own device nodes, multipath reads WWIDs from sysfs.
multipath_scenario() {
    port2=$(arg port2)
    modprobe scsi_dh_alua && modprobe dm-multipath && modprobe dm-service-time || fail "multipath modules"
    echo "InitiatorName=iqn.2026-11.org.snapshare:test-guest" > /etc/iscsi/initiatorname.iscsi
    touch /etc/iscsi/iscsid.conf
    iscsid -f > /tmp/iscsid.log 2>&1 &
    sleep 1
    for p in "$portal" "10.0.2.2:$port2"; do
        try "node record for $p" iscsiadm -m node -o new -T "$target" -p "$p"
        # fail I/O up to dm-multipath 2 s after a path's connection is lost (the default waits 120 s)
        try "replacement timeout" iscsiadm -m node -T "$target" -p "$p" -o update \
            -n node.session.timeo.replacement_timeout -v 2
        try "login through $p" iscsiadm -m node -T "$target" -p "$p" --login
    done
    wait_device /dev/sda
    wait_device /dev/sdb
    for disk in sda sdb; do
        [ "$(cat /sys/block/$disk/device/dh_state)" = alua ] \
            || fail "$disk: the ALUA device handler did not attach ($(cat /sys/block/$disk/device/dh_state))"
    done
    # What udev would have recorded (multipath lists only devices udev initialized, and by default
    # only those with a SCSI_IDENT_ or ID_WWN property); the WWID itself comes from sysfs.
    mkdir -p /run/udev/data
    for disk in sda sdb; do
        printf 'I:1\nE:ID_WWN=from-vpd-0x83\n' > "/run/udev/data/b$(cat /sys/block/$disk/dev)"
    done
    cat > /etc/multipath.conf <<'CONF'
defaults {
    find_multipaths off
    user_friendly_names yes
}
devices {
    device {
        vendor "SNAPSHAR"
        product "snapshare"
        uid_attribute ""
        path_grouping_policy group_by_prio
        prio alua
        hardware_handler "1 alua"
        path_checker tur
        failback immediate
        no_path_retry queue
    }
}
CONF
    export DM_DISABLE_UDEV=1
    multipath -v2 > /tmp/multipath.log 2>&1 || fail "multipath: $(cat /tmp/multipath.log)"
    multipath -ll > /tmp/topology 2>&1
    echo "$(cat /tmp/topology)"
    say "multipath: $(grep -c 'prio=50' /tmp/topology) active/optimized and $(grep -c 'prio=10' /tmp/topology) non-optimized path group"
    map=$(ls /dev/mapper | grep -v control | head -1)
    [ -n "$map" ] && [ -b "/dev/mapper/$map" ] \
        || fail "no multipath map: $(cat /tmp/multipath.log /tmp/topology; multipath -v3 -d 2>&1 | tail -60)"
    grep -q "prio=50" /tmp/topology && grep -q "prio=10" /tmp/topology \
        || fail "paths not grouped as active/optimized (50) and non-optimized (10): $(cat /tmp/topology)"
    /sbin/mke2fs -q -t ext4 "/dev/mapper/$map" || fail "mke2fs on the multipath device"
    mount -t ext4 "/dev/mapper/$map" /mnt/a || fail "mount the multipath device"
    write_files /mnt/a
    ( i=0; while :; do i=$((i + 1)); echo "line $i" >> /mnt/a/log; sync; done ) &
    writer=$!
    sleep 2
    say "WRITING"
    wait_for node-killed
    at_kill=$(wc -l < /mnt/a/log)
    sleep 10   # writes go on through the surviving node once its path group takes over
    kill "$writer"
    wait "$writer" 2>/dev/null
    lines=$(wc -l < /mnt/a/log)
    [ "$lines" -gt "$at_kill" ] || fail "no write completed after the node was killed ($at_kill lines then, $lines now)"
    say "after the kill: $((lines - at_kill)) more synced lines (the log had $at_kill)"
    echo "written after the failover" > /mnt/a/after || fail "the file system is not writable after the failover"
    sync
    check_files /mnt/a
    umount /mnt/a || fail "umount after the failover"
    /sbin/e2fsck -f -n "/dev/mapper/$map" > /tmp/fsck 2>&1 || fail "fsck after the failover: $(cat /tmp/fsck)"
    multipath -ll > /tmp/topology 2>&1
    echo "$(cat /tmp/topology)"
    say "checked: ext4 stayed writable through the failover and checks clean"
}

vm_disk_format() {
    wait_device /dev/vda
    /sbin/mke2fs -q -t ext4 /dev/vda || fail "mke2fs on the virtio disk"
    mount -t ext4 /dev/vda /mnt/a || fail "mount the virtio disk"
    write_files /mnt/a
    umount /mnt/a || fail "umount"
}

vm_disk_reboot() {
    wait_device /dev/vda
    mount -t ext4 /dev/vda /mnt/a || fail "mount the disk after the reboot"
    check_files /mnt/a
    say "checked: the data written before the reboot is there"
    fsfreeze --freeze /mnt/a || fail "fsfreeze"
    say "READY-FOR-SNAPSHOT"
    wait_for snapshot-taken
    fsfreeze --unfreeze /mnt/a
    echo "written after the snapshot" > /mnt/a/after
    sync
    say "WAITING"
    wait_for finish
    [ -e /mnt/a/after ] || fail "the running VM lost its file"
    check_files /mnt/a
    umount /mnt/a
}

vm_disk_snapshot() {
    wait_device /dev/vda
    mount -t ext4 /dev/vda /mnt/a || fail "mount the snapshot disk"
    check_files /mnt/a
    [ ! -e /mnt/a/after ] || fail "the snapshot holds a file written after it"
    echo "the second VM writes to its snapshot" > /mnt/a/second
    sync
    umount /mnt/a
    say "checked: the second VM booted on the snapshot and found the files of its moment"
}

vm_disk_clone() { # a clone of a clone of the formatted disk, the middle VM's file on it
    wait_device /dev/vda
    mount -t ext4 /dev/vda /mnt/a || fail "mount the clone of the clone"
    check_files /mnt/a
    [ "$(cat /mnt/a/second)" = "the second VM writes to its snapshot" ] || fail "the middle VM's file is missing"
    echo "the third VM writes to its clone" > /mnt/a/third || fail "write to the clone of the clone"
    sync
    umount /mnt/a || fail "umount the clone of the clone"
    /sbin/e2fsck -f -n /dev/vda > /tmp/fsck 2>&1 || fail "fsck of the clone of the clone: $(cat /tmp/fsck)"
    say "checked: the VM booted from a clone of a clone whose sources are gone; its files are there, fsck clean"
}

case "$scenario" in
    open-iscsi) open_iscsi ;;
    multipath) multipath_scenario ;;
    vm-disk-format) vm_disk_format ;;
    vm-disk-reboot) vm_disk_reboot ;;
    vm-disk-snapshot) vm_disk_snapshot ;;
    vm-disk-clone) vm_disk_clone ;;
    probe) ;;   # boots and passes: tells the host whether this accelerator works
    shell) setsid cttyhack sh ;;   # for debugging by hand: commands come from the serial console
    *) fail "unknown scenario '$scenario'" ;;
esac
say "PASS"
sync
reboot -f
