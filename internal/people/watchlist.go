package people

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"go.yaml.in/yaml/v3"
)

// Version is the watchlist format version this package reads and writes.
const Version = 1

// DefaultRegion is the region used to read phone numbers written without
// an international prefix, when a watchlist or [EntityOptions] names none.
const DefaultRegion = "FR"

// Entity kinds.
const (
	KindPerson       = "person"
	KindOrganisation = "organisation"
)

// maxWatchlistSize bounds what [Parse] reads.
const maxWatchlistSize = 64 << 20

// Entity is one person or organisation of a watchlist.
type Entity struct {
	// Name is the canonical name, unique in its watchlist once folded.
	Name string `yaml:"name" json:"name"`
	// Kind is KindPerson (the default) or KindOrganisation.
	Kind string `yaml:"kind,omitempty" json:"kind,omitempty"`
	// Aliases are other names matched like Name, as written.
	Aliases []string `yaml:"aliases,omitempty,flow" json:"aliases,omitempty"`
	// Emails are lower-case addresses.
	Emails []string `yaml:"emails,omitempty,flow" json:"emails,omitempty"`
	// Phones are E.164 numbers ("+33142928100").
	Phones []string `yaml:"phones,omitempty,flow" json:"phones,omitempty"`
	// Exclude lists phrases that contain one of the entity's names but
	// are someone else ("Jean-Marie Le Pen" for Marine Le Pen).
	Exclude []string `yaml:"exclude,omitempty,flow" json:"exclude,omitempty"`
	// Notes is free text for the people reading the results.
	Notes string `yaml:"notes,omitempty" json:"notes,omitempty"`
}

// Names returns the entity's name followed by its aliases.
func (e *Entity) Names() []string {
	return append([]string{e.Name}, e.Aliases...)
}

// Watchlist is a list of entities. A watchlist returned by [Parse] or
// [Load] is valid (see [Watchlist.Validate]); mentions refer to entities
// by their index in Entities.
type Watchlist struct {
	// Region is the default region of the phone numbers written without
	// an international prefix; empty means [DefaultRegion].
	Region   string
	Entities []Entity
}

// ParseError is a watchlist that cannot be read or is not valid.
type ParseError struct {
	File string // set by [Load]
	Line int    // 1-based line of the offending entry; 0 when unknown
	Msg  string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("people: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Load reads the watchlist at path, in YAML (.yaml, .yml) or CSV (.csv)
// chosen by the extension.
func Load(path string) (*Watchlist, error) {
	var format string
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		format = "yaml"
	case ".csv":
		format = "csv"
	default:
		return nil, fmt.Errorf("people: load %s: unknown extension (want .yaml, .yml or .csv)", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("people: load watchlist: %w", err)
	}
	defer f.Close()
	w, err := Parse(f, format)
	if pe, ok := errors.AsType[*ParseError](err); ok {
		pe.File = path
	}
	return w, err
}

// Parse reads a watchlist in format "yaml" or "csv" and validates it. The
// error is a *[ParseError] for every problem of the input itself.
func Parse(r io.Reader, format string) (*Watchlist, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxWatchlistSize+1))
	if err != nil {
		return nil, fmt.Errorf("people: read watchlist: %w", err)
	}
	if len(data) > maxWatchlistSize {
		return nil, &ParseError{Msg: fmt.Sprintf("watchlist larger than %d MiB", maxWatchlistSize>>20)}
	}
	var (
		w     *Watchlist
		lines []int
	)
	switch format {
	case "yaml", "yml":
		w, lines, err = parseYAML(data)
	case "csv":
		w, lines, err = parseCSV(data)
	default:
		return nil, fmt.Errorf("people: unknown watchlist format %q (want yaml or csv)", format)
	}
	if err != nil {
		return nil, err
	}
	if err := w.validate(lines); err != nil {
		return nil, err
	}
	return w, nil
}

// yamlFile is the YAML document.
type yamlFile struct {
	Version int      `yaml:"version"`
	Region  string   `yaml:"region,omitempty"`
	People  []Entity `yaml:"people"`
}

func parseYAML(data []byte) (*Watchlist, []int, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f yamlFile
	if err := dec.Decode(&f); err != nil {
		if err == io.EOF {
			return nil, nil, &ParseError{Msg: "empty watchlist"}
		}
		return nil, nil, yamlError(err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); err != io.EOF {
		return nil, nil, &ParseError{Line: more.Line, Msg: "more than one YAML document"}
	}
	switch {
	case f.Version == 0:
		return nil, nil, &ParseError{Line: 1, Msg: fmt.Sprintf("missing \"version: %d\"", Version)}
	case f.Version != Version:
		return nil, nil, &ParseError{Line: 1, Msg: fmt.Sprintf("unsupported version %d (want %d)", f.Version, Version)}
	}
	// A second pass over the node tree gives each entity its line.
	lines := make([]int, len(f.People))
	var root yaml.Node
	if yaml.Unmarshal(data, &root) == nil && len(root.Content) == 1 {
		m := root.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == "people" {
				for j, n := range m.Content[i+1].Content {
					if j < len(lines) {
						lines[j] = n.Line
					}
				}
			}
		}
	}
	return &Watchlist{Region: f.Region, Entities: f.People}, lines, nil
}

