package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/internal/browsertest"
	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/internal/testengine"
	"github.com/tessera-cie/tessera/photofix"
	"github.com/tessera-cie/tessera/validate"
)

// batchFolder builds what a clerk finds on a USB stick: real photos from
// ../shared/faces (neutral, smiling, canada, lisa, nonface), two photos
// made ready for the CIE (backdrop whitened by the test fixture, then
// cropped by photofix), and junk: a text file, a README, an empty file, a
// truncated JPEG, a hidden file and a link loop. It returns the folder and
// the number of photo files in it.
func batchFolder(t *testing.T) (string, int) {
	t.Helper()
	faces := faceset.Require(t)
	root := filepath.Join(t.TempDir(), "chiavetta")
	copyFile := func(src, dst string) []byte {
		t.Helper()
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(root, dst), data)
		return data
	}
	photos := 0
	for _, set := range []struct {
		label string
		n     int
	}{{"neutral", 4}, {"smiling", 3}, {"canada", 2}, {"lisa", 2}, {"nonface", 3}} {
		ps, err := faceset.Load(faces, set.label)
		if err != nil || len(ps) < set.n {
			t.Fatalf("%s: %d photos, %v", set.label, len(ps), err)
		}
		for _, p := range ps[:set.n] {
			copyFile(p.Path, filepath.Join(set.label, filepath.Base(p.Path)))
			photos++
		}
	}
	ps, _ := faceset.Load(faces, "neutral")
	for _, p := range ps[4:6] {
		writeFile(t, filepath.Join(root, "pronte", p.Name+".jpg"), readyPhoto(t, p.Path))
		photos++
	}
	jpg := copyFile(ps[6].Path, "posta/troncata.jpg")
	writeFile(t, filepath.Join(root, "posta", "troncata.jpg"), jpg[:len(jpg)/3])
	writeFile(t, filepath.Join(root, "posta", "vuota.jpg"), nil)
	writeFile(t, filepath.Join(root, "posta", "messaggio.txt"), []byte("Buongiorno, allego la foto.\n"))
	writeFile(t, filepath.Join(root, "README.md"), []byte("# foto\n"))
	writeFile(t, filepath.Join(root, ".DS_Store"), []byte("junk"))
	photos += 2 // the truncated and the empty file are checked, and unreadable
	if err := os.Symlink("..", filepath.Join(root, "posta", "giro")); err != nil {
		t.Fatal(err)
	}
	return root, photos
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// readyPhoto makes a photo that meets the CIE rules from a neutral one:
// cropped and scaled by photofix, then the grey backdrop whitened by the
// test fixture and saved at 400 DPI.
func readyPhoto(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := validate.New(testengine.Engine(t)).Analyze(context.Background(), path, data, validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := photofix.Fix(res)
	if err != nil {
		t.Fatalf("fix %s: %v", path, err)
	}
	img, err := imaging.Decode(bytes.NewReader(fixed.JPEG))
	if err != nil {
		t.Fatal(err)
	}
	return fixture.JPEG(fixture.WhitenBackdrop(img, 36), 88, &fixture.JFIF{Units: 1, XDen: 400, YDen: 400}, nil)
}

// readCSV parses a CSV report into rows keyed by column name.
func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

var summaryRE = regexp.MustCompile(`(\d+) photos: (\d+) pass, (\d+) fail, (\d+) unreadable; (\d+) skipped; [\d.]+ s`)

// TestCheckBatch runs "tessera check" over the clerk's folder: every file
// gets a row, junk is skipped or reported unreadable, the summary agrees
// with the rows, the order does not depend on --jobs, and --sort-into
// copies without overwriting and leaves the originals alone.
func TestCheckBatch(t *testing.T) {
	root, photos := batchFolder(t)
	before := hashTree(t, root)
	work := t.TempDir()
	csvPath := filepath.Join(work, "report.csv")
	sorted := filepath.Join(work, "smistate")

	start := time.Now()
	code, stdout, stderr := runArgs(t, "check", root, "-r", "--lang", "en", "--jobs", "3", "--out", csvPath, "--sort-into", sorted)
	elapsed := time.Since(start)
	if code != 1 || stdout != "" {
		t.Fatalf("exit %d (want 1: some photos fail), stdout %q, stderr %q", code, stdout, stderr)
	}
	rows := readCSV(t, csvPath)
	count := map[string]int{}
	byName := map[string]map[string]string{}
	for _, r := range rows {
		count[r["verdict"]]++
		rel, _ := filepath.Rel(root, r["file"])
		byName[rel] = r
	}
	t.Logf("%d rows in %v: %v; stderr %q", len(rows), elapsed.Round(time.Millisecond), count, stderr)

	m := summaryRE.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no summary line in stderr %q", stderr)
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	if n(1) != photos || n(2) != count["pass"] || n(3) != count["fail"] || n(4) != count["error"] || n(5) != count["skipped"] {
		t.Errorf("summary %q, rows %v, %d photos", m[0], count, photos)
	}
	if count["pass"]+count["fail"]+count["error"] != photos || count["pass"] < 2 || count["error"] != 2 {
		t.Errorf("verdicts %v, want %d photos with the 2 ready ones passing and 2 unreadable", count, photos)
	}
	want := map[string]string{
		"README.md": "skipped", ".DS_Store": "skipped", "posta/messaggio.txt": "skipped", "posta/giro": "skipped",
		"posta/vuota.jpg": "error", "posta/troncata.jpg": "error",
	}
	for name, v := range want {
		if r := byName[name]; r == nil || r["verdict"] != v || r["error"] == "" {
			t.Errorf("%s: row %v, want verdict %s with a reason", name, r, v)
		}
	}
	for rel, r := range byName {
		switch {
		case strings.HasPrefix(rel, "nonface/"):
			if r["verdict"] != "fail" || !strings.Contains(r["failed"], "face_count") {
				t.Errorf("%s: %v, want face_count failing", rel, r)
			}
		case strings.HasPrefix(rel, "pronte/"):
			if r["verdict"] != "pass" || r["dpi"] != "400" {
				t.Errorf("%s: %v, want a pass at 400 DPI", rel, r)
			}
		case strings.HasPrefix(rel, "neutral/"), strings.HasPrefix(rel, "canada/"):
			if !strings.Contains(r["failed"], "background_white") || r["eye_height"] == "" {
				t.Errorf("%s: %v, want background_white failing and the eye height measured", rel, r)
			}
		}
	}

	// --sort-into: ok holds the passes, ko the others; nothing overwritten.
	ok, ko := listDir(t, filepath.Join(sorted, "ok")), listDir(t, filepath.Join(sorted, "ko"))
	if len(ok) != count["pass"] || len(ko) != count["fail"]+count["error"] {
		t.Errorf("sorted %d ok, %d ko; want %d and %d", len(ok), len(ko), count["pass"], count["fail"]+count["error"])
	}
	code, _, stderr = runArgs(t, "check", "-r", "--sort-into", sorted, "--format", "csv", root)
	if code != 1 {
		t.Errorf("second run: exit %d, %s", code, stderr)
	}
	ok2 := listDir(t, filepath.Join(sorted, "ok"))
	if len(ok2) != 2*len(ok) || !slices.Contains(ok2, strings.TrimSuffix(ok[0], ".jpg")+"-2.jpg") {
		t.Errorf("second run into the same folder: ok holds %v", ok2)
	}
	if after := hashTree(t, root); !equalMaps(before, after) {
		t.Error("the originals changed")
	}

	// The order is the input order whatever --jobs is.
	var orders [2][]string
	for i, jobs := range []string{"1", "4"} {
		code, out, stderr := runArgs(t, "check", "-r", "--format", "json", "--jobs", jobs, root)
		var reps []validate.Report
		if err := json.Unmarshal([]byte(out), &reps); err != nil || code != 1 {
			t.Fatalf("--jobs %s: exit %d, %v, %s", jobs, code, err, stderr)
		}
		for _, r := range reps {
			orders[i] = append(orders[i], r.File)
		}
	}
	if fmt.Sprint(orders[0]) != fmt.Sprint(orders[1]) || len(orders[0]) != photos || !sort.StringsAreSorted(orders[0]) {
		t.Errorf("JSON order with 1 and 4 jobs:\n%v\n%v", orders[0], orders[1])
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// hashTree maps every regular file under root to its SHA-256.
func hashTree(t *testing.T, root string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			out[p] = sha256.Sum256(b)
		}
		return nil
	})
	return out
}

