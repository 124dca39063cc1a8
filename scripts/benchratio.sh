#!/usr/bin/env bash
# benchratio.sh passes `go test -bench` output through and, at its end,
# prints the 560x720 check's time and the 12-megapixel photo's over it
# (issue 27: at most 15 ms and 3 times). Both read the benchmarks'
# ms/photo metric; with several runs (-count), their means.
set -euo pipefail
awk '
{ print }
/^BenchmarkCheck560x720[ \t-]/ || /^BenchmarkCheck4000x3000[ \t-]/ {
	for (i = 2; i < NF; i++) if ($(i+1) == "ms/photo") {
		if ($1 ~ /560x720/) { small += $i; ns++ } else { big += $i; nb++ }
	}
}
END {
	if (ns == 0 || nb == 0) { print "benchratio: no BenchmarkCheck560x720 and BenchmarkCheck4000x3000 results" > "/dev/stderr"; exit 1 }
	s = small / ns; b = big / nb
	printf "check, one core: 560x720 %.1f ms/photo (aim <= 15); 4000x3000 (12 MP) %.1f ms/photo, %.2f times the 560x720 (aim <= 3)\n", s, b, b / s
}'
