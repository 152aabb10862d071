#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Re-wrap Debian's kernel with an LZ4 boot decompressor, for fast Bochs boots.
#
# Debian's bzImage is XZ-compressed: its decompressor stub spends ~4.5e9
# emulated instructions (~80 s of Bochs wall time) inflating 66 MB before
# the kernel runs. This script keeps the kernel itself byte for byte (the
# ELF image and relocation table inside the bzImage) and only rebuilds the
# real-mode setup and decompressor stub from the matching linux-source
# package, with the same config except CONFIG_KERNEL_LZ4. The result is
# verified: its LZ4 payload must decompress to exactly Debian's payload.
#
# Usage: tools/testing/rewrap-kernel.sh VMLINUZ CONFIG OUT
#   VMLINUZ  Debian's vmlinuz-<ver>, CONFIG its config-<ver>, OUT the new
#   bzImage. Work files live in $CACHE_DIR/rewrap-<ver> (removed after
#   success: the caller caches OUT); linux-source is
#   taken from /usr/src when the installed one matches, else fetched once
#   with apt-get download. Exit status non-zero on any failure (the caller
#   then boots Debian's vmlinuz unchanged).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[[ $# -eq 3 ]] || die "usage: $0 VMLINUZ CONFIG OUT"
vmlinuz=$1 config=$2 out=$3
kver=$(kernel_version)
pkgver=$(dpkg-query -W -f='${Version}' "linux-headers-$kver")
series=${kver%%-*}                 # 6.1.0
series=${series%.*}                # 6.1
work=$CACHE_DIR/rewrap-$kver
mkdir -p "$work"

# --- kernel source of exactly this package version ------------------------
src=$work/linux-source-$series
if [[ ! -e $work/.src-ok ]]; then
	tarball=/usr/src/linux-source-$series.tar.xz
	have=$(dpkg-query -W -f='${Version}' "linux-source-$series" 2>/dev/null || true)
	if [[ $have != "$pkgver" || ! -f $tarball ]]; then
		debs=("$CACHE_DIR/linux-source-${series}_${pkgver}"_*.deb)
		if [[ ! -e ${debs[0]} ]]; then
			echo "rewrap: downloading linux-source-$series=$pkgver"
			(cd "$CACHE_DIR" && apt-get download -q "linux-source-$series=$pkgver" 2>/dev/null)
			debs=("$CACHE_DIR/linux-source-${series}_${pkgver}"_*.deb)
		fi
		rm -rf "$work/deb"
		dpkg -x "${debs[0]}" "$work/deb"
		tarball=$work/deb/usr/src/linux-source-$series.tar.xz
	fi
	echo "rewrap: unpacking $tarball"
	rm -rf "$src"
	tar -C "$work" -xJf "$tarball"
	rm -rf "$work/deb"
	touch "$work/.src-ok"
fi

# --- split Debian's payload: ELF image + relocation table ---------------
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
setup_sects=$(u8 "$vmlinuz" $((0x1f1)))
pl_off=$(( ($(u8 "$vmlinuz" $((0x1f1))) + 1) * 512 + $(u32 "$vmlinuz" $((0x248))) ))
pl_len=$(u32 "$vmlinuz" $((0x24c)))
((setup_sects > 0)) || die "unexpected bzImage header"
# The payload ends with the 32-bit uncompressed size, which xz rejects.
head -c $((pl_off + pl_len - 4)) "$vmlinuz" | tail -c +$((pl_off + 1)) | xz -dc >"$work/payload"

