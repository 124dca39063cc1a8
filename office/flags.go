package office

import (
	"flag"
	"strings"

	"github.com/tessera-cie/tessera/config"
)

// Keys are the settings of the [office] and [web] tables of tessera.toml,
// each also a flag and a variable (package config): office.contact_url is
// --office-contact-url and TESSERA_OFFICE_CONTACT_URL.
func Keys() []config.Key {
	out := make([]config.Key, len(keys))
	for i, k := range keys {
		out[i] = config.Key{
			Name: k.name,
			Flag: strings.NewReplacer(".", "-", "_", "-").Replace(k.name),
			Path: k.name == "office.logo",
			List: k.name == "web.frame_ancestors",
		}
	}
	return out
}

// Flags defines the keys' flags on fs, each setting its field of the File
// returned; bind them with config.Bind, load them with config.Load, then
// check the File with Open.
func Flags(fs *flag.FlagSet) *File {
	f := &File{}
	for i, k := range Keys() { // in the order of keys
		fs.Func(k.Flag, keys[i].help, func(v string) error { return f.Set(k.Name, v) })
	}
	return f
}
