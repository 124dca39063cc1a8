package inbox

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

func openTestStore(t *testing.T, path string) *Store {
	t.Helper()
	s, err := OpenStore(context.Background(), path, StoreOptions{})
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
	sender := s.SenderKeys("Mario.Rossi@Example.it")

	// An answered message: every step, each only from the one before.
	e, dup, err := s.Begin(ctx, k1, "<a@x>", sender)
	if err != nil || dup || e.State != Received {
		t.Fatalf("begin: %+v %v %v", e, dup, err)
	}
	steps := []struct {
		name string
		do   func() (Entry, error)
		want State
	}{
		{"sending before checked", func() (Entry, error) { return s.Sending(ctx, k1, Limits{}, time.Time{}) }, ""},
		{"checked", func() (Entry, error) { return s.Checked(ctx, k1, "Tessera/Valide", "") }, Checked},
		{"checked twice", func() (Entry, error) { return s.Checked(ctx, k1, "Tessera/Valide", "") }, ""},
		{"replied before sending", func() (Entry, error) { return s.Replied(ctx, k1) }, ""},
		{"sending", func() (Entry, error) { return s.Sending(ctx, k1, Limits{}, time.Time{}) }, Sending},
		{"replied", func() (Entry, error) { return s.Replied(ctx, k1) }, Replied},
		{"replied twice", func() (Entry, error) { return s.Replied(ctx, k1) }, ""},
		{"filed", func() (Entry, error) { return s.Filed(ctx, k1) }, Filed},
		{"filed twice", func() (Entry, error) { return s.Filed(ctx, k1) }, ""},
	}
	for _, st := range steps {
		wrote, err := st.do()
		if st.want == "" {
			if !errors.Is(err, ErrState) {
				t.Errorf("%s: %v, want ErrState", st.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		e, _ := s.Get(ctx, k1)
		if e.State != st.want {
			t.Fatalf("%s: state %s, want %s", st.name, e.State, st.want)
		}
		// A step returns the entry it wrote.
		if wrote != e {
			t.Errorf("%s returned %+v, the store holds %+v", st.name, wrote, e)
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
	if err := errOf(s.Checked(ctx, k3, "Tessera/Scartati", AutoSubmitted)); err != nil {
		t.Fatal(err)
	}
	if _, dup, err := s.Begin(ctx, Key{"INBOX", 7, 104}, "<b@x>", sender); err != nil || dup {
		t.Errorf("copy of a message not answered: dup %v, %v", dup, err)
	}

	// Reopened, as after a crash: the states are there, a new Begin
	// resumes, and the sender's name is the same.
	s.Close()
	s = openTestStore(t, path)
	if got := s.SenderKeys("mario.rossi@example.it"); got != sender {
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
	if err := errOf(s.Filed(ctx, k3)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.AnswersSince(ctx, sender.Address, time.Now().Add(-time.Hour)); err != nil || n != 1 {
		t.Errorf("answers in the hour: %d %v, want 1", n, err)
	}
}

// TestStoreUnconfirmed: a message caught while its answer was being sent
// is filed for a clerk and never sent again; the answer counts.
func TestStoreUnconfirmed(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, filepath.Join(t.TempDir(), "state.db"))
	k := Key{"INBOX", 1, 1}
	if _, _, err := s.Begin(ctx, k, "<c@x>", SenderKeys{Address: "h"}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{
		func() error { return errOf(s.Checked(ctx, k, "Tessera/Valide", "")) },
		func() error { return errOf(s.Sending(ctx, k, Limits{}, time.Time{})) },
		func() error { return errOf(s.Unconfirmed(ctx, k, "Tessera/Scartati")) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	e, _ := s.Get(ctx, k)
	if e.State != Checked || e.Reason != Unconfirmed || e.Folder != "Tessera/Scartati" {
		t.Fatalf("%+v", e)
	}
	if err := errOf(s.Sending(ctx, k, Limits{}, time.Time{})); !errors.Is(err, ErrState) {
		t.Errorf("sending again after unconfirmed: %v, want ErrState", err)
	}
	// It may have left: it counts against the limits.
	if n, _ := s.AnswersSince(ctx, "h", time.Time{}); n != 1 {
		t.Errorf("%d answers counted for an unconfirmed one, want 1", n)
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
			func() error { _, _, err := s.Begin(ctx, k, k.String(), SenderKeys{Address: "h"}); return err },
			func() error { return errOf(s.Checked(ctx, k, "Tessera/Valide", "")) },
			func() error { return errOf(s.Sending(ctx, k, Limits{}, time.Time{})) },
			func() error { return errOf(s.Replied(ctx, k)) },
			func() error { return errOf(s.Filed(ctx, k)) },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
	}
	answer(old)
	if _, _, err := s.Begin(ctx, open, "<open>", SenderKeys{Address: "h"}); err != nil {
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
	// A retention under an hour keeps the answers the hourly limits
	// count.
	clock = clock.Add(30 * time.Minute)
	if _, err := s.Forget(ctx, clock.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.AnswersSince(ctx, "h", time.Time{}); n != 1 {
		t.Errorf("%d answers left after forgetting all but a minute, want the one of the last hour", n)
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
		func() error { _, _, err := s.Begin(ctx, waiting, "<w>", SenderKeys{Address: "h"}); return err },
		func() error { return errOf(s.Checked(ctx, waiting, "Tessera/Valide", "")) },
		func() error { return errOf(s.Sending(ctx, waiting, Limits{}, time.Time{})) },
		func() error { _, err := s.Unsend(ctx, waiting, "not sent: smtp RCPT TO: 451 4.3.0"); return err },
		func() error { _, _, err := s.Begin(ctx, discarded, "<d>", SenderKeys{Address: "h"}); return err },
		func() error { return errOf(s.Checked(ctx, discarded, "Tessera/Scartati", AutoSubmitted)) },
		func() error { return errOf(s.Filed(ctx, discarded)) },
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
		if _, _, err := s.Begin(ctx, k, fmt.Sprintf("<%d@x>", uid), s.SenderKeys(addr)); err != nil {
			t.Fatal(err)
		}
		if err := errOf(s.Checked(ctx, k, "Tessera/Valide", "")); err != nil {
			t.Fatal(err)
		}
		if err := errOf(s.Sending(ctx, k, lim, time.Now().Add(-time.Hour))); err != nil {
			return err
		}
		return errOf(s.Replied(ctx, k))
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

// TestStoreUpgrade: a state written by an older tessera (the key in the
// database, Message-IDs in clear, answers not counted by domain) opens:
// its key moves to its own file, so senders keep their hashes; its
// Message-IDs are hashed and still recognise a copy of a message
// answered; its answers still count.
func TestStoreUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	salt := []byte("0123456789abcdef")
	old := `CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE messages (mailbox TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL, message_id TEXT NOT NULL,
	sender TEXT NOT NULL, state TEXT NOT NULL, folder TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '',
	attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '', updated INTEGER NOT NULL, PRIMARY KEY (mailbox, uidvalidity, uid));
CREATE TABLE answers (sender TEXT NOT NULL, sent INTEGER NOT NULL);
INSERT INTO messages (mailbox, uidvalidity, uid, message_id, sender, state, updated) VALUES ('INBOX', 1, 1, 'old@example.it', 'x', 'filed', 0);`
	if _, err := db.ExecContext(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('salt', ?)`, salt); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO answers (sender, sent) VALUES ('old', ?)`, time.Now().UnixMilli()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := openTestStore(t, path)
	if got, want := s.SenderHash("anna@example.it"), hmacHex(salt, "anna@example.it")[:12]; got != want {
		t.Errorf("sender hash %s, was %s before", got, want)
	}
	if key, err := readKey(path + ".key"); err != nil || !bytes.Equal(key, salt) {
		t.Errorf("key file: %x, %v; want the old salt", key, err)
	}
	k := Key{"INBOX", 1, 2}
	if _, dup, err := s.Begin(ctx, k, "old@example.it", s.SenderKeys("anna@example.it")); err != nil || !dup {
		t.Errorf("a copy of a message answered before: dup %v, %v", dup, err)
	}
	if err := errOf(s.Checked(ctx, k, "Tessera/Valide", "")); err != nil {
		t.Fatal(err)
	}
	if err := errOf(s.Sending(ctx, k, Limits{Total: 1}, time.Now().Add(-time.Hour))); !errors.Is(err, ErrHourlyCap) && !errors.Is(err, ErrDuplicate) {
		t.Errorf("the old state's answer not counted: %v", err)
	}
	s.Close()
	if b := fileBytes(t, path); bytes.Contains(b, salt) || bytes.Contains(b, []byte("old@example.it")) {
		t.Errorf("the database still holds the key (%v) or a Message-ID (%v) in clear", bytes.Contains(b, salt), bytes.Contains(b, []byte("old@example.it")))
	}
}

// fileBytes is the database at path with its write-ahead log.
func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(path + "-wal")
	return append(b, wal...)
}

// TestStorePrivate: whatever the umask, the database, its journal, its
// lock and its key file are the owner's only; the database holds neither
// the key nor a Message-ID or an address in clear.
func TestStorePrivate(t *testing.T) {
	old := syscall.Umask(0o002)
	defer syscall.Umask(old)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s := openTestStore(t, path)
	k := Key{"INBOX", 1, 1}
	if _, _, err := s.Begin(ctx, k, "citizen-1@example.it", s.SenderKeys("mario.rossi@example.it")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + ".lock", path + ".key"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
			continue
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s: mode %o, want 600", filepath.Base(p), perm)
		}
	}
	key, err := readKey(path + ".key")
	if err != nil || len(key) < MinKeySize {
		t.Fatalf("key %x, %v", key, err)
	}
	b := fileBytes(t, path)
	for _, clear := range [][]byte{key, []byte(hex.EncodeToString(key)), []byte("citizen-1@example.it"), []byte("mario.rossi")} {
		if bytes.Contains(b, clear) {
			t.Errorf("the database holds %q", clear)
		}
	}
	// A state made before with looser permissions is tightened.
	s.Close()
	os.Chmod(path, 0o644)
	os.Chmod(path+".key", 0o644)
	openTestStore(t, path)
	for _, p := range []string{path, path + ".key"} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s reopened: %v %v, want mode 600", filepath.Base(p), fi.Mode(), err)
		}
	}
}

// TestStoreKey: a state opens only with its own key, from its file or
// given; a missing key file is an error, not a new key (which would
// answer again every message already answered).
func TestStoreKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	given := bytes.Repeat([]byte{7}, 32)
	s, err := OpenStore(ctx, path, StoreOptions{Key: given})
	if err != nil {
		t.Fatal(err)
	}
	h := s.SenderHash("mario@example.it")
	s.Close()
	if _, err := os.Stat(path + ".key"); err == nil {
		t.Error("a key file made though the key was given")
	}
	for _, tc := range []struct {
		name string
		opts StoreOptions
		ok   bool
	}{
		{"the key given again", StoreOptions{Key: given}, true},
		{"no key file", StoreOptions{}, false},
		{"another key", StoreOptions{Key: bytes.Repeat([]byte{8}, 32)}, false},
		{"a short key", StoreOptions{Key: []byte("short")}, false},
	} {
		s, err := OpenStore(ctx, path, tc.opts)
		if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrStateKey) {
			t.Errorf("%s: %v, want ok %v", tc.name, err, tc.ok)
		}
		if err == nil {
			if s.SenderHash("mario@example.it") != h {
				t.Errorf("%s: another hash", tc.name)
			}
			s.Close()
		}
	}
	if _, err := os.Stat(path + ".key"); err == nil {
		t.Error("a key file made for a state that has its key")
	}
	// The key in a file of one's choosing.
	keyFile := filepath.Join(dir, "chiave")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(given)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = OpenStore(ctx, path, StoreOptions{KeyFile: keyFile})
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	s.Close()
}

// errOf is the error of a step, without the entry it returns.
func errOf(_ Entry, err error) error { return err }
