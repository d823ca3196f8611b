package lint

import (
	"encoding/json"
	"io"
	"unicode/utf8"
)

// File is one linted input for WriteSARIF: its name as the report should
// show it (a path relative to the repository root, with '/' separators,
// for GitHub code scanning), its bytes, and its findings.
type File struct {
	Path     string
	Data     []byte
	Findings []Finding
}

// SARIFVersion is the version of the Static Analysis Results Interchange
// Format that WriteSARIF writes.
const SARIFVersion = "2.1.0"

// WriteSARIF writes one SARIF 2.1.0 log for the given files, with one run of
// the tool "ramauthz" whose rules are every code of the catalogue. Levels:
// Error → "error", SecurityWarning → "error" with the "security" tag and a
// security-severity of 7.5 (so GitHub code scanning ranks it high),
// Warning → "warning", Suggestion → "note". Regions use 1-based lines and
// columns counted in Unicode code points (SARIF's default column kind);
// endColumn is exclusive. The only errors are those of w.
func WriteSARIF(w io.Writer, toolVersion string, files []File) error {
	type text struct {
		Text string `json:"text"`
	}
	type config struct {
		Level string `json:"level"`
	}
	type props struct {
		Tags             []string `json:"tags,omitempty"`
		SecuritySeverity string   `json:"security-severity,omitempty"`
		Witness          any      `json:"witness,omitempty"`
	}
	type rule struct {
		ID                   string `json:"id"`
		Name                 string `json:"name"`
		ShortDescription     text   `json:"shortDescription"`
		HelpURI              string `json:"helpUri"`
		DefaultConfiguration config `json:"defaultConfiguration"`
		Properties           *props `json:"properties,omitempty"`
	}
	type region struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
		EndLine     int `json:"endLine"`
		EndColumn   int `json:"endColumn"`
	}
	type artifact struct {
		URI string `json:"uri"`
	}
	type physical struct {
		ArtifactLocation artifact `json:"artifactLocation"`
		Region           region   `json:"region"`
	}
	type logical struct {
		FullyQualifiedName string `json:"fullyQualifiedName"`
	}
	type location struct {
		PhysicalLocation physical  `json:"physicalLocation"`
		LogicalLocations []logical `json:"logicalLocations,omitempty"`
	}
	type result struct {
		RuleID     string     `json:"ruleId"`
		RuleIndex  int        `json:"ruleIndex"`
		Level      string     `json:"level"`
		Message    text       `json:"message"`
		Locations  []location `json:"locations"`
		Properties *props     `json:"properties,omitempty"`
	}
	type driver struct {
		Name           string `json:"name"`
		InformationURI string `json:"informationUri"`
		Version        string `json:"version,omitempty"`
		Rules          []rule `json:"rules"`
	}
	type tool struct {
		Driver driver `json:"driver"`
	}
	type run struct {
		Tool    tool     `json:"tool"`
		Results []result `json:"results"`
	}
	type log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []run  `json:"runs"`
	}

	index := map[Code]int{}
	rules := make([]rule, len(codes))
	for i, ci := range codes {
		index[ci.Code] = i
		r := rule{ID: string(ci.Code), Name: camel(string(ci.Code)), ShortDescription: text{ci.Title},
			HelpURI: DocURL + "#" + ci.Code.DocAnchor(), DefaultConfiguration: config{sarifLevel(ci.Severity)}}
		if ci.Severity == SecurityWarning {
			r.Properties = &props{Tags: []string{"security"}, SecuritySeverity: "7.5"}
		}
		rules[i] = r
	}
	results := []result{}
	for _, f := range files {
		for _, fd := range f.Findings {
			res := result{RuleID: string(fd.Code), RuleIndex: index[fd.Code], Level: sarifLevel(fd.Severity),
				Message: text{fd.Message}}
			loc := location{PhysicalLocation: physical{ArtifactLocation: artifact{f.Path}, Region: region{
				StartLine: fd.Location.Span.Start.Line, StartColumn: runeColumn(f.Data, fd.Location.Span.Start),
				EndLine: fd.Location.Span.End.Line, EndColumn: runeColumn(f.Data, fd.Location.Span.End)}}}
			if loc.PhysicalLocation.Region.StartLine < 1 {
				loc.PhysicalLocation.Region = region{StartLine: 1, StartColumn: 1, EndLine: 1, EndColumn: 1}
			}
			if fd.Location.Path != "" {
				loc.LogicalLocations = []logical{{fd.Location.Path}}
			}
			res.Locations = []location{loc}
			if fd.Witness != nil {
				res.Properties = &props{Witness: map[string]string{"action": fd.Witness.Action, "resource": fd.Witness.Resource}}
			}
			results = append(results, res)
		}
	}
	out := log{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: SARIFVersion,
		Runs: []run{{Tool: tool{Driver: driver{Name: "ramauthz", InformationURI: "https://github.com/ramauthz/ramauthz", Version: toolVersion, Rules: rules}}, Results: results}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func sarifLevel(s Severity) string {
	switch s {
	case Error, SecurityWarning:
		return "error"
	case Warning:
		return "warning"
	}
	return "note"
}

// runeColumn converts a position's byte column to a 1-based column in code
// points of its line.
func runeColumn(data []byte, p Pos) int {
	if p.Line < 1 || p.Offset > len(data) {
		return 1
	}
	lineStart := p.Offset - (p.Column - 1)
	if lineStart < 0 {
		return 1
	}
	return utf8.RuneCount(data[lineStart:p.Offset]) + 1
}

// camel turns UPPER_SNAKE into UpperCamel, SARIF's convention for rule names.
func camel(s string) string {
	b := make([]byte, 0, len(s))
	up := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			up = true
			continue
		case up:
			up = false
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}
