package validate

import (
	"fmt"
	"math"
)

// faceChecks judges colour, recency and the face geometry.
func (j *judge) faceChecks(rep *Report, ph *photo, m *measures) {
	j.add(rep, j.color(m))
	j.add(rep, j.recency(ph))
	j.add(rep, j.faceCount(m))
	if m.face == nil {
		j.skipAll(rep, j.noFace(), "face_height", "eye_height", "centering", "inter_eye", "roll")
	} else {
		w, h := float64(ph.info.Width), float64(ph.info.Height)
		j.add(rep, j.faceHeight(m.face, h))
		j.add(rep, j.eyeHeight(m.face, h))
		j.add(rep, j.centering(m.face, w))
		j.add(rep, j.interEye(m.face))
		j.add(rep, j.roll(m.face))
	}
	j.featureChecks(rep, ph, m)
	j.captureChecks(rep, ph, m)
}

// noFace is the reason face checks are skipped.
func (j *judge) noFace() string { return j.say("Serve un solo volto", "Needs exactly one face") }

func (j *judge) faceCount(m *measures) Check {
	n := len(m.faces)
	c := Check{ID: "face_count", Value: n, Limit: "1"}
	switch {
	case n == 1:
		c.Status = Pass
		c.Message = j.say("Un volto", "One face")
	case n == 0:
		c.Status = Fail
		c.Message = j.say("Nessun volto trovato", "No face found")
		c.Fix = j.say("Scatta una foto del viso di fronte, a occhi aperti, ben illuminato, che riempia circa tre quarti dell'altezza della foto.",
			"Take a photo of your face from the front, eyes open, well lit, filling about three quarters of the photo's height.")
	default:
		c.Status = Fail
		c.Message = j.say("%d volti nella foto", "%d faces in the photo", n)
		c.Fix = j.say("Nella foto deve esserci solo la persona che chiede la carta: ritagliala o scattane una nuova da solo.",
			"Only the person applying for the card may be in the photo: crop it or take a new one alone.")
	}
	return c
}

// pct rounds a fraction to a percentage with one decimal.
func pct(f float64) float64 { return math.Round(f*1000) / 10 }

func rangeLimit(r Range) string { return fmt.Sprintf("%.1f-%.1f %%", r.Min*100, r.Max*100) }

func (j *judge) faceHeight(g *faceGeom, h float64) Check {
	r := j.prof.FaceHeight
	frac := (g.chin.Y - g.crown.Y) / h
	c := Check{ID: "face_height", Value: pct(frac), Limit: rangeLimit(r)}
	mm := frac * 45
	switch {
	case r.Contains(frac):
		c.Status = Pass
		c.Message = j.say("Il viso, dal mento alla sommità del capo, occupa il %.0f %% dell'altezza (%.0f mm su 45)", "The face, chin to crown, fills %.0f %% of the height (%.0f mm of 45)", frac*100, mm)
	case frac < r.Min:
		c.Status = Fail
		// Crop height that makes the face fill the middle of the band.
		target := (g.chin.Y - g.crown.Y) / ((r.Min + r.Max) / 2)
		c.Message = j.say("Il viso è troppo piccolo: occupa il %.0f %% dell'altezza (%.0f mm su 45), deve occuparne il %.0f-%.0f %%", "The face is too small: it fills %.0f %% of the height (%.0f mm of 45); it must fill %.0f-%.0f %%", frac*100, mm, r.Min*100, r.Max*100)
		c.Fix = j.say("Ritaglia più stretto attorno al viso: un ritaglio alto circa %.0f pixel (e largo %.0f), oppure scatta avvicinandoti.",
			"Crop tighter around the face: a crop about %.0f pixels high (and %.0f wide), or take the photo closer.", target, target*j.prof.Aspect)
	default:
		c.Status = Fail
		target := (g.chin.Y - g.crown.Y) / ((r.Min + r.Max) / 2)
		c.Message = j.say("Il viso è troppo grande: occupa il %.0f %% dell'altezza (%.0f mm su 45), deve occuparne il %.0f-%.0f %%", "The face is too large: it fills %.0f %% of the height (%.0f mm of 45); it must fill %.0f-%.0f %%", frac*100, mm, r.Min*100, r.Max*100)
		c.Fix = j.say("Ritaglia la foto lasciando più spazio sopra la testa e sotto il mento (un ritaglio alto circa %.0f pixel), oppure scatta da più lontano.",
			"Crop the photo leaving more room above the head and below the chin (a crop about %.0f pixels high), or take the photo from further away.", target)
	}
	return c
}

