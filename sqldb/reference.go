package sqldb

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/esambat/esambat"
)

var _ esambat.ReferenceStore = (*DB)(nil)

// SyncReference brings the store's regions, agencies and categories in
// line with the reference files; see esambat.ReferenceStore. It runs at
// every start, so it writes only what differs, and two instances starting
// together on PostgreSQL both succeed (an insert the other made first is
// skipped).
func (db *DB) SyncReference(ctx context.Context, regions []esambat.Region, agencies []esambat.Agency, categories []esambat.Category) (esambat.ReferenceChanges, error) {
	var ch esambat.ReferenceChanges
	defer db.categories.invalidate()
	err := db.Writer.Write(ctx, func(tx Tx) error {
		ch = esambat.ReferenceChanges{} // the writer may run this again
		if err := db.syncRegions(ctx, tx, regions, &ch); err != nil {
			return err
		}
		if err := db.syncAgencies(ctx, tx, agencies, &ch); err != nil {
			return err
		}
		return db.syncCategories(ctx, tx, categories, &ch)
	})
	sort.Strings(ch.Kept)
	return ch, db.err(err)
}

// scanAll runs query in tx and scans each row with scan.
func scanAll(ctx context.Context, tx Tx, query string, scan func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (db *DB) syncRegions(ctx context.Context, tx Tx, regions []esambat.Region, ch *esambat.ReferenceChanges) error {
	have := map[string]esambat.Region{}
	if err := scanAll(ctx, tx, `SELECT code, name, level, parent FROM regions`, func(rows *sql.Rows) error {
		var r esambat.Region
		err := rows.Scan(&r.Code, &r.Name, &r.Level, &r.Parent)
		have[r.Code] = r
		return err
	}); err != nil {
		return err
	}
	for _, r := range regions {
		old, ok := have[r.Code]
		switch {
		case !ok:
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO regions (code, name, level, parent) VALUES (?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`), r.Code, r.Name, r.Level, r.Parent); err != nil {
				return err
			}
			ch.Added = append(ch.Added, "region "+r.Code)
		case old != r:
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE regions SET name = ?, level = ?, parent = ? WHERE code = ?`), r.Name, r.Level, r.Parent, r.Code); err != nil {
				return err
			}
			ch.Updated = append(ch.Updated, "region "+r.Code)
		}
	}
	return nil
}

