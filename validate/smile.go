package validate

import "math"

// This file: the expression model. A smile, even with closed lips, widens
// the mouth, lifts its corners against the lip line and towards the nose,
// and narrows the eyes. The cues are lengths in the face's own frame (eye
// distances, the eye line level), so neither the photo's size nor the
// skin's colour enters; a logistic regression weighs them. Its
// coefficients are in smile_model.go, fitted on ../shared/faces by
// TestSmileModel (go test ./validate -run TestSmileModel -update-smile),
// which also scores it leave-one-person-out: fitted on 31 people, judged
// on the 32nd, for each of the 32.

// smileCueNames name the cues, in the order of smileCues.
var smileCueNames = [numSmileCues]string{"mouth width", "corner depth", "corner lift", "corner rise", "eye opening"}

const numSmileCues = 5

// smileCues are the expression cues of one face.
type smileCues [numSmileCues]float64

// measureSmileCues reads the cues from the levelled landmarks q (unit eye
// distance, see levelled) and the eye measures of fm:
//   - mouth width: corner to corner (48-54);
//   - corner depth: the corners between the nose base (33) and the chin
//     (8), 0 at the nose, 1 at the chin;
//   - corner lift: how far the corners sit above the middle of the inner
//     lips (62, 66), positive upwards;
//   - corner rise: how far the corners sit below the top of the upper lip
//     (51), which a broad smile shrinks;
//   - eye opening: the mean eye height over width.
func measureSmileCues(q [][2]float64, fm *featureMeasures) smileCues {
	corners := (q[48][1] + q[54][1]) / 2
	return smileCues{
		fm.mouthWidth,
		fm.cornerDepth,
		(q[62][1]+q[66][1])/2 - corners,
		corners - q[51][1],
		(fm.eyeAspect[0] + fm.eyeAspect[1]) / 2,
	}
}

// smileModel is a logistic regression on standardised cues.
type smileModel struct {
	Mean, SD, Weight [numSmileCues]float64
	Bias             float64
}

// probability is the model's probability that the face smiles.
func (c smileCues) probability(m smileModel) float64 {
	z := m.Bias
	for i, v := range c {
		if m.SD[i] > 0 {
			z += m.Weight[i] * (v - m.Mean[i]) / m.SD[i]
		}
	}
	if math.IsNaN(z) {
		return 0
	}
	return 1 / (1 + math.Exp(-z))
}
