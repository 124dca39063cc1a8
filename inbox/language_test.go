package inbox

import (
	"testing"

	"github.com/emersion/go-message/mail"
)

// TestLanguage: the answer is in the language the citizen's message names
// (Content-Language), else the one its subject reads as, else Italian.
func TestLanguage(t *testing.T) {
	for _, tc := range []struct {
		contentLang, subject, want string
	}{
		{"de-DE", "", "de"},
		{"de-AT, en", "foto", "de"},
		{"en-GB", "carta d'identità", "en"},
		{"it", "photo for my identity card", "it"},
		{"fr", "Passbild für den Ausweis", "it"}, // named, and not spoken here
		{"", "Passbild für meinen Personalausweis", "de"},
		{"", "Lichtbild für die Identitätskarte, bitte", "de"},
		{"", "Photo for my identity card", "en"},
		{"", "Foto per la carta d'identità", "it"},
		{"", "", "it"},
		{"", "Re: 12345", "it"},
	} {
		var h mail.Header
		if tc.contentLang != "" {
			h.Set("Content-Language", tc.contentLang)
		}
		h.SetSubject(tc.subject)
		if got := language(h); got != tc.want {
			t.Errorf("Content-Language %q, subject %q: %s, want %s", tc.contentLang, tc.subject, got, tc.want)
		}
	}
}
