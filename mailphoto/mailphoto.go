// Package mailphoto finds the photos in an email message: every image/*
// part, every attachment that is an image by its name or its content, and
// the same inside attached messages (message/rfc822), as a citizen's mail
// client or a PEC gateway may nest them. It is what POST /v1/check/email
// and the registry office's inbox both read a message with.
//
// A message is outside bytes: parts, nesting and the images found are
// bounded. A part that cannot be read loses that part only: a body whose
// transfer encoding is broken, an attached message whose header cannot be
// read, a part cut short that says it is an image are each reported as an
// Image that is Broken (a PartError), and so is the rest of a multipart
// after a part go-message cannot read (it cannot go past one); every photo
// before them, and beside them, is still found. An attachment that does
// not say it is an image and cannot be read may be any file: it is left
// out.
package mailphoto

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode subjects and names in any charset
	"github.com/emersion/go-message/textproto"
)

// Limits on one message. A citizen sends one to three photos; these bound
// the work a crafted message can cause.
const (
	// MaxImages is how many images of one message are checked; the rest
	// are counted and the sender is told to send fewer.
	MaxImages = 20
	// MaxParts is how many MIME parts a message may have in all.
	MaxParts = 500
	// MaxDepth is how deep multiparts and attached messages may nest.
	MaxDepth = 8
	// MaxHeaderFields is how many lines shaped as header fields
	// ("Name: value") a message may hold in all, its parts and attached
	// messages included (those in base64 or quoted-printable counted as
	// decoded). go-message keeps each field it parses in about 120 bytes,
	// and puts no bound on a part's header: a 15 MB message whose one part
	// has 3.9 million "X:" lines took 1.9 GB to read. A photo's email has
	// a few hundred fields, a forwarded chain some thousands; body lines
	// with a colon count too (base64 has none).
	MaxHeaderFields = 20000
	// MaxHeaderBytes is how large a header read alone may be (ReadHeader),
	// go-message's own bound on the header of the message it reads.
	MaxHeaderBytes = 1 << 20
)

// ErrMalformed is returned for a message that cannot be parsed: no header,
// not one part of it that can be told apart (a multipart without a
// boundary, or whose first part cannot be read), too many parts, too deep,
// or more header fields than MaxHeaderFields.
var ErrMalformed = errors.New("malformed message")

// A PartError is why a part of a message that may hold a photo could not
// be read: the Broken of its Image.
type PartError struct {
	// Encoding is the part's transfer encoding ("base64",
	// "quoted-printable") when its body could not be decoded; "" when the
	// part itself could not be read (an attached message whose header is
	// not one, a part cut short).
	Encoding string
	Err      error
}

func (e *PartError) Error() string {
	if e.Encoding != "" {
		return fmt.Sprintf("mailphoto: broken %s: %v", e.Encoding, e.Err)
	}
	return fmt.Sprintf("mailphoto: unreadable part: %v", e.Err)
}

func (e *PartError) Unwrap() error { return e.Err }

// namedEncoding is the transfer encoding a part's Content-Transfer-Encoding
// names, when it is one that mail defines to decode (RFC 2045: base64 and
// quoted-printable): "" for none, an identity one (7bit, 8bit, binary), and
// any other text. The header is the sender's, and the name goes into the
// answer the office sends ("its encoding (%s) is invalid"): the sender's
// own words must not.
func namedEncoding(header string) string {
	switch cte := strings.ToLower(strings.TrimSpace(header)); cte {
	case "base64", "quoted-printable":
		return cte
	}
	return ""
}

// TransferEncoding is the encoding that could not be decoded, for a
// checker's message ("" when none: the part could not be read).
func (e *PartError) TransferEncoding() string { return e.Encoding }

// Message is what Read finds in a message.
type Message struct {
	// Header is the header of the outermost message, as sent.
	Header message.Header
	// Subject is its Subject, decoded from any charset ("" when absent).
	Subject string
	// Images are the images found, in the order of the message.
	Images []Image
	// Attached are the messages attached to it (message/rfc822 parts, at
	// any depth), in the order of the message: a PEC envelope carries the
	// citizen's own message as postacert.eml.
	Attached []Attached
	// HeaderOnly is set when only the header was read (ReadHeader): the
	// message may hold images and attached messages all the same.
	HeaderOnly bool
}

