package catalog

import (
	"strings"
	"unicode"
)

// This file: which language to answer in, for each way a request names
// one. Every part of tessera that speaks to a person chooses here.

// Choose returns the language of an answer to a request that asks for one
// by name (a "lang" query or form field: see Parse), else states its
// preferences (an Accept-Language value: see Negotiate): the one asked
// for, when tessera speaks it, else the one preferred, else Default.
func Choose(ask, accept string) string {
	if l, err := Parse(ask); err == nil {
		return l
	}
	l, _ := Negotiate(accept)
	return l
}

// ForEmail returns the language of the answer to an email: the one its
// Content-Language header names, when tessera speaks it (else Default: the
// citizen named a language tessera does not speak); without the header,
// the one its subject's words read as (subjectWords); else Default.
func ForEmail(contentLanguage, subject string) string {
	if cl := strings.TrimSpace(contentLanguage); cl != "" {
		if l, ok := Negotiate(cl); ok {
			return l
		}
		return Default
	}
	votes := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(subject), func(r rune) bool {
		return !unicode.IsLetter(r)
	}) {
		for lang, words := range subjectWords {
			for _, sw := range words {
				if w == sw {
					votes[lang]++
				}
			}
		}
	}
	best := Default
	for _, l := range langs {
		if votes[l] > votes[best] {
			best = l
		}
	}
	return best
}

// subjectWords are words a citizen's subject line is made of ("Foto per
// la carta d'identità", "Passbild für meinen Ausweis", "Photo for my ID
// card"), by the language they belong to: the most of them decide.
var subjectWords = map[string][]string{
	"en": {"photo", "photos", "picture", "my", "the", "for", "identity", "card", "id", "please", "hello", "passport"},
	"it": {"foto", "fototessera", "la", "il", "per", "carta", "identità", "mia", "ciao", "buongiorno", "salve", "documento"},
	"de": {"bild", "lichtbild", "passbild", "passfoto", "ausweis", "personalausweis", "identitätskarte", "für", "mein", "meine", "das", "die", "der", "guten", "tag", "hallo", "bitte"},
}
