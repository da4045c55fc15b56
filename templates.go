package esambat

import (
	"context"
	"time"
)

// ResponseTemplate is a ready answer an agency reuses (e.g. "Lubang akan
// ditambal dalam jadwal pemeliharaan rutin minggu ini"). CategoryCode ""
// fits every category.
type ResponseTemplate struct {
	ID           int64
	AgencyCode   string
	CategoryCode string
	Title        string
	Body         string
	CreatedAt    time.Time
}

// TemplateStore keeps response templates.
type TemplateStore interface {
	// CreateTemplate stores t and sets its ID.
	CreateTemplate(ctx context.Context, t *ResponseTemplate) error
	// ListTemplates returns the agency's templates for the category and
	// those for any category; category "" returns all of the agency's.
	ListTemplates(ctx context.Context, agency, category string) ([]ResponseTemplate, error)
	// DeleteTemplate removes one of the agency's templates; ENOTFOUND if
	// the agency has no such template.
	DeleteTemplate(ctx context.Context, agency string, id int64) error
}

// SaveTemplate validates and stores a template for the actor's agency.
// Only petugas (for their own agency) and admins may; EINVALID names bad
// fields.
func (s *Service) SaveTemplate(ctx context.Context, actor Actor, t ResponseTemplate) (*ResponseTemplate, error) {
	switch {
	case actor.Role == RolePetugas:
		t.AgencyCode = actor.AgencyCode
	case actor.Role == RoleAdmin:
	default:
		return nil, Errorf(EFORBIDDEN, "Hanya petugas dan admin yang dapat menyimpan templat.")
	}
	var v Validation
	t.Title = cleanText(&v, "title", t.Title, 3, 100, "Judul templat")
	t.Body = cleanText(&v, "body", t.Body, 10, MaxDescription, "Isi templat")
	if _, err := s.Reference.FindAgency(ctx, t.AgencyCode); err != nil {
		v.Add("agency", "Perangkat daerah tidak dikenal.")
	}
	if t.CategoryCode != "" {
		if _, err := s.Reference.FindCategory(ctx, t.CategoryCode); err != nil {
			v.Add("category", "Kategori tidak dikenal.")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	t.CreatedAt = s.now()
	if err := s.Templates.CreateTemplate(ctx, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
