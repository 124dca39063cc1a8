package validate

import "testing"

func TestParseLang(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "it"},
		{"en", "en"},
		{"EN-us", "en"},
		{"it-IT", "it"},
		{"fr", "it"},
		{"en-GB,en;q=0.9,it;q=0.8", "en"},
		{"it;q=0.9,en;q=0.5", "it"},
		{"de,en;q=0.7", "en"},
		{"en;q=0.2,it;q=0.8", "it"},
	}
	for _, tc := range tests {
		if got := ParseLang(tc.in); got != tc.want {
			t.Errorf("ParseLang(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCheckNames: every check has a name for people in both languages.
func TestCheckNames(t *testing.T) {
	for _, id := range AllChecks {
		it, en := CheckName(id, "it"), CheckName(id, "en")
		if it == id || en == id || it == en && id != "dpi" {
			t.Errorf("check %s: names %q (it), %q (en)", id, it, en)
		}
	}
	if got := CheckName("nope", "it"); got != "nope" {
		t.Errorf("unknown id named %q", got)
	}
}
