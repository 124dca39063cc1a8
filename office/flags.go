package office

import (
	"flag"
	"fmt"
)

// ConfigEnv names the configuration file when --config is not given.
const ConfigEnv = "TESSERA_CONFIG"

// Flags are --config and a flag per key, defined on a command's flag set.
type Flags struct {
	config *string
	set    map[string]string // key name -> value given by flag
}

// Bind defines --config and the keys' flags on fs.
func Bind(fs *flag.FlagSet) *Flags {
	fl := &Flags{set: map[string]string{}}
	fl.config = fs.String("config", "", "the office's configuration file, tessera.toml (env "+ConfigEnv+")")
	for _, k := range keys {
		fs.Func(k.Flag(), fmt.Sprintf("%s (key %s, env %s)", k.Help, k.Name, k.Env()), func(v string) error {
			fl.set[k.Name] = v
			return nil
		})
	}
	return fl
}

// Load, once the flags are parsed, reads the configuration file (--config,
// else the file named by TESSERA_CONFIG, else none), then the variables
// lookup finds (os.LookupEnv), then the flags, each overriding the one
// before, and checks the result.
func (fl *Flags) Load(lookup func(string) (string, bool)) (*Site, error) {
	var f File
	path := *fl.config
	if path == "" {
		path, _ = lookup(ConfigEnv)
	}
	if path != "" {
		var err error
		if f, err = Read(path); err != nil {
			return nil, err
		}
	}
	for _, k := range keys {
		if v, ok := lookup(k.Env()); ok {
			if err := f.Set(k.Name, v); err != nil {
				return nil, err
			}
		}
		if v, ok := fl.set[k.Name]; ok {
			if err := f.Set(k.Name, v); err != nil {
				return nil, err
			}
		}
	}
	return Open(f)
}
