package museum

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
)

// IIIF contexts and profiles.
const (
	ImageContext        = "http://iiif.io/api/image/3/context.json"
	PresentationContext = "http://iiif.io/api/presentation/3/context.json"
	imageProtocol       = "http://iiif.io/api/image"
)

// IIIFImageInfo is the info.json of a IIIF Image API 3.0 level 0 service.
type IIIFImageInfo struct {
	Context  string `json:"@context"`
	ID       string `json:"id"`
	Type     string `json:"type"`
	Protocol string `json:"protocol"`
	Profile  string `json:"profile"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	Sizes    []Size `json:"sizes"`
	Rights   string `json:"rights,omitempty"`
}

// Links builds the absolute URLs of the public resources from the base
// URL the client reached (scheme and host, no trailing slash).
type Links struct{ Base string }

func (l Links) esc(s string) string { return url.PathEscape(s) }

// imageService is the IIIF Image service URL of an image.
func (l Links) imageService(imageID string) string { return l.Base + "/iiif/3/" + l.esc(imageID) }

// ImageURL is the URL of one size of an image (width 0: max).
func (l Links) ImageURL(imageID string, width int) string {
	size := "max"
	if width > 0 {
		size = strconv.Itoa(width) + ","
	}
	return l.imageService(imageID) + "/full/" + size + "/0/default.jpg"
}

// Manifest is the URL of an object's IIIF manifest.
func (l Links) Manifest(mid, inv string) string {
	return l.Base + "/iiif/3/manifests/" + l.esc(mid) + "/" + l.esc(inv)
}

// Collection is the URL of a museum's IIIF collection.
func (l Links) Collection(mid string) string { return l.Base + "/iiif/3/collections/" + l.esc(mid) }

// lido is the URL of an object's LIDO record.
func (l Links) lido(mid, inv string) string { return l.Base + "/lido/" + l.esc(mid) + "/" + l.esc(inv) }

// museum is the URL of a museum's public description.
func (l Links) museum(mid string) string { return l.Base + "/v1/museums/" + l.esc(mid) }

// InfoJSON builds the info.json of an image.
func (l Links) InfoJSON(info ImageInfo) IIIFImageInfo {
	return IIIFImageInfo{Context: ImageContext, ID: l.imageService(info.ID), Type: "ImageService3",
		Protocol: imageProtocol, Profile: "level0", Width: info.Width, Height: info.Height,
		Sizes: slices.Clone(info.Sizes), Rights: info.Rights}
}

// iiifLang turns a language map into a IIIF language map (each value a
// list), "none" for text without a language.
func iiifLang(m LangMap) map[string][]string {
	out := map[string][]string{}
	for k, v := range m {
		if v != "" {
			out[k] = []string{v}
		}
	}
	return out
}

func none(s string) map[string][]string { return map[string][]string{"none": {s}} }

// labels of the manifest's metadata, in Kazakh, Russian and English.
var metaLabels = map[string]LangMap{
	"inventory_number":  {"kk": "Түгендеу нөмірі", "ru": "Инвентарный номер", "en": "Inventory number"},
	"object_name":       {"kk": "Заттың атауы", "ru": "Наименование предмета", "en": "Object name"},
	"maker":             {"kk": "Жасаушы", "ru": "Автор", "en": "Maker"},
	"date":              {"kk": "Мерзімі", "ru": "Датировка", "en": "Date"},
	"place":             {"kk": "Жасалған жері", "ru": "Место создания", "en": "Place"},
	"materials":         {"kk": "Материалдар", "ru": "Материалы", "en": "Materials"},
	"techniques":        {"kk": "Техникасы", "ru": "Техника", "en": "Techniques"},
	"dimensions":        {"kk": "Өлшемдері", "ru": "Размеры", "en": "Dimensions"},
	"state_register_no": {"kk": "Мемлекеттік тізілім нөмірі", "ru": "Номер в Государственном каталоге", "en": "State register number"},
	"credit_line":       {"kk": "Дереккөз", "ru": "Источник", "en": "Credit line"},
}

type kv struct {
	Label map[string][]string `json:"label"`
	Value map[string][]string `json:"value"`
}

// Manifest builds the IIIF Presentation 3.0 manifest of an object. images
// are the object's images with their sizes; the object must have one.
func (l Links) Manifest3(m Museum, o ObjectView, images []ImageInfo) map[string]any {
	id := l.Manifest(o.MuseumID, o.ID)
	var meta []kv
	add := func(key string, vals ...string) {
		var vs []string
		for _, v := range vals {
			if v != "" {
				vs = append(vs, v)
			}
		}
		if len(vs) > 0 {
			meta = append(meta, kv{Label: iiifLang(metaLabels[key]), Value: map[string][]string{"none": vs}})
		}
	}
	add("inventory_number", o.InventoryNumber)
	add("object_name", o.ObjectName)
	add("maker", o.Maker)
	if o.Date != nil {
		add("date", o.Date.Display)
	}
	add("place", o.Place)
	add("materials", o.Materials...)
	add("techniques", o.Techniques...)
	add("dimensions", o.Dimensions)
	add("state_register_no", o.StateRegisterNo)

	credit := iiifLang(o.CreditLine)
	if len(credit) == 0 {
		credit = iiifLang(m.Name)
	}
	canvases := make([]map[string]any, 0, len(images))
	for _, im := range images {
		cid := id + "/canvas/" + strconv.Itoa(im.N)
		canvases = append(canvases, map[string]any{
			"id": cid, "type": "Canvas", "width": im.Width, "height": im.Height,
			"label": none(strconv.Itoa(im.N)),
			"items": []any{map[string]any{
				"id": cid + "/page", "type": "AnnotationPage",
				"items": []any{map[string]any{
					"id": cid + "/page/painting", "type": "Annotation", "motivation": "painting", "target": cid,
					"body": l.imageBody(im, 0),
				}},
			}},
		})
	}
	man := map[string]any{
		"@context":          PresentationContext,
		"id":                id,
		"type":              "Manifest",
		"label":             iiifLang(o.Title),
		"metadata":          meta,
		"requiredStatement": kv{Label: iiifLang(metaLabels["credit_line"]), Value: credit},
		"rights":            o.Rights,
		"provider":          []any{l.provider(m)},
		"seeAlso": []any{map[string]any{
			"id": l.lido(o.MuseumID, o.ID), "type": "Dataset", "format": "application/xml",
			"profile": "http://www.lido-schema.org/", "label": iiifLang(LangMap{"en": "LIDO record", "ru": "Запись LIDO", "kk": "LIDO жазбасы"}),
		}},
		"partOf": []any{map[string]any{"id": l.Collection(o.MuseumID), "type": "Collection", "label": iiifLang(m.Name)}},
		"items":  canvases,
	}
	if len(o.Description) > 0 {
		man["summary"] = iiifLang(o.Description)
	}
	if len(images) > 0 {
		man["thumbnail"] = []any{l.imageBody(images[0], images[0].Sizes[0].Width)}
	}
	return man
}

// imageBody is an Image resource of one size (width 0: the full size)
// with its level 0 image service.
func (l Links) imageBody(im ImageInfo, width int) map[string]any {
	sz := im.Sizes[len(im.Sizes)-1]
	for _, s := range im.Sizes {
		if s.Width == width {
			sz = s
		}
	}
	if width == sz.Width && sz.Width == im.Width {
		width = 0
	}
	return map[string]any{
		"id": l.ImageURL(im.ID, width), "type": "Image", "format": MediaJPEG,
		"width": sz.Width, "height": sz.Height,
		"service": []any{map[string]any{"id": l.imageService(im.ID), "type": "ImageService3", "profile": "level0"}},
	}
}

func (l Links) provider(m Museum) map[string]any {
	return map[string]any{"id": l.museum(m.ID), "type": "Agent", "label": iiifLang(m.Name),
		"homepage": []any{map[string]any{"id": l.Collection(m.ID), "type": "Text", "label": iiifLang(m.Name), "format": "application/json"}}}
}

// CollectionItem is one manifest of a museum's collection.
type CollectionItem struct {
	Object ObjectView
	Thumb  ImageInfo
}

// Collection3 builds the IIIF Presentation 3.0 collection of a museum.
func (l Links) Collection3(m Museum, items []CollectionItem) map[string]any {
	refs := make([]any, 0, len(items))
	for _, it := range items {
		refs = append(refs, map[string]any{
			"id": l.Manifest(it.Object.MuseumID, it.Object.ID), "type": "Manifest", "label": iiifLang(it.Object.Title),
			"thumbnail": []any{l.imageBody(it.Thumb, it.Thumb.Sizes[0].Width)},
		})
	}
	return map[string]any{
		"@context": PresentationContext,
		"id":       l.Collection(m.ID),
		"type":     "Collection",
		"label":    iiifLang(m.Name),
		"summary":  iiifLang(LangMap{"kk": "Жарияланған экспонаттар", "ru": "Опубликованные предметы", "en": "Published objects"}),
		"provider": []any{l.provider(m)},
		"items":    refs,
	}
}

// ManifestData gathers what an object's manifest needs: the museum, the
// object (published only unless withUnpublished) and its images.
func (s *Service) ManifestData(ctx context.Context, mid, inv string, withUnpublished bool) (Museum, ObjectView, []ImageInfo, error) {
	o, err := s.Object(ctx, mid, inv, withUnpublished)
	if err != nil {
		return Museum{}, ObjectView{}, nil, err
	}
	if len(o.Images) == 0 {
		return Museum{}, ObjectView{}, nil, fmt.Errorf("%w: object %q has no image, so no manifest", ErrNotFound, inv)
	}
	m, err := s.Museum(ctx, mid)
	if err != nil {
		return Museum{}, ObjectView{}, nil, err
	}
	infos := make([]ImageInfo, 0, len(o.Images))
	for _, ref := range o.Images {
		info, err := s.Image(ctx, ref.ImageID, true)
		if err != nil {
			return Museum{}, ObjectView{}, nil, err
		}
		infos = append(infos, info)
	}
	return m, o, infos, nil
}

const sqlCollection = `SELECT o.id, o.body, o.version, i.id
FROM museum_objects o
JOIN LATERAL (SELECT id FROM museum_images WHERE museum_id = o.museum_id AND object_id = o.id ORDER BY n LIMIT 1) i ON true
WHERE o.museum_id = $1 AND o.published
ORDER BY o.id`

// CollectionData lists the published objects of a museum that have an
// image, each with its first image.
func (s *Service) CollectionData(ctx context.Context, mid string) (Museum, []CollectionItem, error) {
	m, err := s.Museum(ctx, mid)
	if err != nil {
		return Museum{}, nil, err
	}
	rows, err := s.pool.Query(ctx, sqlCollection, mid)
	if err != nil {
		return Museum{}, nil, fmt.Errorf("museum: collection: %w", err)
	}
	type row struct {
		id, imageID string
		body        []byte
		version     int
	}
	var rs []row
	var r row
	if _, err := forEach(rows, []any{&r.id, &r.body, &r.version, &r.imageID}, func() { rs = append(rs, r) }); err != nil {
		return Museum{}, nil, fmt.Errorf("museum: collection: %w", err)
	}
	items := make([]CollectionItem, 0, len(rs))
	for _, r := range rs {
		var it CollectionItem
		if err := jsonUnmarshal(r.body, &it.Object.Object); err != nil {
			return Museum{}, nil, err
		}
		it.Object.Version = r.version
		if it.Thumb, err = s.Image(ctx, r.imageID, true); err != nil {
			return Museum{}, nil, err
		}
		items = append(items, it)
	}
	return m, items, nil
}
