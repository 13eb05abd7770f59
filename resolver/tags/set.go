package tags

// Set is an ordered set of supported tags with their preference: a
// tag's rank is its position in the list it was built from, 0 being the
// most preferred, and the first position wins for a tag listed twice.
// A Set is immutable once built and safe for concurrent use.
type Set struct {
	tags []Tag
	rank map[Tag]int
}

// NewSet builds a Set from tags in preference order, typically the result
// of Supported or SupportedFor.
func NewSet(tags []Tag) *Set {
	s := &Set{rank: make(map[Tag]int, len(tags))}
	for _, t := range tags {
		t = t.lower()
		if _, dup := s.rank[t]; dup {
			continue
		}
		s.rank[t] = len(s.tags)
		s.tags = append(s.tags, t)
	}
	return s
}

// Tags returns the set's tags, most preferred first, without duplicates.
// The caller must not modify the slice.
func (s *Set) Tags() []Tag { return s.tags }

// Len returns the number of distinct tags in the set.
func (s *Set) Len() int { return len(s.tags) }

// Rank returns t's preference (0 is best) and whether the set contains
// it at all. Tags compare case-insensitively, as packaging's do.
func (s *Set) Rank(t Tag) (int, bool) {
	r, ok := s.rank[t]
	if !ok {
		r, ok = s.rank[t.lower()]
	}
	return r, ok
}

// Best returns the best rank among tags, the tags of one wheel, and
// whether any of them is supported: pip's Wheel.support_index_min, by
// which pip prefers one compatible wheel over another.
func (s *Set) Best(tags []Tag) (rank int, ok bool) {
	for _, t := range tags {
		if r, found := s.Rank(t); found && (!ok || r < rank) {
			rank, ok = r, true
		}
	}
	return rank, ok
}

// Compatible reports whether the wheel w can be installed on the target
// the set describes: whether any of its tags is in the set (pip's
// Wheel.supported).
func (s *Set) Compatible(w WheelName) bool {
	_, ok := s.Best(w.Tags)
	return ok
}
