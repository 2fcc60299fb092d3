package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ecinema/culture/museum"
)

// museumObjectData is a published object's page: its record and its
// images, each viewed through the IIIF Image API at the sizes its
// info.json lists.
type museumObjectData struct {
	Museum museum.Museum
	Object museum.ObjectView
	Images []iiifImage
}

// iiifImage is one image as the plain viewer shows it: a default size and
// a srcset of every listed size, so the browser picks the one it needs.
type iiifImage struct {
	ID            string
	Src, SrcSet   string
	Width, Height int // the default size's
	Full          string
	FullW, FullH  int
}

// iiifViewWidth is the width the viewer shows an image at, at most.
const iiifViewWidth = 800

// MuseumObject is /museums/:mid/:inv: one published object for anyone —
// its record, its images through the IIIF Image API (a srcset over the
// listed sizes; no script) and its IIIF manifest and LIDO record.
// An unpublished object is not found, as in the API.
func (p *Pages) MuseumObject() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		if p.d.Museum == nil {
			return errNotFound
		}
		ctx := c.Request().Context()
		mid, inv := c.Param("mid"), c.Param("inv")
		o, err := p.d.Museum.Object(ctx, mid, inv, false)
		if errors.Is(err, museum.ErrNotFound) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		m, err := p.d.Museum.Museum(ctx, mid)
		if errors.Is(err, museum.ErrNotFound) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		d := museumObjectData{Museum: m, Object: o}
		for _, ref := range o.Images {
			info, err := p.d.Museum.Image(ctx, ref.ImageID, false)
			if err != nil {
				return err
			}
			d.Images = append(d.Images, iiifImageOf(info))
		}
		v.Title, v.Data = o.Title.Pick(v.Lang), d
		if v.Title == "" {
			v.Title = o.InventoryNumber
		}
		return p.render(c, http.StatusOK, "museum_object.html", v)
	})
}

func iiifImageOf(info museum.ImageInfo) iiifImage {
	base := "/iiif/3/" + info.ID + "/full/"
	img := iiifImage{ID: info.ID, Full: base + "max/0/default.jpg", FullW: info.Width, FullH: info.Height}
	var set []string
	for _, s := range info.Sizes {
		u := base + strconv.Itoa(s.Width) + ",/0/default.jpg"
		set = append(set, u+" "+strconv.Itoa(s.Width)+"w")
		if img.Src == "" || s.Width <= iiifViewWidth {
			img.Src, img.Width, img.Height = u, s.Width, s.Height
		}
	}
	img.SrcSet = strings.Join(set, ", ")
	return img
}
