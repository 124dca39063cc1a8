package inbox

import "testing"

func TestNamesOf(t *testing.T) {
	for _, tc := range []struct {
		n      names
		folder string
		want   string
	}{
		{names{delim: '/'}, "Tessera/Valide", "Tessera/Valide"},
		{names{delim: '/'}, "INBOX", "INBOX"},
		{names{delim: '.'}, "Tessera/Da correggere", "Tessera.Da correggere"},
		{names{delim: '.'}, "inbox", "INBOX"},
		{names{delim: '.'}, "INBOX/PEC", "INBOX.PEC"},
		{names{prefix: "INBOX.", delim: '.'}, "Tessera/Valide", "INBOX.Tessera.Valide"},
		{names{prefix: "INBOX.", delim: '.'}, "INBOX", "INBOX"},
		{names{prefix: "INBOX.", delim: '.'}, "INBOX/Tessera/Valide", "INBOX.Tessera.Valide"},
		{names{prefix: "Mail/", delim: '/'}, "Mail/Tessera", "Mail/Tessera"},
		{names{prefix: "Mail/", delim: '/'}, "Tessera", "Mail/Tessera"},
		{names{}, "Tessera/Valide", "Tessera/Valide"}, // a flat server: one name
	} {
		if got := tc.n.of(tc.folder); got != tc.want {
			t.Errorf("%+v.of(%q) = %q, want %q", tc.n, tc.folder, got, tc.want)
		}
	}
}