func equalMaps(a, b map[string][32]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestCheckHTMLInBrowser writes the HTML report of the clerk's folder and
// opens it in headless chromium: it renders, every thumbnail loads, the
// failing photos come first, and its counts match the CSV of the same run.
func TestCheckHTMLInBrowser(t *testing.T) {
	browsertest.Path(t)
	root, _ := batchFolder(t)
	work := t.TempDir()
	htmlPath, csvPath := filepath.Join(work, "rapporto.html"), filepath.Join(work, "rapporto.csv")
	if code, _, stderr := runArgs(t, "check", "-r", "--out", htmlPath, root); code != 1 {
		t.Fatalf("html: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runArgs(t, "check", "-r", "--out", csvPath, root); code != 1 {
		t.Fatalf("csv: exit %d, %s", code, stderr)
	}
	page, err := os.ReadFile(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(page, []byte("http://")) || bytes.Contains(page, []byte("https://")) || bytes.Contains(page, []byte("<script")) {
		t.Error("the report fetches something or runs a script: it must be self-contained")
	}
	rows := readCSV(t, csvPath)
	want := map[string]int{}
	decodable := 0
	for _, r := range rows {
		want[r["verdict"]]++
		if r["width"] != "" && r["verdict"] != "error" {
			decodable++
		}
	}

	ctx := browsertest.New(t, 1000, 1400, 60*time.Second)
	type view struct {
		Counts   map[string]int `json:"counts"`
		Verdicts []string       `json:"verdicts"`
		Images   int            `json:"images"`
		Loaded   int            `json:"loaded"`
		Skipped  int            `json:"skipped"`
		Title    string         `json:"title"`
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate("file://"+htmlPath),
		chromedp.WaitVisible(chromedp.ID("count-photos")),
	)
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`[...document.images].every(i => i.complete)`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("images: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[view](`(() => {
		const n = id => parseInt(document.getElementById(id).textContent, 10);
		const imgs = [...document.images];
		return {
			counts: {photos: n("count-photos"), pass: n("count-pass"), fail: n("count-fail"), error: n("count-error"), skipped: n("count-skipped")},
			verdicts: [...document.querySelectorAll("article.photo")].map(a => a.dataset.verdict),
			images: imgs.length,
			loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
			skipped: document.querySelectorAll("#skipped tbody tr").length,
			title: document.title,
		};
	})()`))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(80))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	t.Logf("report %q: counts %v, %d images (%d loaded), %d KB", got.Title, got.Counts, got.Images, got.Loaded, len(page)/1024)
	if got.Counts["pass"] != want["pass"] || got.Counts["fail"] != want["fail"] || got.Counts["error"] != want["error"] ||
		got.Counts["skipped"] != want["skipped"] || got.Counts["photos"] != want["pass"]+want["fail"]+want["error"] {
		t.Errorf("report counts %v, CSV %v", got.Counts, want)
	}
	if got.Skipped != want["skipped"] || len(got.Verdicts) != got.Counts["photos"] {
		t.Errorf("%d skipped rows and %d photos shown, CSV %v", got.Skipped, len(got.Verdicts), want)
	}
	if got.Images != decodable || got.Loaded != got.Images {
		t.Errorf("%d thumbnails, %d loaded; %d photos could be decoded", got.Images, got.Loaded, decodable)
	}
	rank := map[string]int{"fail": 0, "error": 1, "pass": 2}
	if !sort.SliceIsSorted(got.Verdicts, func(i, j int) bool { return rank[got.Verdicts[i]] < rank[got.Verdicts[j]] }) {
		t.Errorf("failing photos do not come first: %v", got.Verdicts)
	}
	if got.Title != "Controllo foto CIE: rapporto" {
		t.Errorf("title %q", got.Title)
	}
	if dir := os.Getenv("TESSERA_SCREENSHOTS"); dir != "" {
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "batch-report.jpg"), shot, 0o644)
	}
}

func TestCheckUsage(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f.txt")
	os.WriteFile(file, []byte("x"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"check"}, "usage: tessera check"},
		{[]string{"check", "--format", "pdf", "x.jpg"}, `unknown format "pdf"`},
		{[]string{"check", "--jobs", "0", "x.jpg"}, "--jobs must be at least 1"},
		{[]string{"check", "--sort-into", file, "x.jpg"}, "is a file, not a folder"},
		{[]string{"check", "x.jpg", "--profile", "passport"}, `unknown profile "passport"`},
		{[]string{"check", "--lang", "fr", "x.jpg"}, `unknown language "fr": use one of it, en, de`},
		{[]string{"check", "x.jpg", "--bogus"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		code, _, stderr := runArgs(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("tessera %v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

func TestCheckNothingFound(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "note.txt"), []byte("x"), 0o644)
	code, out, stderr := runArgs(t, "check", "--format", "json", dir, "--", filepath.Join(dir, "*.jpg"))
	var reps []validate.Report
	if err := json.Unmarshal([]byte(out), &reps); err != nil || code != 1 || len(reps) != 1 ||
		reps[0].Error != "nessun file corrisponde al modello" || !strings.Contains(stderr, "1 foto: 0 valide, 0 non valide, 1 illeggibili; 1 saltati") {
		t.Errorf("a glob that matches nothing: exit %d, stdout %q (%v), stderr %q", code, out, err, stderr)
	}
	code, out, stderr = runArgs(t, "check", "--format", "json", dir)
	if code != 1 || strings.TrimSpace(out) != "[]" || !strings.Contains(stderr, "nessuna foto da controllare") {
		t.Errorf("only junk: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// TestCheckInterrupted: a run cancelled (Ctrl-C) still writes a valid
// report of what was done, under its final name, and says it stopped.
func TestCheckInterrupted(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		writeFile(t, filepath.Join(dir, "in", fmt.Sprintf("%d.jpg", i)), fixture.JPEG(fixture.Gradient(40, 50), 90, nil, nil))
	}
	out := filepath.Join(dir, "report.json")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"check", "--lang", "en", "--out", out, filepath.Join(dir, "in")}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "interrupted after 0 of 3 files") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	data, err := os.ReadFile(out)
	var reps []validate.Report
	if err != nil || json.Unmarshal(data, &reps) != nil {
		t.Errorf("report %q, %v", data, err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("report mode %v, %v", fi.Mode(), err)
	}
	if left := listDir(t, dir); len(left) != 2 {
		t.Errorf("files left beside the report: %v", left)
	}
}

// TestCheckInGerman: with --lang de the clerk's text report, its summary
// line, the CSV's reasons and the HTML report are in German, and the fix
// command speaks German too.
func TestCheckInGerman(t *testing.T) {
	root, _ := batchFolder(t)
	de := catalog.For("de")
	code, stdout, stderr := runArgs(t, "check", "-r", "--lang", "de", root)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, id := range []string{"cli.writeText.fail", "cli.writeText.pass"} {
		if w := de.Say(id); !strings.Contains(stdout, ": "+w+" (") {
			t.Errorf("no %q verdict in the text report", w)
		}
	}
	if it := catalog.Say("it", "cli.writeText.fail"); strings.Contains(stdout, ": "+it+" (") {
		t.Errorf("an Italian verdict %q in the German report", it)
	}
	if !strings.Contains(stdout, de.Say("check.faceCount.one_face")) {
		t.Error("the checks' messages are not in German")
	}
	if summary := de.Say("batch.summary", 1, 1, 1, 1, 1, 1.0); !strings.Contains(stderr, strings.Fields(summary)[1]) {
		t.Errorf("summary line not in German: %q", stderr)
	}

	page := filepath.Join(t.TempDir(), "bericht.html")
	if code, _, stderr := runArgs(t, "check", "-r", "--lang", "de-AT", "--out", page, root); code != 1 {
		t.Fatalf("html: exit %d: %s", code, stderr)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte(`<html lang="de">`)) || !bytes.Contains(html, []byte(de.Say("batch.html.title"))) {
		t.Errorf("the HTML report is not in German: %.300s", html)
	}
}

// TestCheckOutFile: --out never replaces a photo being checked, replaces
// another existing file only with --force, and makes the report with the
// user's umask; file names with terminal escapes are printed escaped.
func TestCheckOutFile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	photo := fixture.JPEG(fixture.Gradient(40, 50), 90, nil, nil)
	a := filepath.Join(in, "a.jpg")
	writeFile(t, a, photo)
	evil := filepath.Join(in, "foto\x1b]0;preso\x07\x1b[2J\u202egpj.jpg")
	writeFile(t, evil, photo)

	for _, force := range []bool{false, true} {
		args := []string{"check", "--lang", "en", "--format", "json", "--out", a, in}
		if force {
			args = append(args, "--force")
		}
		code, _, stderr := runArgs(t, args...)
		if code != exitUsage || !strings.Contains(stderr, "is one of the photos to check") {
			t.Errorf("--out naming a photo (force %v): exit %d, %q", force, code, stderr)
		}
		if b, _ := os.ReadFile(a); !bytes.Equal(b, photo) {
			t.Fatalf("the photo was overwritten (force %v)", force)
		}
	}

	report := filepath.Join(dir, "rapporto.json")
	writeFile(t, report, []byte("earlier"))
	code, _, stderr := runArgs(t, "check", "--lang", "en", "--out", report, in)
	if b, _ := os.ReadFile(report); code != exitUsage || string(b) != "earlier" || !strings.Contains(stderr, "already exists; --force") {
		t.Errorf("an existing --out without --force: exit %d, %q, file %q", code, stderr, b)
	}
	if code, _, stderr := runArgs(t, "check", "--lang", "en", "--out", report, "--force", in); code != 1 {
		t.Errorf("--force: exit %d, %s", code, stderr)
	}
	var reps []validate.Report
	if b, err := os.ReadFile(report); err != nil || json.Unmarshal(b, &reps) != nil || len(reps) != 2 {
		t.Errorf("the replaced report: %d reports, %v", len(reps), err)
	}

	old := syscall.Umask(0o027)
	fresh := filepath.Join(dir, "nuovo.csv")
	code, _, stderr = runArgs(t, "check", "--out", fresh, in)
	syscall.Umask(old)
	if fi, err := os.Stat(fresh); code != 1 || err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("umask 027: exit %d (%s), mode %v, %v; want 640", code, stderr, fi.Mode(), err)
	}

	code, stdout, _ := runArgs(t, "check", "--lang", "en", in)
	if code != 1 || strings.ContainsAny(stdout, "\x1b\x07\u202e") || !strings.Contains(stdout, `\x1b]0;preso\a\x1b[2J\u202egpj.jpg"`) {
		t.Errorf("a name with escapes printed as:\n%q", stdout)
	}
}
