package people

import "strings"

// NormalizePhone reads a phone number as a person would type it ("01 42 92
// 81 00", "+33 (0)1 42-92-81-00") in region (DefaultRegion if empty) and
// returns it in E.164, the form [Entities] and watchlists store, and
// whether it is a valid number.
func NormalizePhone(s, region string) (string, bool) {
	if region == "" {
		region = DefaultRegion
	}
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')' || r == '/':
		default:
			return "", false
		}
	}
	return parsePhone(b.String(), region)
}
