package media

import (
	"bytes"
	"encoding/binary"
)

// The EXIF Orientation tag says how the camera held the sensor: the pixels
// are stored as the sensor read them and the viewer is expected to rotate or
// mirror them. Because Process re-encodes without metadata, it must apply
// the rotation itself or a portrait phone photo would come out lying on its
// side.
//
// Values, as in the TIFF/EXIF specification (row 0 / column 0 of the stored
// image are the visual ...):
//
//	1 top/left (upright)       5 left/top     (transpose)
//	2 top/right (mirror)       6 right/top    (rotate 90° clockwise)
//	3 bottom/right (180°)      7 right/bottom (transverse)
//	4 bottom/left (flip)       8 left/bottom  (rotate 90° counter-clockwise)
const tagOrientation = 0x0112

// orientation returns the EXIF orientation (1-8) recorded in data, which is
// a whole file of the given format. Anything missing, malformed or out of
// range yields 1: a bad tag must never make an otherwise good photo fail.
func orientation(format string, data []byte) int {
	var tiff []byte
	switch format {
	case "jpeg":
		tiff = jpegExif(data)
	case "webp":
		tiff = webpExif(data)
	case "png":
		tiff = pngExif(data)
	}
	return tiffOrientation(tiff)
}

// jpegExif returns the TIFF structure inside the first APP1 "Exif" segment of
// a JPEG file, or nil. It walks the marker segments up to the start of scan;
// every length is checked against the data before use.
func jpegExif(data []byte) []byte {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil
	}
	p := 2
	for p+4 <= len(data) {
		if data[p] != 0xFF {
			return nil
		}
		marker := data[p+1]
		switch {
		case marker == 0xFF: // fill byte before a marker
			p++
			continue
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
			p += 2 // TEM and RSTn carry no length
			continue
		case marker == 0xDA || marker == 0xD9: // start of scan, end of image
			return nil
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return nil
		}
		seg := data[p+4 : p+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return seg[6:]
		}
		p += 2 + n
	}
	return nil
}

// webpExif returns the payload of the EXIF chunk of an extended WebP file, or
// nil. Some writers prefix the TIFF structure with "Exif\0\0" as in JPEG;
// both forms are accepted.
func webpExif(data []byte) []byte {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil
	}
	p := 12
	for p+8 <= len(data) {
		id := string(data[p : p+4])
		n := binary.LittleEndian.Uint32(data[p+4:])
		if uint64(n) > uint64(len(data)-p-8) {
			return nil
		}
		body := data[p+8 : p+8+int(n)]
		if id == "EXIF" {
			return bytes.TrimPrefix(body, []byte("Exif\x00\x00"))
		}
		p += 8 + int(n) + int(n&1) // chunks are padded to an even size
	}
	return nil
}

// pngExif returns the payload of the eXIf chunk of a PNG file, or nil.
// Browsers honour its orientation, so Process does too.
func pngExif(data []byte) []byte {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(data) < len(sig) || string(data[:len(sig)]) != sig {
		return nil
	}
	p := len(sig)
	for p+8 <= len(data) {
		n := binary.BigEndian.Uint32(data[p:])
		id := string(data[p+4 : p+8])
		if uint64(n)+4 > uint64(len(data)-p-8) { // data and CRC must fit
			return nil
		}
		switch id {
		case "eXIf":
			return data[p+8 : p+8+int(n)]
		case "IDAT", "IEND": // eXIf must come before the image data
			return nil
		}
		p += 8 + int(n) + 4
	}
	return nil
}

// tiffOrientation reads the Orientation tag from IFD0 of a TIFF structure
// (the body of an EXIF block). It returns 1 when the tag is absent or the
// structure is malformed.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	ifd := uint64(bo.Uint32(t[4:]))
	if ifd+2 > uint64(len(t)) {
		return 1
	}
	n := uint64(bo.Uint16(t[ifd:]))
	for i := uint64(0); i < n; i++ {
		e := ifd + 2 + 12*i
		if e+12 > uint64(len(t)) {
			return 1
		}
		if bo.Uint16(t[e:]) != tagOrientation {
			continue
		}
		typ, count := bo.Uint16(t[e+2:]), bo.Uint32(t[e+4:])
		if count < 1 {
			return 1
		}
		var v uint32
		switch typ {
		case 3: // SHORT, left-aligned in the value field
			v = uint32(bo.Uint16(t[e+8:]))
		case 4: // LONG; not what the standard says, but some writers use it
			v = bo.Uint32(t[e+8:])
		default:
			return 1
		}
		if v < 1 || v > 8 {
			return 1
		}
		return int(v)
	}
	return 1
}
