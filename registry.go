package esambat

import (
	"context"
	"regexp"
)

// A NIK's digits say where it was first issued, not whether it was issued
// at all, to whom, or where its holder lives now: only the civil registry
// (Dispendukcapil, through the population data service the ministry lets
// local governments use) knows that, from the family card (KK). DESIGN
// asks for it as a pluggable verifier with the offline rules as the
// default, so sign-up asks a NIKVerifier when the city has one
// (AuthService.Registry) and the digits alone decide otherwise
// (OfflineRegistry).
//
// What the registry's answer changes at sign-up:
//   - a NIK it does not know, or a name that does not match the NIK, is
//     refused, with one message for both, so that the form does not tell
//     which NIKs exist;
//   - the domicile on record decides whether the account is a resident's
//     at once: someone who moved into the city with a NIK issued
//     elsewhere no longer waits for an admin, and someone who moved out
//     with a 35.75 NIK does;
//   - when the registry cannot be reached, the offline rules decide, as if
//     the city had none: sign-up does not stop because another office's
//     service is down, and an account whose NIK was issued elsewhere still
//     waits for an admin.

// RegistryAnswer is what the civil registry says about a NIK and a name.
type RegistryAnswer struct {
	// Found is true when the registry knows the NIK.
	Found bool
	// NameMatches is true when the name on record matches the one given
	// (how strictly is the registry's call).
	NameMatches bool
	// KabKota is the dotted kab/kota code of the holder's domicile on
	// record (e.g. "35.75"); "" when the registry does not say.
	KabKota string
}

// NIKVerifier asks the civil registry about a NIK at sign-up. It must
// never log or return the NIK's digits in an error.
type NIKVerifier interface {
	VerifyNIK(ctx context.Context, nik NIK, name string) (RegistryAnswer, error)
}

// OfflineRegistry is the default NIKVerifier: it knows only what the
// digits say (ParseNIK checked them), so every well-formed NIK is
// found, every name matches, and the domicile is where the NIK was
// issued.
type OfflineRegistry struct{}

// VerifyNIK answers from the NIK's digits.
func (OfflineRegistry) VerifyNIK(_ context.Context, nik NIK, _ string) (RegistryAnswer, error) {
	return RegistryAnswer{Found: true, NameMatches: true, KabKota: nik.KabKota}, nil
}

// kabKotaRe is a dotted kab/kota code.
var kabKotaRe = regexp.MustCompile(`^\d{2}\.\d{2}$`)

// errRegistryRefused is the one answer for a NIK the registry does not
// know and for a name that does not match it.
var errRegistryRefused = FieldError("nik", "NIK dan nama ini tidak cocok dengan data kependudukan (Dispendukcapil). Periksa angka NIK dan tulis nama lengkap seperti di KTP; bila sudah benar, datang ke loket Diskominfotik dengan KTP.")

// checkRegistry asks the registry (the offline rules without one) about
// nik and name, and returns whether the holder lives in the city.
// Errors: EINVALID naming nik when the registry does not know the NIK or
// the name does not match it. A registry that cannot answer is not an
// error: the offline rules decide (see above), and the verifier reports
// its failure itself.
func (s *Service) checkRegistry(ctx context.Context, nik NIK, name string) (inCity bool, err error) {
	offline, _ := OfflineRegistry{}.VerifyNIK(ctx, nik, name)
	ans := offline
	if s.Auth.Registry != nil {
		if got, err := s.Auth.Registry.VerifyNIK(ctx, nik, name); err == nil {
			ans = got
		}
	}
	if !ans.Found || !ans.NameMatches {
		return false, errRegistryRefused
	}
	if !kabKotaRe.MatchString(ans.KabKota) {
		ans.KabKota = offline.KabKota // not said, or not a code: the digits'
	}
	return ans.KabKota == s.CityCode, nil
}

// HasRegistry reports whether sign-up asks a civil registry
// (AuthService.Registry), and so whether CheckDomicile can.
func (s *Service) HasRegistry() bool { return s.Auth.Registry != nil }

