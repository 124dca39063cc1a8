package inbox

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/publicsuffix"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", pure Go
)

// State is how far the inbox has got with a message. A message moves
// received -> checked -> sending -> replied -> filed; one that is not
// answered skips sending and replied.
type State string

// The states of a message, in order.
const (
	// Received: seen in the mailbox, nothing done yet.
	Received State = "received"
	// Checked: its photos are checked and its folder is chosen.
	Checked State = "checked"
	// Sending: the answer is being handed to the SMTP server. A process
	// that stops here cannot tell whether the answer left; on restart the
	// message is filed for a clerk (Unconfirmed) rather than answered
	// twice.
	Sending State = "sending"
	// Replied: the SMTP server accepted the answer.
	Replied State = "replied"
	// Filed: moved to its folder; nothing is left to do.
	Filed State = "filed"
)

// Unconfirmed is the reason of a message whose answer may or may not have
// left when the process stopped: it is filed for a clerk to look at.
const Unconfirmed Reason = "reply-unconfirmed"

// Key identifies a message in a mailbox: its UID is unique only while the
// mailbox's UIDVALIDITY stays the same (RFC 9051 section 2.3.1.1).
type Key struct {
	Mailbox     string
	UIDValidity uint32
	UID         uint32
}

func (k Key) String() string { return fmt.Sprintf("%s/%d/%d", k.Mailbox, k.UIDValidity, k.UID) }

// Entry is what the store knows of one message.
type Entry struct {
	Key
	// MessageID is the keyed hash of the message's Message-ID (the
	// citizen's, for PEC; idHash), never the Message-ID itself.
	MessageID string
	// Sender is a short keyed hash of the authenticated sender's address
	// (SenderHash), never the address itself.
	Sender string
	State  State
	// Folder is where the message is filed (set from Checked on).
	Folder string
	// Reason is why it is not answered ("" when it is).
	Reason Reason
	// Updated is when the state last changed.
	Updated time.Time
}

// Store is the inbox's memory, an SQLite database: each message's state,
// and when each sender was answered (for the hourly limit). Every change
// is one transaction, written through before the step it records is
// taken further.
type Store struct {
	db   *sql.DB
	lock *os.File
	key  []byte // of the hashes; never stored in db
	now  func() time.Time
}

// schema creates the tables; it is run on every open.
const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
	mailbox     TEXT    NOT NULL,
	uidvalidity INTEGER NOT NULL,
	uid         INTEGER NOT NULL,
	message_id  TEXT    NOT NULL,
	sender      TEXT    NOT NULL,
	domain      TEXT    NOT NULL DEFAULT '',
	state       TEXT    NOT NULL,
	folder      TEXT    NOT NULL DEFAULT '',
	reason      TEXT    NOT NULL DEFAULT '',
	attempts    INTEGER NOT NULL DEFAULT 0,
	last_error  TEXT    NOT NULL DEFAULT '',
	updated     INTEGER NOT NULL,
	PRIMARY KEY (mailbox, uidvalidity, uid)
);
CREATE INDEX IF NOT EXISTS messages_by_id ON messages (message_id);
CREATE INDEX IF NOT EXISTS messages_by_updated ON messages (updated);
CREATE TABLE IF NOT EXISTS readings (
	mailbox     TEXT    NOT NULL,
	uidvalidity INTEGER NOT NULL,
	uid         INTEGER NOT NULL,
	tries       INTEGER NOT NULL,
	updated     INTEGER NOT NULL,
	PRIMARY KEY (mailbox, uidvalidity, uid)
);
CREATE TABLE IF NOT EXISTS answers (sender TEXT NOT NULL, sent INTEGER NOT NULL, domain TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS answers_by_sender ON answers (sender, sent);
CREATE INDEX IF NOT EXISTS answers_by_sent ON answers (sent);
`

// added are the columns added to tables since their first version, made
// in a state written by an older tessera when it is opened.
var added = []struct{ table, column, def string }{
	{"messages", "domain", "TEXT NOT NULL DEFAULT ''"},
	{"answers", "domain", "TEXT NOT NULL DEFAULT ''"},
}

// byDomain indexes answers by domain, once the column is there.
const byDomain = `CREATE INDEX IF NOT EXISTS answers_by_domain ON answers (domain, sent)`

// OpenStore opens (creating it when missing) the store at path, with
// the key opts gives or its key file. The database, its journal and the
// key file are readable by their owner only (0600), whatever the umask.
func OpenStore(ctx context.Context, path string, opts StoreOptions) (*Store, error) {
	lock, err := lockFile(path + ".lock")
	if err != nil {
		return nil, err
	}
	if err := ownerOnly(path); err != nil {
		lock.Close()
		return nil, err
	}
	// FULL synchronous: a state is on disk when its transaction returns,
	// so a crash right after never forgets a step already taken.
	// secure_delete: what is deleted or replaced (rows forgotten by
	// --retain, a key or Message-IDs an older tessera kept) is
	// overwritten, not left in the file's free pages.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=secure_delete(ON)&_pragma=busy_timeout(5000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("inbox: open state %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // one writer; the inbox works one message at a time
	s := &Store{db: db, lock: lock, now: time.Now}
	if opts.KeyFile == "" {
		opts.KeyFile = path + ".key"
	}
	if err := s.init(ctx, opts); err != nil {
		db.Close()
		lock.Close()
		return nil, fmt.Errorf("inbox: state %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) init(ctx context.Context, opts StoreOptions) error {
	if _, err := s.db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	for _, a := range added {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info(?) WHERE name = ?`, a.table, a.column).Scan(&n); err != nil {
			return fmt.Errorf("columns of %s: %w", a.table, err)
		}
		if n == 0 {
			if _, err := s.db.ExecContext(ctx, "ALTER TABLE "+a.table+" ADD COLUMN "+a.column+" "+a.def); err != nil {
				return fmt.Errorf("add %s.%s: %w", a.table, a.column, err)
			}
		}
	}
	if _, err := s.db.ExecContext(ctx, byDomain); err != nil {
		return fmt.Errorf("index answers by domain: %w", err)
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return s.takeKey(ctx, tx, opts) })
}

