//go:build race

package worker

// raceEnabled: the race detector reserves terabytes of address space,
// which no address-space limit lets a child start with.
const raceEnabled = true
