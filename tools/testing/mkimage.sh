#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test guest's kernel and initramfs:
#   $BUILD_DIR/vmlinuz      Debian kernel matching linux-headers-amd64
#   $BUILD_DIR/initrd.img   busybox + /init + kvm modules + kvmlite.ko +
#                           selftests + kvmlite-run (cpio newc), and in
#                           /usr/share/kvmlite/linux the Linux guest for
#                           kvmlite-run --kernel: the same vmlinuz and a
#                           busybox initrd.img (guest/linux-init)
#
# Usage: tools/testing/mkimage.sh
# Inputs (built beforehand by the top-level make):
#   kmod/kvmlite.ko, selftests/kvmlite/<tests> (make -s -C selftests/kvmlite
#   list-tests gives the names in run order), tools/vmm/kvmlite-run.
# Environment: see lib.sh, plus
#   KVMLITE_TEST_KO          kvmlite.ko to use instead of kmod/kvmlite.ko
#   KVMLITE_TEST_SELFTESTS   selftest dir instead of selftests/kvmlite
#   KVMLITE_TEST_VMM         VMM binary instead of tools/vmm/kvmlite-run
#   KVMLITE_TEST_KERNEL      bzImage the test machine boots instead of
#                            Debian's (make test-debug's debug kernel); the
#                            Linux guest of kvmlite-run stays Debian's
#   KVMLITE_TEST_KVM_MODULES directory with irqbypass.ko, kvm.ko and
#                            kvm-intel.ko built for that kernel
#   KVMLITE_LINUX_GUEST      1 (default): put the Linux guest in; 0: leave
#                            it out (its tests then skip), for make
#                            test-debug, whose kernel unpacks slowly
#   KVMLITE_INITRD_COMPRESS  lz4 (default) | none | gzip | xz | zstd
#   KVMLITE_STRIP            1 (default): strip debug info from the copies of
#                            kvmlite.ko, selftests and VMM; 0: copy as is
#   KVMLITE_KERNEL_REWRAP    1 (default): boot the kernel re-wrapped with an
#                            LZ4 decompressor (see rewrap-kernel.sh); 0: as is
# The kernel package is fetched once into $CACHE_DIR (apt-get download) and
# unpacked with dpkg -x; it is never installed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ko_src=${KVMLITE_TEST_KO:-$REPO_DIR/kmod/kvmlite.ko}
st_dir=${KVMLITE_TEST_SELFTESTS:-$REPO_DIR/selftests/kvmlite}
vmm_src=${KVMLITE_TEST_VMM:-$REPO_DIR/tools/vmm/kvmlite-run}
compress=${KVMLITE_INITRD_COMPRESS:-lz4}

kver=$(kernel_version)
mkdir -p "$BUILD_DIR" "$CACHE_DIR"

# --- kernel package: download once, unpack once -------------------------
fetch_kernel() {
	local pkg=linux-image-$kver debs
	debs=("$CACHE_DIR/${pkg}"_*.deb)
	[[ -e ${debs[0]} ]] && return 0
	echo "mkimage: downloading $pkg"
	# apt-get download writes to the current directory. Fresh machines
	# may have no package lists yet: update once and retry.
	(cd "$CACHE_DIR" && apt-get download -q "$pkg" 2>/dev/null) ||
		(cd "$CACHE_DIR" && apt-get update -q >/dev/null &&
		 apt-get download -q "$pkg" 2>/dev/null) ||
		die "apt-get download $pkg failed"
}
fetch_kernel
kdir=$CACHE_DIR/linux-image-$kver
if [[ ! -e $kdir/.unpacked ]]; then
	rm -rf "$kdir"
	deb=$(ls "$CACHE_DIR"/linux-image-"$kver"_*.deb | tail -n1)
	dpkg -x "$deb" "$kdir"
	touch "$kdir/.unpacked"
