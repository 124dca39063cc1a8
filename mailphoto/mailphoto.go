// Package mailphoto finds the photos in an email message: every image/*
// part, every attachment that is an image by its name or its content, and
// the same inside attached messages (message/rfc822), as a citizen's mail
// client or a PEC gateway may nest them. It is what POST /v1/check/email
// and the registry office's inbox both read a message with.
//
// A message is outside bytes: parts, nesting and the images found are
// bounded, and a body whose transfer encoding is broken is reported with
// the image rather than dropped.
package mailphoto

import (
	"bufio"
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
)

// ErrMalformed is returned for a message that cannot be parsed: no header,
// a multipart cut short or without a boundary, too many parts or too deep.
var ErrMalformed = errors.New("malformed message")

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
	// Broken is why the body could not be decoded (broken base64 or
	// quoted-printable), for a part that says it is an image by its type
	// or its name.
	Broken error
}

// imageExts are file name extensions of images, including the formats the
// checks refuse with a fix (HEIC and others): a citizen must hear about them.
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
	ent, err := message.Read(r)
	if err != nil && !lenient(err) {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if ent == nil {
		return nil, ErrMalformed
	}
	m := &Message{Header: ent.Header}
	m.Subject, _ = ent.Header.Text("Subject")
	w := &walker{}
	if err := w.walk(ent, 0); err != nil {
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
	imgs     []Image
	attached []Attached
	parts    int
	headers  int // header fields seen: a message has some
}

func (w *walker) walk(ent *message.Entity, depth int) error {
	w.parts++
	if w.parts > MaxParts || depth > MaxDepth {
		return fmt.Errorf("%w: too many parts or too deeply nested", ErrMalformed)
	}
	w.headers += ent.Header.Len()
	if mr := ent.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil && !lenient(err) {
				return fmt.Errorf("%w: %w", ErrMalformed, err)
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
		inner, err := message.Read(ent.Body)
		if err != nil && !lenient(err) {
			return fmt.Errorf("%w: attached message: %w", ErrMalformed, err)
		}
		if inner == nil {
			return ErrMalformed
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
	data, broken := io.ReadAll(ent.Body)
	if broken != nil {
		// A body whose transfer encoding is broken: reported as such
		// when the part says it is an image, by its type or its name;
		// an attachment that says nothing may be any file.
		data = nil
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
	h, err := textproto.ReadHeader(bufio.NewReader(r))
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
