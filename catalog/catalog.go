// Package catalog holds every text tessera shows to people, in each language
// it speaks, and renders a message id with its arguments in one of them.
//
// The texts are printf formats kept per language (it.go, en.go, de.go);
// numbers in them are formatted by golang.org/x/text/message the way the
// language writes them (1,5 in Italian and German, 1.5 in English), and a
// text whose wording depends on a count has a form per plural category
// (CLDR's "one" and "other", which is all Italian, English and German use).
// golang.org/x/text is the Go project's own library for this: it carries the
// CLDR number and plural rules, so no rule is written here. Italian is the
// default: a text missing in a language (never: TestCatalogComplete fails
// then) is said in Italian.
package catalog

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	xcatalog "golang.org/x/text/message/catalog"
)

// The languages, the default first: Italian (the State's language), English,
// and German (bilingual public administration in the province of Bolzano).
var tags = []language.Tag{language.Italian, language.English, language.German}

// langs are the tags' codes, in the order of tags.
var langs = []string{"it", "en", "de"}

// texts are the catalogue of each language, in the order of tags.
var texts = []entries{italian, english, german}

// entries are one language's texts by message id. A value is a printf
// format (string) or a Plural.
type entries map[string]any

// Plural is a text whose words depend on a count: the count is argument Arg
// (1-based, as in %[1]d), One is said for 1 (and, in Italian, 0 is "other"),
// Other for every other count.
type Plural struct {
	Arg        int
	One, Other string
}

// Default is the language of a message when none is asked for.
const Default = "it"

// Languages returns the languages tessera speaks, the default first (a new
// slice each call).
func Languages() []string { return slices.Clone(langs) }

// Name returns the name of lang in that language ("Deutsch"), for a menu of
// languages; lang itself when it is not spoken here.
func Name(lang string) string {
	switch lang {
	case "it":
		return "Italiano"
	case "en":
		return "English"
	case "de":
		return "Deutsch"
	}
	return lang
}

// ErrUnknownLanguage is returned by Parse for a language tessera does not
// speak.
var ErrUnknownLanguage = errors.New("unknown language")

// Parse returns the language tessera speaks that tag names ("de", "DE",
// "de-AT", "en_GB" all name one); an error wrapping ErrUnknownLanguage names
// the ones it speaks otherwise.
func Parse(tag string) (string, error) {
	base := strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(base, "-_"); i >= 0 {
		base = base[:i]
	}
	if slices.Contains(langs, base) {
		return base, nil
	}
	return "", fmt.Errorf("%w %q: use one of %s", ErrUnknownLanguage, tag, strings.Join(langs, ", "))
}

// matcher picks among the languages by the user's preferences.
var matcher = language.NewMatcher(tags)

// Negotiate returns the language to answer in for an HTTP Accept-Language
// value ("de-CH,de;q=0.9,en;q=0.5"): the one the user prefers most among
// those spoken here, else the default. exact is false when the user asked
// for none of them (the answer then falls back to the default).
func Negotiate(accept string) (lang string, exact bool) {
	prefs, _, err := language.ParseAcceptLanguage(accept)
	if err != nil || len(prefs) == 0 {
		return Default, false
	}
	_, i, conf := matcher.Match(prefs...)
	if conf == language.No {
		return Default, false
	}
	return langs[i], true
}

// cat is the catalogue of every language, built once from the tables.
var cat = build()

func build() xcatalog.Catalog {
	b := xcatalog.NewBuilder(xcatalog.Fallback(tags[0]))
	for i, tag := range tags {
		// A text missing in a language (TestCatalogComplete fails then) is
		// said in the default's.
		all := maps.Clone(texts[0])
		maps.Copy(all, texts[i])
		for id, t := range all {
			var err error
			switch t := t.(type) {
			case string:
				err = b.SetString(tag, id, t)
			case Plural:
				err = b.Set(tag, id, plural.Selectf(t.Arg, "", "one", t.One, "other", t.Other))
			default:
				err = fmt.Errorf("text of type %T", t)
			}
			if err != nil {
				panic(fmt.Sprintf("catalog: %s %s: %v", langs[i], id, err))
			}
		}
	}
	return b
}

// Printer renders messages in one language.
type Printer struct {
	lang string
	p    *message.Printer
}

// For returns the printer of lang (one of Languages; any other is the
// default's).
func For(lang string) Printer {
	i := slices.Index(langs, lang)
	if i < 0 {
		i = 0
	}
	return Printer{lang: langs[i], p: message.NewPrinter(tags[i], message.Catalog(cat))}
}

// Lang is the printer's language code.
func (p Printer) Lang() string { return p.lang }

// Say returns the text of message id with args, in the printer's language.
// An argument that is a Text is said in that language first.
func (p Printer) Say(id string, args ...any) string {
	cloned := false
	for i, a := range args {
		if t, ok := a.(Text); ok {
			if !cloned { // the caller's slice is left as it was
				args, cloned = slices.Clone(args), true
			}
			args[i] = p.Say(t.ID, t.Args...)
		}
	}
	return p.p.Sprintf(id, args...)
}

// Text is a message not yet said: its id and arguments. As the argument of
// another message it is said in that message's language.
type Text struct {
	ID   string
	Args []any
}

// T returns the message id with args, to say later.
func T(id string, args ...any) Text { return Text{ID: id, Args: args} }

// Say returns the text of message id with args in lang.
func Say(lang, id string, args ...any) string { return For(lang).Say(id, args...) }

// Dims writes a width and height in pixels as "1350x1800": a size, not two
// quantities, so without the thousands separator numbers get in messages.
func Dims[N int | float64](w, h N) string {
	return fmt.Sprintf("%.0fx%.0f", math.Floor(float64(w)), math.Floor(float64(h)))
}
