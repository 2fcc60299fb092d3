package archive

import "math"

func cos(deg int) float64 { return math.Cos(float64(deg) * math.Pi / 180) }
func sin(deg int) float64 { return math.Sin(float64(deg) * math.Pi / 180) }
