package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// AxeVersion is the axe-core that package-lock.json in axe/ pins.
const AxeVersion = "4.14.1"

// axeTags are the rules axe runs: WCAG 2.0, 2.1 and 2.2 at levels A and
// AA, what the AgID guidelines (EN 301 549) require of a public site.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// axeDir is where `make deps` installs axe-core, from the module's root.
const axeDir = "internal/browsertest/axe"

// Axe returns the source of axe-core, which `make deps` installs with npm
// next to this file; without it the test fails (it never skips: CI must
// run it). The file is found from the test's working directory, its
// package's folder, up to the module's go.mod: the tests are built with
// -trimpath (Makefile), so the binary knows no folder of its source.
func Axe(t testing.TB) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("axe-core: %v", err)
	}
	path := filepath.Join(root, filepath.FromSlash(axeDir), "node_modules", "axe-core", "axe.min.js")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("axe-core is not installed (%v): run `make deps`", err)
	}
	return string(src)
}

// moduleRoot is the nearest folder holding go.mod at or above the working
// directory.
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no go.mod at or above %s", wd)
		}
	}
}

// Violation is one failed axe rule, with the elements that fail it.
type Violation struct {
	ID, Impact, Help string
	Nodes            []string // the failing elements' selectors and why
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s): %s: %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "; "))
}

// RunAxe injects axe-core (src, from Axe) into the page of ctx and returns
// the WCAG A/AA violations it finds there.
func RunAxe(ctx context.Context, src string) ([]Violation, error) {
	version, err := chromedp.Run(ctx, chromedp.Evaluate[string](src+";axe.version"))
	if err != nil {
		return nil, fmt.Errorf("inject axe-core: %w", err)
	}
	if version != AxeVersion {
		return nil, fmt.Errorf("axe-core %s injected, want %s: run `make deps`", version, AxeVersion)
	}
	tags, _ := json.Marshal(axeTags)
	script := `axe.run(document, {runOnly: {type: "tag", values: ` + string(tags) + `}, resultTypes: ["violations"]}).then(function (r) {
		return JSON.stringify(r.violations.map(function (v) {
			return {ID: v.id, Impact: v.impact || "", Help: v.help,
				Nodes: v.nodes.map(function (n) { return n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\s+/g, " "); })};
		}));
	})`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("axe.run: %w", err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		return nil, fmt.Errorf("axe.run's answer: %w", err)
	}
	return vs, nil
}
