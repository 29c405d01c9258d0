package disk

// ForceRename makes s write through named temporary files, the fallback
// for file systems without O_TMPFILE, so the suite covers both paths.
func (s *Store) ForceRename() { s.noTmpfile = true }
