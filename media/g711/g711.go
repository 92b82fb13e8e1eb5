// Package g711 converts between 16-bit linear PCM and ITU-T G.711 μ-law
// (PCMU) and A-law (PCMA).
//
// The encoders follow the companding rules of G.711: μ-law works on the top
// 14 bits of a sample (bias 33, clip at 8159) and A-law on the top 13 bits.
// Every conversion goes through small lookup tables built once at package
// initialisation (16 KiB for μ-law, 8 KiB for A-law, 256 entries for each
// decoder), so the frame functions never allocate.
package g711

// Law names a G.711 companding law.
type Law uint8

const (
	// Ulaw is μ-law (PCMU, RTP payload type 0), used in North America and Japan.
	Ulaw Law = iota
	// Alaw is A-law (PCMA, RTP payload type 8), used in most other places.
	Alaw
)

// Silence byte for each law: the code that decodes to (almost) zero.
const (
	UlawSilence byte = 0xFF
	AlawSilence byte = 0xD5
)

// String returns "PCMU" or "PCMA", the SDP encoding names.
func (l Law) String() string {
	switch l {
	case Ulaw:
		return "PCMU"
	case Alaw:
		return "PCMA"
	}
	return "unknown"
}

// Silence returns the code for digital silence in this law.
func (l Law) Silence() byte {
	if l == Alaw {
		return AlawSilence
	}
	return UlawSilence
}

// Encode companding src into dst with this law; it returns the number of
// samples encoded, min(len(dst), len(src)).
func (l Law) Encode(dst []byte, src []int16) int {
	if l == Alaw {
		return EncodeAlaw(dst, src)
	}
	return EncodeUlaw(dst, src)
}

// Decode expands src into dst with this law; it returns the number of samples
// decoded, min(len(dst), len(src)).
func (l Law) Decode(dst []int16, src []byte) int {
	if l == Alaw {
		return DecodeAlaw(dst, src)
	}
	return DecodeUlaw(dst, src)
}

var (
	ulawEnc [1 << 14]byte // indexed by uint16(sample) >> 2
	alawEnc [1 << 13]byte // indexed by uint16(sample) >> 3
	ulawDec [256]int16
	alawDec [256]int16
)

func init() {
	for i := range ulawEnc {
		// The index is the top 14 bits of the sample as an unsigned value;
		// shifting it back into place gives the sample's 14-bit signed value.
		ulawEnc[i] = ulawEncode14(int32(int16(uint16(i)<<2) >> 2))
	}
	for i := range alawEnc {
		alawEnc[i] = alawEncode13(int32(int16(uint16(i)<<3) >> 3))
	}
	for i := 0; i < 256; i++ {
		ulawDec[i] = ulawDecode(byte(i))
		alawDec[i] = alawDecode(byte(i))
	}
}

// ulawEncode14 encodes a 14-bit signed sample (−8192..8191).
func ulawEncode14(v int32) byte {
	mask := byte(0xFF)
	if v < 0 {
		// One's complement, as the ITU-T G.191 reference: −1..−4 map to
		// magnitude 0, keeping the quantiser symmetric around zero.
		v = -v - 1
		mask = 0x7F
	}
	if v > 8159 {
		v = 8159
	}
	v += 33 // bias: makes segment boundaries powers of two
	// Segment = position of the highest set bit above bit 5 (v is 33..8192).
	seg := 0
	for t := v >> 6; t != 0; t >>= 1 {
		seg++
	}
	if seg > 7 { // only v == 8192, the clipped maximum
		return 0x7F ^ mask
	}
	mant := (v >> (uint(seg) + 1)) & 0x0F
	return (byte(seg<<4) | byte(mant)) ^ mask
}

func ulawDecode(u byte) int16 {
	u = ^u
	seg := (u >> 4) & 0x07
	mant := int32(u & 0x0F)
	// Reconstruct at the middle of the quantisation interval (in 16-bit
	// units: bias 132 = 33·4).
	t := ((mant << 3) + 0x84) << seg
	t -= 0x84
	if u&0x80 != 0 {
		return int16(-t)
	}
	return int16(t)
}

// alawEncode13 encodes a 13-bit signed sample (−4096..4095).
func alawEncode13(v int32) byte {
	mask := byte(0xD5) // sign bit set for positive values, even bits inverted
	if v < 0 {
		mask = 0x55
		v = -v - 1
	}
	if v > 0xFFF {
		v = 0xFFF
	}
	seg := 0
	for t := v >> 5; t != 0; t >>= 1 {
		seg++
	}
	var mant int32
	if seg < 2 {
		mant = (v >> 1) & 0x0F
	} else {
		mant = (v >> uint(seg)) & 0x0F
	}
	return (byte(seg<<4) | byte(mant)) ^ mask
}

func alawDecode(a byte) int16 {
	a ^= 0x55
	seg := (a >> 4) & 0x07
	t := int32(a&0x0F) << 4
	switch seg {
	case 0:
		t += 8
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// LinearToUlaw encodes one sample as μ-law.
func LinearToUlaw(s int16) byte { return ulawEnc[uint16(s)>>2] }

// UlawToLinear decodes one μ-law byte.
func UlawToLinear(u byte) int16 { return ulawDec[u] }

// LinearToAlaw encodes one sample as A-law.
func LinearToAlaw(s int16) byte { return alawEnc[uint16(s)>>3] }

// AlawToLinear decodes one A-law byte.
func AlawToLinear(a byte) int16 { return alawDec[a] }

// EncodeUlaw encodes src into dst as μ-law and returns the number of samples
// written, min(len(dst), len(src)). It does not allocate.
func EncodeUlaw(dst []byte, src []int16) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, s := range src {
		dst[i] = ulawEnc[uint16(s)>>2]
	}
	return n
}

// DecodeUlaw decodes μ-law src into dst and returns the number of samples
// written, min(len(dst), len(src)). It does not allocate.
func DecodeUlaw(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, b := range src {
		dst[i] = ulawDec[b]
	}
	return n
}

// EncodeAlaw encodes src into dst as A-law and returns the number of samples
// written, min(len(dst), len(src)). It does not allocate.
func EncodeAlaw(dst []byte, src []int16) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, s := range src {
		dst[i] = alawEnc[uint16(s)>>3]
	}
	return n
}

// DecodeAlaw decodes A-law src into dst and returns the number of samples
// written, min(len(dst), len(src)). It does not allocate.
func DecodeAlaw(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, b := range src {
		dst[i] = alawDec[b]
	}
	return n
}