// Close closes the database and lets another process open it.
func (s *Store) Close() error {
	err := s.db.Close()
	s.lock.Close()
	return err
}

// ErrLocked is returned by OpenStore when another process has the store
// open: two inboxes on one state would each take the other's message in
// progress for one a crash left behind.
var ErrLocked = errors.New("inbox: the state is in use by another tessera inbox")

// lockFile takes an exclusive lock on path (made when missing), held
// until the file is closed or the process ends, however it ends.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("inbox: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s)", ErrLocked, path)
		}
		return nil, fmt.Errorf("inbox: lock %s: %w", path, err)
	}
	return f, nil
}

// SenderHash is the short name of an address in the store and the logs:
// 12 hex digits of an HMAC-SHA256 under this store's own random key (kept
// apart from the database), so the same citizen is recognisable across
// messages but the address cannot be recovered by hashing a list of
// addresses. The
// address is normalised first (see normalAddress): its variants are one
// sender.
func (s *Store) SenderHash(addr string) string {
	return s.hash(normalAddress(addr))
}

// hash is 12 hex digits of the HMAC-SHA256 of v under the store's key.
func (s *Store) hash(v string) string {
	return hmacHex(s.key, v)[:12]
}

// idHash is what the store keeps of a Message-ID: 32 hex digits (128
// bits, no two messages alike) of its HMAC-SHA256 under the store's key.
func (s *Store) idHash(id string) string {
	return hmacHex(s.key, idPrefix+id)[:32]
}

// idPrefix keeps the hash of a Message-ID apart from that of an address.
const idPrefix = "message-id:"

// hmacHex is the HMAC-SHA256 of v under key, in hex.
func hmacHex(key []byte, v string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))
}

// normalAddress is addr as one mailbox, whatever the variant: in lower
// case (the local part is case-sensitive by the letter of RFC 5321, but
// no mail provider today treats it so), and without a "+tag" after the
// local part (subaddressing, RFC 5233), which reaches the same mailbox.
func normalAddress(addr string) string {
	addr = strings.ToLower(strings.TrimSpace(addr))
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return addr
	}
	local, domain := addr[:i], normalDomain(addr[i+1:])
	if plus := strings.IndexByte(local, '+'); plus > 0 {
		local = local[:plus]
	}
	return local + "@" + domain
}

// SenderKeys are what a message's answers count against: the keyed
// hashes of the authenticated sender's normalised address and of its
// organisational domain (the one registered under a public suffix:
// a.example.it and b.example.it are one domain, which their owner cannot
// multiply).
type SenderKeys struct {
	Address, Domain string
}

