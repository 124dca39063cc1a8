// Package config is how every tessera command is configured: each setting
// is a key of tessera.toml ("inbox.imap_user"), a flag ("--imap-user") and
// an environment variable ("TESSERA_IMAP_USER"). A flag given on the
// command line wins over the variable, and the variable over the file; a
// setting none of them gives keeps the flag's default.
//
// The file is TOML, one table per part of tessera: [office] and [web]
// (package office), [serve], [inbox]. A key no command knows is an error
// that names it: a misspelt key would otherwise be silently ignored.
package config

import (
	"flag"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// FileEnv names the configuration file when --config is not given.
const FileEnv = "TESSERA_CONFIG"

// FileFlag is the flag that names the configuration file.
const FileFlag = "config"

// Key is one setting: a flag of the command, also read from tessera.toml
// and from the environment.
type Key struct {
	// Name is the table and the key in tessera.toml: "inbox.imap_user".
	Name string
	// Flag is the flag's name, without dashes: "imap-user".
	Flag string
	// Env is the environment variable; "" is TESSERA_ and the flag's name
	// in capitals, dashes as underscores ("TESSERA_IMAP_USER").
	Env string
	// Path marks a file name: one written in tessera.toml is read from
	// the file's folder.
	Path bool
	// List marks a list: in tessera.toml a list of strings, in a flag or
	// a variable its items separated by commas.
	List bool
	// KeepEmpty marks a key whose empty value means something
	// (metrics_addr: none): its variable set to "" sets it. Any other
	// key takes an empty variable as unset, as shells and unit files
	// leave them.
	KeepEmpty bool
}

// Source is where a setting's value came from, in rising precedence.
type Source int

// The sources of a setting.
const (
	Default Source = iota // the flag's default
	File                  // tessera.toml
	Env                   // its environment variable
	Flag                  // the command line
)

// Loaded is where each flag's value came from, as Load read them.
type Loaded struct {
	from map[string]Source
}

// From is where the flag named flag got its value.
func (l *Loaded) From(flag string) Source { return l.from[flag] }

// Variable is the key's environment variable.
func (k Key) Variable() string {
	if k.Env != "" {
		return k.Env
	}
	return "TESSERA_" + strings.ToUpper(strings.ReplaceAll(k.Flag, "-", "_"))
}

// Bind defines --config on fs and adds to each key's flag, defined on fs
// already, where else it is read from: "(key inbox.imap, env
// TESSERA_IMAP)".
func Bind(fs *flag.FlagSet, keys []Key) {
	fs.String(FileFlag, "", "the configuration file, tessera.toml (env "+FileEnv+")")
	for _, k := range keys {
		f := fs.Lookup(k.Flag)
		if f == nil {
			panic("config: no flag --" + k.Flag + " for key " + k.Name)
		}
		f.Usage += fmt.Sprintf(" (key %s, env %s)", k.Name, k.Variable())
	}
}

// Load sets, once fs is parsed, each key's flag that the command line did
// not give: from its environment variable (lookup, os.LookupEnv), else
// from the configuration file (--config, else the file $TESSERA_CONFIG
// names, else none). known are the names of every key tessera.toml may
// hold, every command's: a key of the file outside them is an error, one
// of another command is left to it. It returns where each value came
// from.
func Load(fs *flag.FlagSet, keys []Key, known []string, lookup func(string) (string, bool)) (*Loaded, error) {
	l := &Loaded{from: map[string]Source{}}
	path := fs.Lookup(FileFlag).Value.String()
	if path == "" {
		path, _ = lookup(FileEnv)
	}
	var file map[string]any
	if path != "" {
		var err error
		if file, err = read(path, known); err != nil {
			return nil, err
		}
	}
	fs.Visit(func(f *flag.Flag) { l.from[f.Name] = Flag })
	for _, k := range keys {
		if l.from[k.Flag] == Flag {
			continue
		}
		v, fromEnv := lookup(k.Variable())
		fromEnv = fromEnv && (v != "" || k.KeepEmpty)
		what, src := k.Variable(), Env
		if !fromEnv {
			x, ok := file[k.Name]
			if !ok {
				continue
			}
			what, src = path+": "+k.Name, File
			var err error
			if v, err = text(x, k.List); err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			if k.Path && v != "" && !filepath.IsAbs(v) {
				v = filepath.Join(filepath.Dir(path), v)
			}
		}
		if err := fs.Set(k.Flag, v); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		l.from[k.Flag] = src
	}
	return l, nil
}

// read reads the file at path: its keys' values by name.
func read(path string, known []string) (map[string]any, error) {
	var doc map[string]any
	if _, err := toml.DecodeFile(path, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]any{}
	var unknown []string
	for _, table := range slices.Sorted(maps.Keys(doc)) {
		t, ok := doc[table].(map[string]any)
		if !ok {
			unknown = append(unknown, table)
			continue
		}
		for _, key := range slices.Sorted(maps.Keys(t)) {
			name := table + "." + key
			if !slices.Contains(known, name) {
				unknown = append(unknown, name)
				continue
			}
			out[name] = t[key]
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%s: unknown key %s (the keys are %s)", path, strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return out, nil
}

// text writes a value of the file as a flag takes it; list says the key
// holds a list.
func text(v any, list bool) (string, error) {
	if _, isList := v.([]any); isList != list {
		if list {
			return "", fmt.Errorf("want a list of strings, [\"a\", \"b\"], not %v", v)
		}
		return "", fmt.Errorf("want one value, not the list %v", v)
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case int64, bool:
		return fmt.Sprint(v), nil
	case float64:
		// Written out in full: Helm's toToml (deploy/helm) writes every
		// number of its values as a float, 30 as 30.0 and 1000000 as
		// 1e+06, which an integer flag would refuse in fmt's form.
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case []any:
		items := make([]string, len(v))
		for i, x := range v {
			s, ok := x.(string)
			if !ok || strings.Contains(s, ",") {
				return "", fmt.Errorf("want a list of strings without commas, not %v", v)
			}
			items[i] = s
		}
		return strings.Join(items, ","), nil
	}
	return "", fmt.Errorf("want a string, a number, true or false, or a list of strings, not %T", v)
}

// Names are the keys' names, in their order.
func Names(keys []Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.Name
	}
	return out
}
