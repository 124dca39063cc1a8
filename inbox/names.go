package inbox

import (
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// This file: the server's names for the folders of the configuration.
//
// Folder names in Config (and on the command line) are written with "/"
// between levels, "Tessera/Valide". Servers differ: Dovecot's Maildir
// default and Courier separate levels with ".", and Courier and some
// hosted mailboxes keep every folder of the user under "INBOX." (RFC 2342
// calls that the personal namespace's prefix). Written as configured,
// "Tessera/Valide" would there be refused, or be made as one folder with a
// slash in its name beside the clerks' own.

// names turns a configured folder name into the server's.
type names struct {
	prefix string // the personal namespace's prefix, "" or "INBOX."
	delim  rune   // the hierarchy separator; 0 on a flat server
}

// serverNames asks the server how it names folders: NAMESPACE (RFC 2342)
// when it offers it, else the separator of LIST "" "" (RFC 3501 6.3.8).
func serverNames(c *imapclient.Client) (names, error) {
	if c.Caps().Has(imap.CapNamespace) {
		ns, err := c.Namespace().Wait()
		if err != nil {
			return names{}, fmt.Errorf("inbox: namespace: %w", err)
		}
		if len(ns.Personal) > 0 {
			return names{prefix: ns.Personal[0].Prefix, delim: ns.Personal[0].Delim}, nil
		}
	}
	list, err := c.List("", "", nil).Collect()
	if err != nil {
		return names{}, fmt.Errorf("inbox: list the separator: %w", err)
	}
	if len(list) == 0 {
		return names{delim: '/'}, nil
	}
	return names{delim: list[0].Delim}, nil
}

// of returns the server's name for folder: its levels joined by the
// server's separator, under the personal prefix unless folder is INBOX or
// under it already.
func (n names) of(folder string) string {
	levels := strings.Split(folder, "/")
	if strings.EqualFold(levels[0], "INBOX") {
		levels[0] = "INBOX"
		if len(levels) == 1 {
			return "INBOX"
		}
	} else if n.prefix != "" {
		if p := strings.TrimRight(n.prefix, string(n.delim)); strings.EqualFold(levels[0], p) && n.delim != 0 {
			levels = levels[1:] // written with the prefix already
		}
		return n.prefix + n.join(levels)
	}
	return n.join(levels)
}

func (n names) join(levels []string) string {
	if n.delim == 0 || n.delim == '/' {
		return strings.Join(levels, "/")
	}
	return strings.Join(levels, string(n.delim))
}
