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

# The 6.12 headers come from bookworm-backports, which a fresh Debian 12
# machine does not list.
ensure_backports_source() {
	local f=/etc/apt/sources.list.d/kvmlite-backports.sources
	grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "kvmlite: bookworm-backports is not an apt source; run as root to add it" >&2
		return 1
	fi
	cat >"$f" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	KVMLITE_APT_UPDATED=
	apt_updated_once
}

# debian_headers_pkg default|backports: the linux-headers-<abi>-amd64
# package that linux-headers-amd64 depends on, in the version apt would
# install (default) or the newest one from bookworm-backports.
debian_headers_pkg() {
	local which=$1 ver dep
	if [ "$which" = backports ]; then
		ensure_backports_source
		ver=$(headers_meta_version backports)
		[ -n "$ver" ] || { apt_updated_once; ver=$(headers_meta_version backports); }
	else
		ver=$(dpkg-query -W -f='${Version}' linux-headers-amd64 2>/dev/null || true)
		[ -n "$ver" ] || ver=$(headers_meta_version candidate)
		[ -n "$ver" ] || { apt_updated_once; ver=$(headers_meta_version candidate); }
	fi
	if [ -z "$ver" ]; then
		echo "kvmlite: no linux-headers-amd64 ($which) known to apt" >&2
		return 0
	fi
	dep=$(apt-cache show "linux-headers-amd64=$ver" | sed -n 's/^Depends: //p' | head -n 1)
	echo "${dep%% *}" | sed 's/,.*//'
}

headers_meta_version() {
	if [ "$1" = backports ]; then
		apt-cache madison linux-headers-amd64 2>/dev/null |
			awk -F'|' '$3 ~ /bookworm-backports/ {gsub(/ /, "", $2); print $2; exit}'
	else
		apt-cache policy linux-headers-amd64 2>/dev/null |
			awk '$1 == "Candidate:" && $2 != "(none)" {print $2}'
	fi
}
