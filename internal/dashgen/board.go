package dashgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// Tag is on every generated dashboard; the dashboards link to each other through it.
const Tag = "ehpc-serverless"

// gridWidth is Grafana's fixed number of grid columns.
const gridWidth = 24

// datasource is what every panel, target and query variable points at: the
// dashboard's own data source variable, never a hard-coded data source.
var datasource = dsRef{Type: "prometheus", UID: "${datasource}"}

// board lays panels out left to right in rows of gridWidth columns.
type board struct {
	d            dashboard
	nextID       int
	x, y, rowH   int
	panelsByName map[string]bool
	err          error // first layout mistake, reported by render
}

func newBoard(uid, title, description string) *board {
	b := &board{panelsByName: map[string]bool{}}
	b.d = dashboard{
		Annotations: annotations{List: []annotation{{
			BuiltIn:    1,
			Datasource: dsRef{Type: "grafana", UID: "-- Grafana --"},
			Enable:     true,
			Hide:       true,
			IconColor:  "rgba(0, 211, 255, 1)",
			Name:       "Annotations & Alerts",
			Type:       "dashboard",
		}}},
		Description:   description,
		Editable:      true,
		GraphTooltip:  1,
		Links:         []link{{AsDropdown: true, Icon: "external link", IncludeVars: true, KeepTime: true, Tags: []string{Tag}, Title: "E-HPC serverless", Type: "dashboards"}},
		Panels:        []any{},
		Refresh:       "1m",
		SchemaVersion: schemaVersion,
		Tags:          []string{Tag},
		Templating:    templating{List: standardVariables()},
		Time:          timeRange{From: "now-6h", To: "now"},
		Timezone:      "browser",
		Title:         title,
		UID:           uid,
		Version:       1,
	}
	return b
}

// row starts a new full-width section.
func (b *board) row(title string) {
	b.newLine()
	b.nextID++
	b.d.Panels = append(b.d.Panels, row{
		GridPos: gridPos{H: 1, W: gridWidth, X: 0, Y: b.y},
		ID:      b.nextID,
		Panels:  []any{},
		Title:   title,
		Type:    "row",
	})
	b.y++
}

// add places p after the previous panel, wrapping to a new line when it does not fit.
func (b *board) add(p *panel) {
	switch {
	case b.panelsByName[p.Title]:
		// Titles identify panels in test failures and in the e2e exception list.
		b.fail(fmt.Errorf("duplicate panel title %q", p.Title))
		return
	case p.w <= 0 || p.w > gridWidth || p.h <= 0:
		b.fail(fmt.Errorf("panel %q has size %dx%d; width must be 1..%d", p.Title, p.w, p.h, gridWidth))
		return
	}
	b.panelsByName[p.Title] = true
	if b.x+p.w > gridWidth {
		b.newLine()
	}
	b.nextID++
	p.ID = b.nextID
	p.GridPos = gridPos{H: p.h, W: p.w, X: b.x, Y: b.y}
	b.x += p.w
	b.rowH = max(b.rowH, p.h)
	b.d.Panels = append(b.d.Panels, p)
}

func (b *board) fail(err error) {
	if b.err == nil {
		b.err = fmt.Errorf("dashboard %s: %w", b.d.UID, err)
	}
}

func (b *board) newLine() {
	if b.x == 0 {
		return
	}
	b.y += b.rowH
	b.x, b.rowH = 0, 0
}

// render encodes the dashboard as Grafana writes it: two-space indent, trailing newline.
func (b *board) render() ([]byte, error) {
	if b.err != nil {
		return nil, b.err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep PromQL's `>` and `<` readable in the files
	enc.SetIndent("", "  ")
	if err := enc.Encode(b.d); err != nil {
		return nil, fmt.Errorf("encode dashboard %s: %w", b.d.UID, err)
	}
	return buf.Bytes(), nil
}

// File is one generated dashboard file.
type File struct {
	Name string // file name inside dashboards/
	JSON []byte
}

// All renders every dashboard, sorted by file name.
func All() ([]File, error) {
	builders := map[string]func() *board{
		"ehpc-serverless-overview.json":           overview,
		"ehpc-serverless-failing-containers.json": failingContainers,
		"ehpc-serverless-resources.json":          resources,
		"ehpc-serverless-exporter.json":           exporterHealth,
		"ehpc-serverless-analytics.json":          analyticsBoard,
	}
	files := make([]File, 0, len(builders))
	for name, build := range builders {
		raw, err := build().render()
		if err != nil {
			return nil, err
		}
		files = append(files, File{Name: name, JSON: raw})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, nil
}
