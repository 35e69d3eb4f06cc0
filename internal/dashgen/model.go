// Package dashgen generates the Grafana dashboards shipped in dashboards/, and reads
// the PromQL back out of dashboard JSON so tests can check and run every query.
//
// The dashboards are code so that every panel shares one data source reference, one
// set of filter variables and one way of joining queue and user from
// ehpc_serverless_job_info; a panel is a few lines in overview.go, failing.go,
// resources.go or exporter.go. After a change, regenerate the JSON with
// `go generate ./dashboards`; a test fails while the files are out of date.
package dashgen

// The structs below are the subset of Grafana's dashboard JSON model (schema
// version 42) that the dashboards use, in the field order Grafana itself writes.
// Panel options come from the grafana-foundation-sdk types, so their shape is
// checked by the compiler as well as by the strict validation test.

const schemaVersion = 42

type dashboard struct {
	Annotations          annotations `json:"annotations"`
	Description          string      `json:"description"`
	Editable             bool        `json:"editable"`
	FiscalYearStartMonth int         `json:"fiscalYearStartMonth"`
	GraphTooltip         int         `json:"graphTooltip"`
	Links                []link      `json:"links"`
	Panels               []any       `json:"panels"`
	Refresh              string      `json:"refresh"`
	SchemaVersion        int         `json:"schemaVersion"`
	Tags                 []string    `json:"tags"`
	Templating           templating  `json:"templating"`
	Time                 timeRange   `json:"time"`
	Timepicker           struct{}    `json:"timepicker"`
	Timezone             string      `json:"timezone"`
	Title                string      `json:"title"`
	UID                  string      `json:"uid"`
	Version              int         `json:"version"`
}

type annotations struct {
	List []annotation `json:"list"`
}

// annotation is Grafana's built-in "Annotations & Alerts" entry, which Grafana adds
// to every dashboard it saves; writing it keeps an export of an import unchanged.
type annotation struct {
	BuiltIn    int    `json:"builtIn"`
	Datasource dsRef  `json:"datasource"`
	Enable     bool   `json:"enable"`
	Hide       bool   `json:"hide"`
	IconColor  string `json:"iconColor"`
	Name       string `json:"name"`
	Type       string `json:"type"`
}

type link struct {
	AsDropdown  bool     `json:"asDropdown"`
	Icon        string   `json:"icon"`
	IncludeVars bool     `json:"includeVars"`
	KeepTime    bool     `json:"keepTime"`
	Tags        []string `json:"tags"`
	TargetBlank bool     `json:"targetBlank"`
	Title       string   `json:"title"`
	Tooltip     string   `json:"tooltip"`
	Type        string   `json:"type"`
}

type timeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type templating struct {
	List []variable `json:"list"`
}

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type gridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

type row struct {
	Collapsed bool    `json:"collapsed"`
	GridPos   gridPos `json:"gridPos"`
	ID        int     `json:"id"`
	Panels    []any   `json:"panels"`
	Title     string  `json:"title"`
	Type      string  `json:"type"`
}

type panel struct {
	Datasource      dsRef            `json:"datasource"`
	Description     string           `json:"description,omitempty"`
	FieldConfig     fieldConfig      `json:"fieldConfig"`
	GridPos         gridPos          `json:"gridPos"`
	ID              int              `json:"id"`
	Options         any              `json:"options"`
	Targets         []target         `json:"targets"`
	Title           string           `json:"title"`
	Transformations []transformation `json:"transformations,omitempty"`
	Type            string           `json:"type"`

	// Layout request, turned into GridPos by the board.
	w, h int
}

type target struct {
	Datasource   dsRef  `json:"datasource"`
	EditorMode   string `json:"editorMode"`
	Expr         string `json:"expr"`
	Format       string `json:"format"`
	Instant      bool   `json:"instant"`
	LegendFormat string `json:"legendFormat,omitempty"`
	Range        bool   `json:"range"`
	RefID        string `json:"refId"`
}

type fieldConfig struct {
	Defaults  fieldDefaults `json:"defaults"`
	Overrides []override    `json:"overrides"`
}

type fieldDefaults struct {
	Color      *fieldColor `json:"color,omitempty"`
	Custom     any         `json:"custom,omitempty"`
	Decimals   *int        `json:"decimals,omitempty"`
	Mappings   []mapping   `json:"mappings,omitempty"`
	Min        *float64    `json:"min,omitempty"`
	Max        *float64    `json:"max,omitempty"`
	NoValue    string      `json:"noValue,omitempty"`
	Thresholds *thresholds `json:"thresholds,omitempty"`
	Unit       string      `json:"unit,omitempty"`
}

type fieldColor struct {
	Mode string `json:"mode"`
}

type thresholds struct {
	Mode  string `json:"mode"`
	Steps []step `json:"steps"`
}

// step's Value is nil for the base step, which Grafana writes as null.
type step struct {
	Color string   `json:"color"`
	Value *float64 `json:"value"`
}

type mapping struct {
	Options map[string]mappingResult `json:"options"`
	Type    string                   `json:"type"`
}

type mappingResult struct {
	Color string `json:"color,omitempty"`
	Index int    `json:"index"`
	Text  string `json:"text"`
}

type override struct {
	Matcher    matcher    `json:"matcher"`
	Properties []property `json:"properties"`
}

type matcher struct {
	ID      string `json:"id"`
	Options any    `json:"options"`
}

type property struct {
	ID    string `json:"id"`
	Value any    `json:"value"`
}

type transformation struct {
	ID      string `json:"id"`
	Options any    `json:"options"`
}

type variable struct {
	AllValue    string          `json:"allValue,omitempty"`
	Current     *variableOption `json:"current,omitempty"`
	Datasource  *dsRef          `json:"datasource,omitempty"`
	Definition  string          `json:"definition,omitempty"`
	Description string          `json:"description,omitempty"`
	Hide        int             `json:"hide"`
	IncludeAll  bool            `json:"includeAll"`
	Label       string          `json:"label"`
	Multi       bool            `json:"multi"`
	Name        string          `json:"name"`
	Options     []any           `json:"options"`
	Query       any             `json:"query"`
	Refresh     int             `json:"refresh"`
	Regex       string          `json:"regex"`
	Sort        int             `json:"sort,omitempty"`
	Type        string          `json:"type"`
}

type variableOption struct {
	Selected bool     `json:"selected"`
	Text     []string `json:"text"`
	Value    []string `json:"value"`
}

// variableQuery is the object form the Prometheus data source's variable editor saves.
type variableQuery struct {
	QryType int    `json:"qryType"`
	Query   string `json:"query"`
	RefID   string `json:"refId"`
}

func ptr[T any](v T) *T { return &v }
