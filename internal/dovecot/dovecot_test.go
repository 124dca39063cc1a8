package dovecot_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/tessera-cie/tessera/internal/dovecot"
)

// folder is the kind of folder the inbox processor creates: a space in the
// name and "/" as the hierarchy separator.
const folder = "Tessera/Da correggere"

// messages are delivered in this order; CRLF line ends come back unchanged.
var messages = [][]byte{
	[]byte("From: Anna <anna@example.com>\r\nTo: tessera@example.com\r\nSubject: foto\r\n" +
		"Message-ID: <1@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Ecco la foto per la tessera.\r\n"),
	[]byte("From: Bruno <bruno@example.com>\r\nTo: tessera@example.com\r\nSubject: seconda\r\n" +
		"Message-ID: <2@example.com>\r\n\r\nUn'altra.\r\n"),
}

// dialers are the two ways a client reaches the server.
func dialers(s *dovecot.Server) []struct {
	name string
	dial func() (*imapclient.Client, error)
} {
	opts := &imapclient.Options{TLSConfig: s.TLSConfig()}
	return []struct {
		name string
		dial func() (*imapclient.Client, error)
	}{
		{"imaps", func() (*imapclient.Client, error) { return imapclient.DialTLS(s.TLSAddr, opts) }},
		{"starttls", func() (*imapclient.Client, error) { return imapclient.DialStartTLS(s.Addr, opts) }},
	}
}

// login dials and logs in, and logs out at the end of the test.
func login(t *testing.T, s *dovecot.Server, dial func() (*imapclient.Client, error)) *imapclient.Client {
	t.Helper()
	c, err := dial()
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() {
		c.Logout().Wait()
		c.Close()
	})
	if err := c.Login(s.User, s.Password).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	return c
}

// mailbox is what a folder holds: its UIDVALIDITY and each message by UID.
type mailbox struct {
	uidValidity uint32
	bodies      map[imap.UID]string
}

// read selects name and fetches every message's UID and full body.
func read(t *testing.T, c *imapclient.Client, name string) mailbox {
	t.Helper()
	sel, err := c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("select %q: %v", name, err)
	}
	mb := mailbox{uidValidity: sel.UIDValidity, bodies: map[imap.UID]string{}}
	search, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		t.Fatalf("uid search all in %q: %v", name, err)
	}
	uids := search.AllUIDs()
	if len(uids) != int(sel.NumMessages) {
		t.Fatalf("%q: UID SEARCH ALL found %v, SELECT said %d messages", name, uids, sel.NumMessages)
	}
	if len(uids) == 0 {
		return mb
	}
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID: true, BodySection: []*imap.FetchItemBodySection{section},
	}).Collect()
	if err != nil {
		t.Fatalf("uid fetch %v body[] in %q: %v", uids, name, err)
	}
	for _, m := range msgs {
		mb.bodies[m.UID] = string(m.FindBodySection(section))
	}
	if len(mb.bodies) != len(uids) {
		t.Fatalf("%q: fetched %d messages, want %d", name, len(mb.bodies), len(uids))
	}
	return mb
}

func (mb mailbox) String() string {
	uids := slices.Sorted(maps.Keys(mb.bodies))
	return fmt.Sprintf("UIDVALIDITY %d, UIDs %v", mb.uidValidity, uids)
}