// Attached is a message attached to another.
type Attached struct {
	// Name is the part's file name ("" when it names none).
	Name string
	// Header is the attached message's header.
	Header message.Header
}

// Image is one image found in a message.
type Image struct {
	// Name is the part's file name without any directory, or
	// "image-N.ext" when the part names none.
	Name string
	// Data is the decoded body; nil when Broken is set.
	Data []byte
	// Broken is why the part could not be read, a *PartError: its body
	// could not be decoded (broken base64 or quoted-printable), for a part
	// that says it is an image by its type or its name; or it is an
	// attached message whose header cannot be read, or a part cut short.
	Broken error
}

// imageExts are file name extensions of images, including HEIC (read, and
// answered with its JPG copy) and the formats the checks refuse with a fix:
// a citizen must hear about them.
var imageExts = map[string]bool{
	".jpg": true, ".jpeg": true, ".jpe": true, ".jfif": true, ".png": true, ".heic": true, ".heif": true,
	".webp": true, ".gif": true, ".tif": true, ".tiff": true, ".bmp": true, ".avif": true,
}

// ImageExt reports whether ext (".jpg", any case) is the file name
// extension of an image, as Read tells an attachment's by its name.
func ImageExt(ext string) bool {
	return imageExts[strings.ToLower(ext)]
}

// Read parses the message in r and finds its images. An error wraps
// ErrMalformed; no images is not an error.
func Read(r io.Reader) (*Message, error) {
	fields := &fieldCount{left: MaxHeaderFields}
	ent, err := message.Read(fields.limit(r))
	if fields.over {
		return nil, errTooManyFields
	}
	if err != nil && !lenient(err) {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if ent == nil {
		return nil, ErrMalformed
	}
	m := &Message{Header: ent.Header}
	m.Subject, _ = ent.Header.Text("Subject")
	w := &walker{fields: fields}
	err = w.walk(ent, 0)
	if fields.over {
		return nil, errTooManyFields
	}
	if err != nil {
		return nil, err
	}
	if w.headers == 0 {
		return nil, fmt.Errorf("%w: no header fields", ErrMalformed)
	}
	m.Images, m.Attached = w.imgs, w.attached
	return m, nil
}

// lenient reports whether err from go-message still leaves a usable
// entity: a charset or transfer encoding it does not know.
func lenient(err error) bool {
	return message.IsUnknownCharset(err) || message.IsUnknownEncoding(err)
}

type walker struct {
	fields   *fieldCount // the header fields of the whole message
	imgs     []Image
	attached []Attached
	parts    int
	headers  int            // header fields seen: a message has some
	unread   map[string]int // parts that could not be read, by unnamed pattern
}

// unreadable reports a part that could not be read: named name, or, when
// it names none, unnamed with the count of such parts so far ("part-%d",
// "message-%d.eml").
func (w *walker) unreadable(name, unnamed string, err error) {
	if w.unread == nil {
		w.unread = map[string]int{}
	}
	w.unread[unnamed]++
	if name == "" {
		name = fmt.Sprintf(unnamed, w.unread[unnamed])
	}
	w.imgs = append(w.imgs, Image{Name: name, Broken: &PartError{Err: err}})
}

func (w *walker) walk(ent *message.Entity, depth int) error {
	w.parts++
	if w.parts > MaxParts || depth > MaxDepth {
		return fmt.Errorf("%w: too many parts or too deeply nested", ErrMalformed)
	}
	w.headers += ent.Header.Len()
	if mr := ent.MultipartReader(); mr != nil {
		for read := 0; ; read++ {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil && !lenient(err) {
				switch {
				case depth == 0 && read == 0:
					// Not one part of the message can be told apart
					// (no boundary, or none where it says): there is
					// nothing but the header.
					return fmt.Errorf("%w: %w", ErrMalformed, err)
				case read > 0 && strings.Contains(err.Error(), "NextPart: EOF"):
					// The multipart ends without its closing boundary:
					// the parts before are kept, and the last, cut
					// short, was reported by its own body (when it says
					// it is an image).
					return nil
				}
				// A part whose header cannot be read, or no boundary in
				// a nested multipart: go-message cannot go past it. The
				// parts before are kept; the rest is reported unread.
				w.unreadable("", "part-%d", err)
				return nil
			}
			if p == nil {
				return ErrMalformed
			}
			if err := w.walk(p, depth+1); err != nil {
				return err
			}
		}
	}
	mt, params, _ := ent.Header.ContentType()
	mt = strings.ToLower(mt)
	disp, dparams, _ := ent.Header.ContentDisposition()
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" {
		name = ""
	}
	if mt == "message/rfc822" || mt == "message/global" {
		body := ent.Body
		if namedEncoding(ent.Header.Get("Content-Transfer-Encoding")) != "" {
			// Decoded, its bytes are new to the count: the raw ones
			// (base64 has no colon) were counted as no field.
			body = w.fields.limit(body)
		}
		inner, err := readAttached(body)
		if err != nil {
			w.unreadable(name, "message-%d.eml", fmt.Errorf("attached message: %w", err))
			return nil
		}
		w.attached = append(w.attached, Attached{Name: name, Header: inner.Header})
		return w.walk(inner, depth+1)
	}
	image := strings.HasPrefix(mt, "image/")
	maybe := mt == "application/octet-stream" || strings.EqualFold(disp, "attachment") ||
		(strings.EqualFold(disp, "inline") && !strings.HasPrefix(mt, "text/"))
	if !image && !maybe {
		return nil
	}
	data, err := io.ReadAll(ent.Body)
	var broken error
	if err != nil {
		// A body whose transfer encoding is broken, or cut short:
		// reported as such when the part says it is an image, by its
		// type or its name; an attachment that says nothing may be any
		// file. Its encoding is named when it has one: base64 that ends
		// within a group of four reads as cut short (io.ErrUnexpectedEOF)
		// whether the sender cut it or a multipart did, so the message
		// says "invalid or cut short".
		data = nil
		broken = &PartError{Encoding: namedEncoding(ent.Header.Get("Content-Transfer-Encoding")), Err: err}
	}
	sniffed := ""
	if broken == nil {
		sniffed, _, _ = strings.Cut(http.DetectContentType(data), ";")
	}
	if !image && !ImageExt(path.Ext(name)) && !strings.HasPrefix(sniffed, "image/") {
		return nil
	}
	if name == "" {
		// Named after its declared image type, or what its bytes are
		// when it declares none (an unnamed octet-stream).
		t := mt
		if !image && strings.HasPrefix(sniffed, "image/") {
			t = sniffed
		}
		name = fmt.Sprintf("image-%d%s", len(w.imgs)+1, extension(t))
	}
	w.imgs = append(w.imgs, Image{Name: name, Data: data, Broken: broken})
	return nil
}

