package ingest

import "os"

// SetOpen replaces how input files are opened, so tests can make reading
// fail.
func (ing *Ingester) SetOpen(open func(string) (*os.File, error)) { ing.open = open }
