package museumdemo

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

// TestPicturesPinned pins the pixels of a picture of every shape (both
// orientations), so that a faster drawing draws the very same pictures:
// the demo's images, and so their IIIF derivatives, stay what they were.
func TestPicturesPinned(t *testing.T) {
	want := map[string]string{ // shape/orientation: the first 8 bytes of the pixels' SHA-256
		"0/6": "e21ecf64b4e297e2", "0/9": "94251fa35b07a8a1",
		"1/6": "76301da7ba21b45e", "1/9": "72a51215aeb58076",
		"2/6": "0e910b149ff74a94", "2/9": "78afceefc233931e",
		"3/6": "81741f179a17a54b", "3/9": "779753dc1c19e93d",
		"4/6": "ca947567d32bbd58", "4/9": "a6d7b7ff948e2919",
	}
	got := map[string]string{}
	for s := shapeVessel; s <= shapePainting; s++ {
		for _, wh := range [][2]int{{160, 120}, {90, 130}} {
			rng := rand.New(rand.NewPCG(1, uint64(s)))
			img := objectPicture(rng, s, wh[0], wh[1])
			sum := sha256.Sum256(img.Pix)
			key := string(rune('0'+s)) + "/" + string(rune('0'+wh[0]/10%10))
			got[key] = hex.EncodeToString(sum[:8])
		}
	}
	for k, v := range got {
		if w, ok := want[k]; !ok || w != v {
			t.Errorf("picture %s: %s, want %s", k, v, w)
		}
	}
}