// maxHeader is the largest header of an attached message that is mended
// (readAttached): 64 KiB, over a hundred lines as long as a line may be.
// Only the header is copied; the body is read where it lies.
const maxHeader = 64 << 10

// readAttached reads an attached message. Mail programs forward messages
// with what their mailbox files hold: an mbox "From " line before the
// header, lines without a colon. A header go-message cannot read is read
// again without those lines: the fields that remain are the message's.
func readAttached(r io.Reader) (*message.Entity, error) {
	br := bufio.NewReaderSize(r, maxHeader)
	peek, perr := br.Peek(maxHeader)
	end := headerEnd(peek)
	if end < 0 && perr != nil {
		// The whole message is in peek, without a blank line: all
		// header, no body.
		end = len(peek)
	}
	if end < 0 {
		// No end of the header within reach: go-message reads it as it
		// can, nothing mended.
		return readEntity(br)
	}
	hdr := bytes.Clone(peek[:end])
	if _, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(hdr))); err == nil {
		return readEntity(br)
	}
	if _, err := br.Discard(end); err != nil {
		return nil, err
	}
	ent, err := readEntity(io.MultiReader(bytes.NewReader(mendHeader(hdr)), br))
	if err == nil && ent.Header.Len() == 0 {
		// Lines there were, and not one a field: bytes that are no
		// message.
		return nil, errors.New("no header field")
	}
	return ent, err
}

// readEntity is message.Read, with the errors it reads past (lenient) not
// counted.
func readEntity(r io.Reader) (*message.Entity, error) {
	ent, err := message.Read(r)
	if err != nil && !(lenient(err) && ent != nil) {
		return nil, err
	}
	return ent, nil
}

// headerEnd is where the header in b ends, its blank line included; -1
// when b holds no blank line.
func headerEnd(b []byte) int {
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		line := bytes.TrimRight(b[i:i+j], "\r")
		i += j + 1
		if len(line) == 0 {
			return i
		}
	}
	return -1
}

