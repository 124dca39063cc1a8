package api

import (
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

	"github.com/gofiber/fiber/v2"

	"github.com/tessera-cie/tessera/validate"
)

// Limits on one email: a citizen sends one to three photos; these bound the
// work a crafted message can cause.
const (
	maxEmailImages = 20 // images checked per message; more are counted as skipped
	maxEmailParts  = 500
	maxEmailDepth  = 8 // nesting of multiparts and attached messages
)

// EmailResult is the answer of POST /v1/check/email.
type EmailResult struct {
	Subject string             `json:"subject"`
	Images  int                `json:"images"`  // images found and checked
	Skipped int                `json:"skipped"` // images found beyond the limit, not checked
	Pass    bool               `json:"pass"`    // every checked image passes
	Reports []*validate.Report `json:"reports"`
	// Reply is a plain-text answer to the sender in the request's language:
	// per photo, whether it is fine and, if not, what to fix.
	Reply string `json:"reply"`
}

// reply writes the answer to the citizen who sent the photos.
func reply(lang string, out *EmailResult) string {
	say := func(it, en string, a ...any) string {
		if lang == "en" {
			return fmt.Sprintf(en, a...)
		}
		return fmt.Sprintf(it, a...)
	}
	var b strings.Builder
	b.WriteString(say("Buongiorno,\n\nabbiamo controllato le foto ricevute.\n", "Hello,\n\nwe have checked the photos we received.\n"))
	for _, r := range out.Reports {
		b.WriteString("\n")
		switch {
		case r.Error != "":
			b.WriteString(say("- %s: non è una foto leggibile (%s).\n", "- %s: not a readable photo (%s).\n", r.File, r.Error))
			if c, ok := r.Find("format"); ok && c.Fix != "" {
				b.WriteString("  -> " + c.Fix + "\n")
			}
		case r.Pass:
			b.WriteString(say("- %s: va bene.\n", "- %s: fine.\n", r.File))
		default:
			b.WriteString(say("- %s: da correggere:\n", "- %s: to fix:\n", r.File))
			for _, c := range r.Failed() {
				b.WriteString("  * " + c.Message + "\n")
				if c.Fix != "" {
					b.WriteString("    -> " + c.Fix + "\n")
				}
			}
		}
	}
	if out.Skipped > 0 {
		b.WriteString(say("\nAltre %d immagini non sono state controllate: inviate una foto per messaggio.\n",
			"\n%d more images were not checked: send one photo per message.\n", out.Skipped))
	}
	if out.Pass {
		b.WriteString(say("\nLe foto rispettano le regole per la carta d'identità elettronica.\n", "\nThe photos meet the rules for the electronic identity card.\n"))
	} else {
		b.WriteString(say("\nVi preghiamo di inviare una nuova foto corretta rispondendo a questo messaggio.\n", "\nPlease send a corrected photo in reply to this message.\n"))
	}
	return b.String()
}

// emailImage is one image found in a message.
type emailImage struct {
	name string
	data []byte
	// broken is why the part's body could not be decoded (broken base64
	// or quoted-printable); data is then nil.
	broken error
}

// errMalformed marks a message that cannot be parsed.
var errMalformed = errors.New("malformed message")

// imageExts are file name extensions of images, including the formats the
// checks refuse with a fix (HEIC and others): a citizen must hear about them.
var imageExts = map[string]bool{
	".jpg": true, ".jpeg": true, ".jpe": true, ".jfif": true, ".png": true, ".heic": true, ".heif": true,
	".webp": true, ".gif": true, ".tif": true, ".tiff": true, ".bmp": true, ".avif": true,
}

// findImages walks a message: every image/* part, every attachment that is
// an image by name or content, and the same inside attached messages.
func findImages(r io.Reader) (subject string, imgs []emailImage, err error) {
	ent, err := message.Read(r)
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return "", nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if ent == nil {
		return "", nil, errMalformed
	}
	subject, _ = ent.Header.Text("Subject")
	w := &walker{}
	if err := w.walk(ent, 0); err != nil {
		return subject, nil, err
	}
	if w.headers == 0 {
		return subject, nil, fmt.Errorf("%w: no header fields", errMalformed)
	}
	return subject, w.imgs, nil
}

type walker struct {
	imgs    []emailImage
	parts   int
	headers int // header fields seen: a message has some
}

func (w *walker) walk(ent *message.Entity, depth int) error {
	w.parts++
	if w.parts > maxEmailParts || depth > maxEmailDepth {
		return fmt.Errorf("%w: too many parts or too deeply nested", errMalformed)
	}
	w.headers += ent.Header.Len()
	if mr := ent.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
				return fmt.Errorf("%w: %v", errMalformed, err)
			}
			if p == nil {
				return errMalformed
			}
			if err := w.walk(p, depth+1); err != nil {
				return err
			}
		}
	}
	mt, params, _ := ent.Header.ContentType()
	mt = strings.ToLower(mt)
	if mt == "message/rfc822" || mt == "message/global" {
		inner, err := message.Read(ent.Body)
		if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
			return fmt.Errorf("%w: attached message: %v", errMalformed, err)
		}
		if inner == nil {
			return errMalformed
		}
		return w.walk(inner, depth+1)
	}
	disp, dparams, _ := ent.Header.ContentDisposition()
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" {
		name = ""
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
	if !image && !imageExts[strings.ToLower(path.Ext(name))] && (broken != nil || !strings.HasPrefix(http.DetectContentType(data), "image/")) {
		return nil
	}
	if name == "" {
		ext := ".img"
		switch exts, _ := mime.ExtensionsByType(mt); {
		case mt == "image/jpeg":
			ext = ".jpg" // ExtensionsByType sorts .jfif first
		case len(exts) > 0:
			ext = exts[0]
		}
		name = fmt.Sprintf("image-%d%s", len(w.imgs)+1, ext)
	}
	w.imgs = append(w.imgs, emailImage{name: name, data: data, broken: broken})
	return nil
}

// apiEmail is POST /v1/check/email: a report for every image in a raw
// RFC 822 message.
func (s *Server) apiEmail(c *fiber.Ctx) error {
	if ce := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)); ce != "" && !strings.EqualFold(ce, "identity") {
		return s.fail(c, errEncoding, nil)
	}
	profile, lang := requestOptions(c, &upload{})
	if _, ok := validate.LookupProfile(profile); !ok {
		return s.fail(c, errProfile, nil)
	}
	subject, imgs, err := findImages(bytes.NewReader(c.Request().Body()))
	if err != nil {
		return s.fail(c, errEmail, nil)
	}
	if len(imgs) == 0 {
		return s.fail(c, errNoImages, nil)
	}
	out := EmailResult{Subject: subject, Reports: []*validate.Report{}, Pass: true}
	if len(imgs) > maxEmailImages {
		out.Skipped = len(imgs) - maxEmailImages
		imgs = imgs[:maxEmailImages]
	}
	j, e := s.start(c, profile, lang)
	if e != nil {
		return s.fail(c, e, nil)
	}
	defer j.done()
	for _, im := range imgs {
		var rep *validate.Report
		if im.broken != nil {
			r, err := validate.Unextracted(im.name, im.broken, j.opts)
			if err != nil {
				return s.fail(c, errProfile, nil)
			}
			rep = r
		} else {
			res, e := j.analyze(im.name, im.data)
			if e != nil {
				return s.fail(c, e, nil)
			}
			rep = res.Report
		}
		out.Reports = append(out.Reports, rep)
		out.Pass = out.Pass && rep.Pass
	}
	out.Images = len(out.Reports)
	out.Reply = reply(lang, &out)
	return c.JSON(out)
}