// SenderKeys returns the SenderKeys of the address addr.
func (s *Store) SenderKeys(addr string) SenderKeys {
	d := domainOf(addr)
	if org, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		d = org
	}
	return SenderKeys{Address: s.SenderHash(addr), Domain: s.hash("@" + d)}
}

// Begin records that the message k was seen and returns its entry: a new
// one in state Received, or the one already stored (a restart resumes
// from it), also when it was stored under an earlier UIDVALIDITY of the
// mailbox and is unfinished. dup is set when another message with the
// same Message-ID was already answered or is being answered (the same
// mail copied or delivered twice): it must not be answered again.
func (s *Store) Begin(ctx context.Context, k Key, messageID string, sender SenderKeys) (e Entry, dup bool, err error) {
	if messageID != "" {
		messageID = s.idHash(messageID)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		e, err = get(ctx, tx, k)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// The same message unfinished under an earlier UIDVALIDITY of
		// this mailbox: the server numbered the mailbox anew (restored,
		// rebuilt or moved to another server) and the message has a new
		// UID. Its entry takes the new key and resumes where it was, so
		// an answer sent before is not sent again and the message is
		// filed where it was meant to go.
		var was Key
		err = tx.QueryRowContext(ctx, `SELECT uidvalidity, uid FROM messages WHERE mailbox = ? AND uidvalidity <> ? AND message_id = ? AND state <> ?
			ORDER BY updated LIMIT 1`, k.Mailbox, k.UIDValidity, messageID, Filed).Scan(&was.UIDValidity, &was.UID)
		switch {
		case err == nil:
			if _, err := tx.ExecContext(ctx, `UPDATE messages SET uidvalidity = ?, uid = ? WHERE mailbox = ? AND uidvalidity = ? AND uid = ?`,
				k.UIDValidity, k.UID, k.Mailbox, was.UIDValidity, was.UID); err != nil {
				return err
			}
			e, err = get(ctx, tx, k)
			return err
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if messageID != "" {
			var n int
			// Answered, being answered, or perhaps answered before a stop.
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE message_id = ? AND
				(state IN (?, ?) OR (state = ? AND reason = '') OR reason = ?)`,
				messageID, Sending, Replied, Filed, Unconfirmed).Scan(&n); err != nil {
				return err
			}
			dup = n > 0
		}
		e = Entry{Key: k, MessageID: messageID, Sender: sender.Address, State: Received, Updated: s.now()}
		_, err = tx.ExecContext(ctx, `INSERT INTO messages (mailbox, uidvalidity, uid, message_id, sender, domain, state, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			k.Mailbox, k.UIDValidity, k.UID, messageID, sender.Address, sender.Domain, Received, e.Updated.UnixMilli())
		return err
	})
	if err != nil {
		return Entry{}, false, fmt.Errorf("inbox: begin %s: %w", k, err)
	}
	return e, dup, nil
}

// Checked records the folder chosen for k and why it is not answered
// ("" when it is). It returns k's entry as it now is, as every step
// does.
func (s *Store) Checked(ctx context.Context, k Key, folder string, reason Reason) (Entry, error) {
	return s.move(ctx, k, Received, Checked, fileAs(ctx, k, folder, reason))
}

// Sending's refusals: the answer must not be sent, and the message is
// filed unanswered (Discard).
var (
	ErrDuplicate   = errors.New("inbox: another copy of the message was answered")
	ErrRateLimited = errors.New("inbox: the sender had all the answers allowed this hour")
	ErrDomainLimit = errors.New("inbox: the sender's domain had all the answers allowed this hour")
	ErrHourlyCap   = errors.New("inbox: the inbox sent all the answers allowed this hour")
)

// Limits bound the answers sent since a time: to one sender (its
// normalised address), to one domain, and in all. Zero is no limit.
type Limits struct {
	PerSender, PerDomain, Total int
}

// Sending records that the answer to k is about to be handed to SMTP. In
// the same transaction it makes sure the answer may go: it returns
// ErrDuplicate when another copy of the message (its Message-ID) was
// answered, is being answered, or may have been; ErrRateLimited,
// ErrDomainLimit or ErrHourlyCap when as many answers as lim allows
// were sent since since to k's sender, to its domain, or in all. A
// message checked with a reason not to answer it cannot be sent at all
// (ErrState).
func (s *Store) Sending(ctx context.Context, k Key, lim Limits, since time.Time) (Entry, error) {
	return s.move(ctx, k, Checked, Sending, func(tx *sql.Tx) error {
		var reason Reason
		var msgID, sender, domain string
		if err := tx.QueryRowContext(ctx, `SELECT reason, message_id, sender, domain FROM messages WHERE mailbox = ? AND uidvalidity = ? AND uid = ?`,
			k.Mailbox, k.UIDValidity, k.UID).Scan(&reason, &msgID, &sender, &domain); err != nil {
			return err
		}
		if reason != "" {
			return fmt.Errorf("%w: not to be answered (%s)", ErrState, reason)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE message_id = ? AND NOT (mailbox = ? AND uidvalidity = ? AND uid = ?) AND
			(state IN (?, ?) OR (state = ? AND reason = '') OR reason = ?)`,
			msgID, k.Mailbox, k.UIDValidity, k.UID, Sending, Replied, Filed, Unconfirmed).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrDuplicate
		}
		for _, c := range []struct {
			limit int
			query string
			args  []any
			err   error
		}{
			{lim.PerSender, `SELECT count(*) FROM answers WHERE sender = ? AND sent >= ?`, []any{sender, since.UnixMilli()}, ErrRateLimited},
			{lim.PerDomain, `SELECT count(*) FROM answers WHERE domain = ? AND sent >= ?`, []any{domain, since.UnixMilli()}, ErrDomainLimit},
			{lim.Total, `SELECT count(*) FROM answers WHERE sent >= ?`, []any{since.UnixMilli()}, ErrHourlyCap},
		} {
			if c.limit <= 0 {
				continue
			}
			if err := tx.QueryRowContext(ctx, c.query, c.args...).Scan(&n); err != nil {
				return err
			}
			if n >= c.limit {
				return c.err
			}
		}
		return nil
	})
}

// Discard records that k, checked to be answered, is filed in folder
// unanswered for reason instead.
func (s *Store) Discard(ctx context.Context, k Key, folder string, reason Reason) (Entry, error) {
	return s.move(ctx, k, Checked, Checked, fileAs(ctx, k, folder, reason))
}

// Unsend records that the answer to k surely did not leave (the SMTP
// server could not be reached or refused it for now), and why (for
// Status; no address in it): k is checked again, to be answered on a
// later pass. It returns how many times that has happened to k.
func (s *Store) Unsend(ctx context.Context, k Key, why string) (attempts int, err error) {
	_, err = s.move(ctx, k, Sending, Checked, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `UPDATE messages SET attempts = attempts + 1, last_error = ? WHERE mailbox = ? AND uidvalidity = ? AND uid = ? RETURNING attempts`,
			why, k.Mailbox, k.UIDValidity, k.UID).Scan(&attempts)
	})
	return attempts, err
}

// Reading records that message k is being read and its photos checked,
// before the first byte of it is parsed, and returns how many times that
// has begun without ending (Read): a message that stops the process as it
// is read (a parser's or a decoder's crash, memory run out) is then known
// on restart by its count, however far its parsing got.
func (s *Store) Reading(ctx context.Context, k Key) (tries int, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		// Readings under an earlier UIDVALIDITY name messages the server
		// has numbered anew: their keys will not come again.
		if _, err := tx.ExecContext(ctx, `DELETE FROM readings WHERE mailbox = ? AND uidvalidity <> ?`, k.Mailbox, k.UIDValidity); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO readings (mailbox, uidvalidity, uid, tries, updated) VALUES (?, ?, ?, 1, ?)
			ON CONFLICT (mailbox, uidvalidity, uid) DO UPDATE SET tries = tries + 1, updated = excluded.updated RETURNING tries`,
			k.Mailbox, k.UIDValidity, k.UID, s.now().UnixMilli()).Scan(&tries)
	})
	if err != nil {
		return 0, fmt.Errorf("inbox: reading %s: %w", k, err)
	}
	return tries, nil
}

// Tries is how many readings of k have begun without ending (Reading),
// counting none.
func (s *Store) Tries(ctx context.Context, k Key) (int, error) {
	var tries int
	err := s.db.QueryRowContext(ctx, `SELECT tries FROM readings WHERE mailbox = ? AND uidvalidity = ? AND uid = ?`,
		k.Mailbox, k.UIDValidity, k.UID).Scan(&tries)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("inbox: tries %s: %w", k, err)
	}
	return tries, nil
}