fi
# Debian's XZ bzImage costs ~80 s of Bochs time to decompress; boot the
# same kernel re-wrapped with an LZ4 stub (rewrap-kernel.sh, verified and
# cached) unless KVMLITE_KERNEL_REWRAP=0 or the re-wrap fails.
kimage=$kdir/boot/vmlinuz-$kver
if [[ ${KVMLITE_KERNEL_REWRAP:-1} == 1 ]]; then
	lz4img=$CACHE_DIR/vmlinuz-$kver-lz4
	if [[ -f $lz4img ]] ||
		"$TESTING_DIR/rewrap-kernel.sh" "$kimage" "$kdir/boot/config-$kver" "$lz4img"; then
		kimage=$lz4img
	else
		echo "mkimage: re-wrap failed, booting Debian's XZ bzImage (slower)" >&2
	fi
fi
guest_kimage=$kimage
if [[ -n ${KVMLITE_TEST_KERNEL:-} ]]; then
	[[ -f $KVMLITE_TEST_KERNEL ]] || die "KVMLITE_TEST_KERNEL=$KVMLITE_TEST_KERNEL: no such file"
	[[ -n ${KVMLITE_TEST_KVM_MODULES:-} ]] ||
		die "KVMLITE_TEST_KERNEL needs KVMLITE_TEST_KVM_MODULES (kvm modules built for it)"
	kimage=$KVMLITE_TEST_KERNEL
fi
cp "$kimage" "$BUILD_DIR/vmlinuz"

