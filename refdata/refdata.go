// Package refdata embeds the reference data E-Sambat ships with for Kota
// Pasuruan (wilayah codes, boundary GeoJSON, agencies, categories, national
// holidays; see data/SOURCES.md) and loads it into domain types.
//
// Another city replaces any file by putting one with the same name in a
// directory named by configuration (--refdata); files it does not replace
// come from the embedded set.
package refdata

import (
	"context"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/esambat/esambat"
)

//go:embed data
var embedded embed.FS

// File names inside a reference data directory.
const (
	FileWilayahKota     = "wilayah_kota_pasuruan.csv"
	FileWilayahKab      = "wilayah_kab_pasuruan.csv"
	FileWilayahKabDesa  = "wilayah_kab_pasuruan_desa.csv"
	FileKelurahanGeo    = "kota_pasuruan_kelurahan.geojson"
	FileNeighbourGeo    = "kab_pasuruan_kecamatan.geojson"
	FileAgencies        = "opd_kota_pasuruan.csv"
	FileAgencyCodes     = "agency_codes.csv"
	FileCategories      = "categories.csv"
	FileHolidays        = "libur_nasional.csv"
	CityCode            = "35.75" // Kota Pasuruan
	NeighbourRegionCode = "35.14" // Kabupaten Pasuruan
)

// Set is a reference data source: the embedded files, overlaid by a
// directory when one is configured.
type Set struct {
	dir string
}

// New returns the reference data set. dir may be empty (embedded data only).
func New(dir string) (*Set, error) {
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("refdata: %w", err)
		} else if !st.IsDir() {
			return nil, fmt.Errorf("refdata: %s is not a directory", dir)
		}
	}
	return &Set{dir: dir}, nil
}

// Open opens the named file from the override directory if it has it, else
// from the embedded data.
func (s *Set) Open(name string) (io.ReadCloser, error) {
	if s.dir != "" {
		f, err := os.Open(filepath.Join(s.dir, name))
		if err == nil {
			return f, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("refdata: %w", err)
		}
	}
	return embedded.Open("data/" + name)
}

// ReadFile returns the whole named file.
func (s *Set) ReadFile(name string) ([]byte, error) {
	f, err := s.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// readCSV reads a CSV file with a header row and returns records as maps
// from column name to value.
func (s *Set) readCSV(name string, required ...string) ([]map[string]string, error) {
	f, err := s.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("refdata: %s: %w", name, err)
	} else if len(rows) == 0 {
		return nil, fmt.Errorf("refdata: %s: empty file", name)
	}
	header := rows[0]
	for _, col := range required {
		found := false
		for _, h := range header {
			found = found || strings.TrimSpace(h) == col
		}
		if !found {
			return nil, fmt.Errorf("refdata: %s: missing column %q", name, col)
		}
	}
	var out []map[string]string
	for i, row := range rows[1:] {
		if len(row) != len(header) {
			return nil, fmt.Errorf("refdata: %s line %d: %d fields, want %d", name, i+2, len(row), len(header))
		}
		m := make(map[string]string, len(header))
		for j, h := range header {
			m[strings.TrimSpace(h)] = strings.TrimSpace(row[j])
		}
		out = append(out, m)
	}
	return out, nil
}

// Regions returns the wilayah rows of the city and its neighbour.
func (s *Set) Regions() ([]esambat.Region, error) {
	var out []esambat.Region
	seen := map[string]bool{}
	for _, name := range []string{FileWilayahKota, FileWilayahKab, FileWilayahKabDesa} {
		rows, err := s.readCSV(name, "code", "name", "level", "parent_code")
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if seen[r["code"]] {
				continue
			}
			seen[r["code"]] = true
			out = append(out, esambat.Region{Code: r["code"], Name: r["name"], Level: r["level"], Parent: r["parent_code"]})
		}
	}
	return out, nil
}

// Wilayah returns the regions indexed.
func (s *Set) Wilayah() (*esambat.Wilayah, error) {
	regions, err := s.Regions()
	if err != nil {
		return nil, err
	}
	return esambat.NewWilayah(regions), nil
}

// Holidays returns the national holidays and cuti bersama of
// libur_nasional.csv, for the working-day calendar (esambat.NewCalendar).
func (s *Set) Holidays() ([]esambat.Holiday, error) {
	f, err := s.Open(FileHolidays)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return esambat.ParseHolidays(f)
}

// Agencies returns the city's agencies. Codes come from agency_codes.csv,
// which maps each abbreviation (singkatan) of the source table to our slug;
// a row without a code is an error so that nothing is silently dropped.
func (s *Set) Agencies() ([]esambat.Agency, error) {
	codes, err := s.readCSV(FileAgencyCodes, "code", "singkatan")
	if err != nil {
		return nil, err
	}
	codeOf := map[string]string{}
	for _, c := range codes {
		codeOf[c["singkatan"]] = c["code"]
	}
	rows, err := s.readCSV(FileAgencies, "nama", "singkatan", "contoh_urusan_aduan", "status")
	if err != nil {
		return nil, err
	}
	var out []esambat.Agency
	for _, r := range rows {
		code, ok := codeOf[r["singkatan"]]
		if !ok {
			return nil, fmt.Errorf("refdata: agency %q (%s) has no code in %s", r["nama"], r["singkatan"], FileAgencyCodes)
		}
		short := r["singkatan"]
		if i := strings.IndexAny(short, "(/"); i > 0 {
			short = strings.TrimSpace(short[:i])
		}
		if short == "?" {
			short = ""
		}
		out = append(out, esambat.Agency{Code: code, Name: r["nama"], ShortName: short, Duties: r["contoh_urusan_aduan"], Note: r["status"]})
	}
	return out, nil
}

// Categories returns the category set.
func (s *Set) Categories() ([]esambat.Category, error) {
	rows, err := s.readCSV(FileCategories, "code", "name", "group", "agency", "sla_class", "requires_location", "service_code", "keywords")
	if err != nil {
		return nil, err
	}
	var out []esambat.Category
	for _, r := range rows {
		c := esambat.Category{
			Code: r["code"], Name: r["name"], NameEN: r["name_en"], Group: r["group"],
			AgencyCode: r["agency"], SLAClass: r["sla_class"],
			RequiresLocation: r["requires_location"] == "1" || r["requires_location"] == "true",
			ServiceCode:      r["service_code"],
		}
		for _, k := range strings.Split(r["keywords"], ";") {
			if k = strings.TrimSpace(k); k != "" {
				c.Keywords = append(c.Keywords, k)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// Syncer is a store that takes reference data (sqldb.DB).
type Syncer interface {
	SyncReference(ctx context.Context, regions []esambat.Region, agencies []esambat.Agency, categories []esambat.Category) (esambat.ReferenceChanges, error)
}

// Sync brings s's regions, agencies and categories into the store (see
// esambat.ReferenceStore.SyncReference) and returns what changed.
func (s *Set) Sync(ctx context.Context, into Syncer) (esambat.ReferenceChanges, error) {
	regions, err := s.Regions()
	if err != nil {
		return esambat.ReferenceChanges{}, err
	}
	agencies, cats, err := s.AgenciesAndCategories()
	if err != nil {
		return esambat.ReferenceChanges{}, err
	}
	return into.SyncReference(ctx, regions, agencies, cats)
}

// AgenciesAndCategories returns both lists, for Sync and for tests that
// change them.
func (s *Set) AgenciesAndCategories() ([]esambat.Agency, []esambat.Category, error) {
	agencies, err := s.Agencies()
	if err != nil {
		return nil, nil, err
	}
	cats, err := s.Categories()
	return agencies, cats, err
}
