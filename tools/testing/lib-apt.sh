# SPDX-License-Identifier: GPL-2.0
#
# Shell helpers for installing Debian packages on demand (sourced).

# ensure_pkgs PKG...: install the packages that are not installed yet.
ensure_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "kvmlite: missing packages ${missing[*]}; run as root to install them" >&2
		return 1
	fi
	echo "kvmlite: installing ${missing[*]}" >&2
	apt_updated_once
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

apt_updated_once() {
	[ -n "${KVMLITE_APT_UPDATED:-}" ] && return 0
	apt-get update -qq >&2
	KVMLITE_APT_UPDATED=1
}

# debian_headers_pkg: the linux-headers-<abi>-amd64 package that
# linux-headers-amd64 depends on, in the version installed or that apt
# would install.
debian_headers_pkg() {
	local ver
	ver=$(dpkg-query -W -f='${Version}' linux-headers-amd64 2>/dev/null || true)
	[ -n "$ver" ] || ver=$(headers_meta_version)
	[ -n "$ver" ] || { apt_updated_once; ver=$(headers_meta_version); }
	if [ -z "$ver" ]; then
		echo "kvmlite: no linux-headers-amd64 known to apt" >&2
		return 0
	fi
	first_depends "linux-headers-amd64=$ver"
}

# first_depends [APT-CACHE-OPTION...] PKG[=VERSION]: the first package
# PKG's Depends line names (a metapackage's real package), or nothing.
first_depends() {
	apt-cache show "$@" 2>/dev/null | sed -n 's/^Depends: //p' | head -n 1 |
		sed 's/[ ,].*//'
}

# linux_source_deb: the path of Debian's linux-source-<series> .deb (what
# linux-source depends on) in $CACHE_DIR, fetched there once with
# apt-get download: never installed, it is a 139 MB tarball.
linux_source_deb() {
	local pkg debs
	pkg=$(first_depends linux-source)
	[ -n "$pkg" ] || { apt_updated_once; pkg=$(first_depends linux-source); }
	if [ -z "$pkg" ]; then
		echo "kvmlite: no linux-source package known to apt" >&2
		return 1
	fi
	debs=("$CACHE_DIR/${pkg}"_*.deb)
	if [ ! -e "${debs[0]}" ]; then
		echo "kvmlite: downloading $pkg into $CACHE_DIR (not installed)" >&2
		mkdir -p "$CACHE_DIR"
		if ! (cd "$CACHE_DIR" && apt-get download -q "$pkg" >/dev/null); then
			echo "kvmlite: apt-get download $pkg failed" >&2
			return 1
		fi
		debs=("$CACHE_DIR/${pkg}"_*.deb)
	fi
	printf '%s\n' "${debs[@]}" | sort -V | tail -n 1
}

headers_meta_version() {
	apt-cache policy linux-headers-amd64 2>/dev/null |
		awk '$1 == "Candidate:" && $2 != "(none)" {print $2}'
}

# private_apt DIR LINE: an apt configuration of its own in DIR, listing
# only LINE (a one-line sources.list entry), with its own package lists;
# the system's sources, lists and package cache stay as they are.  Sets
# PRIVATE_APT (options for apt-get and apt-cache) and updates the lists
# once (DIR/.updated), logging to DIR/apt.log.
private_apt() {
	local dir=$1 line=$2
	mkdir -p "$dir/lists/partial" "$dir/parts"
	if [ ! -f "$dir/sources.list" ] || [ "$(cat "$dir/sources.list")" != "$line" ]; then
		echo "$line" >"$dir/sources.list"
		rm -f "$dir/.updated"
	fi
	PRIVATE_APT=(-o "Dir::Etc::sourcelist=$dir/sources.list"
		-o "Dir::Etc::sourceparts=$dir/parts"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
		-o "APT::Get::List-Cleanup=0")
	[ -f "$dir/.updated" ] && return 0
	if ! apt-get "${PRIVATE_APT[@]}" -q update >"$dir/apt.log" 2>&1; then
		cat "$dir/apt.log" >&2
		echo "kvmlite: apt-get update for '$line' failed" >&2
		return 1
	fi
	touch "$dir/.updated"
}
