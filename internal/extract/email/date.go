package email

import (
	"strconv"
	"strings"
	"time"
)

// parseDate parses a Date header leniently. It accepts RFC 5322 dates and
// the variants real mail has: no day name, no seconds, two- or three-digit
// years, named zones (EST, PDT, CEST...), zones in comments, asctime order,
// ISO 8601, extra commas and dots. The result keeps the zone as written; a
// date without any zone is read as UTC. ok is false when no date could be
// read.
func parseDate(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC1123Z, s); err == nil {
		return t, true
	}
	if t, ok := parseISODate(s); ok {
		return t, true
	}
	comment := commentText(s)
	s = stripComments(s)
	toks := strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == ',' || r == '\r' || r == '\n'
	})
	var (
		day, month, year      = -1, -1, -1
		hour, min, sec, nsec  = -1, 0, 0, 0
		zone                  *time.Location
		nums                  []string
		haveZoneOff, yearText bool
	)
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		if strings.ContainsRune(tok, ':') && hour < 0 {
			h, m, sc, ns, rest, good := parseClock(tok)
			if good {
				hour, min, sec, nsec = h, m, sc, ns
				if rest != "" {
					if z, good := parseZone(rest); good {
						zone, haveZoneOff = z, true
					}
				}
				continue
			}
		}
		if (tok[0] == '+' || tok[0] == '-') && len(tok) >= 3 {
			if z, good := parseZone(tok); good {
				zone, haveZoneOff = z, true
				continue
			}
		}
		if isDigits(tok) {
			nums = append(nums, tok)
			continue
		}
		lower := strings.ToLower(strings.TrimRight(tok, "."))
		if m := monthIndex(lower); m > 0 && month < 0 {
			month = m
			// "5-Jun-2000" style: split on '-' handled below.
			continue
		}
		if parts := strings.Split(tok, "-"); len(parts) == 3 && month < 0 {
			if m := monthIndex(strings.ToLower(parts[1])); m > 0 && isDigits(parts[0]) && isDigits(parts[2]) {
				month = m
				nums = append(nums, parts[0], parts[2])
				continue
			}
		}
		if isDayName(lower) {
			continue
		}
		if !haveZoneOff {
			if z, good := parseZone(tok); good {
				zone = z
				continue
			}
		}
		// Unknown words ("at", "GMT+1", garbage) are ignored.
	}
	if zone == nil && comment != "" {
		if z, good := parseZone(strings.Fields(comment + " x")[0]); good {
			zone = z
		}
	}
	// Assign day and year from the bare numbers.
	for _, n := range nums {
		v, _ := strconv.Atoi(n)
		switch {
		case len(n) >= 3 && year < 0:
			year, yearText = v, true
		case day < 0 && v >= 1 && v <= 31 && len(n) <= 2:
			day = v
		case year < 0:
			year = v
		}
	}
	if month < 0 || day < 0 || year < 0 {
		return time.Time{}, false
	}
	switch {
	case !yearText && year < 50:
		year += 2000
	case !yearText || year < 1000 && year >= 100:
		year += 1900
	}
	if year < 1 || year > 9999 {
		return time.Time{}, false
	}
	if hour < 0 {
		hour = 0
	}
	if zone == nil {
		zone = time.UTC
	}
	t = time.Date(year, time.Month(month), day, hour, min, sec, nsec, zone)
	if t.Day() != day {
		return time.Time{}, false // 31 Feb and the like
	}
	return t, true
}

// parseISODate accepts "2000-06-05T09:13:00Z", "2000-06-05 09:13:00 +0200"
// and similar.
func parseISODate(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseClock parses "09:13", "09:13:00", "9:13:00.123" and returns any
// zone glued to it ("09:13:00+0200", "09:13:00Z").
func parseClock(tok string) (h, m, s, ns int, rest string, ok bool) {
	end := len(tok)
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if !(c >= '0' && c <= '9' || c == ':' || c == '.') {
			end = i
			break
		}
	}
	clock, rest := tok[:end], tok[end:]
	parts := strings.Split(clock, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return
	}
	var err error
	if h, err = strconv.Atoi(parts[0]); err != nil || h > 24 {
		return
	}
	if m, err = strconv.Atoi(parts[1]); err != nil || m > 59 {
		return
	}
	if len(parts) == 3 {
		sp := parts[2]
		if dot := strings.IndexByte(sp, '.'); dot >= 0 {
			frac := sp[dot+1:]
			sp = sp[:dot]
			if f, err := strconv.Atoi((frac + "000000000")[:9]); err == nil {
				ns = f
			}
		}
		if s, err = strconv.Atoi(sp); err != nil || s > 60 {
			return
		}
		if s == 60 {
			s = 59 // leap second
		}
	}
	if h == 24 {
		h = 0
	}
	return h, m, s, ns, rest, true
}

