package sqlfts

import "github.com/newsroom/dossier/internal/people"

// PhoneRegion is the region whose national format phone: values are read
// in ("01 42 92 81 00" in France); numbers with a + prefix need none.
var PhoneRegion = people.DefaultRegion

// foldKey folds a person: value the way watch keys are folded (package
// people), so that "LE PEN", "le pen" and "Lé Pen" find one entity.
func foldKey(v string) string { return people.Fold(v) }

// normPhone returns a phone: value in E.164, the form entities are stored
// in, and whether it is a valid number.
func normPhone(v string) (string, bool) { return people.NormalizePhone(v, PhoneRegion) }
