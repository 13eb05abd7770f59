package pythontest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// VerifyRecords checks every distribution in the site-packages folder
// site as an installed environment must be: every RECORD row names an
// existing file, with that sha256 and size when the row has them (pip
// lists RECORD itself and byte-code without), no file of site is in two
// RECORDs, and every file under site is in some RECORD (virtualenv's own
// _virtualenv.pth and _virtualenv.py aside). It reports at most ten
// problems, then how many more there are.
func VerifyRecords(site string) error {
	listed := map[string]bool{}
	records, _ := filepath.Glob(filepath.Join(site, "*.dist-info", "RECORD"))
	var errs []error
	for _, rec := range records {
		data, err := os.ReadFile(rec)
		if err != nil {
			return err
		}
		rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			return fmt.Errorf("%s: %w", rec, err)
		}
		for _, row := range rows {
			if len(row) != 3 {
				errs = append(errs, fmt.Errorf("%s: row %q", rec, row))
				continue
			}
			p := filepath.Clean(filepath.Join(site, filepath.FromSlash(row[0])))
			if listed[p] && !strings.HasPrefix(row[0], "../") {
				errs = append(errs, fmt.Errorf("%s: %s is in two RECORDs", rec, row[0]))
			}
			listed[p] = true
			if row[1] == "" && row[2] == "" {
				if _, err := os.Stat(p); err != nil {
					errs = append(errs, fmt.Errorf("%s lists %s: %w", rec, row[0], err))
				}
				continue
			}
			f, err := os.Open(p)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s lists %s: %w", rec, row[0], err))
				continue
			}
			h := sha256.New()
			size, err := io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
			sum := "sha256=" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
			if row[1] != sum || row[2] != strconv.FormatInt(size, 10) {
				errs = append(errs, fmt.Errorf("%s: %s is %s,%d; RECORD says %s,%s", rec, row[0], sum, size, row[1], row[2]))
			}
		}
	}
	var unlisted []string
	filepath.WalkDir(site, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !listed[p] && !strings.HasSuffix(p, "_virtualenv.pth") && !strings.HasSuffix(p, "_virtualenv.py") {
			unlisted = append(unlisted, p)
		}
		return nil
	})
	sort.Strings(unlisted)
	for _, p := range unlisted {
		errs = append(errs, fmt.Errorf("%s is in no RECORD", p))
	}
	if len(errs) > 10 {
		errs = append(errs[:10], fmt.Errorf("… %d more", len(errs)-10))
	}
	return errors.Join(errs...)
}