func (j *judge) eyeHeight(g *faceGeom, h float64) Check {
	r := j.prof.EyeHeight
	frac := (h - g.eyeMid.Y) / h // from the bottom edge
	c := Check{ID: "eye_height", Value: pct(frac), Limit: rangeLimit(r)}
	mm := frac * 45
	mid := (r.Min + r.Max) / 2
	// Pixels to add above the head (or remove below the chin) to bring the
	// eye line to the middle of its band.
	shift := math.Abs(g.eyeMid.Y - (1-mid)*h)
	switch {
	case r.Contains(frac):
		c.Status = Pass
		c.Message = j.say("Occhi a %.0f mm dal bordo inferiore (%.0f %% dell'altezza)", "Eyes %.0f mm above the bottom edge (%.0f %% of the height)", mm, frac*100)
	case frac < r.Min:
		c.Status = Fail
		c.Message = j.say("Occhi troppo in basso: a %.0f mm dal bordo inferiore, devono stare tra 23 e 31 mm", "Eyes too low: %.0f mm above the bottom edge, they must be 23-31 mm", mm)
		c.Fix = j.say("Ritaglia la foto togliendo circa %.0f pixel sotto il mento (o lasciando meno spazio sopra la testa), così gli occhi salgono verso la metà della foto.",
			"Crop about %.0f pixels off below the chin (or leave less room above the head), so the eyes move up towards the middle.", shift)
	default:
		c.Status = Fail
		c.Message = j.say("Occhi troppo in alto: a %.0f mm dal bordo inferiore, devono stare tra 23 e 31 mm", "Eyes too high: %.0f mm above the bottom edge, they must be 23-31 mm", mm)
		c.Fix = j.say("Ritaglia la foto lasciando più spazio sopra la testa: circa %.0f pixel in più sopra (o togliene sotto il mento).",
			"Crop the photo leaving more room above the head: about %.0f pixels more above it (or remove some below the chin).", shift)
	}
	return c
}

func (j *judge) centering(g *faceGeom, w float64) Check {
	r := j.prof.Centering
	frac := g.eyeMid.X / w
	c := Check{ID: "centering", Value: pct(frac), Limit: rangeLimit(r)}
	shift := math.Abs(g.eyeMid.X - w/2)
	switch {
	case r.Contains(frac):
		c.Status = Pass
		c.Message = j.say("Viso centrato (%.0f %% della larghezza)", "Face centred (%.0f %% of the width)", frac*100)
	case frac < r.Min:
		c.Status = Fail
		c.Message = j.say("Viso spostato a sinistra (al %.0f %% della larghezza)", "Face off to the left (at %.0f %% of the width)", frac*100)
		c.Fix = j.say("Ritaglia la foto spostando il riquadro di circa %.0f pixel verso sinistra, così il viso torna al centro.",
			"Crop with the frame moved about %.0f pixels to the left, so the face is in the middle.", shift)
	default:
		c.Status = Fail
		c.Message = j.say("Viso spostato a destra (al %.0f %% della larghezza)", "Face off to the right (at %.0f %% of the width)", frac*100)
		c.Fix = j.say("Ritaglia la foto spostando il riquadro di circa %.0f pixel verso destra, così il viso torna al centro.",
			"Crop with the frame moved about %.0f pixels to the right, so the face is in the middle.", shift)
	}
	return c
}

func (j *judge) interEye(g *faceGeom) Check {
	d := math.Hypot(g.right.X-g.left.X, g.right.Y-g.left.Y)
	min := j.prof.MinInterEye
	c := Check{ID: "inter_eye", Value: math.Round(d), Limit: fmt.Sprintf(">= %.0f px", min)}
	if d >= min {
		c.Status = Pass
		c.Message = j.say("%.0f pixel tra gli occhi", "%.0f pixels between the eyes", d)
		return c
	}
	c.Status = Fail
	c.Message = j.say("Solo %.0f pixel tra gli occhi, ne servono almeno %.0f", "Only %.0f pixels between the eyes, at least %.0f needed", d, min)
	c.Fix = j.say("Il viso ha troppo pochi pixel: usa la foto originale a piena risoluzione o scatta più da vicino.",
		"The face has too few pixels: use the original full-resolution photo or take it closer.")
	return c
}

func (j *judge) roll(g *faceGeom) Check {
	max := j.prof.MaxRoll
	c := Check{ID: "roll", Value: round1(g.roll), Limit: fmt.Sprintf("<= %.0f°", max)}
	if math.Abs(g.roll) <= max {
		c.Status = Pass
		c.Message = j.say("Testa diritta (inclinata di %.1f°)", "Head straight (tilted %.1f°)", math.Abs(g.roll))
		return c
	}
	c.Status = Fail
	dir := j.say("antiorario", "anticlockwise")
	if g.roll < 0 {
		dir = j.say("orario", "clockwise")
	}
	c.Message = j.say("Testa inclinata di %.0f°, al massimo %.0f°", "Head tilted by %.0f°, at most %.0f°", math.Abs(g.roll), max)
	c.Fix = j.say("Tieni la testa diritta e scatta di nuovo, oppure ruota la foto di %.0f° in senso %s prima di ritagliarla.",
		"Hold your head straight and take the photo again, or rotate the photo %.0f° %s before cropping it.", math.Abs(g.roll), dir)
	return c
}
