package web

import (
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"ecinema/culture/hubs"
)

// The map's frame: Kazakhstan's bounding box, 46–88°E and 40–56°N, drawn
// equirectangular with the longitude scaled by cos 48° so the country
// keeps its shape.
const (
	mapWest, mapEast   = 46.0, 88.0
	mapSouth, mapNorth = 40.0, 56.0
	mapWidth           = 700.0
)

var mapHeight = math.Round(mapWidth * (mapNorth - mapSouth) / ((mapEast - mapWest) * math.Cos(48*math.Pi/180)))

// hubsData is the hubs page: every hub, and those with a location as
// points on the server-drawn map.
type hubsData struct {
	Hubs          []hubs.Hub
	Points        []hubPoint
	Width, Height float64
	Grid          []mapLine
}

// hubPoint is a hub placed on the map.
type hubPoint struct {
	ID, Name, City string
	X, Y           float64
	Lat, Lon       float64
}

// mapLine is a graticule line with its label.
type mapLine struct {
	X1, Y1, X2, Y2 float64
	Label          string
	LX, LY         float64
}

// project places lon/lat in the map's frame; ok is false outside it.
func project(lon, lat float64) (x, y float64, ok bool) {
	if lon < mapWest || lon > mapEast || lat < mapSouth || lat > mapNorth {
		return 0, 0, false
	}
	x = (lon - mapWest) / (mapEast - mapWest) * mapWidth
	y = (mapNorth - lat) / (mapNorth - mapSouth) * mapHeight
	return math.Round(x*10) / 10, math.Round(y*10) / 10, true
}

// Hubs is /hubs: the creative hubs on a map drawn on the server (an SVG,
// no script), a table of every hub with its iCalendar of events, and the
// GeoJSON they come from.
func (p *Pages) Hubs() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		if p.d.Hubs == nil {
			return errNotFound
		}
		d := hubsData{Width: mapWidth, Height: mapHeight}
		var err error
		if d.Hubs, err = p.d.Hubs.All(c.Request().Context()); err != nil {
			return err
		}
		for _, h := range d.Hubs {
			if h.Location.Lat == nil || h.Location.Lon == nil {
				continue
			}
			x, y, ok := project(*h.Location.Lon, *h.Location.Lat)
			if !ok {
				continue
			}
			d.Points = append(d.Points, hubPoint{ID: h.ID, Name: h.Name.Pick(v.Lang), City: h.City, X: x, Y: y,
				Lat: *h.Location.Lat, Lon: *h.Location.Lon})
		}
		for lon := 50.0; lon < mapEast; lon += 10 {
			x, _, _ := project(lon, mapSouth)
			d.Grid = append(d.Grid, mapLine{X1: x, Y1: 0, X2: x, Y2: mapHeight, Label: fmtDeg(lon, "E"), LX: x + 3, LY: mapHeight - 4})
		}
		for lat := 45.0; lat < mapNorth; lat += 5 {
			_, y, _ := project(mapWest, lat)
			d.Grid = append(d.Grid, mapLine{X1: 0, Y1: y, X2: mapWidth, Y2: y, Label: fmtDeg(lat, "N"), LX: 3, LY: y - 3})
		}
		v.Title, v.Data = T(v.Lang, "hb.title"), d
		return p.render(c, http.StatusOK, "hubs.html", v)
	})
}

func fmtDeg(d float64, hemi string) string {
	return strconv.Itoa(int(d)) + "°" + hemi
}
