package museumdemo

import (
	"image"
	"math"
	"math/rand/v2"
)

// Object photographs for the museum demo, drawn at load time: an object
// of one of a few shapes on a studio backdrop, lit from the upper left.
// They are pictures, not photographs, but a viewer shows something that
// looks like a catalogue image.

type shape int

const (
	shapeVessel shape = iota
	shapeInstrument
	shapeTextile
	shapeJewel
	shapePainting
)

// rgb is a colour with float channels 0..255.
type rgb struct{ r, g, b float64 }

func (c rgb) scale(f float64) rgb { return rgb{c.r * f, c.g * f, c.b * f} }
func (c rgb) mix(d rgb, t float64) rgb {
	return rgb{c.r + (d.r-c.r)*t, c.g + (d.g-c.g)*t, c.b + (d.b-c.b)*t}
}

func clamp(v float64) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v)
}

var (
	woods    = []rgb{{150, 95, 50}, {120, 75, 40}, {175, 120, 70}}
	clays    = []rgb{{190, 110, 70}, {170, 130, 90}, {140, 90, 60}}
	feltReds = []rgb{{160, 30, 35}, {40, 60, 120}, {190, 140, 40}, {30, 90, 70}}
	silver   = rgb{200, 200, 205}
	bronze   = rgb{150, 110, 60}
	stones   = []rgb{{170, 40, 30}, {40, 120, 140}, {200, 90, 40}}
)

// objectPicture draws a w×h picture of an object of shape s.
func objectPicture(rng *rand.Rand, s shape, w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	top := rgb{232, 230, 226}.scale(0.95 + 0.05*rng.Float64())
	bottom := rgb{170, 165, 158}.scale(0.9 + 0.1*rng.Float64())
	body := woods[rng.IntN(len(woods))]
	accent := feltReds[rng.IntN(len(feltReds))]
	second := feltReds[rng.IntN(len(feltReds))]
	stone := stones[rng.IntN(len(stones))]
	switch s {
	case shapeVessel:
		if rng.IntN(2) == 0 {
			body = clays[rng.IntN(len(clays))]
		}
	case shapeJewel:
		body = silver
		if rng.IntN(3) == 0 {
			body = bronze
		}
	}
	cx, cy := float64(w)/2, float64(h)/2
	size := math.Min(float64(w), float64(h))
	phase := rng.Float64() * math.Pi
	// What depends on the column or the row only is computed once per
	// column or row, with the very same expressions (the pictures are
	// pinned by TestPicturesPinned).
	us := make([]float64, w)
	cols := make([]column, w)
	for x := range us {
		us[x] = (float64(x) - cx) / size
		cols[x] = columnOf(s, us[x], phase)
	}
	p := painter{s: s, body: body, accent: accent, second: second, stone: stone, phase: phase}
	for k := range p.stones {
		a := phase + float64(k)*math.Pi/3
		p.stones[k] = [2]float64{0.17 * math.Cos(a), 0.17 * math.Sin(a)}
	}
	for y := 0; y < h; y++ {
		fy := float64(y)
		// backdrop: a vertical gradient, a soft vignette and a shadow
		row := top.mix(bottom, fy/float64(h))
		dy := (fy - cy) / float64(h)
		v := (fy - cy) / size // object coordinates, about -0.5..0.5
		r := rowOf(s, v, phase)
		for x := 0; x < w; x++ {
			fx := float64(x)
			dx := (fx - cx) / float64(w)
			c := row.scale(1 - 0.35*(dx*dx+dy*dy))
			u := us[x]
			col, ok := p.at(u, v, &cols[x], &r)
			if !ok {
				if sh := shadow(s, u, v); sh > 0 {
					c = c.scale(1 - 0.25*sh)
				}
			} else {
				c = col
			}
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = clamp(c.r), clamp(c.g), clamp(c.b), 255
		}
	}
	return img
}

// column holds what a shape's colour needs of u alone.
type column struct {
	ridge, sin80, sin200 float64
}

func columnOf(s shape, u, phase float64) column {
	switch s {
	case shapePainting:
		return column{ridge: -0.02 + 0.07*math.Sin(u*9+phase) + 0.04*math.Sin(u*23+2*phase), sin80: math.Sin(u * 80)}
	case shapeTextile:
		return column{sin200: math.Sin(u * 200)}
	}
	return column{}
}

// row holds what a shape's colour needs of v alone.
type row struct {
	t, r, sin200 float64
}

func rowOf(s shape, v, phase float64) row {
	switch s {
	case shapeVessel:
		if v < -0.4 || v > 0.36 {
			return row{}
		}
		t := (v + 0.4) / 0.76
		return row{t: t, r: 0.09 + 0.2*math.Sin(math.Pi*math.Pow(t, 0.8)) + 0.03*math.Sin(2*math.Pi*t+phase)}
	case shapeTextile:
		return row{sin200: math.Sin(v * 200)}
	}
	return row{}
}

// painter draws one picture's object.
type painter struct {
	s                           shape
	body, accent, second, stone rgb
	phase                       float64
	stones                      [6][2]float64 // the jewel's stones' centres
}

