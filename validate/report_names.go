package validate

import "github.com/tessera-cie/tessera/catalog"

// CheckName returns the name of check id for people, in lang (one of
// catalog.Languages; any other is the default's); an unknown id is returned
// as it is.
func CheckName(id CheckID, lang string) string {
	c, ok := Info(id)
	if !ok {
		return string(id)
	}
	return catalog.Say(lang, c.Name)
}
