package museum

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"maps"
	"slices"
	"testing"

	"golang.org/x/image/draw"
)

// upload returns a w×h picture as an upload decodes it (JPEG, YCbCr
// 4:2:0): smooth gradients under a pattern of 6-pixel stripes, detail a
// careless downscale aliases.
func upload(t testing.TB, w, h int) image.Image {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			stripe := uint8(0)
			if (x/6+y/6)%2 == 0 {
				stripe = 60
			}
			img.SetRGBA(x, y, color.RGBA{uint8(x*180/w) + stripe, uint8(y*180/h) + stripe, 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	dec, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return dec
}

// TestCascadeLooksLikeDirect: each derivative, made from the one above
// it, has its size and differs from a Catmull-Rom scale of the original by
// less than one level in 255 on average; the full size is the original.
func TestCascadeLooksLikeDirect(t *testing.T) {
	img := upload(t, 1700, 1275)
	sizes := derivativeSizes(1700, 1275, []int{200, 400, 800, 1600})
	var order []int
	if err := cascade(img, sizes, func(i int, got image.Image) error {
		order = append(order, i)
		sz := sizes[i]
		if got.Bounds() != image.Rect(0, 0, sz.Width, sz.Height) {
			t.Fatalf("size %d: want %v, got %v", i, sz, got.Bounds())
		}
		direct := image.NewRGBA(image.Rect(0, 0, sz.Width, sz.Height))
		draw.CatmullRom.Scale(direct, direct.Bounds(), img, img.Bounds(), draw.Src, nil)
		d := meanAbsDiff(got, direct)
		t.Logf("size %v: mean difference from a direct scale %.3f levels", sz, d)
		if d > 1 {
			t.Errorf("size %v: mean difference from a direct scale %.2f levels, want ≤ 1", sz, d)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []int{4, 3, 2, 1, 0}; !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
}

// TestDeriveEncodesEachSize: derive puts one JPEG of each size.
func TestDeriveEncodesEachSize(t *testing.T) {
	sizes := derivativeSizes(900, 600, []int{200, 400, 800, 1600})
	got := map[int]image.Rectangle{}
	if err := derive(upload(t, 900, 600), sizes, func(i int, jpg *bytes.Buffer) error {
		cfg, err := jpeg.DecodeConfig(jpg)
		got[i] = image.Rect(0, 0, cfg.Width, cfg.Height)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want := map[int]image.Rectangle{0: image.Rect(0, 0, 200, 133), 1: image.Rect(0, 0, 400, 267), 2: image.Rect(0, 0, 800, 533), 3: image.Rect(0, 0, 900, 600)}
	if !maps.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func meanAbsDiff(a, b image.Image) float64 {
	var sum, n float64
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ar, ag, ab, _ := a.At(x, y).RGBA()
			br, bg, bb, _ := b.At(x, y).RGBA()
			for _, d := range [][2]uint32{{ar, br}, {ag, bg}, {ab, bb}} {
				sum += abs(float64(d[0]>>8) - float64(d[1]>>8))
				n++
			}
		}
	}
	return sum / n
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// BenchmarkDerive: the derivatives of a 12-megapixel upload at the default
// widths.
func BenchmarkDerive(b *testing.B) {
	img := upload(b, 4000, 3000)
	sizes := derivativeSizes(4000, 3000, []int{200, 400, 800, 1600})
	for b.Loop() {
		if err := derive(img, sizes, func(int, *bytes.Buffer) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
