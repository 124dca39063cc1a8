package validate

import (
	"slices"

	"github.com/tessera-cie/tessera/catalog"
)

// CheckName returns the name of check id for people, in lang (one of
// catalog.Languages; any other is the default's); an unknown id is returned
// as it is.
func CheckName(id, lang string) string {
	if !slices.Contains(allChecks, id) {
		return id
	}
	return catalog.Say(lang, "name."+id)
}
