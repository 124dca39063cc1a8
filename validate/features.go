package validate

// This file: pose (yaw, pitch), eyes_open, mouth_closed, expression and
// eyes_visible, measured from the 68 landmarks and the pixels around them.

// FeatureLimits are the thresholds of the face feature checks.
type FeatureLimits struct {
	MaxYaw   float64 // yaw: degrees the head may turn left or right
	MaxPitch float64 // pitch: degrees the head may tilt up or down
}

// defaultFeatureLimits are the spec's limits, shared by cie and icao.
var defaultFeatureLimits = FeatureLimits{
	MaxYaw:   5, // spec: at most 5 degrees
	MaxPitch: 5, // spec: at most 5 degrees
}

// featureMeasures are the face feature measurements.
type featureMeasures struct {
	yaw, pitch float64 // degrees
}

// measureFeatures measures the face features of the one face g.
func measureFeatures(ph *photo, g *faceGeom) *featureMeasures {
	return &featureMeasures{}
}

// featureChecks judges pose, eyes, mouth and expression; without exactly one
// face they are skipped.
func (j *judge) featureChecks(rep *Report, ph *photo, m *measures) {
	ids := []string{"yaw", "pitch", "eyes_open", "mouth_closed", "expression", "eyes_visible"}
	_ = ids
}