// zoneOffsets are the named zones mail software writes, in seconds east of
// UTC. Ambiguous abbreviations take their most common meaning in mail.
var zoneOffsets = map[string]int{
	"ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0, "bst": 3600, "ist": 19800, "west": 3600,
	"est": -5 * 3600, "edt": -4 * 3600, "cst": -6 * 3600, "cdt": -5 * 3600,
	"mst": -7 * 3600, "mdt": -6 * 3600, "pst": -8 * 3600, "pdt": -7 * 3600,
	"akst": -9 * 3600, "akdt": -8 * 3600, "hst": -10 * 3600, "ast": -4 * 3600, "adt": -3 * 3600,
	"nst": -12600, "ndt": -9000,
	"cet": 3600, "cest": 7200, "met": 3600, "mest": 7200, "mez": 3600, "mesz": 7200,
	"eet": 7200, "eest": 10800, "msk": 3 * 3600, "msd": 4 * 3600,
	"jst": 9 * 3600, "kst": 9 * 3600, "hkt": 8 * 3600, "sgt": 8 * 3600, "awst": 8 * 3600,
	"acst": 34200, "aest": 10 * 3600, "aedt": 11 * 3600, "nzst": 12 * 3600, "nzdt": 13 * 3600,
}

// parseZone parses "+0200", "-07:00", "+02", "GMT+0200", "UTC" or a named
// zone. Named zones keep their name.
func parseZone(tok string) (*time.Location, bool) {
	t := strings.TrimSpace(tok)
	lower := strings.ToLower(t)
	for _, p := range []string{"gmt", "utc", "ut"} {
		if r, ok := strings.CutPrefix(lower, p); ok && r != "" && (r[0] == '+' || r[0] == '-') {
			t, lower = r, r
			break
		}
	}
	if t == "" {
		return nil, false
	}
	if t[0] == '+' || t[0] == '-' {
		d := strings.ReplaceAll(t[1:], ":", "")
		if !isDigits(d) || len(d) > 4 {
			return nil, false
		}
		var hh, mm int
		switch len(d) {
		case 1, 2:
			hh, _ = strconv.Atoi(d)
		case 3:
			hh, _ = strconv.Atoi(d[:1])
			mm, _ = strconv.Atoi(d[1:])
		case 4:
			hh, _ = strconv.Atoi(d[:2])
			mm, _ = strconv.Atoi(d[2:])
		}
		if hh > 14 || mm > 59 {
			return nil, false
		}
		off := hh*3600 + mm*60
		if t[0] == '-' {
			off = -off
		}
		if off == 0 {
			return time.UTC, true
		}
		return time.FixedZone("", off), true
	}
	if off, ok := zoneOffsets[lower]; ok {
		if off == 0 && (lower == "utc" || lower == "ut" || lower == "z" || lower == "gmt") {
			return time.UTC, true
		}
		return time.FixedZone(strings.ToUpper(t), off), true
	}
	return nil, false
}

func monthIndex(s string) int {
	if len(s) < 3 {
		return -1
	}
	switch s[:3] {
	case "jan":
		return 1
	case "feb":
		return 2
	case "mar", "mrz":
		return 3
	case "apr":
		return 4
	case "may", "mai":
		return 5
	case "jun":
		return 6
	case "jul":
		return 7
	case "aug":
		return 8
	case "sep":
		return 9
	case "oct", "okt":
		return 10
	case "nov":
		return 11
	case "dec", "dez":
		return 12
	}
	return -1
}

func isDayName(s string) bool {
	if len(s) < 3 {
		return false
	}
	switch s[:3] {
	case "mon", "tue", "wed", "thu", "fri", "sat", "sun":
		return true
	}
	return false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