# The ELF part ends with the last section or the section header table.
elf_end=0
while read -r type off size; do
	[[ $type == NOBITS || $type == NULL ]] && continue
	e=$((16#$off + 16#$size))
	if ((e > elf_end)); then elf_end=$e; fi
done < <(readelf -SW "$work/payload" | sed -n 's/^ *\[ *[0-9]*\] *//p' |
	awk '{ print $2, $4, $5 }')
shoff=$(readelf -hW "$work/payload" | awk -F: '/Start of section headers/ { print $2 + 0 }')
shnum=$(readelf -hW "$work/payload" | awk -F: '/Number of section headers/ { print $2 + 0 }')
shsize=$(readelf -hW "$work/payload" | awk -F: '/Size of section headers/ { print $2 + 0 }')
if ((shoff + shnum * shsize > elf_end)); then
	elf_end=$((shoff + shnum * shsize))
fi
head -c "$elf_end" "$work/payload" >"$work/vmlinux.bin"
tail -c +$((elf_end + 1)) "$work/payload" >"$work/vmlinux.relocs"

# kbuild wants a "vmlinux" with the symbols the stub's voffset.h needs;
# they sit at fixed places of the linker script (section starts, and _end
# is the page-aligned end of .brk).
brk_size=$(readelf -SW "$work/payload" | sed -n 's/^ *\[ *[0-9]*\] *//p' |
	awk '$1 == ".brk" { print $5 }')
[[ -n $brk_size ]] || die "no .brk section in the kernel image"
end_off=$(( (16#$brk_size + 4095) / 4096 * 4096 ))
objcopy --add-symbol _text=.text:0,global \
	--add-symbol __start_rodata=.rodata:0,global \
	--add-symbol __bss_start=.bss:0,global \
	--add-symbol _end=.brk:$end_off,global \
	"$work/vmlinux.bin" "$src/vmlinux"

# --- configure and build only arch/x86/boot --------------------------------
cp "$config" "$src/.config"
"$src/scripts/config" --file "$src/.config" --disable KERNEL_XZ \
	--enable KERNEL_LZ4 --set-str SYSTEM_TRUSTED_KEYS "" \
	--set-str SYSTEM_REVOCATION_KEYS "" --disable DEBUG_INFO_BTF
make -s -C "$src" olddefconfig
grep -q '^CONFIG_KERNEL_LZ4=y' "$src/.config" || die "could not select LZ4"

# The stub mixes the version string into its KASLR seed; use Debian's.
banner=$(strings -n 40 "$work/vmlinux.bin" |
	awk -v p="^Linux version $kver \\(.*\\) #[0-9]" '!f && $0 ~ p { print; f = 1 }')
[[ -n $banner ]] || die "no Linux version banner in the kernel image"
mkdir -p "$src/include/generated"
printf '#define UTS_VERSION "#%s"\n' "${banner##*) #}" >"$src/include/generated/utsversion.h"

# Build the stub against the prepared tree; the relocation table is the
# one cut from Debian's payload (CMD_RELOCS replaces arch/x86/tools/relocs,
# which would need the unstripped vmlinux).
cat >"$work/relocs.sh" <<EOF
#!/bin/sh
[ "\$1" = --abs-relocs ] && exit 0
exec cat "$work/vmlinux.relocs"
EOF
chmod +x "$work/relocs.sh"
cat >"$work/stub.mk" <<'EOF'
stubonly: prepare
	$(Q)$(MAKE) $(build)=arch/x86/kernel/cpu arch/x86/kernel/cpu/capflags.c
	$(Q)$(MAKE) $(build)=arch/x86/lib arch/x86/lib/inat-tables.c
	$(Q)$(MAKE) $(build)=drivers/firmware/efi/libstub drivers/firmware/efi/libstub/lib.a
	$(Q)$(MAKE) $(build)=arch/x86/boot arch/x86/boot/bzImage
EOF
rm -f "$src/arch/x86/boot/bzImage"
make -s -C "$src" -f "$work/stub.mk" -f Makefile -j"$(nproc)" stubonly \
	KERNELRELEASE="$kver" CMD_RELOCS="$work/relocs.sh" >"$work/build.log" 2>&1 ||
	{ tail -20 "$work/build.log" >&2; die "stub build failed (log: $work/build.log)"; }

# --- verify: same kernel bytes inside ---------------------------------------
new=$src/arch/x86/boot/bzImage
npl_off=$(( ($(u8 "$new" $((0x1f1))) + 1) * 512 + $(u32 "$new" $((0x248))) ))
npl_len=$(u32 "$new" $((0x24c)))
head -c $((npl_off + npl_len - 4)) "$new" | tail -c +$((npl_off + 1)) | lz4 -dc |
	cmp -s - "$work/payload" || die "re-wrapped payload differs from Debian's"
cp "$new" "$out.tmp"
mv "$out.tmp" "$out"
# The caller caches OUT; the 1.5 GB source tree is not needed any more.
rm -rf "$work"
echo "rewrap: $out: Debian $kver kernel with an LZ4 boot decompressor"