# --- inputs -----------------------------------------------------------
[[ -f $ko_src ]] || die "$ko_src missing (build it with the top-level make)"
[[ -x $vmm_src ]] || die "$vmm_src missing (build it with the top-level make)"
mapfile -t tests < <(make -s -C "$st_dir" list-tests)
[[ ${#tests[@]} -gt 0 ]] || die "make -C $st_dir list-tests listed no tests"

# --- initramfs tree -----------------------------------------------------
root=$BUILD_DIR/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root} \
	"$root"/lib/modules/{kvm,kvmlite} "$root"/selftests/kvmlite
chmod 1777 "$root/tmp"

# busybox into the tree at $1, with every applet linked to it (--list-full
# prints paths like usr/bin/awk).
add_busybox() {
	local applet
	cp /bin/busybox "$1/bin/busybox"
	while read -r applet; do
		[[ $applet == bin/busybox ]] && continue
		[[ -e $1/$applet ]] || ln -s /bin/busybox "$1/$applet"
	done < <("$1/bin/busybox" --list-full)
}
add_busybox "$root"

install -m 0755 "$TESTING_DIR/guest/init" "$root/init"
gcc -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie -no-pie \
	-O2 -Wall -Wextra -I"$REPO_DIR/tools/include" -s \
	-o "$root/usr/bin/kvmlite-testhelper" \
	"$TESTING_DIR/guest/helper.c"

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
EOF

# Debian's kvm modules; later kernels ship them xz- or zstd-compressed.
for m in kernel/virt/lib/irqbypass kernel/arch/x86/kvm/kvm kernel/arch/x86/kvm/kvm-intel; do
	src=$kdir/lib/modules/$kver/$m.ko
	[[ -n ${KVMLITE_TEST_KVM_MODULES:-} ]] && src=$KVMLITE_TEST_KVM_MODULES/${m##*/}.ko
	dst=$root/lib/modules/kvm/${m##*/}.ko
	if [[ -f $src ]]; then
		cp "$src" "$dst"
	elif [[ -f $src.xz ]]; then
		xz -dc "$src.xz" >"$dst"
	elif [[ -f $src.zst ]]; then
		zstd -qdc "$src.zst" >"$dst"
	else
		die "$src not found (nor .xz, .zst)"
	fi
done

# Every initramfs byte costs emulated time to unpack (BOOT-SPEED.md): drop
# debug info from the copies (kvmlite.ko 1 MB -> 60 KB). Debian's kvm
# modules stay as shipped (stripping would break their signatures).
if [[ ${KVMLITE_STRIP:-1} == 1 ]]; then
	strip_ko=(strip --strip-debug -o)
	strip_exe=(strip -o)
else
	strip_ko=(cp) strip_exe=(cp)
fi
"${strip_ko[@]}" "$root/lib/modules/kvmlite/kvmlite.ko" "$ko_src"
"${strip_exe[@]}" "$root/usr/bin/kvmlite-run" "$vmm_src"
chmod 0755 "$root/usr/bin/kvmlite-run"

# --- kvmlite-run's test guests (tools/vmm/guests, built by make) ---------
mkdir -p "$root/usr/share/kvmlite/guests"
for g in "$REPO_DIR"/tools/vmm/guests/*.elf "$REPO_DIR"/tools/vmm/guests/*.bin; do
	if [[ -f $g ]]; then
		install -m 0644 "$g" "$root/usr/share/kvmlite/guests/"
	fi
done

: >"$root/selftests/kvmlite/list"
for t in "${tests[@]}"; do
	src=$t
	[[ $src == /* ]] || src=$st_dir/$t
	[[ -x $src ]] || die "selftest $t not built ($src)"
	"${strip_exe[@]}" "$root/selftests/kvmlite/${t##*/}" "$src"
	chmod 0755 "$root/selftests/kvmlite/${t##*/}"
	echo "${t##*/}" >>"$root/selftests/kvmlite/list"
done
# The benchmarks (guest/init's bench mode): built with the tests, not
# in the list the suite runs.
mapfile -t benches < <(make -s -C "$st_dir" list-bench 2>/dev/null)
for b in "${benches[@]}"; do
	[[ -x $st_dir/$b ]] || die "benchmark $b not built ($st_dir/$b)"
	"${strip_exe[@]}" "$root/selftests/kvmlite/$b" "$st_dir/$b"
	chmod 0755 "$root/selftests/kvmlite/$b"
done
# /kselftest: "make install" with the kernel's runner (check-kselftest.sh
# unpacks it), for guest/init's kselftest mode. Its tests are links to
# the stripped copies above: each initramfs byte costs boot time.
ksft=${KVMLITE_KSFT_DIR:-$REPO_DIR/build/kselftest/ksft}
if [[ -r $ksft/kselftest/runner.sh ]]; then
	make -s -C "$st_dir" install INSTALL_PATH="$root/kselftest" KSFT_DIR="$ksft"
	for t in "${tests[@]}"; do
		ln -sf "/selftests/kvmlite/${t##*/}" "$root/kselftest/kvmlite/${t##*/}"
	done
fi

# --- the Linux guest of kvmlite-run --kernel ------------------------------
# The same kernel as the test machine's, and a busybox initramfs whose
# /init is guest/linux-init (uncompressed: the outer archive compresses).
if [[ ${KVMLITE_LINUX_GUEST:-1} != 0 ]]; then
	lg=$root/usr/share/kvmlite/linux
	groot=$BUILD_DIR/linux-guest-root
	mkdir -p "$lg"
	cp "$guest_kimage" "$lg/vmlinuz"
	rm -rf "$groot"
	mkdir -p "$groot"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp}
	add_busybox "$groot"
	install -m 0755 "$TESTING_DIR/guest/linux-init" "$groot/init"
	cp "$root/usr/bin/kvmlite-testhelper" "$groot/usr/bin/"
	(cd "$groot" && find . | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) >"$lg/initrd.img"
fi

# --- pack -------------------------------------------------------------
case $compress in
none) zcmd=(cat) ;;
gzip) zcmd=(gzip -9n) ;;
xz) zcmd=(xz -9 --check=crc32) ;;
zstd) zcmd=(zstd -q -19) ;;
lz4) zcmd=(lz4 -q -l -9) ;; # the kernel wants the legacy LZ4 frame
*) die "KVMLITE_INITRD_COMPRESS=$compress: use none, gzip, xz, zstd or lz4" ;;
esac
# Fixed owner and sorted names keep the archive reproducible.
(cd "$root" && find . | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 | "${zcmd[@]}") >"$BUILD_DIR/initrd.img.tmp"
mv "$BUILD_DIR/initrd.img.tmp" "$BUILD_DIR/initrd.img"
echo "$kver" >"$BUILD_DIR/kernel-version"
kdesc=$kver${kimage##*-amd64}
[[ -n ${KVMLITE_TEST_KERNEL:-} ]] && kdesc=$KVMLITE_TEST_KERNEL
echo "mkimage: $BUILD_DIR/vmlinuz ($kdesc), $BUILD_DIR/initrd.img" \
	"($(stat -c %s "$BUILD_DIR/initrd.img") bytes, $compress, ${#tests[@]} tests)"