// mendHeader drops the lines of the header raw that are no header field:
// not "Name: value" (a name of printable characters but the colon) nor the
// folded continuation of one. What follows the header's blank line is
// kept as it is.
func mendHeader(raw []byte) []byte {
	var out []byte
	rest := raw
	field := false // the line before was a field, a continuation may follow
	for len(rest) > 0 {
		line, after, found := bytes.Cut(rest, []byte("\n"))
		full := rest[:len(line)]
		if found {
			full = rest[:len(line)+1]
		}
		trimmed := bytes.TrimRight(line, "\r")
		if len(trimmed) == 0 { // the end of the header: the body follows as it is
			return append(append(out, full...), after...)
		}
		switch {
		case (trimmed[0] == ' ' || trimmed[0] == '\t') && field:
			out = append(out, full...)
		case isField(trimmed):
			out = append(out, full...)
			field = true
		default:
			field = false
		}
		rest = after
	}
	return out
}

// isField reports whether line starts with a header field's name and colon.
func isField(line []byte) bool {
	name, _, ok := bytes.Cut(line, []byte(":"))
	name = bytes.TrimRight(name, " \t") // "Subject : x", which go-message reads
	if !ok || len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// extension is the file name extension for an unnamed part of type mt.
func extension(mt string) string {
	if mt == "image/jpeg" {
		return ".jpg" // mime.ExtensionsByType sorts .jfif first
	}
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		return exts[0]
	}
	return ".img"
}

// ReadHeader reads only a message's header, for a message too large to
// be read whole: Images and Attached are empty.
func ReadHeader(r io.Reader) (*Message, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxHeaderBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if end := headerEnd(b); len(b) > MaxHeaderBytes && (end < 0 || end > MaxHeaderBytes) {
		return nil, fmt.Errorf("%w: a header over %d bytes", ErrMalformed, MaxHeaderBytes)
	}
	fields := &fieldCount{left: MaxHeaderFields}
	h, err := textproto.ReadHeader(bufio.NewReader(fields.limit(bytes.NewReader(b))))
	if fields.over {
		return nil, errTooManyFields
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if h.Len() == 0 {
		return nil, fmt.Errorf("%w: no header fields", ErrMalformed)
	}
	m := &Message{Header: message.Header{Header: h}, HeaderOnly: true}
	m.Subject, _ = m.Header.Text("Subject")
	return m, nil
}

// errTooManyFields is ErrMalformed for a message over MaxHeaderFields.
var errTooManyFields = fmt.Errorf("%w: more than %d header fields", ErrMalformed, MaxHeaderFields)

// fieldCount counts the lines shaped as header fields of one message as
// its bytes are read, raw and, for attached messages encoded in base64 or
// quoted-printable, decoded (limit).
type fieldCount struct {
	left int  // fields yet allowed
	over bool // past MaxHeaderFields: the message is refused
}

// limit is r, its lines counted by c.
func (c *fieldCount) limit(r io.Reader) io.Reader {
	return &fieldLimit{r: r, count: c, start: true}
}

// fieldLimit reads r and counts in count the lines shaped as header
// fields as they pass: any line that does not begin with a blank (a
// folded field's next line) and holds a colon, as go-message reads a
// field, the blanks before the colon trimmed ("X :"). Past the count's
// bound it reads as the end of the message and sets count.over. It
// counts every such line, in headers and bodies alike, so that no part of
// the message escapes the count before the parser has spent memory on
// it.
type fieldLimit struct {
	r     io.Reader
	count *fieldCount
	start bool // at the start of a line
	field bool // within a line that may still be a field: no blank first, no colon yet
}

func (f *fieldLimit) Read(p []byte) (int, error) {
	if f.count.over {
		return 0, io.ErrUnexpectedEOF
	}
	n, err := f.r.Read(p)
	for i, c := range p[:n] {
		switch {
		case c == '\n':
			f.start, f.field = true, false
			continue
		case f.start:
			f.field = c != ' ' && c != '\t'
		}
		f.start = false
		if f.field && c == ':' {
			f.field = false
			if f.count.left--; f.count.left < 0 {
				f.count.over = true
				return i, io.ErrUnexpectedEOF
			}
		}
	}
	return n, err
}