func (db *DB) syncAgencies(ctx context.Context, tx Tx, agencies []esambat.Agency, ch *esambat.ReferenceChanges) error {
	have := map[string]esambat.Agency{}
	if err := scanAll(ctx, tx, `SELECT `+agencyCols+` FROM agencies`, func(rows *sql.Rows) error {
		a, err := scanAgency(rows)
		have[a.Code] = a
		return err
	}); err != nil {
		return err
	}
	for _, a := range agencies {
		old, ok := have[a.Code]
		delete(have, a.Code)
		switch {
		case !ok:
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO agencies (code, name, short_name, duties, note) VALUES (?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`),
				a.Code, a.Name, a.ShortName, a.Duties, a.Note); err != nil {
				return err
			}
			ch.Added = append(ch.Added, "agency "+a.Code)
		case old != a:
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE agencies SET name = ?, short_name = ?, duties = ?, note = ?, retired = 0 WHERE code = ?`),
				a.Name, a.ShortName, a.Duties, a.Note, a.Code); err != nil {
				return err
			}
			ch.Updated = append(ch.Updated, "agency "+a.Code)
		}
	}
	// In code order: two instances starting together on PostgreSQL lock
	// the rows in the same order, and so never deadlock.
	for _, code := range slices.Sorted(maps.Keys(have)) {
		if !have[code].Retired {
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE agencies SET retired = 1 WHERE code = ?`), code); err != nil {
				return err
			}
		}
		ch.Kept = append(ch.Kept, "agency "+code)
	}
	return nil
}

// syncCategories adds new categories and updates what the files own of
// the others; the default agency and the automatic-disposition threshold
// are the admins' (/admin/kategori) once the category exists.
func (db *DB) syncCategories(ctx context.Context, tx Tx, categories []esambat.Category, ch *esambat.ReferenceChanges) error {
	have := map[string]esambat.Category{}
	if err := scanAll(ctx, tx, `SELECT `+categoryCols+` FROM categories`, func(rows *sql.Rows) error {
		c, err := scanCategory(rows)
		have[c.Code] = c
		return err
	}); err != nil {
		return err
	}
	for _, c := range categories {
		old, ok := have[c.Code]
		delete(have, c.Code)
		kw := strings.Join(c.Keywords, ";")
		switch {
		case !ok:
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO categories (code, name, name_en, grp, agency_code, sla_class, requires_location, service_code, keywords) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`),
				c.Code, c.Name, c.NameEN, c.Group, c.AgencyCode, c.SLAClass, boolInt(c.RequiresLocation), c.ServiceCode, kw); err != nil {
				return err
			}
			ch.Added = append(ch.Added, "category "+c.Code)
		case old.Name != c.Name || old.NameEN != c.NameEN || old.Group != c.Group || old.SLAClass != c.SLAClass ||
			old.RequiresLocation != c.RequiresLocation || old.ServiceCode != c.ServiceCode || strings.Join(old.Keywords, ";") != kw || old.Retired:
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE categories SET name = ?, name_en = ?, grp = ?, sla_class = ?, requires_location = ?, service_code = ?, keywords = ?, retired = 0 WHERE code = ?`),
				c.Name, c.NameEN, c.Group, c.SLAClass, boolInt(c.RequiresLocation), c.ServiceCode, kw, c.Code); err != nil {
				return err
			}
			ch.Updated = append(ch.Updated, "category "+c.Code)
		}
	}
	for _, code := range slices.Sorted(maps.Keys(have)) { // see syncAgencies
		if !have[code].Retired {
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE categories SET retired = 1 WHERE code = ?`), code); err != nil {
				return err
			}
		}
		ch.Kept = append(ch.Kept, "category "+code)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ListRegions returns every region ordered by code.
func (db *DB) ListRegions(ctx context.Context) ([]esambat.Region, error) {
	rows, err := db.Read.QueryContext(ctx, `SELECT code, name, level, parent FROM regions ORDER BY code`)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []esambat.Region
	for rows.Next() {
		var r esambat.Region
		if err := rows.Scan(&r.Code, &r.Name, &r.Level, &r.Parent); err != nil {
			return nil, db.err(err)
		}
		out = append(out, r)
	}
	return out, db.err(rows.Err())
}

// ListAgencies returns every agency ordered by name.
func (db *DB) ListAgencies(ctx context.Context) ([]esambat.Agency, error) {
	rows, err := db.Read.QueryContext(ctx, `SELECT `+agencyCols+` FROM agencies ORDER BY name`)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []esambat.Agency
	for rows.Next() {
		a, err := scanAgency(rows)
		if err != nil {
			return nil, db.err(err)
		}
		out = append(out, a)
	}
	return out, db.err(rows.Err())
}

// FindAgency returns ENOTFOUND for an unknown code.
func (db *DB) FindAgency(ctx context.Context, code string) (esambat.Agency, error) {
	a, err := scanAgency(db.readQueryRow(ctx, db.q(`SELECT `+agencyCols+` FROM agencies WHERE code = ?`), code))
	if err == sql.ErrNoRows {
		return a, esambat.Errorf(esambat.ENOTFOUND, "Perangkat daerah %q tidak dikenal.", code)
	}
	return a, db.err(err)
}

const agencyCols = `code, name, short_name, duties, note, retired`

func scanAgency(s interface{ Scan(...any) error }) (esambat.Agency, error) {
	var a esambat.Agency
	var retired int
	err := s.Scan(&a.Code, &a.Name, &a.ShortName, &a.Duties, &a.Note, &retired)
	a.Retired = retired != 0
	return a, err
}

const categoryCols = `code, name, name_en, grp, agency_code, sla_class, requires_location, service_code, keywords, auto_threshold, retired`

