package models

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	dir := t.TempDir()
	present := filepath.Join(dir, FileName)
	if err := os.WriteFile(present, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nope.dat")
	tests := []struct {
		name    string
		env     string
		paths   []string
		want    string
		wantErr error
	}{
		{"env wins", present, []string{missing}, present, nil},
		{"env missing is an error", missing, []string{present}, "", os.ErrNotExist},
		{"first existing candidate", "", []string{missing, present}, present, nil},
		{"none", "", []string{missing}, "", ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := find(tc.env, tc.paths)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("find = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestNotFoundNamesDebianPackage(t *testing.T) {
	_, err := find("", nil)
	if err == nil || !strings.Contains(err.Error(), "libdlib-data") {
		t.Fatalf("error %v does not name libdlib-data", err)
	}
}