func TestServer(t *testing.T) {
	s := dovecot.Start(t)
	for _, m := range messages {
		s.Deliver(t, m)
	}

	var inbox mailbox
	for _, d := range dialers(s) {
		t.Run(d.name, func(t *testing.T) {
			c := login(t, s, d.dial)
			caps, err := c.Capability().Wait()
			if err != nil {
				t.Fatalf("capability: %v", err)
			}
			for _, want := range []imap.Cap{imap.CapIMAP4rev1, imap.CapIdle, imap.CapMove, imap.CapUIDPlus} {
				if !caps.Has(want) {
					t.Errorf("capabilities %v lack %s", slices.Sorted(maps.Keys(caps)), want)
				}
			}
			got := read(t, c, "INBOX")
			if got.uidValidity == 0 {
				t.Errorf("INBOX UIDVALIDITY is 0")
			}
			if len(got.bodies) != len(messages) {
				t.Fatalf("INBOX has %v, want %d messages", got, len(messages))
			}
			uids := slices.Sorted(maps.Keys(got.bodies))
			for i, uid := range uids {
				if got.bodies[uid] != string(messages[i]) {
					t.Errorf("UID %d body:\n%q\nwant\n%q", uid, got.bodies[uid], messages[i])
				}
			}
			inbox = got
		})
	}
	if t.Failed() {
		t.FailNow()
	}

	// Move the first message into a new folder with a space in its name.
	c := login(t, s, dialers(s)[0].dial)
	if err := c.Create(folder, nil).Wait(); err != nil {
		t.Fatalf("create %q: %v", folder, err)
	}
	list, err := c.List("", folder, nil).Collect()
	if err != nil || len(list) != 1 || list[0].Delim != '/' {
		t.Fatalf("list %q: %v %+v, want one folder with delimiter /", folder, err, list)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("select INBOX: %v", err)
	}
	first := slices.Min(slices.Collect(maps.Keys(inbox.bodies)))
	if _, err := c.Move(imap.UIDSetNum(first), folder).Wait(); err != nil {
		t.Fatalf("uid move %d to %q: %v", first, folder, err)
	}
	before := map[string]mailbox{"INBOX": read(t, c, "INBOX"), folder: read(t, c, folder)}
	for name, mb := range before {
		if len(mb.bodies) != 1 {
			t.Errorf("after the move %q has %v, want 1 message", name, mb)
		}
	}
	if before["INBOX"].uidValidity != inbox.uidValidity {
		t.Errorf("INBOX UIDVALIDITY changed with the move: %d, was %d", before["INBOX"].uidValidity, inbox.uidValidity)
	}
	for _, body := range before[folder].bodies {
		if body != string(messages[0]) {
			t.Errorf("%q holds %q, want the first message", folder, body)
		}
	}
	c.Logout().Wait()

	// The store outlives the server: a clean restart and a crash keep the
	// messages, their UIDs and UIDVALIDITY, on the same ports.
	for _, tc := range []struct {
		name    string
		restart func(t *testing.T)
	}{
		{"restart", func(t *testing.T) { s.Restart(t) }},
		{"kill and restart", func(t *testing.T) { s.Kill(t); s.Restart(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, tlsAddr := s.Addr, s.TLSAddr
			// A session open across the restart must not hold it up, and
			// must see the server go.
			open := login(t, s, dialers(s)[0].dial)
			if _, err := open.Select("INBOX", nil).Wait(); err != nil {
				t.Fatalf("select INBOX: %v", err)
			}
			tc.restart(t)
			select {
			case <-open.Closed():
			case <-time.After(5 * time.Second):
				t.Errorf("a session open across the restart is still open")
			}
			if s.Addr != addr || s.TLSAddr != tlsAddr {
				t.Errorf("addresses changed: %s %s, were %s %s", s.Addr, s.TLSAddr, addr, tlsAddr)
			}
			for _, d := range dialers(s) {
				c := login(t, s, d.dial)
				for name, want := range before {
					got := read(t, c, name)
					if got.String() != want.String() || !maps.Equal(got.bodies, want.bodies) {
						t.Errorf("%s: %q after the restart: %v, was %v", d.name, name, got, want)
					}
				}
			}
		})
	}
}

func TestDeliverAfterRestart(t *testing.T) {
	s := dovecot.Start(t)
	s.Deliver(t, messages[0])
	s.Kill(t)
	s.Restart(t)
	s.Deliver(t, messages[1])
	c := login(t, s, dialers(s)[1].dial)
	if got := read(t, c, "INBOX"); len(got.bodies) != 2 {
		t.Errorf("INBOX has %v, want 2 messages", got)
	}
}
