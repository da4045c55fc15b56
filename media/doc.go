// Package media is the photo pipeline: it turns a photo a resident attaches
// to a report, or an agency attaches as evidence of its work, into safe,
// small, upright JPEGs, and stores them by content.
//
// # Why the metadata goes
//
// Phone cameras write the GPS position into every photo. A resident who
// photographs the blocked drain in front of their house and uploads the
// original file publishes where they live, next to a complaint about a
// neighbour or an official. Stripping EXIF tags one by one is fragile (XMP,
// maker notes, ICC comments and thumbnails carry copies), so Process does not
// edit metadata at all: it decodes the pixels, applies the EXIF orientation
// so that the photo is upright, and encodes new JPEGs from the pixels alone.
// Nothing from the original file reaches the output except the picture.
//
// # Why dimensions are checked before decoding
//
// A PNG of a few hundred bytes can declare 100000×100000 pixels; decoding it
// would allocate 40 GB. Process reads only the header first and refuses
// anything over Limits.MaxPixels or Limits.MaxSide, so the memory one upload
// can take is bounded before any pixel buffer exists. The format is sniffed
// from the bytes: a file name or Content-Type says nothing about what a file
// is, and only JPEG, PNG and WebP decoders are ever run.
//
// # Why content addressing
//
// Each rendition is stored under the SHA-256 of its bytes. The same photo
// uploaded twice (a resident retrying on a bad connection) is stored once;
// a stored object never changes, so it can be served with an immutable cache
// header; and a key of 64 hex digits cannot name a path outside the store.
// DirStore writes through a temporary file, fsync and rename, so a photo whose
// upload was acknowledged survives a power cut, which in Pasuruan is not
// hypothetical. S3Store keeps the same keys in an S3-compatible object store,
// so that several instances on PostgreSQL share the photos; content keys make
// its PUT idempotent, so a retried upload needs no check first.
package media
