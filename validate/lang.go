package validate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Languages lists the languages reports are written in, the default first
// (a new slice each call).
func Languages() []string { return slices.Clone(languages) }

var languages = []string{"it", "en"}

// ParseLang picks the report language from a language tag or an HTTP
// Accept-Language value ("en", "en-GB,en;q=0.9,it;q=0.8"): the supported
// language the user prefers most, else Italian.
func ParseLang(s string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(s, ",") {
		fields := strings.Split(strings.TrimSpace(part), ";")
		tag := strings.ToLower(strings.TrimSpace(fields[0]))
		if i := strings.IndexAny(tag, "-_"); i >= 0 {
			tag = tag[:i]
		}
		q := 1.0
		for _, f := range fields[1:] {
			f = strings.TrimSpace(f)
			if v, ok := strings.CutPrefix(f, "q="); ok {
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					q = x
				}
			}
		}
		for _, l := range languages {
			if tag == l && q > bestQ {
				best, bestQ = l, q
			}
		}
	}
	if best == "" {
		return languages[0]
	}
	return best
}

// say formats the text of the report's language.
func say(lang, it, en string, args ...any) string {
	f := it
	if lang == "en" {
		f = en
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}
