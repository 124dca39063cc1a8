package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// verb matches a printf verb: %%, or an optional argument index, flags,
// width, precision and the verb letter.
var verb = regexp.MustCompile(`%(?:%|(?:\[(\d+)\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z]))`)

// argsOf returns what a format does with each argument: "1:.0f" for the
// first argument printed with %.0f. Without explicit indexes the verbs take
// the arguments in turn, as fmt does.
func argsOf(format string) ([]string, error) {
	var out []string
	next := 1
	for _, m := range verb.FindAllStringSubmatch(format, -1) {
		if m[0] == "%%" {
			continue
		}
		n := next
		if m[1] != "" {
			var err error
			if n, err = strconv.Atoi(m[1]); err != nil {
				return nil, err
			}
		}
		next = n + 1
		// The verb without its index: %[2].0f and %.0f print alike.
		spec := strings.TrimPrefix(m[0], "%")
		if m[1] != "" {
			spec = strings.TrimPrefix(spec, "["+m[1]+"]")
		}
		out = append(out, fmt.Sprintf("%d:%s", n, spec))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// usage is what a text does with its arguments; for a Plural, what its
// forms do together (one form may leave the count out: "una foto").
func usage(t any) ([]string, error) {
	switch t := t.(type) {
	case string:
		return argsOf(t)
	case Plural:
		one, err := argsOf(t.One)
		if err != nil {
			return nil, err
		}
		other, err := argsOf(t.Other)
		if err != nil {
			return nil, err
		}
		all := append(one, other...)
		slices.Sort(all)
		return slices.Compact(all), nil
	}
	return nil, fmt.Errorf("a text of type %T", t)
}

// TestCatalogComplete: every message has a text in every language, and
// every language's text uses the same arguments the same way as the
// default's (a German text that printed a count as a string, or dropped the
// limit, fails here).
func TestCatalogComplete(t *testing.T) {
	if len(texts) != len(langs) || len(tags) != len(langs) {
		t.Fatalf("%d catalogues, %d languages, %d tags", len(texts), len(langs), len(tags))
	}
	ref := texts[0]
	if len(ref) < 250 {
		t.Fatalf("the default catalogue has %d texts: too few to be the whole of tessera's", len(ref))
	}
	for i, l := range langs {
		for id, text := range ref {
			got, ok := texts[i][id]
			if !ok {
				t.Errorf("%s: no text for %s", l, id)
				continue
			}
			want, err := usage(text)
			if err != nil {
				t.Fatalf("%s %s: %v", langs[0], id, err)
			}
			have, err := usage(got)
			if err != nil {
				t.Errorf("%s %s: %v", l, id, err)
				continue
			}
			if !slices.Equal(have, want) {
				t.Errorf("%s %s uses its arguments as %v, %s as %v", l, id, have, langs[0], want)
			}
			if p, ok := got.(Plural); ok {
				if q, ok := text.(Plural); !ok || p.Arg != q.Arg {
					t.Errorf("%s %s: plural on argument %d, %s on %v", l, id, p.Arg, langs[0], text)
				}
			}
			if s, ok := got.(string); ok && strings.TrimSpace(s) == "" {
				t.Errorf("%s %s is empty", l, id)
			}
		}
		for id := range texts[i] {
			if _, ok := ref[id]; !ok {
				t.Errorf("%s has %s, which %s has not", l, id, langs[0])
			}
		}
	}
}

// TestArgsOf checks the verb reader the completeness test relies on.
func TestArgsOf(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"plain", nil},
		{"100 %%", nil},
		{"%d faces", []string{"1:d"}},
		{"%.0f %% of %.0f", []string{"1:.0f", "2:.0f"}},
		{"%[2]s then %[1]d", []string{"1:d", "2:s"}},
		{"%dx%d pixels at %.0f DPI", []string{"1:d", "2:d", "3:.0f"}},
	} {
		got, err := argsOf(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("argsOf(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestSay: numbers are written the way each language writes them, a count
// picks its plural form, and a Text argument is said in the message's
// language.
func TestSay(t *testing.T) {
	for _, tc := range []struct {
		lang, id string
		args     []any
		want     string
	}{
		{"it", "check.roll.head_straight_tilted", []any{1.5}, "1,5°"},
		{"de", "check.roll.head_straight_tilted", []any{1.5}, "1,5°"},
		{"en", "check.roll.head_straight_tilted", []any{1.5}, "1.5°"},
		{"it", "page.fail", []any{1}, "c'è 1 cosa"},
		{"it", "page.fail", []any{3}, "ci sono 3 cose"},
		{"en", "page.fail", []any{1}, "1 thing to fix"},
		{"en", "page.fail", []any{2}, "2 things to fix"},
		{"en", "api.cannot_fix", []any{T("fix.no_face")}, "cropping it: it needs exactly one"},
		{"it", "api.cannot_fix", []any{T("fix.no_face")}, "ritagliandola: serve un solo volto"},
		{"xx", "check.faceCount.one_face", nil, "Un volto"}, // an unknown language is the default
	} {
		if got := Say(tc.lang, tc.id, tc.args...); !strings.Contains(got, tc.want) {
			t.Errorf("Say(%s, %s, %v) = %q, want it to contain %q", tc.lang, tc.id, tc.args, got, tc.want)
		}
	}
	// German says the plural forms apart too.
	if one, two := Say("de", "page.fail", 1), Say("de", "page.fail", 2); one == two || !strings.Contains(two, "2") {
		t.Errorf("German page.fail: %q for 1, %q for 2", one, two)
	}
}

// TestLanguages: parsing and negotiation pick among it, en and de.
func TestLanguages(t *testing.T) {
	if got := Languages(); !slices.Equal(got, []string{"it", "en", "de"}) || got[0] != Default {
		t.Fatalf("Languages() = %v", got)
	}
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"it", "it", true}, {"DE", "de", true}, {"de-AT", "de", true}, {"en_GB", "en", true},
		{"fr", "", false}, {"", "", false}, {"deutsch", "", false},
	} {
		got, err := Parse(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		accept string
		want   string
		exact  bool
	}{
		{"de-DE,de;q=0.9,en;q=0.5", "de", true},
		{"de-CH", "de", true},
		{"en-GB,en;q=0.9,it;q=0.8", "en", true},
		{"fr-FR,fr;q=0.9,de;q=0.5", "de", true},
		{"it-IT", "it", true},
		{"fr-FR", "it", false},
		{"", "it", false},
		{";;;garbage", "it", false},
	} {
		got, exact := Negotiate(tc.accept)
		if got != tc.want || exact != tc.exact {
			t.Errorf("Negotiate(%q) = %q, %v; want %q, %v", tc.accept, got, exact, tc.want, tc.exact)
		}
	}
}
