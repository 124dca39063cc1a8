// Package office holds what a registry office says about itself to the
// citizens it serves: its name and logo, where photos are sent, the notices
// the law asks a public service to link (accessibility, privacy, legal), and
// which of its sites may embed tessera's page: the [office] and [web] tables
// of tessera.toml, read by tessera serve and tessera inbox through package
// config, every key also a flag and a TESSERA_* environment variable.
//
// A key office.contact_url is the flag --office-contact-url and the
// variable TESSERA_OFFICE_CONTACT_URL; a flag wins over the variable, and
// the variable over the file. Open checks what they gave.
package office

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// File is tessera.toml as written: each field a key of the file.
type File struct {
	Office Office `toml:"office"`
	Web    Web    `toml:"web"`
}

// Office is the [office] table.
type Office struct {
	// Name is the office's name as citizens know it, shown at the top of
	// the page and under the email answers ("Comune di Esempio - Servizi
	// demografici").
	Name string `toml:"name"`
	// Logo is an image file (PNG, JPEG, GIF, WebP or SVG) shown beside the
	// name; a relative path is read from the configuration file's folder.
	Logo string `toml:"logo"`
	// Email is where citizens send their photo; the page links it when the
	// photo passes, and the inbox answers from it unless --from says
	// otherwise.
	Email string `toml:"email"`
	// ContactURL is the office's page with opening hours and contacts.
	ContactURL string `toml:"contact_url"`
	// AccessibilityURL is the accessibility statement (law 4/2004, the
	// AgID guidelines ask every public administration's site for one).
	AccessibilityURL string `toml:"accessibility_url"`
	// PrivacyURL is the privacy notice (GDPR art. 13): a photo of a face
	// is personal data.
	PrivacyURL string `toml:"privacy_url"`
	// LegalURL is the legal notes (terms of use, the site's owner).
	LegalURL string `toml:"legal_url"`
}

// Web is the [web] table.
type Web struct {
	// FrameAncestors are the origins allowed to embed the page in a frame
	// ("https://www.comune.esempio.it"); none by default.
	FrameAncestors []string `toml:"frame_ancestors"`
}

// keys lists every key, in the file's order, with what it is (for --help).
var keys = []struct{ name, help string }{
	{"office.name", "the office's name, at the top of the page and under the email answers"},
	{"office.logo", "the office's logo: a PNG, JPEG, GIF, WebP or SVG file of at most 256 KB"},
	{"office.email", "where citizens send their photo; the page links it, the inbox answers from it"},
	{"office.contact_url", "the office's contacts and opening hours (https URL)"},
	{"office.accessibility_url", "the accessibility statement, law 4/2004 (https URL)"},
	{"office.privacy_url", "the privacy notice, GDPR art. 13 (https URL)"},
	{"office.legal_url", "the legal notes (https URL)"},
	{"web.frame_ancestors", "origins allowed to embed the page in a frame, e.g. https://www.comune.esempio.it; none by default; in a flag or a variable, separated by commas or spaces"},
}

// field returns the string the key names in f, or for a list key the list.
func (f *File) field(name string) (*string, *[]string) {
	switch name {
	case "office.name":
		return &f.Office.Name, nil
	case "office.logo":
		return &f.Office.Logo, nil
	case "office.email":
		return &f.Office.Email, nil
	case "office.contact_url":
		return &f.Office.ContactURL, nil
	case "office.accessibility_url":
		return &f.Office.AccessibilityURL, nil
	case "office.privacy_url":
		return &f.Office.PrivacyURL, nil
	case "office.legal_url":
		return &f.Office.LegalURL, nil
	case "web.frame_ancestors":
		return nil, &f.Web.FrameAncestors
	}
	return nil, nil
}

