package ddbengine

import (
	"math/big"
	"strconv"
	"strings"
)

// decimal is an exact base-10 number in the shape big.js (and so dynalite) uses: sign,
// significant digits without leading or trailing zeros, and the exponent of the first digit.
// DynamoDB numbers carry up to 38 significant digits, beyond float64.
type decimal struct {
	neg    bool
	digits []byte // each 0..9; zero is [0]
	exp    int
}

// parseDecimal accepts what big.js accepts: -?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)? (case-insensitive).
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	i := 0
	if i < len(s) && s[i] == '-' {
		d.neg = true
		i++
	}
	var intPart, fracPart string
	st := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intPart = s[st:i]
	if i < len(s) && s[i] == '.' {
		i++
		st = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		fracPart = s[st:i]
	}
	if intPart == "" && fracPart == "" {
		return d, false
	}
	e := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		st = i
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		ds := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if ds == i {
			return d, false
		}
		n, err := strconv.Atoi(s[st:i])
		if err != nil {
			return d, false
		}
		e = n
	}
	if i != len(s) {
		return d, false
	}
	all := intPart + fracPart
	// exponent of the first digit of all (before stripping) is len(intPart)-1
	lead := 0
	for lead < len(all) && all[lead] == '0' {
		lead++
	}
	if lead == len(all) {
		return decimal{neg: d.neg, digits: []byte{0}}, true
	}
	trail := len(all)
	for all[trail-1] == '0' {
		trail--
	}
	d.digits = make([]byte, trail-lead)
	for k := lead; k < trail; k++ {
		d.digits[k-lead] = all[k] - '0'
	}
	d.exp = len(intPart) - 1 - lead + e
	return d, true
}

func (d decimal) isZero() bool { return len(d.digits) == 1 && d.digits[0] == 0 }

// String renders d without an exponent, as big.js toFixed() does ("-0" becomes "0").
func (d decimal) String() string {
	var buf [48]byte
	return string(d.appendTo(buf[:0]))
}

// appendTo appends d as String renders it.
func (d decimal) appendTo(b []byte) []byte {
	if d.isZero() {
		return append(b, '0')
	}
	if d.neg {
		b = append(b, '-')
	}
	n := len(d.digits)
	switch {
	case d.exp < 0:
		b = append(b, "0."...)
		for k := 0; k < -d.exp-1; k++ {
			b = append(b, '0')
		}
		for _, c := range d.digits {
			b = append(b, '0'+c)
		}
	case d.exp+1 >= n:
		for _, c := range d.digits {
			b = append(b, '0'+c)
		}
		for k := 0; k < d.exp+1-n; k++ {
			b = append(b, '0')
		}
	default:
		for k, c := range d.digits {
			if k == d.exp+1 {
				b = append(b, '.')
			}
			b = append(b, '0'+c)
		}
	}
	return b
}

// cmpDecimal returns -1, 0 or 1.
func cmpDecimal(a, b decimal) int {
	az, bz := a.isZero(), b.isZero()
	if az && bz {
		return 0
	}
	sa, sb := sign(a), sign(b)
	if sa != sb {
		if sa < sb {
			return -1
		}
		return 1
	}
	mag := 0
	switch {
	case a.exp != b.exp:
		if a.exp < b.exp {
			mag = -1
		} else {
			mag = 1
		}
	default:
		for k := 0; k < len(a.digits) || k < len(b.digits); k++ {
			var x, y byte
			if k < len(a.digits) {
				x = a.digits[k]
			}
			if k < len(b.digits) {
				y = b.digits[k]
			}
			if x != y {
				if x < y {
					mag = -1
				} else {
					mag = 1
				}
				break
			}
		}
	}
	return mag * sa
}

func sign(d decimal) int {
	if d.isZero() {
		return 0
	}
	if d.neg {
		return -1
	}
	return 1
}

// toBig returns the integer mantissa and scale such that d = m * 10^scale.
func (d decimal) toBig() (*big.Int, int) {
	var b strings.Builder
	for _, c := range d.digits {
		b.WriteByte('0' + c)
	}
	m, _ := new(big.Int).SetString(b.String(), 10)
	if d.neg {
		m.Neg(m)
	}
	return m, d.exp - len(d.digits) + 1
}

