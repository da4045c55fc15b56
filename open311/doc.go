// Package open311 serves E-Sambat as an Open311 GeoReport v2 endpoint
// under /open311/v2/, so that civic apps written for other cities (and
// FixMyStreet-style clients) can list services, submit reports and follow
// them. It is an adapter: every rule (validation, jurisdiction, clocks,
// who may see what) is the domain's, reached through esambat.Service.
//
// # Routing and formats
//
// GeoReport paths end in ".{format}" (services.xml, requests/ES-26-000123.json),
// which net/http.ServeMux patterns cannot split, so Handler parses the
// path itself: the last segment is cut at its last dot. XML (required by
// the specification) and JSON are served, with the content types
// "text/xml; charset=utf-8" and "application/json; charset=utf-8"; XML
// starts with the declaration and has no namespace. Each response is
// built once as a tree and encoded in either format, so both carry the
// same fields in the same order; absent values are null in JSON and empty
// elements in XML. An unknown format is a 404 with the error list in XML.
// jurisdiction_id is accepted and ignored: the endpoint serves one city.
//
// Errors use the specification's list ({code, description}, several at
// once for several bad parameters) and its statuses: 403 for a missing,
// unknown or revoked api_key (or one without the reports:write scope),
// 404 for what does not exist (unknown path, format, service_code, ticket,
// token), 400 for everything else — including our own failures, which the
// specification calls a "General Service error" (they are logged in
// full). Only a wrong HTTP method gets 405 with Allow, a transport-level
// answer the specification does not cover. Descriptions are in Bahasa
// Indonesia and start with the Open311 parameter they concern.
//
// # Services
//
// Each category with a service code (101..119, 199) is a service:
// service_name is its name, description says what it covers, where it
// goes and whether a point is required, keywords and group come from the
// reference data, type is realtime. metadata is false for all of them:
// no category asks extra questions yet. When one does, its questions
// become the service definition's attributes and metadata turns true. The
// definition of a known metadata=false service is an empty definition
// (the specification needs the call only for metadata=true services and
// keeps 404 for unknown codes), so a client that asks anyway learns there
// is nothing to fill in.
//
// # Status mapping
//
// Open311 knows only open and closed:
//
//	open    diajukan, dikembalikan, didisposisi, diproses
//	closed  selesai, ditutup, ditolak, duplikat
//
// selesai is closed: the agency has finished the work, and what remains
// (the reporter's confirmation, or the automatic close after the reply
// window) does not involve the city; a dispute reopens the report and
// clients see it turn open again. status_notes carries the richer state
// in plain Indonesian (the web's status label) followed by the latest
// public timeline text, e.g. "Sedang ditangani. Diterima perangkat
// daerah. Rencana: …". updated_datetime of a closed request is the time
// it entered its closed status; expected_datetime is the running clock's
// due time (report.DueAt) while open, null when closed.
//
// # What GET shows
//
// The list (GET requests) holds published reports only — verified
// publik and anonim reports, never rahasia — newest first, at most 1000
// and by default those of the last 90 days (the specification's "90 days
// or 1000 requests, whichever is smaller"); there is no paging. start_date
// and end_date are W3C datetimes with a time zone; given one, the other
// defaults to 90 days away; a wider range is a 400. service_code and
// status may be repeated or comma separated. service_request_id overrides
// every other argument, as the specification says.
//
// A ticket asked for by id (GET requests/{id}, or service_request_id) is
// shown as anonymous visitors see it on the site: a published report in
// full, a report not yet verified as a status-only record (ticket,
// status, status_notes, service, agency, dates; description, address,
// point and photo are null until verification), a rahasia one not at all
// (404, or left out of the list). service_code is kept in the status-only
// record because the schema requires it; the category says nothing about
// the reporter. No response ever carries the reporter, the person
// reported for, or anything the partner app sent about the resident.
//
// Fields: service_request_id is the ticket (ES-26-000123);
// agency_responsible is the agency the report is disposed to; address goes
// from what the reporter typed to the kelurahan, kecamatan, city and
// province derived from the point; lat and long are numbers; media_url is
// the reporter's first photo on the site (the agency's evidence photo when
// the reporter sent none); service_notice points to the report's page.
// address_id and zipcode are always null.
//
// # POST requests
//
// The body is application/x-www-form-urlencoded, or multipart/form-data
// with photos in the "media" field (or "media[]"). api_key is required
// (form field; the X-API-Key header also works). The location is lat and
// long, or address_string alone for the categories that are not
// place-bound; address_id is refused with a 400 when it is the only
// location (E-Sambat has no address register) and otherwise kept as a
// note. A point outside the city is a 400 whose description carries the
// referral message and URL. description is required (10..4000
// characters); the domain's required title is attribute[title] when a
// client sends one (FixMyStreet does), otherwise the description's first
// sentence cut at a word boundary to 80 characters.
//
// first_name, last_name and phone name the resident the partner reports
// for; they are stored as the report's "atas nama" person (relationship
// "melalui aplikasi mitra", the phone normalised to E.164 and notified of
// progress), which only the city's staff with full access see. email is
// not stored (the atas-nama record has no email, and notifications go to
// the phone); device_id and account_id are ignored, and account_id is
// answered null.
//
// media_url is never fetched: the server would be made to download any
// URL a client names (a server-side request forgery risk), and the file
// would bypass the photo pipeline that strips location metadata and
// normalises images before anything is published. Nor is it shown:
// it is kept, with any attribute[CODE] values (no category
// defines attributes, so none are rejected: FixMyStreet clients send
// their own, such as attribute[fixmystreet_id]) and a secondary
// address_id, as an internal note on the report — staff only, no
// notification, in the hash-chained history — and the service_notice
// says so. Photos for the report belong in multipart "media", which goes
// through the same pipeline as the web form (Handler.StorePhotos).
//
// An Idempotency-Key header is honoured per API key: a retry returns the
// first report's ticket (with Idempotent-Replayed: true). The answer is
// realtime: 200 with [{"service_request_id", "service_notice",
// "account_id": null}], never a token.
//
// # GET servicerequestupdates
//
// FixMyStreet's extension for a client that sends reports here and
// follows them (its GetServiceRequestUpdates): each step of a report
// after its submission, as a request_update with update_id (the event's
// id), service_request_id, status (open or closed after the step),
// updated_datetime, description, media_url (the agency's evidence photo
// on the update that uploaded it, null otherwise) and
// external_status_code (E-Sambat's own status after the step, such as
// diproses or selesai, for clients that map statuses of their own).
// The window is start_date..end_date, both included, W3C datetimes as for
// GET requests, at most 90 days; without dates it is the last 24 hours,
// and a missing one is 24 hours from the other. The updates come oldest
// first (by time, then update_id), at most 1000: a client with more asks
// again from the last updated_datetime it got, and may see that one
// again.
//
// They show what the site shows anonymous visitors: nothing of a rahasia
// report, no internal note, and before verification (a report rejected
// or merged before it was published) only the new status, its label as
// description, never what the admin wrote. The submission itself is no
// update (the client made it). The store reads them through a partial
// index that leaves submissions out, so intake does not write it.
//
// # Tokens
//
// Every service is realtime, so no token is ever issued; GET
// tokens/{token} answers 404 saying so.
package open311
