package email

import "testing"

func TestFourDigitTwoDigitYear(t *testing.T) {
	m, err := Parse([]byte("Date: Thu, 18 Oct 0001 09:12:00 -0700 (PDT)\nSubject: x\n\nbody\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Date.Year() != 2001 || m.Date.Month() != 10 || m.Date.Day() != 18 {
		t.Errorf("date %v, want 2001-10-18", m.Date)
	}
	if m.DateRaw != "Thu, 18 Oct 0001 09:12:00 -0700 (PDT)" {
		t.Errorf("raw date %q not kept", m.DateRaw)
	}
	if len(m.Problems) == 0 {
		t.Error("the reinterpretation is not reported as a problem")
	}
}
