package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/config"
	"github.com/tessera-cie/tessera/photofix"
	"github.com/tessera-cie/tessera/printsheet"
	"github.com/tessera-cie/tessera/validate"
)

// fixKeys are the settings of tessera fix an office may set once, the
// [fix] table.
var fixKeys = []config.Key{
	{Name: "fix.profile", Flag: "profile"},
	{Name: "fix.lang", Flag: "lang"},
}

// runFix makes the mechanical fixes (crop to 35x45 around the face, scale,
// DPI, JPEG under the size limit), writes the new file next to the old one
// and checks it again. It exits 0 when the fixed photo passes, 1 when it
// cannot be fixed or still fails a check that needs a new photo, 2 on a
// usage error. The original is never touched.
func runFix(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("fix", "usage: tessera fix [--profile cie|icao] [--lang it|en|de] [--force] [--print SHEET.pdf|SHEET.jpg] IN [OUT]\n\nOUT defaults to IN's name with -tessera.jpg. --print also writes a 10x15 cm sheet to print (300 DPI, the fixed photo repeated at its true size with cut marks) when the fixed photo passes.", stderr)
	profile, lang := new(string), new(string)
	profileFlag(fs, profile, "rules to frame for")
	langFlag(fs, lang, "language of messages")
	force := fs.Bool("force", false, "overwrite OUT (and SHEET) if it exists")
	printTo := fs.String("print", "", "also write a 10x15 cm sheet to print, PDF or JPEG by its extension")
	config.Bind(fs, fixKeys)
	if _, err := parseSettings(fs, fixKeys, args, os.LookupEnv); err != nil {
		return settingsExit("fix", err, fs, stderr)
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		fs.Usage()
		return exitUsage
	}
	sheetFormat, ok := sheetFormatOf(*printTo)
	if !ok {
		fmt.Fprintf(stderr, "tessera fix: --print %s: name a .pdf or a .jpg file\n", *printTo)
		return exitUsage
	}
	if err := checkRules(*profile, lang); err != nil {
		fmt.Fprintf(stderr, "tessera fix: %v\n", err)
		return exitUsage
	}
	say := catalog.For(*lang).Say
	in := fs.Arg(0)
	out := fs.Arg(1)
	if out == "" {
		out = strings.TrimSuffix(in, filepath.Ext(in)) + "-tessera.jpg"
	}
	if same(in, out) {
		fmt.Fprintln(stderr, say("cli.runFix.tessera_fix_fixed_file"))
		return exitUsage
	}
	data, err := os.ReadFile(in)
	if err != nil {
		fmt.Fprintf(stderr, "tessera fix: %v\n", err)
		return 1
	}
	v, closeEngine, err := newValidator()
	if err != nil {
		fmt.Fprintf(stderr, "tessera fix: %v\n", err)
		return 1
	}
	defer closeEngine()
	opts := validate.Options{Profile: *profile, Lang: *lang}
	res, err := v.Analyze(ctx, in, data, opts)
	if err != nil {
		fmt.Fprintf(stderr, "tessera fix: %v\n", err)
		return 1
	}
	if res.Report.Error != "" {
		fmt.Fprintf(stderr, "tessera fix: %s: %s\n", in, res.Report.Error)
		return 1
	}
	fixed, err := photofix.Fix(res)
	switch {
	case errors.Is(err, photofix.ErrNoFace):
		fmt.Fprintln(stderr, say("cli.runFix.tessera_fix_photo_needs", in))
		return 1
	case errors.Is(err, photofix.ErrNoRoom):
		fmt.Fprintln(stderr, say("cli.runFix.tessera_fix_there_no", in, err))
		return 1
	case errors.Is(err, photofix.ErrTooSmall):
		fmt.Fprintln(stderr, say("cli.runFix.tessera_fix_photo_has", in, err))
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "tessera fix: %s: %v\n", in, err)
		return 1
	}
	if err := writeNew(out, fixed.JPEG, *force); err != nil {
		fmt.Fprintf(stderr, "tessera fix: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, say("cli.runFix.cropped_v_dx_pixels",
		out, fixed.Crop, catalog.Dims(fixed.Width, fixed.Height), fixed.DPI, fixed.Quality, (len(fixed.JPEG)+1023)/1024))
	if fixed.Upscaled {
		fmt.Fprintln(stdout, say("cli.runFix.note_photo_was_few"))
	}
	rep, err := v.Check(ctx, out, fixed.JPEG, opts)
	if err != nil {
		fmt.Fprintf(stderr, "tessera fix: %v\n", err)
		return 1
	}
	if rep.Pass {
		fmt.Fprintln(stdout, say("cli.runFix.fixed_photo_passes_every"))
		if *printTo != "" {
			if err := writeSheet(*printTo, sheetFormat, fixed.JPEG, res.Profile, *force); err != nil {
				fmt.Fprintf(stderr, "tessera fix: %v\n", err)
				return 1
			}
			fmt.Fprintln(stdout, say("cli.runFix.sheet_written", *printTo))
		}
		return 0
	}
	fmt.Fprintln(stdout, say("cli.runFix.still_fix_with_new"))
	for _, c := range rep.Failed() {
		fmt.Fprintf(stdout, "  fail %-18s %s\n       -> %s\n", c.ID, c.Message, c.Fix)
	}
	if *printTo != "" {
		fmt.Fprintln(stdout, say("cli.runFix.no_sheet", *printTo))
	}
	return 1
}

// sheetFormatOf is the sheet's format by the extension of name ("" for no
// sheet): "pdf" or "jpeg"; ok is false for another extension.
func sheetFormatOf(name string) (format string, ok bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case "":
		return "", name == ""
	case ".pdf":
		return "pdf", true
	case ".jpg", ".jpeg":
		return "jpeg", true
	}
	return "", false
}

// writeSheet writes to name the print sheet (format "pdf" or "jpeg") of
// the valid photo in photoJPEG, at the size of profile p.
func writeSheet(name, format string, photoJPEG []byte, p *validate.Profile, force bool) error {
	img, err := jpeg.Decode(bytes.NewReader(photoJPEG))
	if err != nil {
		return fmt.Errorf("decode the fixed photo: %w", err)
	}
	var sheet []byte
	if format == "pdf" {
		sheet, err = printsheet.PDF(img, p.WidthMM, p.HeightMM)
	} else {
		sheet, err = printsheet.JPEG(img, p.WidthMM, p.HeightMM)
	}
	if err != nil {
		return err
	}
	return writeNew(name, sheet, force)
}

// writeNew writes data to a new file name; with force it may replace one.
func writeNew(name string, data []byte, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(name, flags, 0o644)
	if err != nil {
		return fmt.Errorf("%w (use --force to overwrite)", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// same reports whether a and b name the same file.
func same(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
