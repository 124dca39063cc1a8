package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func openTestStore(t *testing.T, path string) *Store {
	t.Helper()
	s, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestStoreSteps walks messages through their states, in order and out of
// order, and across a reopening of the database.
func TestStoreSteps(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s := openTestStore(t, path)
	k1 := Key{"INBOX", 7, 101}
	k2 := Key{"INBOX", 7, 102}
	k3 := Key{"INBOX", 7, 103}
	sender := s.Sender("Mario.Rossi@Example.it")

	// An answered message: every step, each only from the one before.
	e, dup, err := s.Begin(ctx, k1, "<a@x>", sender)
	if err != nil || dup || e.State != Received {
		t.Fatalf("begin: %+v %v %v", e, dup, err)
	}
	steps := []struct {
		name string
		do   func() error
		want State
	}{
		{"sending before checked", func() error { return s.Sending(ctx, k1, Limits{}, time.Time{}) }, ""},
		{"checked", func() error { return s.Checked(ctx, k1, "Tessera/Valide", "") }, Checked},
		{"checked twice", func() error { return s.Checked(ctx, k1, "Tessera/Valide", "") }, ""},
		{"replied before sending", func() error { return s.Replied(ctx, k1) }, ""},
		{"sending", func() error { return s.Sending(ctx, k1, Limits{}, time.Time{}) }, Sending},
		{"replied", func() error { return s.Replied(ctx, k1) }, Replied},
		{"replied twice", func() error { return s.Replied(ctx, k1) }, ""},
		{"filed", func() error { return s.Filed(ctx, k1) }, Filed},
		{"filed twice", func() error { return s.Filed(ctx, k1) }, ""},
	}
	for _, st := range steps {
		err := st.do()
		if st.want == "" {
			if !errors.Is(err, ErrState) {
				t.Errorf("%s: %v, want ErrState", st.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if e, _ := s.Get(ctx, k1); e.State != st.want {
			t.Fatalf("%s: state %s, want %s", st.name, e.State, st.want)
		}
	}

	// The same Message-ID under another UID (copied, or delivered twice)
	// is a duplicate once the first has been answered.
	if _, dup, err := s.Begin(ctx, k2, "<a@x>", sender); err != nil || !dup {
		t.Errorf("second copy: dup %v, %v; want a duplicate", dup, err)
	}
	// A message not answered goes from checked to filed, and a copy of
	// it is no duplicate: it was never answered.
	if _, dup, err := s.Begin(ctx, k3, "<b@x>", sender); err != nil || dup {
		t.Fatalf("begin k3: dup %v, %v", dup, err)
	}
	if err := s.Checked(ctx, k3, "Tessera/Scartati", AutoSubmitted); err != nil {
		t.Fatal(err)
	}
	if _, dup, err := s.Begin(ctx, Key{"INBOX", 7, 104}, "<b@x>", sender); err != nil || dup {
		t.Errorf("copy of a message not answered: dup %v, %v", dup, err)
	}

	// Reopened, as after a crash: the states are there, a new Begin
	// resumes, and the sender's name is the same.
	s.Close()
	s = openTestStore(t, path)
	if got := s.Sender("mario.rossi@example.it"); got != sender {
		t.Errorf("sender hash %s after reopening, was %s", got, sender)
	}
	e, dup, err = s.Begin(ctx, k3, "<b@x>", sender)
	if err != nil || dup || e.State != Checked || e.Folder != "Tessera/Scartati" || e.Reason != AutoSubmitted {
		t.Fatalf("resume k3: %+v dup %v %v", e, dup, err)
	}
	un, err := s.Unfinished(ctx, "INBOX")
	if err != nil || len(un) != 3 || un[0].Key != k2 || un[1].Key != k3 || un[2].UID != 104 {
		t.Fatalf("unfinished %+v %v; want k2, k3, 104", un, err)
	}
	if err := s.Filed(ctx, k3); err != nil {
		t.Fatal(err)
	}
	if n, err := s.AnswersSince(ctx, sender.Address, time.Now().Add(-time.Hour)); err != nil || n != 1 {
		t.Errorf("answers in the hour: %d %v, want 1", n, err)
	}
}

// TestStoreUnconfirmed: a message caught while its answer was being sent
// is filed for a clerk and never sent again.
func TestStoreUnconfirmed(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, filepath.Join(t.TempDir(), "state.db"))
	k := Key{"INBOX", 1, 1}
	if _, _, err := s.Begin(ctx, k, "<c@x>", Sender{Address: "h"}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{
		func() error { return s.Checked(ctx, k, "Tessera/Valide", "") },
		func() error { return s.Sending(ctx, k, Limits{}, time.Time{}) },
		func() error { return s.Unconfirmed(ctx, k, "Tessera/Scartati") },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	e, _ := s.Get(ctx, k)
	if e.State != Checked || e.Reason != Unconfirmed || e.Folder != "Tessera/Scartati" {
		t.Fatalf("%+v", e)
	}
	if err := s.Sending(ctx, k, Limits{}, time.Time{}); !errors.Is(err, ErrState) {
		t.Errorf("sending again after unconfirmed: %v, want ErrState", err)
	}
	if n, _ := s.AnswersSince(ctx, "h", time.Time{}); n != 0 {
		t.Errorf("%d answers counted for an unconfirmed one", n)
	}
}

// TestSenderHash: short, blind to case and +tags, and keyed per store.
func TestSenderHash(t *testing.T) {
	a := openTestStore(t, filepath.Join(t.TempDir(), "a.db"))
	b := openTestStore(t, filepath.Join(t.TempDir(), "b.db"))
	h := a.SenderHash(" Mario@Example.IT ")
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(h) {
		t.Errorf("hash %q", h)
	}
	for _, v := range []string{"mario@example.it", "MARIO+cie@example.it", "mario+1@EXAMPLE.it"} {
		if a.SenderHash(v) != h {
			t.Errorf("%s: the hash depends on case, spaces or a +tag", v)
		}
	}
	if b.SenderHash("mario@example.it") == h {
		t.Error("two stores give the same hash: the salt is not per store")
	}
	if a.SenderHash("anna@example.it") == h {
		t.Error("two addresses, one hash")
	}
}

// TestStoreForget: --retain deletes filed messages and answers older than
// the limit, and keeps messages in progress.
func TestStoreForget(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, filepath.Join(t.TempDir(), "state.db"))
	clock := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }
	old, open, recent := Key{"INBOX", 1, 1}, Key{"INBOX", 1, 2}, Key{"INBOX", 1, 3}
	answer := func(k Key) {
		t.Helper()
		for _, step := range []func() error{
			func() error { _, _, err := s.Begin(ctx, k, k.String(), Sender{Address: "h"}); return err },
			func() error { return s.Checked(ctx, k, "Tessera/Valide", "") },
			func() error { return s.Sending(ctx, k, Limits{}, time.Time{}) },
			func() error { return s.Replied(ctx, k) },
			func() error { return s.Filed(ctx, k) },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
	}
	answer(old)
	if _, _, err := s.Begin(ctx, open, "<open>", Sender{Address: "h"}); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(100 * 24 * time.Hour)
	answer(recent)
	n, err := s.Forget(ctx, clock.Add(-90*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("forgot %d, %v; want 1", n, err)
	}
	for _, c := range []struct {
		k    Key
		kept bool
	}{{old, false}, {open, true}, {recent, true}} {
		if _, err := s.Get(ctx, c.k); (err == nil) != c.kept {
			t.Errorf("%s kept %v, want %v", c.k, err == nil, c.kept)
		}
	}
	if n, _ := s.AnswersSince(ctx, "h", time.Time{}); n != 1 {
		t.Errorf("%d answers left, want the recent one", n)
	}
}

// TestStatus counts states and reasons and lists the answers waiting,
// read while the store is open (as while an inbox runs).
func TestStatus(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s := openTestStore(t, path)
	waiting, discarded := Key{"INBOX", 1, 1}, Key{"INBOX", 1, 2}
	steps := []func() error{
		func() error { _, _, err := s.Begin(ctx, waiting, "<w>", Sender{Address: "h"}); return err },
		func() error { return s.Checked(ctx, waiting, "Tessera/Valide", "") },
		func() error { return s.Sending(ctx, waiting, Limits{}, time.Time{}) },
		func() error { _, err := s.Unsend(ctx, waiting, "not sent: smtp RCPT TO: 451 4.3.0"); return err },
		func() error { _, _, err := s.Begin(ctx, discarded, "<d>", Sender{Address: "h"}); return err },
		func() error { return s.Checked(ctx, discarded, "Tessera/Scartati", AutoSubmitted) },
		func() error { return s.Filed(ctx, discarded) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	st, err := ReadStatus(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if st.States[Checked] != 1 || st.States[Filed] != 1 || st.Reasons[AutoSubmitted] != 1 || st.Answered24h != 0 {
		t.Errorf("status %+v", st)
	}
	if len(st.Waiting) != 1 || st.Waiting[0].Key != waiting || st.Waiting[0].Attempts != 1 || !strings.Contains(st.Waiting[0].Error, "451") {
		t.Errorf("waiting %+v", st.Waiting)
	}
}

// TestStoreLimits: answers are bounded per sender (its variants one
// sender), per domain and in all, each counted over the hour.
func TestStoreLimits(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, filepath.Join(t.TempDir(), "state.db"))
	lim := Limits{PerSender: 2, PerDomain: 3, Total: 4}
	uid := uint32(0)
	answer := func(addr string) error {
		uid++
		k := Key{"INBOX", 1, uid}
		if _, _, err := s.Begin(ctx, k, fmt.Sprintf("<%d@x>", uid), s.Sender(addr)); err != nil {
			t.Fatal(err)
		}
		if err := s.Checked(ctx, k, "Tessera/Valide", ""); err != nil {
			t.Fatal(err)
		}
		if err := s.Sending(ctx, k, lim, time.Now().Add(-time.Hour)); err != nil {
			return err
		}
		return s.Replied(ctx, k)
	}
	for _, step := range []struct {
		addr string
		want error
	}{
		{"anna@example.it", nil},
		{"Anna+cie@Example.it", nil},
		{"anna+altro@example.it", ErrRateLimited},
		{"luca@example.it", nil},
		{"sara@example.it", ErrDomainLimit},
		{"sara@sub.example.it", ErrDomainLimit}, // the same organisation
		{"mario@example.org", nil},
		{"ugo@example.net", ErrHourlyCap},
	} {
		if err := answer(step.addr); !errors.Is(err, step.want) && (err != nil || step.want != nil) {
			t.Errorf("%s: %v, want %v", step.addr, err, step.want)
		}
	}
}

// TestStoreUpgrade: a state written before answers were counted by
// domain opens, and its rows count as before.
func TestStoreUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	old := `CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE messages (mailbox TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL, message_id TEXT NOT NULL,
	sender TEXT NOT NULL, state TEXT NOT NULL, folder TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '',
	attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '', updated INTEGER NOT NULL, PRIMARY KEY (mailbox, uidvalidity, uid));
CREATE TABLE answers (sender TEXT NOT NULL, sent INTEGER NOT NULL);
INSERT INTO answers (sender, sent) VALUES ('old', ?);`
	if _, err := db.ExecContext(ctx, old, time.Now().UnixMilli()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := openTestStore(t, path)
	k := Key{"INBOX", 1, 1}
	if _, _, err := s.Begin(ctx, k, "<new@x>", s.Sender("anna@example.it")); err != nil {
		t.Fatal(err)
	}
	if err := s.Checked(ctx, k, "Tessera/Valide", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Sending(ctx, k, Limits{Total: 1}, time.Now().Add(-time.Hour)); !errors.Is(err, ErrHourlyCap) {
		t.Errorf("the old state's answer not counted: %v", err)
	}
}
