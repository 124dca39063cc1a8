package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/validate"
)

// newFlags returns the flag set of the command name; its usage prints
// usage (the command's synopsis) and the flags to stderr.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// stopped reads the error of parsing flags: stop is set when the command
// must not go on, with its exit status (0 after --help, exitUsage on a
// bad flag, which the flag set has already reported).
func stopped(err error) (code int, stop bool) {
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		return 0, true
	}
	return exitUsage, true
}

// profileFlag defines --profile on fs, setting p; what says what the
// rules are for.
func profileFlag(fs *flag.FlagSet, p *string, what string) {
	fs.StringVar(p, "profile", validate.DefaultProfile, what+": "+strings.Join(validate.ProfileNames(), ", "))
}

// langFlag defines --lang on fs, setting p; what says what is written in
// it.
func langFlag(fs *flag.FlagSet, p *string, what string) {
	fs.StringVar(p, "lang", catalog.Default, what+": "+strings.Join(catalog.Languages(), ", "))
}

// checkRules reports a profile or a language tessera does not know, and
// writes the language as tessera names it ("DE-at" is "de"); lang nil is
// not checked (the command has no --lang).
func checkRules(profile string, lang *string) error {
	if _, ok := validate.LookupProfile(profile); !ok {
		return fmt.Errorf("unknown profile %q (known: %s)", profile, strings.Join(validate.ProfileNames(), ", "))
	}
	if lang != nil {
		l, err := catalog.Parse(*lang)
		if err != nil {
			return err
		}
		*lang = l
	}
	return nil
}
