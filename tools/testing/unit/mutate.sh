#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Mutation checks of the wake-up rule: each mutation breaks the module's
# own code in one way OS-6829-like bugs do; the unit tests must fail on
# every one.  Each is applied to the source, the tests run, and the file
# is put back (also on interrupt).  Nothing is left changed.
#
# Usage: tools/testing/unit/mutate.sh [name...]   (default: all)
# Output: "MUTANT <name> killed by:" and the failing checks, or
# "MUTANT <name> SURVIVED"; exit status 1 if any survived.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kmod=$(cd "$here/../../../kmod" && pwd)
saved=$(mktemp -d)
mutated=			# the file now mutated; its original is $saved/orig
restore() {
	if [ -n "$mutated" ]; then
		cp "$saved/orig" "$mutated"
		mutated=
	fi
}
trap 'restore; rm -rf "$saved"' EXIT

# name | file | exact text | replacement (python string literals)
mutants() {
	cat <<'LIST'
take-pir-before-clear-on|vmx/pi.c|"\tkvmlite_pi_clear_on(pi);\n\treturn kvmlite_pi_take_pir(pi, out);"|"\tbool any = kvmlite_pi_take_pir(pi, out);\n\n\tkvmlite_pi_clear_on(pi);\n\treturn any;"
never-clear-on|vmx/pi.c|"\tkvmlite_pi_clear_on(pi);\n\treturn kvmlite_pi_take_pir(pi, out);"|"\treturn kvmlite_pi_take_pir(pi, out);"
skip-drain-in-halt-check|halt_check.c|"\tc->drained = kvmlite_lapic_sync_irr(apic);\n"|"\tc->drained = -1;\n"
notify-on-empty-pir|vmx/pi.c|"\tkvmlite_pi_set_pir(pi, vector);\n\treturn kvmlite_pi_set_on(pi);"|"\tbool was_empty = kvmlite_pi_highest(pi) < 0;\n\n\tkvmlite_pi_set_pir(pi, vector);\n\tkvmlite_pi_set_on(pi);\n\treturn was_empty ? KVMLITE_PI_NOTIFY : KVMLITE_PI_COALESCED;"
kick-on-empty-irr|vmx/apic_delivery.c|"\tkvmlite_lapic_set_irr(apic, vector);\n\tif (!kvmlite_lapic_beats_ppr(apic, vector))"|"\tbool was_empty = kvmlite_lapic_highest_irr(apic) < 0;\n\n\tkvmlite_lapic_set_irr(apic, vector);\n\tif (!was_empty || !kvmlite_lapic_beats_ppr(apic, vector))"
compare-before-drain|halt_check.c|"\tc->drained = kvmlite_lapic_sync_irr(apic);\n\tc->highest = kvmlite_lapic_highest_irr(apic);\n\tc->rvi = apic->backend->rvi(apic);\n\tc->ppr = kvmlite_lapic_ppr(apic);\n"|"\tc->highest = kvmlite_lapic_highest_irr(apic);\n\tc->rvi = apic->backend->rvi(apic);\n\tc->ppr = kvmlite_lapic_ppr(apic);\n\tc->drained = kvmlite_lapic_sync_irr(apic);\n"
LIST
}

apply() {	# file old new
	python3 - "$1" "$2" "$3" <<'PY'
import ast, sys
path, old, new = sys.argv[1], ast.literal_eval(sys.argv[2]), ast.literal_eval(sys.argv[3])
src = open(path).read()
if src.count(old) != 1:
    sys.exit('mutate.sh: the text to mutate is not in %s once' % path)
open(path, 'w').write(src.replace(old, new))
PY
}

status=0
while IFS='|' read -r name file old new; do
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then
		continue
	fi
	cp "$kmod/$file" "$saved/orig"
	mutated=$kmod/$file
	apply "$mutated" "$old" "$new"
	if make -s -C "$here" run > "$saved/log" 2>&1; then
		echo "MUTANT $name SURVIVED"
		status=1
	else
		echo "MUTANT $name killed by:"
		grep -e '^# unit:' -e '^not ok' -e 'error:' "$saved/log" |
			grep -B1 -e '^not ok' -e 'error:' | grep -v -e '^--$' |
			head -12 | sed 's/^/    /'
	fi
	restore
done < <(mutants)
make -s -C "$here" all > /dev/null
exit $status
