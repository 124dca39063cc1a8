package catalog

import "testing"

// TestForEmail: the answer is in the language the citizen's message names
// (Content-Language), else the one its subject reads as, else Italian.
func TestForEmail(t *testing.T) {
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
		if got := ForEmail(tc.contentLang, tc.subject); got != tc.want {
			t.Errorf("Content-Language %q, subject %q: %s, want %s", tc.contentLang, tc.subject, got, tc.want)
		}
	}
}

// TestChoose: a language asked for by name wins when tessera speaks it,
// else the preferences, else Italian.
func TestChoose(t *testing.T) {
	for _, tc := range []struct{ ask, accept, want string }{
		{"de", "en", "de"},
		{"EN", "", "en"},
		{"fr", "de-CH,de;q=0.9", "de"},
		{"", "fr, en;q=0.5", "en"},
		{"", "fr", "it"},
		{"", "", "it"},
	} {
		if got := Choose(tc.ask, tc.accept); got != tc.want {
			t.Errorf("Choose(%q, %q) = %s, want %s", tc.ask, tc.accept, got, tc.want)
		}
	}
}
