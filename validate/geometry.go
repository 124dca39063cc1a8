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

// hairVolume is how far, as a share of the head height (chin to visible
// top), the visible top of the head must lie above the skull estimate for
// the hair to count as voluminous (a bun, an afro, hair combed up). The
// skull estimate, fitted leaving each person out, misses the template's
// top of the head by -6 % to +4 % of the head height (10th-90th
// percentile, TestCrownAccuracy): a visible top 10 % above it is hair, not
// an error of the estimate.
const hairVolume = 0.10

// skullMargin is the error of the skull estimate, as a share of the head
// height, beyond which face_height fails on the estimate alone: fitted
// leaving each person out, the estimate misses the template's top of the
// head by -6 % to +4 % (10th-90th percentile, TestCrownAccuracy).
const skullMargin = 0.08

// faceHeight judges chin to crown against the profile's band. The crown
// is the visible top of the head, hair included. When the top cannot be
// seen (the head reaches the top edge, or no plain backdrop lies above
// it) the figure is the skull estimate and the check warns, unless even
// chin to top edge is too much or the estimate is out of the band by more
// than its error (skullMargin). When voluminous hair puts the visible top
// well above the skull estimate and the two readings fall on different
// sides of a limit, it warns: a clerk may measure either.
func (j *judge) faceHeight(g *faceGeom, h float64) Check {
	r := j.prof.FaceHeight
	frac := (g.chin.Y - g.crown.Y) / h
	c := Check{ID: "face_height", Value: pct(frac), Limit: rangeLimit(r)}
	mm := frac * j.prof.HeightMM
	mid := (r.Min + r.Max) / 2
	if !g.crownSeen {
		// The head reaching the top edge fills at least chin to top edge.
		if atLeast := g.chin.Y / h; g.crownCut && atLeast > r.Max {
			c.Status = Fail
			c.Value = pct(atLeast)
			c.Message = j.say("Il viso è troppo grande: la testa esce dal bordo superiore e dal mento al bordo occupa già il %.0f %% dell'altezza, deve occuparne il %.0f-%.0f %%", "The face is too large: the head runs off the top edge and chin to edge already fills %.0f %% of the height; it must fill %.0f-%.0f %%", atLeast*100, r.Min*100, r.Max*100)
			c.Fix = j.say("Ritaglia la foto lasciando spazio sopra la testa, oppure scatta da più lontano.",
				"Crop the photo leaving room above the head, or take the photo from further away.")
			return c
		}
		// The estimate outside the band even allowing for its error.
		if est := frac; est*(1-skullMargin) > r.Max || est*(1+skullMargin) < r.Min {
			c.Status = Fail
			size := j.say("troppo grande", "too large")
			fix := j.say("Ritaglia la foto lasciando spazio sopra la testa, oppure scatta da più lontano.",
				"Crop the photo leaving room above the head, or take the photo from further away.")
			if est < r.Min {
				size = j.say("troppo piccolo", "too small")
				fix = j.say("Ritaglia più stretto attorno al viso (un ritaglio alto circa %.0f pixel), oppure scatta avvicinandoti.",
					"Crop tighter around the face (a crop about %.0f pixels high), or take the photo closer.", (g.chin.Y-g.crown.Y)/mid)
			}
			c.Message = j.say("Il viso è %s: la sommità del capo non si vede, ma stimata dai tratti del viso il viso occupa circa il %.0f %% dell'altezza, deve occuparne il %.0f-%.0f %%", "The face is %s: the top of the head cannot be seen, but estimated from the face it fills about %.0f %% of the height; it must fill %.0f-%.0f %%", size, frac*100, r.Min*100, r.Max*100)
			c.Fix = fix
			return c
		}
		c.Status = Warn
		if g.crownCut {
			c.Message = j.say("La sommità del capo esce dal bordo superiore: non si può misurare; stimata dai tratti del viso, il viso occupa circa il %.0f %% dell'altezza (%.0f mm su %.0f)", "The top of the head runs off the top edge and cannot be measured; estimated from the face, the face fills about %.0f %% of the height (%.0f mm of %.0f)", frac*100, mm, j.prof.HeightMM)
			c.Fix = j.say("Ritaglia la foto lasciando un po' di sfondo sopra i capelli, così la sommità del capo si vede.",
				"Crop the photo leaving some backdrop above the hair, so the top of the head can be seen.")
		} else {
			c.Message = j.say("Non si distingue la sommità del capo dallo sfondo; stimata dai tratti del viso, il viso occupa circa il %.0f %% dell'altezza (%.0f mm su %.0f)", "The top of the head cannot be told from the backdrop; estimated from the face, the face fills about %.0f %% of the height (%.0f mm of %.0f)", frac*100, mm, j.prof.HeightMM)
			c.Fix = j.say("Scatta su uno sfondo chiaro e uniforme, lasciando un po' di sfondo sopra i capelli.",
				"Take the photo against a plain light backdrop, leaving some backdrop above the hair.")
		}
		return c
	}
	// Voluminous hair: the skull estimate on the other side of a limit.
	skull := (g.chin.Y - g.skull.Y) / h
	side := func(f float64) int {
		switch {
		case f < r.Min:
			return -1
		case f > r.Max:
			return 1
		}
		return 0
	}
	if volume := (g.skull.Y - g.crown.Y) / (g.chin.Y - g.crown.Y); volume >= hairVolume && side(skull) != side(frac) {
		c.Status = Warn
		c.Message = j.say("I capelli alzano la sommità del capo: con i capelli il viso occupa il %.0f %% dell'altezza, senza il loro volume circa il %.0f %% (deve occuparne il %.0f-%.0f %%)", "The hair raises the top of the head: with the hair the face fills %.0f %% of the height, without its volume about %.0f %% (it must fill %.0f-%.0f %%)", frac*100, skull*100, r.Min*100, r.Max*100)
		// A crop height with both readings inside the band, if one exists.
		lo, hi := (g.chin.Y-g.crown.Y)/r.Max, (g.chin.Y-g.skull.Y)/r.Min
		if lo <= hi {
			c.Fix = j.say("Ritaglia la foto alta circa %.0f pixel, così il viso rientra nei limiti con e senza il volume dei capelli; oppure raccogli i capelli più bassi.",
				"Crop the photo about %.0f pixels high, so the face is within the limits with and without the volume of the hair; or wear the hair lower.", (lo+hi)/2)
		} else {
			c.Fix = j.say("Raccogli i capelli più bassi (niente chignon alto) e scatta di nuovo, con il viso che occupa circa tre quarti dell'altezza.",
				"Wear the hair lower (no high bun) and take the photo again, the face filling about three quarters of the height.")
		}
		return c
	}
	switch {
	case r.Contains(frac):
		c.Status = Pass
		c.Message = j.say("Il viso, dal mento alla sommità del capo, occupa il %.0f %% dell'altezza (%.0f mm su %.0f)", "The face, chin to crown, fills %.0f %% of the height (%.0f mm of %.0f)", frac*100, mm, j.prof.HeightMM)
	case frac < r.Min:
		c.Status = Fail
		// Crop height that makes the face fill the middle of the band.
		target := (g.chin.Y - g.crown.Y) / mid
		c.Message = j.say("Il viso è troppo piccolo: occupa il %.0f %% dell'altezza (%.0f mm su %.0f), deve occuparne il %.0f-%.0f %%", "The face is too small: it fills %.0f %% of the height (%.0f mm of %.0f); it must fill %.0f-%.0f %%", frac*100, mm, j.prof.HeightMM, r.Min*100, r.Max*100)
		c.Fix = j.say("Ritaglia più stretto attorno al viso: un ritaglio alto circa %.0f pixel (e largo %.0f), oppure scatta avvicinandoti.",
			"Crop tighter around the face: a crop about %.0f pixels high (and %.0f wide), or take the photo closer.", target, target*j.prof.Aspect)
	default:
		c.Status = Fail
		target := (g.chin.Y - g.crown.Y) / mid
		c.Message = j.say("Il viso è troppo grande: occupa il %.0f %% dell'altezza (%.0f mm su %.0f), deve occuparne il %.0f-%.0f %%", "The face is too large: it fills %.0f %% of the height (%.0f mm of %.0f); it must fill %.0f-%.0f %%", frac*100, mm, j.prof.HeightMM, r.Min*100, r.Max*100)
		c.Fix = j.say("Ritaglia la foto lasciando più spazio sopra la testa e sotto il mento (un ritaglio alto circa %.0f pixel), oppure scatta da più lontano.",
			"Crop the photo leaving more room above the head and below the chin (a crop about %.0f pixels high), or take the photo from further away.", target)
	}
	return c
}

