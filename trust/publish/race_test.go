//go:build race

package publish

// raceEnabled: the race detector slows the big tests down ~10x; they
// shrink under it.
const raceEnabled = true
