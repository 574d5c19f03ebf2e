#!/usr/bin/env bash
# Builds the small Linux guest the end-to-end tests boot under QEMU: Debian's
# kernel (linux-image-amd64) with the virtio, SCSI, iSCSI and ext4 modules,
# busybox-static, open-iscsi's iscsiadm and iscsid, e2fsprogs' mke2fs and
# e2fsck, sg3-utils' sg_persist (persistent reservations, as fence_scsi uses
# them), multipath-tools' multipath with its checker and prioritizer plugins
# (dm-multipath over two cluster nodes, ALUA), their libraries, and init.sh
# as /init. Only Debian packages are downloaded (apt).
# Prints the directory holding vmlinuz and initrd.gz; the result is cached in
# $SNAPSHARE_GUEST_CACHE (default ~/.cache/snapshare-guest) per package
# versions and script contents, so later runs reuse it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${SNAPSHARE_GUEST_CACHE:-$HOME/.cache/snapshare-guest}
kernel_pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
sgutils_lib=$(apt-cache depends sg3-utils | awk '/Depends: libsgutils2/ { print $2; exit }')
[ -n "$sgutils_lib" ] || { echo "apt-cache knows no sg3-utils (or its libsgutils2): run apt-get update" >&2; exit 1; }
packages=("$kernel_pkg" busybox-static open-iscsi libisns0 libopeniscsiusr e2fsprogs sg3-utils "$sgutils_lib"
          multipath-tools libdevmapper1.02.1 liburcu8 libaio1 libjson-c5 libedit2)
versions=$(apt-cache policy "${packages[@]}" | awk '/^[a-z]/ { p = $1 } /Candidate/ { print p, $2 }')
key=$( (echo "$versions"; cat "$0" "$here/init.sh") | sha256sum | cut -c1-16)
out="$cache/$key"
if [ -f "$out/initrd.gz" ] && [ -f "$out/vmlinuz" ]; then
    echo "$out"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir -p "$work/debs" "$work/pkg" "$work/root"
chmod 777 "$work/debs"   # apt downloads as the _apt user where it can
(cd "$work/debs" && apt-get download -q "${packages[@]}" >&2)
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$work/pkg"
done
kver=${kernel_pkg#linux-image-}
root=$work/root
mkdir -p "$root"/{bin,sbin,etc/iscsi,etc/multipath,proc,sys,dev,tmp,run/lock/iscsi,mnt/a,mnt/b,var/lib/iscsi,var/lock,lib64}

# busybox and its applets
cp "$work/pkg/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

# programs and the shared libraries they need (Debian's, from the packages or this Debian host)
copy_with_libs() { # PROGRAM [DIRECTORY in the guest, default /sbin]
    local program=$1 name dir=${2:-/sbin}
    name=$(basename "$program")
    mkdir -p "$root$dir"
    cp "$program" "$root$dir/$name"
    LD_LIBRARY_PATH="$work/pkg/lib:$work/pkg/lib/x86_64-linux-gnu:$work/pkg/usr/lib/x86_64-linux-gnu" ldd "$program" |
        awk '/=>/ { print $3 } /ld-linux/ { print $1 }' | while read -r lib; do
            [ -f "$lib" ] || { echo "missing library $lib for $name" >&2; exit 1; }
            target=${lib#"$work/pkg"}   # a library from the packages goes where the package puts it
            mkdir -p "$root$(dirname "$target")"
            cp -L "$lib" "$root$target"
        done
}
copy_with_libs "$work/pkg/sbin/iscsiadm"
copy_with_libs "$work/pkg/sbin/iscsid"
copy_with_libs "$work/pkg/sbin/mke2fs"
copy_with_libs "$work/pkg/usr/bin/sg_persist"
copy_with_libs "$work/pkg/sbin/e2fsck"
copy_with_libs "$work/pkg/sbin/multipath"
for plugin in "$work"/pkg/lib/multipath/*.so; do   # checkers and prioritizers, loaded at run time
    copy_with_libs "$plugin" /lib/multipath
done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"

# kernel modules: the closure of what the scenarios need, with a modules.dep for modprobe
modules=(virtio_pci virtio_net virtio_blk iscsi_tcp sd_mod ext4 crc32c_generic crct10dif_generic
         dm-multipath dm-service-time dm-round-robin scsi_dh_alua)
"$work/pkg/bin/busybox" depmod -b "$work/pkg" "$kver"
dep=$work/pkg/lib/modules/$kver/modules.dep
needed=()
for module in "${modules[@]}"; do
    line=$(grep -E "(^|/)$module\.ko:" "$dep") || { echo "module $module not in $kernel_pkg" >&2; exit 1; }
    needed+=(${line/:/})
done
for path in $(printf '%s\n' "${needed[@]}" | sort -u); do
    mkdir -p "$root/lib/modules/$kver/$(dirname "$path")"
    cp "$work/pkg/lib/modules/$kver/$path" "$root/lib/modules/$kver/$path"
done
"$work/pkg/bin/busybox" depmod -b "$root" "$kver"

# iscsid checks that its client is root by name
echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"

cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"
mkdir -p "$out.tmp"
(cd "$root" && find . | "$work/pkg/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1 > "$out.tmp/initrd.gz")
cp "$work/pkg/boot/vmlinuz-$kver" "$out.tmp/vmlinuz"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out"
