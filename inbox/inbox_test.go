package inbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/disintegration/imaging"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/mail"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/tessera-cie/tessera/heif"
	"github.com/tessera-cie/tessera/internal/dovecot"
	"github.com/tessera-cie/tessera/internal/engine"
	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/internal/smtpsink"
	"github.com/tessera-cie/tessera/internal/testengine"
	"github.com/tessera-cie/tessera/mailphoto"
	"github.com/tessera-cie/tessera/office"
	"github.com/tessera-cie/tessera/photofix"
	"github.com/tessera-cie/tessera/validate"
)

// officeAddr is the mailbox's own address in the tests.
const officeAddr = "anagrafe@comune.example.it"

// childEnv marks the test binary run as an inbox process that the crash
// test kills (see TestMain).
const childEnv = "TESSERA_INBOX_CHILD"

func TestMain(m *testing.M) {
	heif.ServeChild() // the HEIF files of the tests decode in a child
	if os.Getenv(childEnv) != "" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

// testValidator is a validator on the real engine, shared by the tests.
func testValidator(t testing.TB) *validate.Validator {
	t.Helper()
	return validate.New(testengine.Engine(t))
}

// photos returns a studio photo on a whitened backdrop, which fails only
// checks a crop and a new JPEG mend (DPI, size, frame), and its fixed
// copy, which passes every check: the first neutral/ photo for which both
// hold.
func photos(t testing.TB) (studio, valid []byte) {
	t.Helper()
	photosOnce.Do(func() { studioPhoto, validPhoto, photosErr = findPhotos(t) })
	if photosErr != nil {
		t.Fatal(photosErr)
	}
	return studioPhoto, validPhoto
}

var (
	photosOnce              sync.Once
	studioPhoto, validPhoto []byte
	photosErr               error
)

func findPhotos(t testing.TB) ([]byte, []byte, error) {
	dir := faceset.Require(t)
	list, err := faceset.Load(dir, "neutral")
	if err != nil {
		return nil, nil, err
	}
	v := testValidator(t)
	ctx := context.Background()
	for _, p := range list {
		img, err := imaging.Open(p.Path)
		if err != nil {
			return nil, nil, err
		}
		studio := fixture.JPEG(fixture.WhitenBackdrop(img, 36), 92, nil, nil)
		res, err := v.Analyze(ctx, "studio.jpg", studio, validate.Options{})
		if err != nil || res.Report.Pass || !photofix.Needed(res.Report) {
			continue
		}
		fixed, err := photofix.Fix(res)
		if err != nil {
			continue
		}
		if rep, err := v.Check(ctx, "fixed.jpg", fixed.JPEG, validate.Options{}); err == nil && rep.Pass {
			return studio, fixed.JPEG, nil
		}
	}
	return nil, nil, fmt.Errorf("no neutral/ photo whose fixed copy passes every check")
}

// email is a citizen's message with the photos attached.
func email(head string, photos ...[]byte) []byte {
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\nla foto\n")
	for i, p := range photos {
		fmt.Fprintf(&b, "--b\nContent-Type: image/jpeg; name=foto%d.jpg\nContent-Disposition: attachment; filename=foto%d.jpg\nContent-Transfer-Encoding: base64\n\n%s\n", i+1, i+1, fixture.Base64Lines(p))
	}
	b.WriteString("--b--\n")
	return fixture.CRLF(b.String())
}

// rig is a mailbox, an SMTP server and a state database.
type rig struct {
	imap  *dovecot.Server
	smtp  *smtpsink.Server
	state string // path of the database
}

// deliver puts msg in the mailbox as the office's mail server delivers
// it when the sender's domain passed its checks (arrived).
func (r *rig) deliver(t testing.TB, msg []byte) {
	t.Helper()
	r.imap.Deliver(t, arrived(msg))
}

func newRig(t testing.TB) *rig {
	return newRigWith(t, dovecot.Options{})
}

func newRigWith(t testing.TB, opts dovecot.Options) *rig {
	return &rig{imap: dovecot.StartWith(t, opts), smtp: smtpsink.Start(t), state: filepath.Join(t.TempDir(), "state.db")}
}

func (r *rig) config() Config {
	return Config{
		IMAP: "imaps://" + r.imap.TLSAddr, IMAPUser: r.imap.User, IMAPPassword: r.imap.Password,
		SMTP: "smtp+plain://" + r.smtp.Addr, SMTPUser: r.smtp.User, SMTPPassword: r.smtp.Password,
		From:   mail.Address{Name: "Anagrafe", Address: officeAddr},
		Bcc:    []string{"protocollo@comune.example.it"},
		Auth:   testAuth,
		TLS:    r.imap.TLSConfig(),
		Office: office.Office{Name: "Comune di Esempio", PrivacyURL: "https://www.comune.esempio.it/privacy"},
	}
}

// inbox returns an inbox on cfg over the rig's state, which it closes
// when the test ends.
func (r *rig) inbox(t testing.TB, cfg Config) *Inbox {
	t.Helper()
	store, err := OpenStore(context.Background(), r.state, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	in, err := New(cfg, store, testValidator(t))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// pass runs the inbox over the mailbox once, in this process, with its
// state open only for that pass.
func (r *rig) pass(t testing.TB, cfg Config) error {
	t.Helper()
	store, err := OpenStore(context.Background(), r.state, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	in, err := New(cfg, store, testValidator(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return in.Once(ctx)
}

// once is pass, which must not fail.
func (r *rig) once(t testing.TB, cfg Config) {
	t.Helper()
	if err := r.pass(t, cfg); err != nil {
		t.Fatal(err)
	}
}

// login is a clerk's own IMAP connection to the mailbox; the caller
// closes it (Dovecot allows a user 10 connections at once).
func (r *rig) login(t testing.TB) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialTLS(r.imap.TLSAddr, &imapclient.Options{TLSConfig: r.imap.TLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(r.imap.User, r.imap.Password).Wait(); err != nil {
		c.Close()
		t.Fatal(err)
	}
	return c
}

// run starts the inbox watching the mailbox (Run); stop ends it and
// returns Run's error, or an error if Run has not returned 10 s later.
// It is also called when the test ends.
func (r *rig) run(t testing.TB, cfg Config) (stop func() error) {
	t.Helper()
	in := r.inbox(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	stop = sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("Run did not return 10 s after its context ended")
		}
	})
	t.Cleanup(func() { stop() })
	return stop
}

// folders returns the Message-IDs in each folder of the mailbox.
func (r *rig) folders(t testing.TB) map[string][]string {
	t.Helper()
	c := r.login(t)
	defer c.Close()
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, l := range list {
		name := l.Mailbox
		if _, err := c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			continue // \Noselect: a level only
		}
		search, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
		if err != nil {
			t.Fatal(err)
		}
		if len(search.AllUIDs()) == 0 {
			continue
		}
		fetched, err := c.Fetch(imap.UIDSetNum(search.AllUIDs()...), &imap.FetchOptions{Envelope: true}).Collect()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fetched {
			out[name] = append(out[name], m.Envelope.MessageID)
		}
		slices.Sort(out[name])
	}
	return out
}

// answers are the messages sent, by the Message-ID they answer.
func answers(t testing.TB, s *smtpsink.Server) map[string][]*mail.Reader {
	t.Helper()
	out := map[string][]*mail.Reader{}
	for _, m := range s.Messages() {
		mr, err := mail.CreateReader(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		irt, _ := mr.Header.MsgIDList("In-Reply-To")
		if len(irt) != 1 {
			t.Fatalf("an answer without In-Reply-To: %v", mr.Header.Get("Subject"))
		}
		out[irt[0]] = append(out[irt[0]], mr)
	}
	return out
}

// parts returns the answer's text and the names of its attachments.
func parts(t testing.TB, mr *mail.Reader) (text string, files []string) {
	t.Helper()
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return text, files
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p.Body)
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			text += string(body)
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			files = append(files, name)
		}
	}
}

// TestInbox: messages of every kind are delivered to a real Dovecot; one
// pass answers those that must be answered, through a real SMTP server,
// and files every message; a second pass sends nothing more.
func TestInbox(t *testing.T) {
	studio, valid := photos(t)
	r := newRig(t)
	f := DefaultFolders()
	type want struct {
		folder  string
		answers int    // answers to the Message-ID (0: none)
		to      string // the answer's recipient
		says    string // in the answer's text
		files   []string
	}
	msgs := []struct {
		name string
		id   string // Message-ID the answer refers to
		msg  []byte
		want want
	}{
		{"a valid photo", "valid@example.it", email("From: Mario Rossi <mario@example.it>\nSubject: foto CIE\nMessage-ID: <valid@example.it>\n", valid),
			want{f.Valid, 1, "mario@example.it", "foto1.jpg: va bene", nil}},
		{"a photo to fix, the fixed one attached", "studio@example.it", email("From: anna@example.it\nSubject: fototessera\nMessage-ID: <studio@example.it>\n", studio),
			want{f.ToFix, 1, "anna@example.it", "In allegato trovate la foto corretta (foto1-tessera.jpg)", []string{"foto1-tessera.jpg"}}},
		{"in English", "english@example.com", email("From: john@example.com\nSubject: my photo for the identity card\nMessage-ID: <english@example.com>\n", studio),
			want{f.ToFix, 1, "john@example.com", "foto1.jpg: to fix", []string{"foto1-tessera.jpg"}}},
		{"no photo", "text@example.it", fixture.CRLF("From: luca@example.it\nSubject: foto\nMessage-ID: <text@example.it>\nContent-Type: text/plain\n\nla foto arriva domani\n"),
			want{f.NoPhoto, 1, "luca@example.it", "non abbiamo trovato nessuna foto", nil}},
		{"an out-of-office reply", "ooo@example.it", fixture.CRLF("From: sara@example.it\nSubject: Fuori ufficio\nAuto-Submitted: auto-replied\nMessage-ID: <ooo@example.it>\nContent-Type: text/plain\n\nsono in ferie\n"),
			want{f.Discarded, 0, "", "", nil}},
		{"PEC: answered to the citizen inside", "orig-1@pec.example.it", fixture.PEC(email("From: Mario Rossi <mario.rossi@pec.example.it>\nSubject: Foto per la CIE\nMessage-ID: <orig-1@pec.example.it>\n", valid)),
			want{f.Valid, 1, "mario.rossi@pec.example.it", "va bene", nil}},
		{"PEC: a receipt", "ricevuta-0001@pec.comune.example.it", fixture.PECReceipt("avvenuta-consegna"),
			want{f.Discarded, 0, "", "", nil}},
		// Issue 27: an attached message whose header starts with an mbox
		// "From " line no longer makes the whole email unreadable: the
		// photo beside it and the one inside are both checked.
		{"an attached message with an mbox From line", "forward@example.it", fixture.CRLF("From: elena@example.it\nSubject: foto\nMessage-ID: <forward@example.it>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n" +
			"--b\nContent-Type: image/jpeg; name=foto1.jpg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(valid) +
			"\n--b\nContent-Type: message/rfc822\n\nFrom elena@example.it Mon Dec  7 10:00:00 2026\nFrom: elena@example.it\nSubject: inoltro\nContent-Type: image/jpeg; name=inoltrata.jpg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(valid) + "\n--b--\n"),
			want{f.Valid, 1, "elena@example.it", "inoltrata.jpg: va bene", nil}},
		{"the same message again", "valid@example.it", email("From: Mario Rossi <mario@example.it>\nSubject: foto CIE\nMessage-ID: <valid@example.it>\n", valid),
			want{f.Discarded, 0, "", "", nil}},
	}
	for _, m := range msgs {
		r.deliver(t, m.msg)
	}
	cfg := r.config()
	cfg.Metrics = NewMetrics()
	r.once(t, cfg)
	for outcome, want := range map[string]float64{"valid": 3, "to_fix": 2, "no_photo": 1, "auto-submitted": 1, "pec-receipt": 1, "duplicate": 1} {
		if got := testutil.ToFloat64(cfg.Metrics.messages.WithLabelValues(outcome)); got != want {
			t.Errorf("metric messages{outcome=%q} = %v, want %v", outcome, got, want)
		}
	}
	if got := histogramCount(t, cfg.Metrics); got != 6 {
		t.Errorf("reply latency observed %d times, want 6 answers", got)
	}

	got := answers(t, r.smtp)
	boxes := r.folders(t)
	if len(boxes["INBOX"]) != 0 {
		t.Errorf("left in INBOX: %v", boxes["INBOX"])
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		t.Run(m.name, func(t *testing.T) {
			inBox := m.id
			if strings.HasPrefix(m.name, "PEC: answered") {
				inBox = "opec-0001@pec.example.it" // the envelope is filed
			}
			if !slices.Contains(boxes[m.want.folder], inBox) {
				t.Errorf("not in %s: %v", m.want.folder, boxes)
			}
			n := len(got[m.id])
			if seen[m.id] { // the second copy adds no answer
				return
			}
			seen[m.id] = true
			if n != m.want.answers {
				t.Fatalf("%d answers, want %d", n, m.want.answers)
			}
			if n == 0 {
				return
			}
			a := got[m.id][0]
			if to, _ := a.Header.AddressList("To"); len(to) != 1 || to[0].Address != m.want.to {
				t.Errorf("answered to %v, want %s", to, m.want.to)
			}
			if a.Header.Get("Auto-Submitted") != "auto-replied" {
				t.Errorf("Auto-Submitted %q", a.Header.Get("Auto-Submitted"))
			}
			text, files := parts(t, a)
			if !strings.Contains(text, m.want.says) {
				t.Errorf("answer lacks %q:\n%s", m.want.says, text)
			}
			if !slices.Equal(files, m.want.files) {
				t.Errorf("attached %v, want %v", files, m.want.files)
			}
			// Signed by the office, with its privacy notice.
			if sig := strings.LastIndex(text, "-- "); sig < 0 || !strings.Contains(text[sig:], "Comune di Esempio") || !strings.Contains(text[sig:], "https://www.comune.esempio.it/privacy") {
				t.Errorf("answer not signed by the office:\n%s", text)
			}
		})
	}
	for _, s := range r.smtp.Messages() {
		if s.From != officeAddr || !slices.Contains(s.To, "protocollo@comune.example.it") {
			t.Errorf("envelope from %s to %v: want from the office, with the Bcc", s.From, s.To)
		}
	}

	// A second pass, and one more message: only that one is answered.
	before := len(r.smtp.Messages())
	r.deliver(t, email("From: nuovo@example.it\nSubject: foto\nMessage-ID: <new@example.it>\n", valid))
	r.once(t, r.config())
	if n := len(r.smtp.Messages()); n != before+1 {
		t.Errorf("%d answers after a second pass with one new message, want %d", n, before+1)
	}
}

// TestRateLimit: a sender gets at most PerHour answers in an hour; the
// rest are filed unanswered.
func TestRateLimit(t *testing.T) {
	_, valid := photos(t)
	r := newRig(t)
	const perHour = 3
	for i := range perHour + 2 {
		r.deliver(t, email(fmt.Sprintf("From: insistente@example.it\nSubject: foto %d\nMessage-ID: <r%d@example.it>\n", i, i), valid))
	}
	cfg := r.config()
	cfg.PerHour = perHour
	r.once(t, cfg)
	if n := len(r.smtp.Messages()); n != perHour {
		t.Errorf("%d answers, want %d", n, perHour)
	}
	if n := len(r.folders(t)[DefaultFolders().Discarded]); n != 2 {
		t.Errorf("%d filed unanswered, want 2", n)
	}
}

// TestSMTPRefusal: when the SMTP server fails the citizen's address for
// now (451), the answer surely did not leave: the message stays in the
// mailbox, the others are answered in the same pass, and it is answered
// on a later one. When it refuses the address for good (550), the message
// is filed unanswered for a clerk.
func TestSMTPRefusal(t *testing.T) {
	_, valid := photos(t)
	r := newRig(t)
	f := DefaultFolders()
	r.deliver(t, email("From: mario@example.it\nSubject: foto\nMessage-ID: <later@example.it>\n", valid))
	r.deliver(t, email("From: anna@example.it\nSubject: foto\nMessage-ID: <after@example.it>\n", valid))
	r.deliver(t, email("From: nessuno@example.it\nSubject: foto\nMessage-ID: <nobody@example.it>\n", valid))
	r.smtp.RefuseTo("mario@example.it", 451)
	r.smtp.RefuseTo("nessuno@example.it", 550)
	if err := r.pass(t, r.config()); err == nil || !strings.Contains(err.Error(), "left for later") {
		t.Errorf("Once: %v; want the message left for later", err)
	}
	b := r.folders(t)
	if !slices.Equal(b["INBOX"], []string{"later@example.it"}) || !slices.Contains(b[f.Valid], "after@example.it") || !slices.Contains(b[f.Discarded], "nobody@example.it") {
		t.Fatalf("after the first pass: %v", b)
	}
	if got := answers(t, r.smtp); len(got) != 1 || len(got["after@example.it"]) != 1 {
		t.Fatalf("answers %v; want only after@example.it's", got)
	}
	r.smtp.RefuseTo("mario@example.it", 0)
	r.once(t, r.config())
	got := answers(t, r.smtp)
	if len(got) != 2 || len(got["later@example.it"]) != 1 {
		t.Errorf("answers after the server accepts again: %v", got)
	}
	if b := r.folders(t); !slices.Contains(b[f.Valid], "later@example.it") || len(b["INBOX"]) != 0 {
		t.Errorf("not filed: %v", b)
	}
}

// TestCrash kills the inbox process (SIGKILL, no clean shutdown) right
// after each step of a message is recorded, starts it again, and checks
// that every message ends filed with at most one answer: exactly one when
// the process stopped before or after sending, none and filed for a clerk
// when it stopped while handing the answer over.
func TestCrash(t *testing.T) {
	_, valid := photos(t)
	f := DefaultFolders()
	tests := []struct {
		after   State
		folder  string
		answers int
	}{
		{parsing, f.Valid, 1},
		{Checked, f.Valid, 1},
		{Sending, f.Discarded, 0},
		{Replied, f.Valid, 1},
		{moved, f.Valid, 1},
		{Filed, f.Valid, 1},
	}
	for _, tc := range tests {
		t.Run("after "+string(tc.after), func(t *testing.T) {
			r := newRig(t)
			r.deliver(t, email("From: mario@example.it\nSubject: foto\nMessage-ID: <one@example.it>\n", valid))
			r.deliver(t, email("From: anna@example.it\nSubject: foto\nMessage-ID: <two@example.it>\n", valid))
			// Killed at the first message's step; then run to the end.
			if err := r.runChild(t, tc.after); err == nil {
				t.Fatal("the process was not killed")
			}
			if err := r.runChild(t, ""); err != nil {
				t.Fatalf("restart: %v", err)
			}
			got := answers(t, r.smtp)
			boxes := r.folders(t)
			if len(boxes["INBOX"]) != 0 {
				t.Errorf("left in INBOX: %v", boxes["INBOX"])
			}
			if n := len(got["one@example.it"]); n != tc.answers || !slices.Contains(boxes[tc.folder], "one@example.it") {
				t.Errorf("killed message: %d answers in %v; want %d in %s", n, boxes, tc.answers, tc.folder)
			}
			if n := len(got["two@example.it"]); n != 1 || !slices.Contains(boxes[f.Valid], "two@example.it") {
				t.Errorf("next message: %d answers in %v; want 1 in %s", n, boxes, f.Valid)
			}
			r.caughtUp(t)
		})
	}
}

// TestStoppedWhileRead: a message that stops the process each time it is
// read (killed as its parsing begins, as a crash in a parser or a decoder,
// or memory run out, would stop it) is read maxReadTries times, then
// filed for a clerk unanswered and unread. The messages those stops held
// back are answered, and so are those checked beside it when it stopped
// the process: once it has, it is read alone, and it alone is filed
// unread.
func TestStoppedWhileRead(t *testing.T) {
	_, valid := photos(t)
	f := DefaultFolders()
	for _, tc := range []struct {
		name     string
		messages int
		stopper  uint32 // the UID of the message that stops the process
	}{
		{"the first of two", 2, 1},
		{"the second of four, checked beside the first", 4, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			id := func(uid int) string { return fmt.Sprintf("m%d@example.it", uid) }
			for uid := 1; uid <= tc.messages; uid++ {
				r.deliver(t, email(fmt.Sprintf("From: citizen%d@example.it\nSubject: foto\nMessage-ID: <%s>\n", uid, id(uid)), valid))
			}
			for i := range maxReadTries {
				if err := r.runChildAt(t, parsing, tc.stopper); err == nil {
					t.Fatalf("run %d: the process was not stopped", i+1)
				}
			}
			if got := answers(t, r.smtp); len(got) != 0 {
				t.Fatalf("answers while stopped: %v", got)
			}
			if err := r.runChild(t, ""); err != nil {
				t.Fatalf("the run after: %v", err)
			}
			got := answers(t, r.smtp)
			boxes := r.folders(t)
			if len(boxes["INBOX"]) != 0 {
				t.Errorf("left in INBOX: %v", boxes["INBOX"])
			}
			for uid := 1; uid <= tc.messages; uid++ {
				want, folder := 1, f.Valid
				if uint32(uid) == tc.stopper {
					want, folder = 0, f.Discarded
				}
				if n := len(got[id(uid)]); n != want || !slices.Contains(boxes[folder], id(uid)) {
					t.Errorf("%s: %d answers, folders %v; want %d, in %s", id(uid), n, boxes, want, folder)
				}
			}
			r.caughtUp(t)
		})
	}
}

// TestUIDValidity: the process is killed half-way through the first
// message, then the server numbers the mailbox anew (a new UIDVALIDITY and
// new UIDs: a restore or a migration). On restart the message is known
// again by its Message-ID: answered once, filed where it was meant to go,
// and nothing is left unfinished in the state.
func TestUIDValidity(t *testing.T) {
	_, valid := photos(t)
	f := DefaultFolders()
	for _, after := range []State{Checked, Replied} {
		t.Run("after "+string(after), func(t *testing.T) {
			r := newRig(t)
			r.deliver(t, email("From: mario@example.it\nSubject: foto\nMessage-ID: <one@example.it>\n", valid))
			r.deliver(t, email("From: anna@example.it\nSubject: foto\nMessage-ID: <two@example.it>\n", valid))
			if err := r.runChild(t, after); err == nil {
				t.Fatal("the process was not killed")
			}
			validity := func() uint32 {
				c := r.login(t)
				defer c.Close()
				sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
				if err != nil {
					t.Fatal(err)
				}
				return sel.UIDValidity
			}
			before := validity()
			r.imap.Renumber(t)
			if now := validity(); now == before {
				t.Fatalf("UIDVALIDITY still %d after renumbering", now)
			}
			if err := r.runChild(t, ""); err != nil {
				t.Fatalf("restart: %v", err)
			}
			got := answers(t, r.smtp)
			boxes := r.folders(t)
			for _, id := range []string{"one@example.it", "two@example.it"} {
				if n := len(got[id]); n != 1 || !slices.Contains(boxes[f.Valid], id) {
					t.Errorf("%s: %d answers, folders %v; want 1 answer, in %s", id, n, boxes, f.Valid)
				}
			}
			r.caughtUp(t)
		})
	}
}

// caughtUp checks that the state has caught up with the mailbox: nothing
// is left half done (--retain deletes only what is filed).
func (r *rig) caughtUp(t *testing.T) {
	t.Helper()
	store, err := OpenStore(context.Background(), r.state, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if open, err := store.Unfinished(context.Background(), "INBOX"); err != nil || len(open) != 0 {
		t.Errorf("unfinished in the state: %+v %v", open, err)
	}
	var readings int
	if err := store.db.QueryRow(`SELECT count(*) FROM readings`).Scan(&readings); err != nil || readings != 0 {
		t.Errorf("readings left in the state: %d, %v", readings, err)
	}
}

// runChild runs the inbox once in a new process (this test binary, see
// child), killed with SIGKILL right after the first message reaches step
// killAfter ("" runs it to the end).
func (r *rig) runChild(t *testing.T, killAfter State) error {
	t.Helper()
	return r.runChildAt(t, killAfter, 0)
}

// runChildAt is runChild killed at step killAfter of the message of UID
// uid only (0: the first message to reach it).
func (r *rig) runChildAt(t *testing.T, killAfter State, uid uint32) error {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("CHILD_KILL_UID=%d", uid),
		childEnv+"=1",
		"CHILD_IMAP=imap+plain://"+r.imap.Addr, "CHILD_IMAP_USER="+r.imap.User, "CHILD_IMAP_PASSWORD="+r.imap.Password,
		"CHILD_SMTP=smtp+plain://"+r.smtp.Addr, "CHILD_SMTP_USER="+r.smtp.User, "CHILD_SMTP_PASSWORD="+r.smtp.Password,
		"CHILD_STATE="+r.state, "CHILD_KILL_AFTER="+string(killAfter))
	out, err := cmd.CombinedOutput()
	if len(out) > 0 {
		t.Logf("child: %s", out)
	}
	return err
}

// child is the inbox process of TestCrash.
func child() int {
	store, err := OpenStore(context.Background(), os.Getenv("CHILD_STATE"), StoreOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	killAfter := State(os.Getenv("CHILD_KILL_AFTER"))
	killUID, _ := strconv.ParseUint(os.Getenv("CHILD_KILL_UID"), 10, 32) // 0: any message's
	cfg := Config{
		IMAP: os.Getenv("CHILD_IMAP"), IMAPUser: os.Getenv("CHILD_IMAP_USER"), IMAPPassword: os.Getenv("CHILD_IMAP_PASSWORD"),
		SMTP: os.Getenv("CHILD_SMTP"), SMTPUser: os.Getenv("CHILD_SMTP_USER"), SMTPPassword: os.Getenv("CHILD_SMTP_PASSWORD"),
		From: mail.Address{Address: officeAddr},
		Auth: testAuth,
		AfterStep: func(k Key, s State) {
			if s == killAfter && (killUID == 0 || k.UID == uint32(killUID)) {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // the signal is on its way
			}
		},
	}
	eng, err := engine.Open(0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	in, err := New(cfg, store, validate.New(eng))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := in.Once(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestRunIdle: Run answers what is waiting, then a message delivered
// while it idles, and returns when its context ends.
func TestRunIdle(t *testing.T) {
	_, valid := photos(t)
	r := newRig(t)
	r.deliver(t, email("From: mario@example.it\nSubject: foto\nMessage-ID: <waiting@example.it>\n", valid))
	stop := r.run(t, r.config())
	waitAnswers(t, r.smtp, 1, 30*time.Second)
	r.deliver(t, email("From: anna@example.it\nSubject: foto\nMessage-ID: <new@example.it>\n", valid))
	waitAnswers(t, r.smtp, 2, 30*time.Second)
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
	if got := answers(t, r.smtp); len(got["waiting@example.it"]) != 1 || len(got["new@example.it"]) != 1 {
		t.Errorf("answers %v", got)
	}
}

// TestFolderDeleted: a clerk deletes a folder while the inbox watches;
// the next message answered into it is filed all the same, the folder
// made again (the server answers MOVE or COPY with TRYCREATE), not left
// in INBOX until a restart.
func TestFolderDeleted(t *testing.T) {
	_, valid := photos(t)
	for _, tc := range []struct {
		name string
		opts dovecot.Options
	}{
		{"MOVE", dovecot.Options{}},
		{"COPY", dovecot.Options{Capability: "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ UIDPLUS NAMESPACE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRigWith(t, tc.opts)
			stop := r.run(t, r.config())
			defer stop()
			valide := DefaultFolders().Valid
			filed := func(id string) bool {
				deadline := time.Now().Add(30 * time.Second)
				for time.Now().Before(deadline) {
					if slices.Contains(r.folders(t)[valide], id) {
						return true
					}
					time.Sleep(100 * time.Millisecond)
				}
				return false
			}
			r.deliver(t, email("From: mario@example.it\nSubject: foto\nMessage-ID: <before@example.it>\n", valid))
			if !filed("before@example.it") {
				t.Fatalf("the first message was not filed: %v", r.folders(t))
			}
			c := r.login(t)
			if err := c.Delete(valide).Wait(); err != nil {
				t.Fatal(err)
			}
			c.Close()
			r.deliver(t, email("From: anna@example.it\nSubject: foto\nMessage-ID: <after@example.it>\n", valid))
			if !filed("after@example.it") {
				t.Errorf("not filed after the folder was deleted: %v", r.folders(t))
			}
			if err := stop(); err != nil {
				t.Errorf("Run: %v", err)
			}
			if got := answers(t, r.smtp); len(got["before@example.it"]) != 1 || len(got["after@example.it"]) != 1 {
				t.Errorf("answers %v, want one each", got)
			}
		})
	}
}

// TestLimits: a message over MaxBytes is not checked but answered with a
// short note; one with more images than mailphoto.MaxImages has the first
// ones checked and the sender told of the rest.
func TestLimits(t *testing.T) {
	_, valid := photos(t)
	r := newRig(t)
	small := fixture.JPEG(fixture.Gradient(30, 40), 80, nil, nil)
	many := make([][]byte, mailphoto.MaxImages+2)
	for i := range many {
		many[i] = small
	}
	r.deliver(t, email("From: grande@example.it\nSubject: foto\nMessage-ID: <big@example.it>\n", valid, valid))
	r.deliver(t, email("From: tante@example.it\nSubject: foto\nMessage-ID: <many@example.it>\n", many...))
	// Over the size too, in a PEC envelope: only its header is read, and
	// the citizen its provider names is told.
	r.deliver(t, fixture.PEC(email("From: Mario Rossi <mario.rossi@pec.example.it>\nSubject: Foto per la CIE\nMessage-ID: <orig-1@pec.example.it>\n", valid, valid)))
	cfg := r.config()
	cfg.MaxBytes = int64(len(valid)) + int64(len(valid))/2 // one photo fits, two do not
	r.once(t, cfg)
	got := answers(t, r.smtp)
	f := DefaultFolders()
	b := r.folders(t)
	for _, c := range []struct {
		id, folder, says string
	}{
		{"big@example.it", f.Discarded, "oltre il limite"},
		{"many@example.it", f.ToFix, "Altre 2 immagini non sono state controllate"},
		{"orig-1@pec.example.it", f.Discarded, "oltre il limite"},
	} {
		folder := b[c.folder]
		if c.id == "orig-1@pec.example.it" {
			folder = nil // the mailbox holds the envelope, under the provider's Message-ID
			for _, id := range b[c.folder] {
				if id == "opec-0001@pec.example.it" {
					folder = append(folder, c.id)
				}
			}
		}
		if len(got[c.id]) != 1 || !slices.Contains(folder, c.id) {
			t.Errorf("%s: %d answers, folders %v; want 1 and %s", c.id, len(got[c.id]), b, c.folder)
			continue
		}
		if c.id == "orig-1@pec.example.it" {
			if to, err := got[c.id][0].Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "mario.rossi@pec.example.it" {
				t.Errorf("PEC over the size answered to %v (%v), want mario.rossi@pec.example.it", to, err)
			}
		}
		if text, _ := parts(t, got[c.id][0]); !strings.Contains(text, c.says) {
			t.Errorf("%s: answer lacks %q:\n%s", c.id, c.says, text)
		}
	}
}

// TestWithoutIdleAndMove: against a server that offers neither IDLE nor
// MOVE, Run polls and files with COPY, \Deleted and UID EXPUNGE, leaving
// another message a clerk marked deleted alone.
func TestWithoutIdleAndMove(t *testing.T) {
	_, valid := photos(t)
	r := newRigWith(t, dovecot.Options{Capability: "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ UIDPLUS"})
	// A message a clerk flagged \Deleted but did not expunge: not
	// tessera's to remove.
	r.deliver(t, fixture.CRLF("From: clerk@comune.example.it\nSubject: nota\nMessage-ID: <clerk@comune.example.it>\nContent-Type: text/plain\n\nda cancellare\n"))
	c := r.login(t)
	defer c.Close()
	if caps := c.Caps(); caps.Has(imap.CapIdle) || caps.Has(imap.CapMove) {
		t.Fatalf("the server still offers IDLE or MOVE: %v", caps)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	r.deliver(t, email("From: mario@example.it\nSubject: foto\nMessage-ID: <polled@example.it>\n", valid))

	cfg := r.config()
	cfg.Poll = 200 * time.Millisecond
	stop := r.run(t, cfg)
	r.deliver(t, email("From: anna@example.it\nSubject: foto\nMessage-ID: <later@example.it>\n", valid))
	waitAnswers(t, r.smtp, 2, 30*time.Second)
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
	b := r.folders(t)
	if !slices.Contains(b[DefaultFolders().Valid], "polled@example.it") || !slices.Contains(b[DefaultFolders().Valid], "later@example.it") {
		t.Errorf("not filed: %v", b)
	}
	// The clerk's deleted message was neither answered nor expunged: a
	// plain EXPUNGE would have removed it with tessera's.
	if !slices.Equal(b["INBOX"], []string{"clerk@comune.example.it"}) || len(r.smtp.Messages()) != 2 {
		t.Errorf("INBOX %v, %d answers; want the clerk's message left alone", b["INBOX"], len(r.smtp.Messages()))
	}
}

// TestFolderNames: on servers that separate levels with "." (Dovecot's
// Maildir default, Courier), keep every folder under "INBOX." (Courier,
// some hosted mailboxes) or do not offer NAMESPACE, the folders are made
// and filled under the server's own names, and none is made with a "/"
// in its name.
func TestFolderNames(t *testing.T) {
	_, valid := photos(t)
	for _, tc := range []struct {
		name string
		opts dovecot.Options
		want string // where the answered message is filed
	}{
		{"dot", dovecot.Options{Separator: "."}, "Tessera.Valide"},
		{"INBOX prefix", dovecot.Options{Separator: ".", Prefix: "INBOX."}, "INBOX.Tessera.Valide"},
		{"no NAMESPACE", dovecot.Options{Separator: ".", Capability: "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ UIDPLUS MOVE"}, "Tessera.Valide"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRigWith(t, tc.opts)
			r.deliver(t, email("From: mario@example.it\nSubject: foto\nMessage-ID: <dot@example.it>\n", valid))
			r.once(t, r.config())
			got := r.folders(t)
			if !slices.Equal(got[tc.want], []string{"dot@example.it"}) || len(got) != 1 {
				t.Errorf("filed %v, want the message in %q only", got, tc.want)
			}
			c := r.login(t)
			defer c.Close()
			list, err := c.List("", "*", nil).Collect()
			if err != nil {
				t.Fatal(err)
			}
			var made []string
			for _, l := range list {
				made = append(made, l.Mailbox)
				if strings.Contains(l.Mailbox, "/") {
					t.Errorf("folder %q made with the configuration's separator", l.Mailbox)
				}
			}
			t.Logf("folders: %v", made)
			if len(r.smtp.Messages()) != 1 {
				t.Errorf("%d answers, want 1", len(r.smtp.Messages()))
			}
		})
	}
}

// TestTransports: the ways to reach the servers. TLS from the first byte
// or by STARTTLS, AUTH PLAIN or LOGIN, all answer; a server that does not
// offer STARTTLS under smtp://, or a wrong password, leaves the message
// unanswered in the mailbox for a later pass.
func TestTransports(t *testing.T) {
	_, valid := photos(t)
	tests := []struct {
		name     string
		smtp     smtpsink.Options
		imapURL  func(*dovecot.Server) string
		smtpURL  func(*smtpsink.Server) string
		password string // "" is the right one
		answered bool
	}{
		{"imaps, smtps, PLAIN", smtpsink.Options{Auth: []string{"PLAIN"}},
			func(d *dovecot.Server) string { return "imaps://" + d.TLSAddr },
			func(s *smtpsink.Server) string { return "smtps://" + s.TLSAddr }, "", true},
		{"imap STARTTLS, smtp STARTTLS, LOGIN only", smtpsink.Options{Auth: []string{"LOGIN"}},
			func(d *dovecot.Server) string { return "imap://" + d.Addr },
			func(s *smtpsink.Server) string { return "smtp://" + s.Addr }, "", true},
		{"smtp:// to a server without STARTTLS", smtpsink.Options{NoStartTLS: true},
			func(d *dovecot.Server) string { return "imaps://" + d.TLSAddr },
			func(s *smtpsink.Server) string { return "smtp://" + s.Addr }, "", false},
		{"a wrong SMTP password", smtpsink.Options{},
			func(d *dovecot.Server) string { return "imaps://" + d.TLSAddr },
			func(s *smtpsink.Server) string { return "smtps://" + s.TLSAddr }, "sbagliata", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &rig{imap: dovecot.Start(t), smtp: smtpsink.StartWith(t, tc.smtp), state: filepath.Join(t.TempDir(), "state.db")}
			r.deliver(t, email("From: mario@example.it\nSubject: foto\nMessage-ID: <tls@example.it>\n", valid))
			cfg := r.config()
			cfg.IMAP, cfg.SMTP = tc.imapURL(r.imap), tc.smtpURL(r.smtp)
			// One pool trusting both test servers' certificates.
			pool := r.imap.CertPool()
			pool.AddCert(r.smtp.Cert())
			cfg.TLS.RootCAs = pool
			if tc.password != "" {
				cfg.SMTPPassword = tc.password
			}
			in := r.inbox(t, cfg)
			err := in.Once(context.Background())
			n := len(r.smtp.Messages())
			left := r.folders(t)["INBOX"]
			if tc.answered && (err != nil || n != 1 || len(left) != 0) {
				t.Errorf("%v, %d answers, left %v; want answered and filed", err, n, left)
			}
			if !tc.answered && (err == nil || n != 0 || len(left) != 1) {
				t.Errorf("%v, %d answers, left %v; want an error and the message left", err, n, left)
			}
		})
	}
}

// TestDuplicateDuringOutage: two copies of one message arrive while the
// SMTP server says "try later"; when it is back, one answer is sent and
// the other copy is filed as a duplicate. The same holds for the hourly
// limit: answers held back by the outage are counted when they go.
func TestDuplicateDuringOutage(t *testing.T) {
	_, valid := photos(t)
	r := newRig(t)
	msg := email("From: mario@example.it\nSubject: foto\nMessage-ID: <twice@example.it>\n", valid)
	r.deliver(t, msg)
	r.deliver(t, msg)
	for i := range 3 {
		r.deliver(t, email(fmt.Sprintf("From: anna@example.it\nSubject: foto %d\nMessage-ID: <anna%d@example.it>\n", i, i), valid))
	}
	cfg := r.config()
	cfg.PerHour = 2
	r.smtp.RefuseTo("mario@example.it", 451)
	r.smtp.RefuseTo("anna@example.it", 451)
	if err := r.pass(t, cfg); err == nil {
		t.Fatal("no error while the SMTP server refuses")
	}
	if n := len(r.smtp.Messages()); n != 0 {
		t.Fatalf("%d answers during the outage", n)
	}
	r.smtp.RefuseTo("mario@example.it", 0)
	r.smtp.RefuseTo("anna@example.it", 0)
	r.once(t, cfg)
	got := answers(t, r.smtp)
	if n := len(got["twice@example.it"]); n != 1 {
		t.Errorf("%d answers to the message sent twice, want 1", n)
	}
	anna := 0
	for i := range 3 {
		anna += len(got[fmt.Sprintf("anna%d@example.it", i)])
	}
	if anna != cfg.PerHour {
		t.Errorf("%d answers to anna, want the hourly limit %d", anna, cfg.PerHour)
	}
	b := r.folders(t)
	if len(b["INBOX"]) != 0 || len(b[DefaultFolders().Discarded]) != 2 {
		t.Errorf("folders %v; want INBOX empty, the copy and anna's third in Scartati", b)
	}
}

// TestStateLocked: a second inbox on the same state is refused.
func TestStateLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	a, err := OpenStore(context.Background(), path, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStore(context.Background(), path, StoreOptions{}); !errors.Is(err, ErrLocked) {
		t.Errorf("second open: %v, want ErrLocked", err)
	}
	a.Close()
	b, err := OpenStore(context.Background(), path, StoreOptions{})
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	b.Close()
}

// TestRunReconnects: Dovecot restarts while the inbox idles; the inbox
// opens the connection again and answers a message delivered after.
func TestRunReconnects(t *testing.T) {
	_, valid := photos(t)
	r := newRig(t)
	cfg := r.config()
	cfg.Log = slog.New(slog.NewTextHandler(t.Output(), nil))
	r.run(t, cfg)
	r.deliver(t, email("From: mario@example.it\nSubject: foto\nMessage-ID: <before@example.it>\n", valid))
	waitAnswers(t, r.smtp, 1, 30*time.Second)
	start := time.Now()
	r.imap.Restart(t)
	t.Logf("dovecot restarted in %v", time.Since(start))
	r.deliver(t, email("From: anna@example.it\nSubject: foto\nMessage-ID: <after@example.it>\n", valid))
	// Reconnecting waits 1, 2, 4, 8, 16, 32 s between tries: a bound
	// past the sixth try.
	waitAnswers(t, r.smtp, 2, 90*time.Second)
	if got := answers(t, r.smtp); len(got["before@example.it"]) != 1 || len(got["after@example.it"]) != 1 {
		t.Errorf("answers %v", got)
	}
}

// TestAwaitClosedConnection: on a server without IDLE, where the inbox
// waits for news by polling, a connection the server closes (Dovecot
// stopped, as for an upgrade) ends the wait at once with an error, so Run
// reconnects then, not a poll interval later.
func TestAwaitClosedConnection(t *testing.T) {
	r := newRigWith(t, dovecot.Options{Capability: "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ UIDPLUS MOVE"})
	in := r.inbox(t, r.config())
	c, _, err := in.connect(false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	if c.c.Caps().Has(imap.CapIdle) {
		t.Fatal("the server offers IDLE: the polled wait is not tested")
	}
	done := make(chan error, 1)
	go func() { done <- c.await(context.Background(), time.Hour, time.Hour) }()
	r.imap.Stop(t)
	select {
	case err := <-done:
		if err == nil {
			t.Error("the wait ended without an error on a closed connection")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still waiting 30 s after the server closed the connection")
	}
}

// waitAnswers waits until the SMTP server has n messages; the bound only
// keeps a broken inbox from hanging the test.
func waitAnswers(t testing.TB, s *smtpsink.Server, n int, bound time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(bound); len(s.Messages()) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d answers, want %d", len(s.Messages()), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMailClients: messages as mail programs send them, each answered as
// its photos deserve.
func TestMailClients(t *testing.T) {
	studio, valid := photos(t)
	r := newRig(t)
	f := DefaultFolders()
	iphone := fixture.CRLF(`From: Mario Rossi <mario@icloud.example.com>
Content-Type: multipart/mixed; boundary="Apple-Mail=_5E4B1C2A-1111-2222-3333-444455556666"
Mime-Version: 1.0 (1.0)
Subject: Foto carta identità
Message-Id: <iphone@icloud.example.com>
Date: Wed, 25 Nov 2026 09:12:00 +0100
To: anagrafe@comune.example.it
X-Mailer: iPhone Mail (22B83)

--Apple-Mail=_5E4B1C2A-1111-2222-3333-444455556666
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Buongiorno, allego la foto.

Inviato da iPhone
--Apple-Mail=_5E4B1C2A-1111-2222-3333-444455556666
Content-Type: image/jpeg; name="IMG_4821.jpeg"; x-unix-mode=0666
Content-Disposition: inline; filename="IMG_4821.jpeg"
Content-Transfer-Encoding: base64

` + fixture.Base64Lines(valid) + `
--Apple-Mail=_5E4B1C2A-1111-2222-3333-444455556666--
`)
	outlook := fixture.CRLF(`From: John Smith <john.smith@outlook.example.com>
To: "anagrafe@comune.example.it" <anagrafe@comune.example.it>
Subject: ID card photo
Thread-Topic: ID card photo
Thread-Index: AQHbXyZ7kq1c2n0rAkSz4w==
Date: Wed, 25 Nov 2026 08:30:00 +0000
Message-ID: <outlook@outlook.example.com>
Accept-Language: en-US
Content-Language: en-US
X-MS-Has-Attach: yes
Content-Type: multipart/mixed; boundary="_004_outlook_"
MIME-Version: 1.0

--_004_outlook_
Content-Type: multipart/alternative; boundary="_000_outlook_"

--_000_outlook_
Content-Type: text/plain; charset="us-ascii"

Good morning, please find my photo attached.
--_000_outlook_
Content-Type: text/html; charset="us-ascii"

<html><body><p>Good morning, please find my photo attached.</p></body></html>
--_000_outlook_--
--_004_outlook_
Content-Type: image/jpeg; name="passport photo.jpg"
Content-Description: passport photo.jpg
Content-Disposition: attachment; filename="passport photo.jpg"; size=` + fmt.Sprint(len(studio)) + `
Content-ID: <image001@01DB3F00>
Content-Transfer-Encoding: base64

` + fixture.Base64Lines(studio) + `
--_004_outlook_--
`)
	heic := email("From: anna@example.it\nSubject: foto\nMessage-ID: <heic@example.it>\n", fixture.Magic()["heic"])
	studioImg, err := imaging.Decode(bytes.NewReader(studio))
	if err != nil {
		t.Fatal(err)
	}
	phoneHEIC, err := fixture.PhoneHEIC(studioImg, fixture.Exif{})
	if err != nil {
		t.Fatal(err)
	}
	iphoneHEIC := fixture.CRLF(`From: Giulia Bianchi <giulia@icloud.example.com>
Content-Type: multipart/mixed; boundary="Apple-Mail=_heic"
Mime-Version: 1.0 (1.0)
Subject: Foto
Message-Id: <iphone-heic@icloud.example.com>
Date: Wed, 25 Nov 2026 09:20:00 +0100
To: anagrafe@comune.example.it
X-Mailer: iPhone Mail (22B83)

--Apple-Mail=_heic
Content-Type: text/plain; charset=utf-8

Buongiorno, ecco la foto.
--Apple-Mail=_heic
Content-Type: image/heic; name="IMG_4822.HEIC"; x-unix-mode=0666
Content-Disposition: attachment; filename="IMG_4822.HEIC"
Content-Transfer-Encoding: base64

` + fixture.Base64Lines(phoneHEIC) + `
--Apple-Mail=_heic--
`)
	several := email("From: luca@example.it\nSubject: foto\nMessage-ID: <several@example.it>\n", valid, studio)
	bounce := fixture.CRLF("Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.it>\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <bounce@mx.example.it>\nAuto-Submitted: auto-replied\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\nContent-Type: text/plain\n\nThis is the mail system.\n--r\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; nessuno@example.it\nAction: failed\nStatus: 5.1.1\n--r--\n")
	tests := []struct {
		name, id, folder string
		msg              []byte
		says             []string // in the answer; nil: no answer
		files            []string
	}{
		{"iPhone Mail", "iphone@icloud.example.com", f.Valid, iphone, []string{"Buongiorno", "IMG_4821.jpeg: va bene"}, nil},
		{"Outlook, in English", "outlook@outlook.example.com", f.ToFix, outlook, []string{"Hello", "passport_photo.jpg: to fix"}, []string{"passport_photo-tessera.jpg"}},
		{"HEIC that cannot be read", "heic@example.it", f.ToFix, heic, []string{"foto1.jpg: non è una foto leggibile", "JPG"}, nil},
		{"iPhone Mail, HEIC", "iphone-heic@icloud.example.com", f.ToFix, iphoneHEIC, []string{"IMG_4822.heic: da correggere", "formato HEIC", "JPG"}, []string{"IMG_4822-tessera.jpg"}},
		{"several photos", "several@example.it", f.ToFix, several, []string{"foto1.jpg: va bene", "foto2.jpg: da correggere"}, []string{"foto2-tessera.jpg"}},
		{"a bounce", "bounce@mx.example.it", f.Discarded, bounce, nil, nil},
	}
	for _, tc := range tests {
		r.deliver(t, tc.msg)
	}
	r.once(t, r.config())
	got := answers(t, r.smtp)
	b := r.folders(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !slices.Contains(b[tc.folder], tc.id) {
				t.Errorf("not in %s: %v", tc.folder, b)
			}
			if len(got[tc.id]) != min(1, len(tc.says)) {
				t.Fatalf("%d answers, want %d", len(got[tc.id]), min(1, len(tc.says)))
			}
			if len(tc.says) == 0 {
				return
			}
			text, files := parts(t, got[tc.id][0])
			for _, s := range tc.says {
				if !strings.Contains(text, s) {
					t.Errorf("answer lacks %q:\n%s", s, text)
				}
			}
			if !slices.Equal(files, tc.files) {
				t.Errorf("attached %v, want %v", files, tc.files)
			}
		})
	}
}

// histogramCount is how many answers the reply latency has observed.
func histogramCount(t testing.TB, m *Metrics) uint64 {
	t.Helper()
	var out dto.Metric
	if err := m.latency.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.GetHistogram().GetSampleCount()
}

// TestHugeHeaders: a message whose header, or one part's header, is made
// of a multitude of fields is filed unanswered as malformed, read within
// mailphoto's bounds (MaxHeaderFields, MaxHeaderBytes: a part header of
// tiny fields once took 120 bytes of memory a byte), and the citizen
// writing after it is answered as usual.
func TestHugeHeaders(t *testing.T) {
	_, valid := photos(t)
	r := newRig(t)
	fields := strings.Repeat("X: y\n", 500_000) // 3 MB with CRLF
	// Over MaxBytes: only its header is fetched, and it is too large.
	r.deliver(t, fixture.CRLF("From: a@example.it\nSubject: foto\nMessage-ID: <hdr@example.it>\n"+fields+"Content-Type: text/plain\n\nx\n"))
	// Under MaxBytes whole, a part's header of tiny fields.
	r.deliver(t, fixture.CRLF("From: b@example.it\nSubject: foto\nMessage-ID: <part@example.it>\nContent-Type: multipart/mixed; boundary=b\n\n"+
		"--b\n"+strings.Repeat("X:\n", 300_000)+"Content-Type: image/jpeg; name=f.jpg\nContent-Transfer-Encoding: base64\n\n"+fixture.Base64Lines(valid)+"\n--b--\n"))
	r.deliver(t, email("From: Mario Rossi <mario@example.it>\nSubject: foto CIE\nMessage-ID: <citizen@example.it>\n", valid))
	cfg := r.config()
	cfg.MaxBytes = 2 << 20
	r.once(t, cfg)
	got := answers(t, r.smtp)
	b := r.folders(t)
	f := DefaultFolders()
	for _, id := range []string{"hdr@example.it", "part@example.it"} {
		if len(got[id]) != 0 || !slices.Contains(b[f.Discarded], id) {
			t.Errorf("%s: %d answers, folders %v; want none, in %s", id, len(got[id]), b, f.Discarded)
		}
	}
	if len(got["citizen@example.it"]) != 1 || !slices.Contains(b[f.Valid], "citizen@example.it") {
		t.Errorf("the citizen: %d answers, folders %v; want the usual answer", len(got["citizen@example.it"]), b)
	}
}
