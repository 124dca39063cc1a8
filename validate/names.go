package validate

// checkNames are the checks' names for people, in Italian and English.
var checkNames = map[string][2]string{ // id: it, en
	"format":             {"Formato del file", "File format"},
	"file_size":          {"Peso del file", "File size"},
	"dpi":                {"Risoluzione dichiarata (DPI)", "Declared resolution (DPI)"},
	"resolution":         {"Numero di pixel", "Number of pixels"},
	"aspect_ratio":       {"Proporzioni 35x45", "35x45 proportions"},
	"color":              {"Foto a colori", "Colour photo"},
	"recency":            {"Foto recente", "Recent photo"},
	"face_count":         {"Un solo volto", "One face"},
	"face_height":        {"Altezza del viso", "Face height"},
	"eye_height":         {"Altezza degli occhi", "Eye height"},
	"centering":          {"Viso al centro", "Face centred"},
	"inter_eye":          {"Distanza tra gli occhi", "Distance between the eyes"},
	"roll":               {"Testa dritta", "Head upright"},
	"yaw":                {"Viso rivolto all'obiettivo", "Facing the camera"},
	"pitch":              {"Testa non inclinata", "Head not tilted up or down"},
	"eyes_open":          {"Occhi aperti", "Eyes open"},
	"mouth_closed":       {"Bocca chiusa", "Mouth closed"},
	"expression":         {"Espressione neutra", "Neutral expression"},
	"eyes_visible":       {"Occhi ben visibili", "Eyes clearly visible"},
	"background_white":   {"Sfondo bianco", "White background"},
	"background_uniform": {"Sfondo uniforme", "Plain background"},
	"exposure":           {"Esposizione", "Exposure"},
	"sharpness":          {"Nitidezza", "Sharpness"},
	"lighting":           {"Luce uniforme sul viso", "Even light on the face"},
}

// CheckName returns the name of check id for people, in lang ("it" or
// "en"); an unknown id is returned as it is.
func CheckName(id, lang string) string {
	n, ok := checkNames[id]
	if !ok {
		return id
	}
	if lang == "en" {
		return n[1]
	}
	return n[0]
}
