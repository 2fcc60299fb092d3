package web

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/shopspring/decimal"

	"ecinema/boxoffice"
)

// chart is a server-rendered SVG with its accessible description.
type chart struct {
	SVG   template.HTML
	Empty bool
}

// Colours of the origins, distinguishable in grey scale too.
var originColour = map[string]string{"national": "#1b6b5a", "coproduction": "#d9a520", "foreign": "#5b6f8f"}

// shareChart draws one stacked bar per group: the share of gross of each
// origin, 0–100 %. Every number drawn is also in the table beside it.
func shareChart(lang string, r boxoffice.ShareReport) chart {
	if len(r.Groups) == 0 {
		return chart{Empty: true}
	}
	const (
		barW, gap, h, top, left, bottom = 36, 14, 200, 10, 40, 40
	)
	w := max(left+len(r.Groups)*(barW+gap)+gap, left+3*130)
	var b strings.Builder
	title := template.HTMLEscapeString(T(lang, "home.share_chart"))
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="share-chart-title" class="chart">`,
		w, h+top+bottom, w, h+top+bottom)
	fmt.Fprintf(&b, `<title id="share-chart-title">%s</title>`, title)
	for _, y := range []int{0, 50, 100} {
		yy := top + h - h*y/100
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#ccc"/><text x="%d" y="%d" font-size="11" text-anchor="end">%d%%</text>`,
			left-4, w, yy, yy, left-6, yy+4, y)
	}
	hundred := decimal.NewFromInt(100)
	for i, g := range r.Groups {
		x := left + gap + i*(barW+gap)
		y := float64(top + h)
		for j := len(g.Origins) - 1; j >= 0; j-- {
			o := g.Origins[j]
			frac, _ := o.GrossSharePct.Div(hundred).Float64() // drawing only; the figures are in the table
			bh := frac * h
			y -= bh
			fmt.Fprintf(&b, `<rect x="%d" y="%.2f" width="%d" height="%.2f" fill="%s"><title>%s %s: %s%%</title></rect>`,
				x, y, barW, bh, originColour[o.Origin], template.HTMLEscapeString(g.Key),
				template.HTMLEscapeString(T(lang, "origin."+o.Origin)), template.HTMLEscapeString(pct(lang, o.GrossSharePct)))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="middle">%s</text>`, x+barW/2, top+h+16, template.HTMLEscapeString(g.Key[len(g.Key)-2:]))
	}
	lx := left
	for _, o := range boxoffice.Origins {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d" font-size="12">%s</text>`,
			lx, top+h+24, originColour[o], lx+16, top+h+34, template.HTMLEscapeString(T(lang, "origin."+o)))
		lx += 130
	}
	b.WriteString(`</svg>`)
	return chart{SVG: template.HTML(b.String())}
}