func fromBig(m *big.Int, scale int) decimal {
	s := m.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if s == "0" {
		return decimal{digits: []byte{0}}
	}
	d, _ := parseDecimal(s + "e" + strconv.Itoa(scale))
	d.neg = neg
	return d
}

var bigTen = big.NewInt(10)

func addDecimal(a, b decimal, subtract bool) decimal {
	ma, sa := a.toBig()
	mb, sb := b.toBig()
	if subtract {
		mb.Neg(mb)
	}
	scale := min(sa, sb)
	ma.Mul(ma, new(big.Int).Exp(bigTen, big.NewInt(int64(sa-scale)), nil))
	mb.Mul(mb, new(big.Int).Exp(bigTen, big.NewInt(int64(sb-scale)), nil))
	return fromBig(ma.Add(ma, mb), scale)
}

// numberString normalizes a valid number literal; ok is false if it is not one.
func normalizeNumber(s string) (string, bool) {
	d, ok := parseDecimal(s)
	if !ok {
		return "", false
	}
	return d.String(), true
}

// checkNumber returns DynamoDB's message for an unacceptable number, or "".
func checkNumber(s string) (decimal, string) {
	if s == "" {
		return decimal{}, "The parameter cannot be converted to a numeric value"
	}
	d, ok := parseDecimal(s)
	if !ok {
		return d, "The parameter cannot be converted to a numeric value: " + s
	}
	switch {
	case d.exp > 125:
		return d, "Number overflow. Attempting to store a number with magnitude larger than supported range"
	case d.exp < -130:
		return d, "Number underflow. Attempting to store a number with magnitude smaller than supported range"
	case len(d.digits) > 38:
		return d, "Attempting to store more than 38 significant digits in a Number"
	}
	return d, ""
}

// lexiString is dynalite's sortable encoding of a number: sign, biased exponent, digits.
func lexiString(s string) string {
	d, _ := parseDecimal(s)
	exp := 0
	if !d.isZero() {
		if d.neg {
			exp = 125 - d.exp
		} else {
			exp = 130 + d.exp
		}
	}
	var digits string
	if d.neg && !d.isZero() {
		x := d
		x.exp = 0
		x.neg = false
		ten, _ := parseDecimal("10")
		digits = strings.Replace(addDecimal(ten, x, true).String(), ".", "", 1)
	} else {
		var b strings.Builder
		for _, c := range d.digits {
			b.WriteByte('0' + c)
		}
		digits = b.String()
	}
	h := "0" + strconv.FormatInt(int64(exp), 16)
	h = h[len(h)-2:]
	sg := "1"
	if d.neg && !d.isZero() {
		sg = "0"
	}
	return sg + h + digits
}

// numberBytes is DynamoDB's binary serialization of a number, which dynalite hashes to place
// items with numeric partition keys. Ported from dynalite's numToBuffer.
func numberBytes(s string) []byte {
	d, _ := parseDecimal(s)
	if d.isZero() {
		return []byte{0x80}
	}
	neg := d.neg
	mantissa := d.digits
	exponent := d.exp + 1
	appendZero := 0
	if exponent%2 != 0 {
		appendZero = 1
	}
	lenNoExp := (len(mantissa) + appendZero + 1) / 2
	var arr []int
	if lenNoExp < 20 && neg {
		arr = make([]int, lenNoExp+2)
		arr[lenNoExp+1] = 102
	} else {
		arr = make([]int, lenNoExp+1)
	}
	arr[0] = floorDiv(exponent+appendZero, 2) - 64
	if neg {
		arr[0] = int(int32(arr[0]) ^ -1)
	}
	appended := false
	for mi := 0; mi < len(mantissa); mi++ {
		bi := floorDiv(mi+appendZero, 2) + 1
		if appendZero == 1 && mi == 0 && !appended {
			arr[bi] = 0
			appended = true
			mi--
		} else if (mi+appendZero)%2 == 0 {
			arr[bi] = int(mantissa[mi]) * 10
		} else {
			arr[bi] += int(mantissa[mi])
		}
		if (mi+appendZero)%2 != 0 || mi == len(mantissa)-1 {
			if neg {
				arr[bi] = 101 - arr[bi]
			} else {
				arr[bi]++
			}
		}
	}
	out := make([]byte, len(arr))
	for i, v := range arr {
		out[i] = byte(v & 0xff)
	}
	return out
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
