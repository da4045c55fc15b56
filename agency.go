package esambat

import "context"

// Agency is a city agency (OPD, organisasi perangkat daerah) or a public
// utility (BUMD) that acts on reports disposed to it. Code is our own stable
// slug (e.g. "dinas-pupr"); Name and ShortName come from the reference data.
type Agency struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	ShortName string `json:"short_name"`
	// Duties lists typical complaint subjects from its tupoksi; it seeds the
	// routing suggestion.
	Duties string `json:"-"`
	// Note records how certain the reference data is about this agency.
	Note string `json:"-"`
	// Retired marks an agency the reference files no longer hold (merged
	// into another, dissolved): old reports keep its name, but nothing
	// new is forwarded to it.
	Retired bool `json:"-"`
}

// SLA classes of categories. Each maps to a completion clock in working days
// (see SLA.Completion); the defaults are 2, 5, 14 and 60.
const (
	SLAClassA = "A"
	SLAClassB = "B"
	SLAClassC = "C"
	SLAClassD = "D"
)

// Category is what a report is about. Each has a default agency (the route
// an admin will most often choose), an SLA class for its completion clock
// and an Open311 service code.
type Category struct {
	Code             string   `json:"code"`
	Name             string   `json:"name"`
	NameEN           string   `json:"-"`
	Group            string   `json:"group"`
	AgencyCode       string   `json:"-"`
	SLAClass         string   `json:"sla_class"`
	RequiresLocation bool     `json:"requires_location"`
	ServiceCode      string   `json:"-"`
	Keywords         []string `json:"-"`
	// AutoThreshold switches on automatic disposition for the category:
	// a new report whose routing suggestion is this category with at least
	// this confidence goes to the default agency at once. 0 = off.
	AutoThreshold float64 `json:"-"`
	// Retired marks a category the reference files no longer hold: old
	// reports keep it, new ones cannot choose it.
	Retired bool `json:"-"`
}

// The refusals for retired reference data (the agency's or category's
// Retired).
const (
	MsgAgencyRetired   = "Perangkat daerah ini sudah tidak aktif (digabung atau dibubarkan); pilih perangkat daerah lain."
	MsgCategoryRetired = "Kategori ini sudah tidak dipakai; pilih kategori lain."
)

// ReferenceChanges says what ReferenceStore.SyncReference changed, one
// "kind code" per row ("agency dinas-pupr", "category jalan-jembatan",
// "region 35.75.01.1001").
type ReferenceChanges struct {
	Added, Updated []string
	// Kept lists agencies and categories in the store that the files no
	// longer hold: they stay, retired, for the reports that refer to them.
	Kept []string
}

// ReferenceStore keeps the reference data: regions, agencies and categories.
type ReferenceStore interface {
	// SyncReference brings the store in line with the reference files
	// (embedded, or --refdata), at every start: it adds the regions,
	// agencies and categories the store lacks and updates the names and
	// descriptions that changed, so a renamed agency or a new category
	// in the files reaches a running city. What admins set in the app
	// stays theirs: a category's default agency and its automatic-
	// disposition threshold are only taken from the files when the
	// category is new. Nothing is deleted (reports refer to it): what
	// the files no longer hold is retired (see Agency.Retired) and listed
	// in Kept, and comes back if the files name it again.
	SyncReference(ctx context.Context, regions []Region, agencies []Agency, categories []Category) (ReferenceChanges, error)
	// ListRegions returns every region, ordered by code.
	ListRegions(ctx context.Context) ([]Region, error)
	// ListAgencies returns every agency, ordered by name.
	ListAgencies(ctx context.Context) ([]Agency, error)
	// FindAgency returns ENOTFOUND for an unknown code.
	FindAgency(ctx context.Context, code string) (Agency, error)
	// ListCategories returns every category, ordered by group and name.
	ListCategories(ctx context.Context) ([]Category, error)
	// FindCategory returns ENOTFOUND for an unknown code.
	FindCategory(ctx context.Context, code string) (Category, error)
	// SetAutoThreshold sets a category's automatic-disposition threshold
	// (0 = off); ENOTFOUND for an unknown code.
	SetAutoThreshold(ctx context.Context, code string, threshold float64) error
	// SetCategoryAgency sets the agency a category's reports go to by
	// default (the suggestion at verification, and automatic
	// disposition); ENOTFOUND for an unknown category, EINVALID naming
	// agency for an unknown agency.
	SetCategoryAgency(ctx context.Context, code, agency string) error
}
