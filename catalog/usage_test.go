package catalog

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestMessagesUsed reads tessera's code (every .go file of the module but
// tests and the catalogue's own tables) and ties it to the catalogue both
// ways: a message id written in the code has a text in every language,
// and every text is reached from the code by its id written whole. A
// message id is a string literal that starts with one of the catalogue's
// namespaces ("check.", "page.", ...); one built by joining a namespace to
// a name ("page." + name) or by a format ("check.%s") fails the test, since
// it cannot be followed from its call site to its text.
func TestMessagesUsed(t *testing.T) {
	used, err := messageIDs(t, "..")
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 100 {
		t.Fatalf("%d message ids found in the code: the walk missed it", len(used))
	}
	for _, id := range slices.Sorted(maps.Keys(used)) {
		for i, l := range langs {
			if _, ok := texts[i][id]; !ok {
				t.Errorf("%s: message %q has no text in %s", used[id], id, l)
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(texts[0])) {
		if _, ok := used[id]; !ok {
			t.Errorf("message %q is used by nobody: no code names it", id)
		}
	}
}

// messageIDs returns the message ids written in the module's code under
// root, each with where it is first written; it fails t for an id that is
// built rather than written.
func messageIDs(t *testing.T, root string) (map[string]string, error) {
	spaces := map[string]bool{}
	for id := range texts[0] {
		ns, _, _ := strings.Cut(id, ".")
		spaces[ns] = true
	}
	shape := regexp.MustCompile(`^(` + strings.Join(slices.Sorted(maps.Keys(spaces)), "|") + `)\.`)
	fset := token.NewFileSet()
	used := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || isTable(path) {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				// A setting's key ("check.lang", package config) is
				// named like a message and is none.
				if arr, ok := n.Type.(*ast.ArrayType); ok {
					return !isConfigKey(arr.Elt)
				}
				return !isConfigKey(n.Type)
			case *ast.BinaryExpr:
				if s, ok := stringLit(n.X); ok && n.Op == token.ADD && shape.MatchString(s) {
					t.Errorf("%s: message id built by joining %q to a name: write the id whole", fset.Position(n.Pos()), s)
				}
			case *ast.BasicLit:
				s, ok := stringLit(n)
				if !ok || !shape.MatchString(s) || strings.ContainsAny(s, " /:") {
					return true
				}
				if strings.Contains(s, "%") {
					t.Errorf("%s: %q builds a message id: write the id whole", fset.Position(n.Pos()), s)
					return true
				}
				if strings.HasSuffix(s, ".") { // a namespace, as strings.TrimPrefix takes it off
					return true
				}
				if _, seen := used[s]; !seen {
					used[s] = fset.Position(n.Pos()).String()
				}
			}
			return true
		})
		return nil
	})
	return used, err
}

// isConfigKey reports whether the type t is config.Key.
func isConfigKey(t ast.Expr) bool {
	sel, ok := t.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "config" && sel.Sel.Name == "Key"
}

// isTable reports whether path is one of the catalogue's tables of texts.
func isTable(path string) bool {
	dir, file := filepath.Split(filepath.Clean(path))
	if filepath.Base(filepath.Clean(dir)) != "catalog" {
		return false
	}
	return slices.Contains(langs, strings.TrimSuffix(file, ".go"))
}

// stringLit is the value of e when it is a string literal.
func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}