// Read records that the reading of k that Reading recorded has ended.
func (s *Store) Read(ctx context.Context, k Key) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM readings WHERE mailbox = ? AND uidvalidity = ? AND uid = ?`, k.Mailbox, k.UIDValidity, k.UID)
		return err
	})
	if err != nil {
		return fmt.Errorf("inbox: read %s: %w", k, err)
	}
	return nil
}

// Status is what `tessera inbox status` prints.
type Status struct {
	// States counts the messages in each state.
	States map[State]int
	// Reasons counts the filed messages not answered, by reason.
	Reasons map[Reason]int
	// Answered counts answers in the last 24 hours.
	Answered24h int
	// Waiting are the messages whose answer could not be sent yet,
	// with the last error, newest first (at most statusErrors).
	Waiting []Waiting
}

// Waiting is a message whose answer has not left yet.
type Waiting struct {
	Key
	Attempts int
	Error    string
	Updated  time.Time
}

// ReadStatus reads the Status of the store at path without taking it
// over: it works while an inbox runs on it.
func ReadStatus(ctx context.Context, path string) (Status, error) {
	if _, err := os.Stat(path); err != nil {
		return Status{}, fmt.Errorf("inbox: state %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return Status{}, fmt.Errorf("inbox: open state %s: %w", path, err)
	}
	defer db.Close()
	s := &Store{db: db, now: time.Now}
	return s.Status(ctx)
}

// statusErrors is how many waiting messages Status lists.
const statusErrors = 10

// Status counts the messages by state and reason.
func (s *Store) Status(ctx context.Context) (Status, error) {
	st := Status{States: map[State]int{}, Reasons: map[Reason]int{}}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT state, reason, count(*) FROM messages GROUP BY state, reason`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var state State
			var reason Reason
			var n int
			if err := rows.Scan(&state, &reason, &n); err != nil {
				return err
			}
			st.States[state] += n
			if reason != "" {
				st.Reasons[reason] += n
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM answers WHERE sent >= ?`, s.now().Add(-24*time.Hour).UnixMilli()).Scan(&st.Answered24h); err != nil {
			return err
		}
		w, err := tx.QueryContext(ctx, `SELECT mailbox, uidvalidity, uid, attempts, last_error, updated FROM messages
			WHERE attempts > 0 AND state != ? ORDER BY updated DESC LIMIT ?`, Filed, statusErrors)
		if err != nil {
			return err
		}
		defer w.Close()
		for w.Next() {
			var x Waiting
			var updated int64
			if err := w.Scan(&x.Mailbox, &x.UIDValidity, &x.UID, &x.Attempts, &x.Error, &updated); err != nil {
				return err
			}
			x.Updated = time.UnixMilli(updated)
			st.Waiting = append(st.Waiting, x)
		}
		return w.Err()
	})
	if err != nil {
		return Status{}, fmt.Errorf("inbox: status: %w", err)
	}
	return st, nil
}

// Refused records that the SMTP server refused k's answer for good (the
// citizen's address does not exist): k is filed in folder, unanswered.
func (s *Store) Refused(ctx context.Context, k Key, folder string) (Entry, error) {
	return s.move(ctx, k, Sending, Checked, fileAs(ctx, k, folder, Undeliverable))
}

// Replied records that the SMTP server accepted the answer to k, and
// counts it against its sender's, its domain's and the inbox's hourly
// limits.
func (s *Store) Replied(ctx context.Context, k Key) (Entry, error) {
	return s.move(ctx, k, Sending, Replied, func(tx *sql.Tx) error {
		return s.countAnswer(ctx, tx, k)
	})
}

// Unconfirmed records that the process stopped while k's answer was
// being sent: k is filed for a clerk (folder) and never answered again.
// The answer may have left, so it counts against the hourly limits.
func (s *Store) Unconfirmed(ctx context.Context, k Key, folder string) (Entry, error) {
	return s.move(ctx, k, Sending, Checked, func(tx *sql.Tx) error {
		if err := fileAs(ctx, k, folder, Unconfirmed)(tx); err != nil {
			return err
		}
		return s.countAnswer(ctx, tx, k)
	})
}

// countAnswer counts an answer to k against its sender's, its domain's
// and the inbox's hourly limits.
func (s *Store) countAnswer(ctx context.Context, tx *sql.Tx, k Key) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO answers (sender, domain, sent) SELECT sender, domain, ? FROM messages WHERE mailbox = ? AND uidvalidity = ? AND uid = ?`,
		s.now().UnixMilli(), k.Mailbox, k.UIDValidity, k.UID)
	return err
}

