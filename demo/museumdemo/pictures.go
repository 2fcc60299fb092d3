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

func clamp(v float64) uint8 { return uint8(math.Max(0, math.Min(255, v))) }

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
	for y := 0; y < h; y++ {
		fy := float64(y)
		for x := 0; x < w; x++ {
			fx := float64(x)
			// backdrop: a vertical gradient, a soft vignette and a shadow
			c := top.mix(bottom, fy/float64(h))
			dx, dy := (fx-cx)/float64(w), (fy-cy)/float64(h)
			c = c.scale(1 - 0.35*(dx*dx+dy*dy))
			u, v := (fx-cx)/size, (fy-cy)/size // object coordinates, about -0.5..0.5
			col, ok := drawShape(s, u, v, body, accent, second, stone, phase)
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

// shadow is the object's soft shadow on the backdrop, 0..1.
func shadow(s shape, u, v float64) float64 {
	if s == shapePainting || s == shapeTextile {
		return 0
	}
	d := math.Hypot((u-0.04)/0.3, (v-0.36)/0.06)
	return math.Max(0, 1-d)
}

// drawShape returns the colour of the object at (u, v) and whether the
// point is on it.
func drawShape(s shape, u, v float64, body, accent, second, stone rgb, phase float64) (rgb, bool) {
	switch s {
	case shapeVessel:
		// a turned profile: radius as a function of height
		if v < -0.4 || v > 0.36 {
			return rgb{}, false
		}
		t := (v + 0.4) / 0.76
		r := 0.09 + 0.2*math.Sin(math.Pi*math.Pow(t, 0.8)) + 0.03*math.Sin(2*math.Pi*t+phase)
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
		return rgb{235, 225, 205}.scale(0.9 + 0.1*math.Sin(u*200)*math.Sin(v*200)), true
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
		for k := 0; k < 6; k++ {
			a := phase + float64(k)*math.Pi/3
			if math.Hypot(u-0.17*math.Cos(a), v-0.17*math.Sin(a)) < 0.035 {
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
		ridge := -0.02 + 0.07*math.Sin(u*9+phase) + 0.04*math.Sin(u*23+2*phase)
		switch {
		case v < ridge-0.12:
			return rgb{120, 160, 210}.mix(rgb{230, 200, 170}, (v+0.32)/0.3), true
		case v < ridge:
			snow := v < ridge-0.09
			if snow {
				return rgb{235, 235, 240}, true
			}
			return rgb{90, 100, 130}.scale(0.9 + 0.1*math.Sin(u*80)), true
		default:
			return rgb{150, 140, 70}.mix(body, 0.3).scale(0.8 + 0.2*(v+0.32)/0.64), true
		}
	}
	return rgb{}, false
}
