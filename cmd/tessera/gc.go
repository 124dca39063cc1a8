package main

import (
	"os"
	"runtime/debug"

	"github.com/tessera-cie/tessera/facedetect"
	"github.com/tessera-cie/tessera/validate"
)

// validatorOn returns a validator on eng that admits photos within budget
// bytes (validate.WithMemoryBudget), and paces the collector for it and
// for held bytes more that the process keeps besides (serve's request
// bodies).
func validatorOn(eng *facedetect.Engine, budget, held int64) *validate.Validator {
	paceGC(budget, held)
	return validate.New(eng).WithMemoryBudget(budget)
}

// gcPercent is the collector's pace (GOGC) tessera runs at when the
// environment does not set one. A 560x720 check allocates about 3.4 MB
// over a live heap of a few MB, so at Go's default of 100 the collector
// runs about once per photo; with two photos checked at once its cycles
// were the cost the two shared: BenchmarkCheckParallel560x720 gave 1.6x
// on 2 cores at 100 and 1.82x at 400, as with the collector off (issue 9).
const gcPercent = 400

// paceGC sets the collector's pace for a process that checks photos with
// the given memory budget (validate.WithMemoryBudget), and held bytes
// more it keeps besides, unless GOGC or GOMEMLIMIT set it already. Below
// the budget the heap may grow to five times what is live (gcPercent); a
// soft limit of twice the budget, the headroom the budget was sized with
// (validate.DefaultMemoryBudget), plus what is held makes the collector
// run harder as photos near it instead.
func paceGC(budget, held int64) {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set && budget > 0 {
		debug.SetMemoryLimit(2*budget + held)
	}
}