// Filed records that k was moved to its folder.
func (s *Store) Filed(ctx context.Context, k Key) (Entry, error) {
	e, err := s.Get(ctx, k)
	if err != nil {
		return Entry{}, err
	}
	from := Checked
	if e.State == Replied {
		from = Replied
	}
	return s.move(ctx, k, from, Filed, nil)
}

// AnswersSince counts the answers sent to sender since t.
func (s *Store) AnswersSince(ctx context.Context, sender string, t time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM answers WHERE sender = ? AND sent >= ?`, sender, t.UnixMilli()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("inbox: count answers: %w", err)
	}
	return n, nil
}

// Get returns the entry of k; the error wraps sql.ErrNoRows when there is
// none.
func (s *Store) Get(ctx context.Context, k Key) (Entry, error) {
	var e Entry
	err := s.tx(ctx, func(tx *sql.Tx) (err error) {
		e, err = get(ctx, tx, k)
		return err
	})
	if err != nil {
		return Entry{}, fmt.Errorf("inbox: %s: %w", k, err)
	}
	return e, nil
}

// Unfinished returns the entries of mailbox not yet filed, oldest first:
// what a restart resumes.
func (s *Store) Unfinished(ctx context.Context, mailbox string) ([]Entry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT mailbox, uidvalidity, uid, message_id, sender, state, folder, reason, updated FROM messages WHERE mailbox = ? AND state != ? ORDER BY updated, uid`, mailbox, Filed)
	if err != nil {
		return nil, fmt.Errorf("inbox: unfinished: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("inbox: unfinished: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Forget deletes what is older than t: filed messages and counted
// answers (--retain). Messages still in progress are kept, and so are the
// answers of the last hour, which the hourly limits count.
func (s *Store) Forget(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE state = ? AND updated < ?`, Filed, t.UnixMilli())
		if err != nil {
			return err
		}
		n, _ = r.RowsAffected()
		// Readings of messages no longer in the mailbox (moved by a
		// clerk while they stopped the process).
		if _, err := tx.ExecContext(ctx, `DELETE FROM readings WHERE updated < ?`, t.UnixMilli()); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM answers WHERE sent < ?`, min(t.UnixMilli(), s.now().Add(-time.Hour).UnixMilli()))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("inbox: forget: %w", err)
	}
	return n, nil
}