// shadow is the object's soft shadow on the backdrop, 0..1.
func shadow(s shape, u, v float64) float64 {
	if s == shapePainting || s == shapeTextile {
		return 0
	}
	a, b := (u-0.04)/0.3, (v-0.36)/0.06
	if math.Abs(a) >= 1 || math.Abs(b) >= 1 {
		return 0 // the distance is at least 1
	}
	return math.Max(0, 1-math.Hypot(a, b))
}

// at returns the colour of the object at (u, v) and whether the point is
// on it; col and row are u's and v's.
func (p *painter) at(u, v float64, col *column, row *row) (rgb, bool) {
	body, accent, second, stone, phase := p.body, p.accent, p.second, p.stone, p.phase
	switch p.s {
	case shapeVessel:
		// a turned profile: radius as a function of height
		if v < -0.4 || v > 0.36 {
			return rgb{}, false
		}
		t, r := row.t, row.r
		if math.Abs(u) > r {
			return rgb{}, false
		}
		light := 0.55 + 0.45*math.Cos(math.Pi/2*(u/r)+0.5)
		c := body.scale(light)
		if band := math.Mod(t*7, 1); t > 0.3 && t < 0.62 && band < 0.22 {
			zig := math.Abs(math.Mod(u*40+t*30+phase, 2) - 1)
			if zig < 0.5 {
				c = accent.scale(light)
			} else {
				c = rgb{230, 220, 200}.scale(light)
			}
		}
		return c, true
	case shapeInstrument:
		// a dombra: a pear-shaped body and a long neck
		bx, by := u/0.17, (v-0.22)/0.2
		if bx*bx+by*by <= 1 {
			light := 0.6 + 0.4*math.Cos(bx*1.2+0.4)
			c := body.scale(light)
			if math.Hypot(bx+0.1, by+0.3) < 0.18 {
				c = body.scale(0.3)
			}
			if math.Mod(math.Abs(u*90+by*6), 3) < 0.4 {
				c = c.scale(0.92) // grain
			}
			return c, true
		}
		if math.Abs(u) < 0.025 && v > -0.46 && v < 0.1 {
			c := body.scale(0.8 + 0.2*math.Cos(u*40))
			if math.Mod(v*60+30, 6) < 0.25 {
				c = rgb{80, 60, 40} // frets
			}
			return c, true
		}
		return rgb{}, false
	case shapeTextile:
		// a felt rug with a border and ram's-horn (qoshqar muiz) motifs
		if math.Abs(u) > 0.42 || math.Abs(v) > 0.32 {
			return rgb{}, false
		}
		if math.Abs(u) > 0.38 || math.Abs(v) > 0.28 {
			return second.scale(0.8), true
		}
		gx, gy := math.Mod(u*6+10, 1)-0.5, math.Mod(v*6+10, 1)-0.5
		rr := math.Hypot(gx, gy)
		ang := math.Atan2(gy, gx)
		horn := math.Abs(rr-0.25-0.08*math.Sin(2*ang+phase)) < 0.06
		if horn || math.Abs(gx)+math.Abs(gy) < 0.12 {
			return accent.mix(rgb{240, 230, 210}, 0.15), true
		}
		return rgb{235, 225, 205}.scale(0.9 + 0.1*col.sin200*row.sin200), true
	case shapeJewel:
		// a disc (mirror, plaque, bracelet seen flat) with stones
		d := math.Hypot(u, v)
		if d > 0.3 {
			return rgb{}, false
		}
		light := 0.6 + 0.4*math.Cos(math.Atan2(v, u)+2.3)*(d/0.3)
		c := body.scale(light)
		if math.Abs(d-0.22) < 0.015 || math.Abs(d-0.12) < 0.01 {
			c = body.scale(0.55)
		}
		for _, st := range p.stones {
			if math.Hypot(u-st[0], v-st[1]) < 0.035 {
				return stone.scale(0.7 + 0.3*light), true
			}
		}
		if d < 0.05 {
			return stone.scale(0.8), true
		}
		return c, true
	case shapePainting:
		// a landscape in a gilt frame
		if math.Abs(u) > 0.46 || math.Abs(v) > 0.36 {
			return rgb{}, false
		}
		if math.Abs(u) > 0.42 || math.Abs(v) > 0.32 {
			return rgb{180, 140, 60}.scale(0.75 + 0.25*math.Sin((u+v)*60)), true
		}
		ridge := col.ridge
		switch {
		case v < ridge-0.12:
			return rgb{120, 160, 210}.mix(rgb{230, 200, 170}, (v+0.32)/0.3), true
		case v < ridge:
			snow := v < ridge-0.09
			if snow {
				return rgb{235, 235, 240}, true
			}
			return rgb{90, 100, 130}.scale(0.9 + 0.1*col.sin80), true
		default:
			return rgb{150, 140, 70}.mix(body, 0.3).scale(0.8 + 0.2*(v+0.32)/0.64), true
		}
	}
	return rgb{}, false
}