// Set sets the key name to value, as a flag or a variable gives it: a list
// key's values separated by commas or spaces.
func (f *File) Set(name, value string) error {
	s, list := f.field(name)
	switch {
	case s != nil:
		*s = value
	case list != nil:
		*list = strings.FieldsFunc(value, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	default:
		return fmt.Errorf("office: unknown key %q", name)
	}
	return nil
}

// Limits of what the file may hold.
const (
	// MaxLogoBytes bounds the logo: a crest in a header is a few KB as SVG,
	// a few tens as PNG; 256 KB would still load in a second on a slow
	// phone link.
	MaxLogoBytes = 256 << 10
	// maxNameRunes bounds the office's name: "Comune di San Giovanni in
	// Persiceto - Servizi demografici" is 60; the header wraps past 120.
	maxNameRunes = 120
)

// Site is a checked configuration, with the logo read.
type Site struct {
	File
	// LogoData is the logo's content and LogoType its media type; nil
	// when there is none.
	LogoData []byte
	LogoType string
}

// Configured reports whether the office said anything: without, the page
// stays neutral.
func (s *Site) Configured() bool { return s != nil && s.Office != (Office{}) }

// Open checks f and reads its logo: every URL is absolute http(s), the
// address is an address, the origins are origins, the logo an image.
func Open(f File) (*Site, error) {
	o := f.Office
	if n := utf8.RuneCountInString(o.Name); n > maxNameRunes || !printable(o.Name) {
		return nil, fmt.Errorf("office.name: %d characters or a control character; at most %d printable ones", n, maxNameRunes)
	}
	if o.Email != "" {
		a, err := mail.ParseAddress(o.Email)
		if err != nil || a.Name != "" || a.Address != o.Email || !addressRE.MatchString(o.Email) {
			return nil, fmt.Errorf("office.email %q: not a plain address like anagrafe@comune.esempio.it", o.Email)
		}
	}
	if o.Logo != "" && o.Name == "" {
		// The logo stands beside the name, which says what it shows.
		return nil, errors.New("office.logo needs office.name: the name says, to those who cannot see the logo, whose page it is")
	}
	for _, u := range []struct{ key, v string }{
		{"office.contact_url", o.ContactURL},
		{"office.accessibility_url", o.AccessibilityURL},
		{"office.privacy_url", o.PrivacyURL},
		{"office.legal_url", o.LegalURL},
	} {
		if u.v == "" {
			continue
		}
		if err := webURL(u.v); err != nil {
			return nil, fmt.Errorf("%s %q: %w", u.key, u.v, err)
		}
	}
	for _, origin := range f.Web.FrameAncestors {
		if err := checkOrigin(origin); err != nil {
			return nil, fmt.Errorf("web.frame_ancestors %q: %w", origin, err)
		}
	}
	s := &Site{File: f}
	if o.Logo != "" {
		data, typ, err := readLogo(o.Logo)
		if err != nil {
			return nil, fmt.Errorf("office.logo: %w", err)
		}
		s.LogoData, s.LogoType = data, typ
	}
	return s, nil
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// webURL accepts an absolute http or https URL with a host: what a link on
// the page may point to (never javascript: or data:).
func webURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return errors.New("not an absolute https:// address")
	}
	return nil
}

// originRE is a CSP source that is an origin (CSP 3, host-source, without
// a path): http or https, a host name (its first label possibly "*",
// every subdomain), an optional port. Anything else a header would carry
// (a comma splits the policy in two, a quote or bracket makes the source
// invalid and browsers drop it silently) is refused.
var originRE = regexp.MustCompile(`^https?://(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?/?$`)

// checkOrigin accepts an origin as originRE does.
func checkOrigin(raw string) error {
	if !originRE.MatchString(raw) {
		return errors.New("not an origin like https://www.comune.esempio.it")
	}
	return nil
}

// addressRE is the office's address as a mailto: link carries it without
// escaping (RFC 6068 would have "?", "#", "&" and "%" escaped, and other
// characters net/mail accepts quoted): what an office's address is.
var addressRE = regexp.MustCompile(`^[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$`)

// readLogo reads the logo file and tells its type from its content (SVG
// from its name and content, since it is text).
func readLogo(path string) ([]byte, string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, "", err
	}
	if !fi.Mode().IsRegular() || fi.Size() > MaxLogoBytes {
		return nil, "", fmt.Errorf("%s: not a file of at most %d KB", path, MaxLogoBytes>>10)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	if len(data) > MaxLogoBytes {
		return nil, "", fmt.Errorf("%s: over %d KB", path, MaxLogoBytes>>10)
	}
	switch typ := http.DetectContentType(data); typ {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return data, typ, nil
	}
	if strings.EqualFold(filepath.Ext(path), ".svg") && bytes.Contains(data, []byte("<svg")) {
		return data, "image/svg+xml", nil
	}
	return nil, "", fmt.Errorf("%s: not a PNG, JPEG, GIF, WebP or SVG image", path)
}

// FrameAncestors is the source list of the page's Content-Security-Policy
// frame-ancestors: the origins allowed to embed it, or 'none'.
func (s *Site) FrameAncestors() string {
	if s == nil || len(s.Web.FrameAncestors) == 0 {
		return "'none'"
	}
	return strings.Join(s.Web.FrameAncestors, " ")
}
