package validate

import (
	"cmp"
	"slices"
)

// CheckID names a check, as the JSON report and shared/spec/photo-rules.md
// write it ("dpi", "face_height").
type CheckID string

// The checks, in report order.
const (
	Format            CheckID = "format"
	FileSize          CheckID = "file_size"
	DPI               CheckID = "dpi"
	Resolution        CheckID = "resolution"
	AspectRatio       CheckID = "aspect_ratio"
	Color             CheckID = "color"
	Recency           CheckID = "recency"
	FaceCount         CheckID = "face_count"
	FaceHeight        CheckID = "face_height"
	EyeHeight         CheckID = "eye_height"
	Centering         CheckID = "centering"
	InterEye          CheckID = "inter_eye"
	Roll              CheckID = "roll"
	Yaw               CheckID = "yaw"
	Pitch             CheckID = "pitch"
	EyesOpen          CheckID = "eyes_open"
	MouthClosed       CheckID = "mouth_closed"
	Expression        CheckID = "expression"
	EyesVisible       CheckID = "eyes_visible"
	BackgroundWhite   CheckID = "background_white"
	BackgroundUniform CheckID = "background_uniform"
	Exposure          CheckID = "exposure"
	Sharpness         CheckID = "sharpness"
	Lighting          CheckID = "lighting"
)

// Stage is the part of the pipeline whose measures a check judges, in the
// order the judge runs them.
type Stage int

// The stages.
const (
	// StageFile: the file and its metadata (decode.go, decode_meta.go),
	// and the photo's colour.
	StageFile Stage = iota
	// StageFace: how many faces, and where the one face lies (measure.go,
	// measure_crown.go).
	StageFace
	// StageFeatures: pose, eyes, mouth and expression (measure_features.go).
	StageFeatures
	// StageCapture: the backdrop and the capture (measure_background.go,
	// measure_capture.go).
	StageCapture
)

// CheckInfo is what the packages around the judge know of a check: the
// profiles' lists, the skipped checks, photofix's work, the clerks' CSV
// columns and the annotated photo are all read from it.
type CheckInfo struct {
	ID    CheckID
	Stage Stage
	// Decoded: the check reads the decoded photo; of a file that cannot be
	// decoded it is reported as skipped (format and file_size read the
	// bytes alone).
	Decoded bool
	// Face: the check measures the one face; without exactly one it is
	// reported as skipped.
	Face bool
	// FileRule: a rule for the file the office asks for (format, size,
	// DPI, pixels, proportions, date), not for the face: the icao profile
	// leaves these out.
	FileRule bool
	// Fixable: a failure is mended by photofix (a crop, a scale, a DPI and
	// a new JPEG) when the photo was read (a HEIC's format, not a GIF's):
	// the page offers the fixed photo and the inbox attaches it.
	Fixable bool
	// Measure, when above 0, places the check among the measures drawn on
	// the annotated photo and given a column of the clerks' CSV report,
	// in that order.
	Measure int
	// Name is the catalogue's id for the check's name for people.
	Name string
}

// checks is the table of every check, in report order: the one list of
// checks in tessera.
var checks = []CheckInfo{
	{ID: Format, Stage: StageFile, FileRule: true, Fixable: true, Name: "name.format"},
	{ID: FileSize, Stage: StageFile, FileRule: true, Fixable: true, Name: "name.file_size"},
	{ID: DPI, Stage: StageFile, Decoded: true, FileRule: true, Fixable: true, Name: "name.dpi"},
	{ID: Resolution, Stage: StageFile, Decoded: true, FileRule: true, Fixable: true, Name: "name.resolution"},
	{ID: AspectRatio, Stage: StageFile, Decoded: true, FileRule: true, Fixable: true, Name: "name.aspect_ratio"},
	{ID: Color, Stage: StageFile, Decoded: true, Name: "name.color"},
	{ID: Recency, Stage: StageFile, Decoded: true, FileRule: true, Name: "name.recency"},
	{ID: FaceCount, Stage: StageFace, Decoded: true, Name: "name.face_count"},
	{ID: FaceHeight, Stage: StageFace, Decoded: true, Face: true, Fixable: true, Measure: 2, Name: "name.face_height"},
	{ID: EyeHeight, Stage: StageFace, Decoded: true, Face: true, Fixable: true, Measure: 1, Name: "name.eye_height"},
	{ID: Centering, Stage: StageFace, Decoded: true, Face: true, Fixable: true, Name: "name.centering"},
	{ID: InterEye, Stage: StageFace, Decoded: true, Face: true, Name: "name.inter_eye"},
	{ID: Roll, Stage: StageFace, Decoded: true, Face: true, Name: "name.roll"},
	{ID: Yaw, Stage: StageFeatures, Decoded: true, Face: true, Name: "name.yaw"},
	{ID: Pitch, Stage: StageFeatures, Decoded: true, Face: true, Name: "name.pitch"},
	{ID: EyesOpen, Stage: StageFeatures, Decoded: true, Face: true, Name: "name.eyes_open"},
	{ID: MouthClosed, Stage: StageFeatures, Decoded: true, Face: true, Name: "name.mouth_closed"},
	{ID: Expression, Stage: StageFeatures, Decoded: true, Face: true, Name: "name.expression"},
	{ID: EyesVisible, Stage: StageFeatures, Decoded: true, Face: true, Name: "name.eyes_visible"},
	{ID: BackgroundWhite, Stage: StageCapture, Decoded: true, Name: "name.background_white"},
	{ID: BackgroundUniform, Stage: StageCapture, Decoded: true, Name: "name.background_uniform"},
	{ID: Exposure, Stage: StageCapture, Decoded: true, Face: true, Name: "name.exposure"},
	{ID: Sharpness, Stage: StageCapture, Decoded: true, Face: true, Name: "name.sharpness"},
	{ID: Lighting, Stage: StageCapture, Decoded: true, Face: true, Name: "name.lighting"},
}

// Checks returns the table of every check, in report order (a new slice
// each call).
func Checks() []CheckInfo { return slices.Clone(checks) }

// Info returns what is known of check id; false for an id tessera does not
// know.
func Info(id CheckID) (CheckInfo, bool) {
	i := slices.IndexFunc(checks, func(c CheckInfo) bool { return c.ID == id })
	if i < 0 {
		return CheckInfo{}, false
	}
	return checks[i], true
}

// AllChecks lists every check id tessera knows, in report order (a new
// slice each call).
func AllChecks() []CheckID { return checksWhere(func(CheckInfo) bool { return true }) }

// Measured lists the checks whose measure the annotated photo draws and
// the CSV report gives, in CheckInfo.Measure's order.
func Measured() []CheckID {
	m := slices.DeleteFunc(slices.Clone(checks), func(c CheckInfo) bool { return c.Measure <= 0 })
	slices.SortStableFunc(m, func(a, b CheckInfo) int { return cmp.Compare(a.Measure, b.Measure) })
	ids := make([]CheckID, len(m))
	for i, c := range m {
		ids[i] = c.ID
	}
	return ids
}

// checksWhere lists, in report order, the ids of the checks keep keeps.
func checksWhere(keep func(CheckInfo) bool) []CheckID {
	var ids []CheckID
	for _, c := range checks {
		if keep(c) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}
