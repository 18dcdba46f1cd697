package sensitive

import "strings"

// card finds a payment card number starting at s[i]: 13 to 19 digits, in
// groups split by single spaces or dashes, with a known issuer prefix and a
// valid Luhn check digit.
func card(s string, i int) (int, bool) {
	var d [19]byte
	n, j, end := 0, i, i
	for j < len(s) {
		c := s[j]
		if c >= '0' && c <= '9' {
			if n == 19 {
				return 0, false // longer than any card number
			}
			d[n] = c
			n++
			j++
			end = j
			continue
		}
		if (c == ' ' || c == '-') && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9' && j > i {
			j++
			continue
		}
		break
	}
	if n < 13 || (end < len(s) && (alnum(s[end]) || s[end] == '.' && end+1 < len(s) && s[end+1] >= '0' && s[end+1] <= '9')) {
		return 0, false
	}
	digits := string(d[:n])
	if brand(digits) == "" || !luhn(digits) {
		return 0, false
	}
	return end, true
}

func luhn(d string) bool {
	sum := 0
	for k := 0; k < len(d); k++ {
		x := int(d[len(d)-1-k] - '0')
		if k%2 == 1 {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
	}
	return sum%10 == 0
}

// brand names the card network of an issuer prefix, "" if none.
func brand(d string) string {
	p := func(n int) int {
		v := 0
		for k := 0; k < n && k < len(d); k++ {
			v = v*10 + int(d[k]-'0')
		}
		return v
	}
	l := len(d)
	switch {
	case d[0] == '4' && (l == 13 || l == 16 || l == 19):
		return "Visa"
	case (p(2) >= 51 && p(2) <= 55 || p(4) >= 2221 && p(4) <= 2720) && l == 16:
		return "Mastercard"
	case (p(2) == 34 || p(2) == 37) && l == 15:
		return "Amex"
	case (p(4) == 6011 || p(2) == 65 || p(3) >= 644 && p(3) <= 649) && l >= 16:
		return "Discover"
	case p(4) >= 3528 && p(4) <= 3589 && l >= 16:
		return "JCB"
	case (p(3) >= 300 && p(3) <= 305 || p(2) == 36 || p(2) == 38) && l >= 14:
		return "Diners"
	case p(2) == 62 && l >= 16:
		return "UnionPay"
	case (p(2) == 50 || p(2) >= 56 && p(2) <= 69) && l >= 12:
		return "Maestro"
	}
	return ""
}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func compact(s string) string { return strings.ReplaceAll(s, " ", "") }

// ibanLength is the length of an IBAN per country (ISO 13616 registry).
var ibanLength = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
	"BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
	"ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
	"HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
	"LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
	"MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
	"RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

// iban finds an IBAN starting at s[i], compact or in groups of four, with a
// valid mod-97 checksum.
func iban(s string, i int) (int, bool) {
	if s[i+1] < 'A' || s[i+1] > 'Z' || s[i+2] < '0' || s[i+2] > '9' || s[i+3] < '0' || s[i+3] > '9' {
		return 0, false
	}
	want, ok := ibanLength[s[i:i+2]]
	if !ok {
		return 0, false
	}
	var b [34]byte
	n, j := 0, i
	for j < len(s) && n < want {
		c := s[j]
		switch {
		case c >= '0' && c <= '9' || c >= 'A' && c <= 'Z':
			b[n] = c
			n++
			j++
		case c == ' ' && n%4 == 0 && n > 0 && j+1 < len(s) && s[j+1] != ' ':
			j++
		default:
			return 0, false
		}
	}
	if n != want || (j < len(s) && alnum(s[j])) {
		return 0, false
	}
	// Move the first four characters to the end, letters to numbers, mod 97.
	r := 0
	for k := 0; k < n; k++ {
		c := b[(k+4)%n]
		if c >= 'A' {
			v := int(c-'A') + 10
			r = (r*100 + v) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	return j, r == 1
}
