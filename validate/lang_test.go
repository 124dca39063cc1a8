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
	for _, id := range AllChecks() {
		it, en := CheckName(id, "it"), CheckName(id, "en")
		if it == id || en == id || it == en && id != "dpi" {
			t.Errorf("check %s: names %q (it), %q (en)", id, it, en)
		}
	}
	if got := CheckName("nope", "it"); got != "nope" {
		t.Errorf("unknown id named %q", got)
	}
}

// TestNoSharedRules: what LookupProfile, AllChecks and Languages return is
// the caller's own: changing it changes no one else's rules, nor the next
// check's.
func TestNoSharedRules(t *testing.T) {
	p, ok := LookupProfile("")
	if !ok {
		t.Fatal("no default profile")
	}
	want := p.MaxBytes
	p.MaxBytes, p.Checks[0], p.FaceHeight.Min = 1, "nothing", 0
	checks, langs := AllChecks(), Languages()
	checks[0], langs[0] = "nothing", "xx"
	q, _ := LookupProfile("")
	if q.MaxBytes != want || q.Checks[0] != "format" || q.FaceHeight.Min == 0 {
		t.Errorf("the profile changed for the next caller: %+v", q)
	}
	if AllChecks()[0] != "format" || Languages()[0] != "it" || ParseLang("") != "it" {
		t.Errorf("AllChecks %v, Languages %v after a caller changed its copies", AllChecks(), Languages())
	}
}