// yamlError turns a yaml.v3 error into a ParseError with its line.
func yamlError(err error) error {
	msg := err.Error()
	if te, ok := errors.AsType[*yaml.TypeError](err); ok && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(n); err == nil {
				line, msg = l, after
			}
		}
	}
	if field, ok := strings.CutPrefix(msg, "field "); ok {
		if name, _, ok := strings.Cut(field, " not found in type"); ok {
			msg = fmt.Sprintf("unknown key %q (known: version, region, people; and per entity: name, kind, aliases, emails, phones, exclude, notes)", name)
		}
	}
	return &ParseError{Line: line, Msg: msg}
}

var csvColumns = []string{"name", "kind", "aliases", "emails", "phones", "exclude", "notes"}

func parseCSV(data []byte) (*Watchlist, []int, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	cr := csv.NewReader(bytes.NewReader(data))
	// Spreadsheets in French locales write ';'.
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, &ParseError{Msg: "empty watchlist: a header row is required"}
	}
	if err != nil {
		return nil, nil, csvError(err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(csvColumns, h) {
			return nil, nil, &ParseError{Line: 1, Msg: fmt.Sprintf("unknown column %q (known: %s)", h, strings.Join(csvColumns, ", "))}
		}
		if _, dup := col[h]; dup {
			return nil, nil, &ParseError{Line: 1, Msg: fmt.Sprintf("column %q twice", h)}
		}
		col[h] = i
	}
	if _, ok := col["name"]; !ok {
		return nil, nil, &ParseError{Line: 1, Msg: "missing column \"name\""}
	}
	w := &Watchlist{}
	var lines []int
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		cell := func(name string) string {
			if i, ok := col[name]; ok {
				return rec[i]
			}
			return ""
		}
		w.Entities = append(w.Entities, Entity{
			Name:    cell("name"),
			Kind:    cell("kind"),
			Aliases: splitCell(cell("aliases")),
			Emails:  splitCell(cell("emails")),
			Phones:  splitCell(cell("phones")),
			Exclude: splitCell(cell("exclude")),
			Notes:   cell("notes"),
		})
		lines = append(lines, line)
	}
	return w, lines, nil
}

func csvError(err error) error {
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		return &ParseError{Line: pe.Line, Msg: pe.Err.Error()}
	}
	return &ParseError{Msg: err.Error()}
}

func splitCell(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, "|") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Validate normalises w in place and checks it: names are trimmed, Kind
// defaults to KindPerson ("organization" is read as KindOrganisation),
// emails are lower-cased, phones rewritten in E.164. It is an error for
// a name to be empty or to fold to nothing, for two entities to share a
// canonical name once folded, for an email not to have exactly one '@'
// between a local part and a domain, for a phone not to be a valid
// number, and for an exclude phrase not to contain, word for word, one of
// its entity's names while being longer than it. An alias shared by two
// entities is allowed; see [Watchlist.Ambiguities].
func (w *Watchlist) Validate() error {
	return w.validate(nil)
}

