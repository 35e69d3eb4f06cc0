package dashgen

import (
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/piechart"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// query is one PromQL target of a panel.
type query struct {
	Expr   string
	Legend string // series name in time series, stats and charts ("{{label}}" templates)
	Column string // tables: header of this query's value column
	Unit   string // tables: unit of this query's value column
}

// hiddenColumns are labels every table drops: Prometheus's own target labels and the
// array labels that repeat what job_id already says.
var hiddenColumns = []string{"Time", "__name__", "instance", "job", "array_job_id", "array_index"}

func newPanel(kind, title, description, unit string, instant bool, format string, qs []query) *panel {
	p := &panel{
		Datasource:  datasource,
		Description: description,
		FieldConfig: fieldConfig{Defaults: fieldDefaults{Unit: unit}, Overrides: []override{}},
		Targets:     make([]target, 0, len(qs)),
		Title:       title,
		Type:        kind,
		w:           12,
		h:           8,
	}
	for i, q := range qs {
		p.Targets = append(p.Targets, target{
			Datasource:   datasource,
			EditorMode:   "code",
			Expr:         q.Expr,
			Format:       format,
			Instant:      instant,
			LegendFormat: q.Legend,
			Range:        !instant,
			RefID:        string(rune('A' + i)),
		})
	}
	return p
}

// timeSeries plots range queries as lines.
func timeSeries(title, description, unit string, qs ...query) *panel {
	p := newPanel("timeseries", title, description, unit, false, "time_series", qs)
	o := timeseries.NewOptions()
	o.Legend = common.VizLegendOptions{DisplayMode: common.LegendDisplayModeList, Placement: common.LegendPlacementBottom, ShowLegend: true, Calcs: []string{}}
	o.Tooltip = common.VizTooltipOptions{Mode: common.TooltipDisplayModeMulti, Sort: common.SortOrderDescending}
	p.Options = o
	p.FieldConfig.Defaults.Color = &fieldColor{Mode: "palette-classic"}
	p.FieldConfig.Defaults.Custom = &common.GraphFieldConfig{
		DrawStyle:         ptr(common.GraphDrawStyleLine),
		LineInterpolation: ptr(common.LineInterpolationStepAfter),
		LineWidth:         ptr(1.0),
		FillOpacity:       ptr(10.0),
		ShowPoints:        ptr(common.VisibilityModeNever),
		Stacking:          &common.StackingConfig{Mode: ptr(common.StackingModeNone), Group: ptr("A")},
	}
	return p
}

// stacked turns a time series into stacked areas, for parts of a whole.
func (p *panel) stacked() *panel {
	c := p.FieldConfig.Defaults.Custom.(*common.GraphFieldConfig)
	c.Stacking.Mode = ptr(common.StackingModeNormal)
	c.FillOpacity = ptr(60.0)
	c.LineWidth = ptr(0.0)
	return p
}

// legendTable shows the legend as a table with the last and maximum values.
func (p *panel) legendTable() *panel {
	o := p.Options.(*timeseries.Options)
	o.Legend.DisplayMode = common.LegendDisplayModeTable
	o.Legend.Placement = common.LegendPlacementRight
	o.Legend.Calcs = []string{"lastNotNull", "max"}
	o.Legend.SortBy = ptr("Last *")
	o.Legend.SortDesc = ptr(true)
	return p
}

// statPanel shows the current value of each series as a big number.
func statPanel(title, description, unit string, qs ...query) *panel {
	p := newPanel("stat", title, description, unit, true, "time_series", qs)
	o := stat.NewOptions()
	o.GraphMode = common.BigValueGraphModeNone
	o.ColorMode = common.BigValueColorModeValue
	o.TextMode = common.BigValueTextModeAuto
	o.Orientation = common.VizOrientationAuto
	o.ReduceOptions = common.ReduceDataOptions{Values: ptr(false), Calcs: []string{"lastNotNull"}, Fields: ptr("")}
	p.Options = o
	p.FieldConfig.Defaults.Thresholds = greenOnly()
	p.FieldConfig.Defaults.Color = &fieldColor{Mode: "thresholds"}
	p.w, p.h = 4, 4
	return p
}

// redFrom colours a stat or bar red from the given value on (green below).
func (p *panel) redFrom(v float64) *panel {
	p.FieldConfig.Defaults.Thresholds = &thresholds{Mode: "absolute", Steps: []step{{Color: "green"}, {Color: "red", Value: ptr(v)}}}
	return p
}

// greenFrom makes values from v on green again, after a redFrom below it.
func (p *panel) greenFrom(v float64) *panel {
	t := p.FieldConfig.Defaults.Thresholds
	t.Steps = append(t.Steps, step{Color: "green", Value: ptr(v)})
	return p
}

// mapValues shows text instead of numbers, e.g. 1 -> "OK".
func (p *panel) mapValues(m map[string]mappingResult) *panel {
	p.FieldConfig.Defaults.Mappings = append(p.FieldConfig.Defaults.Mappings, mapping{Type: "value", Options: m})
	return p
}

func greenOnly() *thresholds {
	return &thresholds{Mode: "absolute", Steps: []step{{Color: "green"}}}
}

// tablePanel lists instant results, one row per series, label values as columns.
// Several queries are merged into one row per identical label set.
func tablePanel(title, description string, qs ...query) *panel {
	p := newPanel("table", title, description, "", true, "table", qs)
	o := table.NewOptions()
	o.CellHeight = ptr(common.TableCellHeightSm)
	o.Footer = &common.TableFooterOptions{Show: false, Reducer: []string{"sum"}, CountRows: ptr(false)}
	p.Options = o
	p.FieldConfig.Defaults.Thresholds = greenOnly()

	exclude := map[string]bool{}
	for _, c := range hiddenColumns {
		exclude[c] = true
	}
	rename := map[string]string{}
	for i, q := range qs {
		col := "Value"
		if len(qs) > 1 {
			col = "Value #" + string(rune('A'+i))
		}
		if q.Column != "" {
			rename[col] = q.Column
		}
		if q.Unit != "" {
			p.FieldConfig.Overrides = append(p.FieldConfig.Overrides, override{
				Matcher:    matcher{ID: "byName", Options: col},
				Properties: []property{{ID: "unit", Value: q.Unit}},
			})
		}
	}
	if len(qs) > 1 {
		p.Transformations = append(p.Transformations, transformation{ID: "merge", Options: map[string]any{}})
	}
	p.Transformations = append(p.Transformations, transformation{ID: "organize", Options: map[string]any{
		"excludeByName": exclude,
		"indexByName":   map[string]int{},
		"renameByName":  rename,
	}})
	p.w, p.h = 24, 9
	return p
}

// hideColumns drops more label columns from a table.
func (p *panel) hideColumns(names ...string) *panel {
	for _, t := range p.Transformations {
		if t.ID == "organize" {
			ex := t.Options.(map[string]any)["excludeByName"].(map[string]bool)
			for _, n := range names {
				ex[n] = true
			}
		}
	}
	return p
}

// sortBy orders a table by a (renamed) column, largest first.
func (p *panel) sortBy(column string) *panel {
	p.Options.(*table.Options).SortBy = []common.TableSortByFieldState{{DisplayName: column, Desc: ptr(true)}}
	return p
}

// pie shows the current share of each series.
func pie(title, description, unit string, qs ...query) *panel {
	p := newPanel("piechart", title, description, unit, true, "time_series", qs)
	p.Options = &piechart.Options{
		PieType:       piechart.PieChartTypeDonut,
		DisplayLabels: []piechart.PieChartLabels{},
		Tooltip:       common.VizTooltipOptions{Mode: common.TooltipDisplayModeSingle, Sort: common.SortOrderNone},
		ReduceOptions: common.ReduceDataOptions{Values: ptr(false), Calcs: []string{"lastNotNull"}, Fields: ptr("")},
		Legend: piechart.PieChartLegendOptions{
			Values:      []piechart.PieChartLegendValues{piechart.PieChartLegendValuesValue, piechart.PieChartLegendValuesPercent},
			DisplayMode: common.LegendDisplayModeTable,
			Placement:   common.LegendPlacementRight,
			ShowLegend:  true,
			Calcs:       []string{},
		},
		Orientation: common.VizOrientationAuto,
	}
	p.FieldConfig.Defaults.Color = &fieldColor{Mode: "palette-classic"}
	p.w, p.h = 8, 8
	return p
}

// bars shows the current value of each series as a horizontal bar.
func bars(title, description, unit string, qs ...query) *panel {
	p := newPanel("bargauge", title, description, unit, true, "time_series", qs)
	o := bargauge.NewOptions()
	o.DisplayMode = common.BarGaugeDisplayModeGradient
	o.ValueMode = common.BarGaugeValueModeColor
	o.NamePlacement = common.BarGaugeNamePlacementAuto
	o.ShowUnfilled = true
	o.Sizing = common.BarGaugeSizingAuto
	o.MinVizWidth, o.MinVizHeight, o.MaxVizHeight = 8, 16, 300
	o.Legend = common.VizLegendOptions{DisplayMode: common.LegendDisplayModeList, Placement: common.LegendPlacementBottom, ShowLegend: false, Calcs: []string{}}
	o.ReduceOptions = common.ReduceDataOptions{Values: ptr(false), Calcs: []string{"lastNotNull"}, Fields: ptr("")}
	o.Orientation = common.VizOrientationHorizontal
	p.Options = o
	p.FieldConfig.Defaults.Color = &fieldColor{Mode: "continuous-BlPu"}
	p.FieldConfig.Defaults.Min = ptr(0.0)
	p.FieldConfig.Defaults.Thresholds = greenOnly()
	p.w, p.h = 8, 8
	return p
}

// size overrides the default width and height (grid units; 24 columns per line).
func (p *panel) size(w, h int) *panel {
	p.w, p.h = w, h
	return p
}