func scanCategory(s interface{ Scan(...any) error }) (esambat.Category, error) {
	var c esambat.Category
	var req, retired int
	var kw string
	err := s.Scan(&c.Code, &c.Name, &c.NameEN, &c.Group, &c.AgencyCode, &c.SLAClass, &req, &c.ServiceCode, &kw, &c.AutoThreshold, &retired)
	c.RequiresLocation, c.Retired = req != 0, retired != 0
	if kw != "" {
		c.Keywords = strings.Split(kw, ";")
	}
	return c, err
}

// ListCategories returns every category ordered by group and name.
func (db *DB) ListCategories(ctx context.Context) ([]esambat.Category, error) {
	rows, err := db.Read.QueryContext(ctx, `SELECT `+categoryCols+` FROM categories ORDER BY grp, name`)
	if err != nil {
		return nil, db.err(err)
	}
	defer rows.Close()
	var out []esambat.Category
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, db.err(err)
		}
		out = append(out, c)
	}
	return out, db.err(rows.Err())
}

// categoryTTL bounds how stale the category cache may be: another
// instance's change of an automatic-disposition threshold (the only
// category setting that changes at run time) reaches this one within it.
// This instance's own changes clear the cache at once.
const categoryTTL = 10 * time.Second

// categoryCache keeps every category by code: FindCategory runs at every
// submission, and the twenty rows change almost never.
type categoryCache struct {
	mu     sync.Mutex
	byCode map[string]esambat.Category
	at     time.Time
}

func (c *categoryCache) invalidate() {
	c.mu.Lock()
	c.byCode = nil
	c.mu.Unlock()
}

// FindCategory returns ENOTFOUND for an unknown code.
func (db *DB) FindCategory(ctx context.Context, code string) (esambat.Category, error) {
	c := &db.categories
	c.mu.Lock()
	fresh := c.byCode != nil && time.Since(c.at) < categoryTTL
	cat, ok := c.byCode[code]
	c.mu.Unlock()
	if !fresh {
		all, err := db.ListCategories(ctx)
		if err != nil {
			return esambat.Category{}, err
		}
		m := make(map[string]esambat.Category, len(all))
		for _, x := range all {
			m[x.Code] = x
		}
		c.mu.Lock()
		c.byCode, c.at = m, time.Now()
		c.mu.Unlock()
		cat, ok = m[code]
	}
	if !ok {
		return cat, esambat.Errorf(esambat.ENOTFOUND, "Kategori %q tidak dikenal.", code)
	}
	return cat, nil
}

// SetAutoThreshold sets a category's automatic-disposition threshold.
func (db *DB) SetAutoThreshold(ctx context.Context, code string, threshold float64) error {
	if threshold < 0 || threshold > 1 || threshold != threshold {
		return esambat.FieldError("threshold", "Ambang keyakinan harus antara 0 dan 1.")
	}
	defer db.categories.invalidate()
	return db.err(db.Writer.Write(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE categories SET auto_threshold = ? WHERE code = ?`), threshold, code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return esambat.Errorf(esambat.ENOTFOUND, "Kategori %q tidak dikenal.", code)
		}
		return nil
	}))
}

// SetCategoryAgency sets the agency a category's reports go to by
// default; see esambat.ReferenceStore.
func (db *DB) SetCategoryAgency(ctx context.Context, code, agency string) error {
	defer db.categories.invalidate()
	return db.err(db.Writer.Write(ctx, func(tx Tx) error {
		var retired int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT retired FROM agencies WHERE code = ?`), agency).Scan(&retired); err == sql.ErrNoRows {
			return esambat.FieldError("agency", "Perangkat daerah itu tidak dikenal.")
		} else if err != nil {
			return err
		} else if retired != 0 {
			return esambat.FieldError("agency", esambat.MsgAgencyRetired)
		}
		res, err := tx.ExecContext(ctx, db.q(`UPDATE categories SET agency_code = ? WHERE code = ?`), agency, code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return esambat.Errorf(esambat.ENOTFOUND, "Kategori %q tidak dikenal.", code)
		}
		return nil
	}))
}