func (w *Watchlist) validate(lines []int) error {
	fail := func(i int, format string, args ...any) error {
		line := 0
		if i < len(lines) {
			line = lines[i]
		}
		msg := fmt.Sprintf(format, args...)
		if line == 0 {
			msg = fmt.Sprintf("entity %d: %s", i+1, msg)
		}
		return &ParseError{Line: line, Msg: msg}
	}
	w.Region = strings.ToUpper(strings.TrimSpace(w.Region))
	region := w.region()
	if phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return &ParseError{Msg: fmt.Sprintf("unknown phone region %q (want an ISO 3166 code such as FR)", w.Region)}
	}
	seen := map[string]int{}
	for i := range w.Entities {
		e := &w.Entities[i]
		e.Name = strings.TrimSpace(e.Name)
		if e.Name == "" {
			return fail(i, "empty name")
		}
		folded := Fold(e.Name)
		if folded == "" {
			return fail(i, "name %q has no letters or digits", e.Name)
		}
		if j, dup := seen[folded]; dup {
			where := fmt.Sprintf("entity %d", j+1)
			if j < len(lines) && lines[j] > 0 {
				where = fmt.Sprintf("line %d", lines[j])
			}
			return fail(i, "duplicate entity %q (same as %q on %s once case and accents are ignored)", e.Name, w.Entities[j].Name, where)
		}
		seen[folded] = i
		switch k := strings.ToLower(strings.TrimSpace(e.Kind)); k {
		case "", KindPerson:
			e.Kind = KindPerson
		case KindOrganisation, "organization":
			e.Kind = KindOrganisation
		default:
			return fail(i, "entity %q: unknown kind %q (want person or organisation)", e.Name, e.Kind)
		}
		for j, a := range e.Aliases {
			a = strings.TrimSpace(a)
			if Fold(a) == "" {
				return fail(i, "entity %q: alias %q has no letters or digits", e.Name, a)
			}
			e.Aliases[j] = a
		}
		for j, m := range e.Emails {
			m = strings.ToLower(strings.TrimSpace(m))
			local, domain, ok := strings.Cut(m, "@")
			if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || strings.ContainsAny(m, " \t\r\n<>,;") {
				return fail(i, "entity %q: email %q is not a single address like name@example.fr", e.Name, e.Emails[j])
			}
			e.Emails[j] = m
		}
		for j, p := range e.Phones {
			num, err := phonenumbers.Parse(p, region)
			if err != nil || !phonenumbers.IsValidNumber(num) {
				return fail(i, "entity %q: phone %q is not a valid number (region %s; write +CC for others)", e.Name, p, region)
			}
			e.Phones[j] = phonenumbers.Format(num, phonenumbers.E164)
		}
		names := make([][]string, 0, 1+len(e.Aliases))
		for _, n := range e.Names() {
			names = append(names, foldWords(n))
		}
		for j, x := range e.Exclude {
			x = strings.TrimSpace(x)
			e.Exclude[j] = x
			xw := foldWords(x)
			useful := false
			for _, n := range names {
				if len(xw) > len(n) && containsSeq(xw, n) {
					useful = true
				}
			}
			if !useful {
				return fail(i, "entity %q: exclude %q contains none of its names as whole words, so it would exclude nothing", e.Name, x)
			}
		}
	}
	return nil
}

func (w *Watchlist) region() string {
	if w.Region == "" {
		return DefaultRegion
	}
	return strings.ToUpper(w.Region)
}

// containsSeq reports whether needle occurs in hay as a contiguous run.
func containsSeq(hay, needle []string) bool {
	for i := 0; i+len(needle) <= len(hay); i++ {
		if slices.Equal(hay[i:i+len(needle)], needle) {
			return true
		}
	}
	return false
}

// Ambiguity is a folded name or alias that belongs to several entities.
// Each of its occurrences is reported once per entity.
type Ambiguity struct {
	Folded   string
	Entities []int // indexes into Watchlist.Entities, ascending
}

// Ambiguities lists the names and aliases shared by several entities,
// sorted by Folded.
func (w *Watchlist) Ambiguities() []Ambiguity {
	owners := map[string][]int{}
	for i := range w.Entities {
		for _, n := range w.Entities[i].Names() {
			f := Fold(n)
			if f == "" {
				continue
			}
			if o := owners[f]; len(o) == 0 || o[len(o)-1] != i {
				owners[f] = append(o, i)
			}
		}
	}
	var out []Ambiguity
	for f, o := range owners {
		if len(o) > 1 {
			out = append(out, Ambiguity{Folded: f, Entities: o})
		}
	}
	slices.SortFunc(out, func(a, b Ambiguity) int { return strings.Compare(a.Folded, b.Folded) })
	return out
}

// WriteYAML writes w in the YAML format [Parse] reads.
func (w *Watchlist) WriteYAML(out io.Writer) error {
	f := yamlFile{Version: Version, Region: w.Region, People: w.Entities}
	if f.People == nil {
		f.People = []Entity{}
	}
	enc := yaml.NewEncoder(out)
	enc.SetIndent(2)
	if err := enc.Encode(&f); err != nil {
		return fmt.Errorf("people: write yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("people: write yaml: %w", err)
	}
	return nil
}

// WriteCSV writes w in the CSV format [Parse] reads. The CSV format has
// no region: phones are written in E.164, which needs none. It fails if a
// multi-valued field holds a '|'.
func (w *Watchlist) WriteCSV(out io.Writer) error {
	cw := csv.NewWriter(out)
	if err := cw.Write(csvColumns); err != nil {
		return fmt.Errorf("people: write csv: %w", err)
	}
	for i := range w.Entities {
		e := &w.Entities[i]
		rec := []string{e.Name, e.Kind}
		for _, vs := range [][]string{e.Aliases, e.Emails, e.Phones, e.Exclude} {
			for _, v := range vs {
				if strings.Contains(v, "|") {
					return fmt.Errorf("people: write csv: entity %q: value %q contains '|', the CSV list separator", e.Name, v)
				}
			}
			rec = append(rec, strings.Join(vs, "|"))
		}
		rec = append(rec, e.Notes)
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("people: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("people: write csv: %w", err)
	}
	return nil
}
