// Package pep440 implements PEP 440 version identifiers and version
// specifiers, the way Python's packaging library does.
//
// Parse turns any spelling PEP 440 accepts into a Version, and String
// prints its canonical form:
//
//	v, err := pep440.Parse("1.0-Alpha-1")
//	fmt.Println(v) // 1.0a1
//
// Compare orders versions (1.0.dev0 < 1.0a1 < 1.0 < 1.0+local < 1.0.post1)
// and fits slices.SortFunc.
package pep440