func (j *judge) eyeHeight(g *faceGeom, h float64) Check {
	r := j.prof.EyeHeight
	frac := (h - g.eyeMid.Y) / h // from the bottom edge
	c := Check{ID: "eye_height", Value: pct(frac), Limit: rangeLimit(r)}
	mm := frac * j.prof.HeightMM
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
		c.Message = j.say("Occhi troppo in basso: a %.0f mm dal bordo inferiore, devono stare tra %.0f e %.0f mm", "Eyes too low: %.0f mm above the bottom edge, they must be %.0f-%.0f mm", mm, r.Min*j.prof.HeightMM, r.Max*j.prof.HeightMM)
		c.Fix = j.say("Ritaglia la foto togliendo circa %.0f pixel sotto il mento (o lasciando meno spazio sopra la testa), così gli occhi salgono verso la metà della foto.",
			"Crop about %.0f pixels off below the chin (or leave less room above the head), so the eyes move up towards the middle.", shift)
	default:
		c.Status = Fail
		c.Message = j.say("Occhi troppo in alto: a %.0f mm dal bordo inferiore, devono stare tra %.0f e %.0f mm", "Eyes too high: %.0f mm above the bottom edge, they must be %.0f-%.0f mm", mm, r.Min*j.prof.HeightMM, r.Max*j.prof.HeightMM)
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