// fileAs is the part of a step that records the folder k goes to and
// why it is not answered ("" when it is).
func fileAs(ctx context.Context, k Key, folder string, reason Reason) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE messages SET folder = ?, reason = ? WHERE mailbox = ? AND uidvalidity = ? AND uid = ?`,
			folder, reason, k.Mailbox, k.UIDValidity, k.UID)
		return err
	}
}

// ErrState is returned for a step out of order: the message is not in the
// state the step starts from.
var ErrState = errors.New("inbox: message not in the expected state")

// move changes k's state from one to another, with more changes in the
// same transaction, and returns k's entry as the transaction left it.
func (s *Store) move(ctx context.Context, k Key, from, to State, more func(*sql.Tx) error) (Entry, error) {
	var e Entry
	err := s.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE messages SET state = ?, updated = ? WHERE mailbox = ? AND uidvalidity = ? AND uid = ? AND state = ?`,
			to, s.now().UnixMilli(), k.Mailbox, k.UIDValidity, k.UID, from)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return fmt.Errorf("%w: %s to %s", ErrState, from, to)
		}
		if more != nil {
			if err := more(tx); err != nil {
				return err
			}
		}
		e, err = get(ctx, tx, k)
		return err
	})
	if err != nil {
		return Entry{}, fmt.Errorf("inbox: %s: %w", k, err)
	}
	return e, nil
}

func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

type scanner interface{ Scan(...any) error }

func scan(r scanner) (Entry, error) {
	var e Entry
	var updated int64
	err := r.Scan(&e.Mailbox, &e.UIDValidity, &e.UID, &e.MessageID, &e.Sender, &e.State, &e.Folder, &e.Reason, &updated)
	e.Updated = time.UnixMilli(updated)
	return e, err
}

func get(ctx context.Context, tx *sql.Tx, k Key) (Entry, error) {
	return scan(tx.QueryRowContext(ctx, `SELECT mailbox, uidvalidity, uid, message_id, sender, state, folder, reason, updated FROM messages WHERE mailbox = ? AND uidvalidity = ? AND uid = ?`,
		k.Mailbox, k.UIDValidity, k.UID))
}