// CheckDomicile asks the civil registry where resident userID lives, for
// an admin looking at an account whose domicile waits (the NIK was issued
// elsewhere, or the registry did not answer at sign-up). A record in the
// city confirms the domicile, as VerifyDomicile does, the registry named
// in the account's history; any other answer leaves it waiting and says
// what the registry said, for the admin to ask the resident.
//
// Errors: ENOTFOUND for an account that is not a resident's; ECONFLICT
// with the registry's answer when it does not place the holder in the
// city, when the city has no registry, or for a closed account;
// EUNAVAILABLE when the registry does not answer.
func (s *Service) CheckDomicile(ctx context.Context, a *Actor, userID int64) (*User, error) {
	u, err := s.managedAccount(ctx, a, userID)
	if err != nil {
		return nil, err
	}
	switch {
	case u.Role != RoleWarga:
		return nil, Errorf(ENOTFOUND, "Akun warga tidak ditemukan.")
	case u.Closed() || len(u.NIKSealed) == 0:
		return nil, errClosed
	case s.Auth.Registry == nil:
		return nil, Errorf(ECONFLICT, "E-Sambat ini tidak terhubung ke data kependudukan (--nik-registry-url). Periksa domisili dengan KTP atau surat keterangan pindah.")
	case u.DomicileVerified:
		return u, nil
	}
	digits, err := s.Auth.Sealer.Open(u.NIKSealed)
	if err != nil {
		return nil, Internal(err)
	}
	// The NIK was valid when stored; the region tables may have changed
	// since, so only its structure is read again.
	nik, err := ParseNIK(string(digits), nil, s.now().In(WIB))
	if err != nil {
		return nil, Internal(err)
	}
	ans, err := s.Auth.Registry.VerifyNIK(ctx, nik, u.Name)
	switch {
	case err != nil:
		return nil, Errorf(EUNAVAILABLE, "Data kependudukan tidak menjawab. Coba lagi sebentar lagi, atau periksa domisili dengan KTP.")
	case !ans.Found:
		return nil, Errorf(ECONFLICT, "Data kependudukan tidak mengenal NIK akun ini. Domisilinya tetap menunggu: minta warga datang dengan KTP.")
	case !ans.NameMatches:
		return nil, Errorf(ECONFLICT, "Data kependudukan mengenal NIK ini, tetapi dengan nama lain. Domisilinya tetap menunggu: periksa KTP warga, lalu perbaiki nama akunnya bila perlu.")
	case ans.KabKota != s.CityCode:
		where := "di luar Kota Pasuruan"
		if kabKotaRe.MatchString(ans.KabKota) {
			where += " (kode wilayah " + ans.KabKota + ")"
		}
		return nil, Errorf(ECONFLICT, "Menurut data kependudukan, pemilik NIK ini berdomisili %s. Domisilinya tetap menunggu.", where)
	}
	u.DomicileVerified = true
	if err := s.saveAccountDetail(ctx, a, u, AccountDomicileVerified, "menurut data kependudukan (Dispendukcapil)", false); err != nil {
		return nil, err
	}
	return u, nil
}

// DomicileTally counts what CheckDomiciles found.
type DomicileTally struct {
	Checked, Confirmed, Waiting int
}

// CheckDomiciles asks the civil registry about every resident whose
// domicile waits, oldest account first, as CheckDomicile does for one:
// for a city that connects its registry after residents have signed up
// without it. fn, when not nil, hears of each account and what happened
// (nil: confirmed; else the registry's answer). It stops at the first
// EUNAVAILABLE (the registry is down: asking the rest would only fail
// too) and returns it with the tally so far.
func (s *Service) CheckDomiciles(ctx context.Context, a *Actor, fn func(u *User, err error)) (DomicileTally, error) {
	var t DomicileTally
	if s.Auth.Registry == nil {
		if err := mayManageUsers(a); err != nil {
			return t, err
		}
		return t, Errorf(ECONFLICT, "E-Sambat ini tidak terhubung ke data kependudukan (--nik-registry-url).")
	}
	err := s.eachResident(ctx, a, UserFilter{PendingDomicile: true}, func(u *User) error {
		_, err := s.CheckDomicile(ctx, a, u.ID)
		if code := ErrorCode(err); code == EUNAVAILABLE || code == EINTERNAL {
			return err
		}
		t.Checked++
		if err == nil {
			t.Confirmed++
		} else {
			t.Waiting++
		}
		if fn != nil {
			fn(u, err)
		}
		return nil
	})
	return t, err
}
