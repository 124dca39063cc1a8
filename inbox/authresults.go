package inbox

// This file reads the Authentication-Results field (RFC 8601). It is
// read by hand: github.com/emersion/go-msgauth/authres, the one Go
// parser of it, splits results at every semicolon and properties at
// every space, inside quoted strings and comments too, and lets a
// property given twice replace the first; a sender who controls what the
// server quotes (an envelope address with spaces in it) could then write
// a result of their own into the server's field.

import "strings"

// result is one method's result in an Authentication-Results field:
// "spf=pass smtp.mailfrom=mario@example.it".
type result struct {
	method, value string // in lower case: "spf", "pass"
	// props are its properties ("smtp.mailfrom", "header.d", "reason"):
	// keys in lower case, values as written, unquoted.
	props map[string]string
}

// parseResults reads an Authentication-Results field: the authserv-id of
// the server that wrote it and its results. ok is false when the field
// is not one by RFC 8601 section 2.2: no authserv-id first (Microsoft
// 365 writes none), a version other than 1, a result without
// "method=value" (both named), a property without "=", one property given twice in a
// result, or an unterminated quoted string or comment.
func parseResults(v string) (id string, results []result, ok bool) {
	parts, ok := tokenize(v)
	if !ok || len(parts) == 0 || len(parts[0]) == 0 || parts[0][0].eq >= 0 {
		return "", nil, false
	}
	head := parts[0]
	id = head[0].text
	if len(head) > 2 || len(head) == 2 && head[1].text != "1" {
		return id, nil, false
	}
	for _, p := range parts[1:] {
		switch {
		case len(p) == 0:
			continue
		case len(p) == 1 && strings.EqualFold(p[0].text, "none"):
			continue // no method was applied
		case p[0].eq <= 0:
			return id, nil, false
		}
		method, _, _ := strings.Cut(strings.ToLower(p[0].text[:p[0].eq]), "/") // "dkim/1": a method's version
		r := result{method: method, value: strings.ToLower(p[0].text[p[0].eq+1:]), props: map[string]string{}}
		if r.method == "" || r.value == "" {
			return id, nil, false
		}
		for _, t := range p[1:] {
			if t.eq <= 0 {
				return id, nil, false
			}
			k := strings.ToLower(t.text[:t.eq])
			if _, twice := r.props[k]; twice {
				return id, nil, false
			}
			r.props[k] = t.text[t.eq+1:]
		}
		results = append(results, r)
	}
	return id, results, true
}

// token is a word of an Authentication-Results field, its quoted parts
// unquoted; eq is the index of its first '=' outside quotes, or -1.
type token struct {
	text string
	eq   int
}

// tokenize splits an Authentication-Results field into its parts (at
// semicolons) and their words (at spaces), leaving out comments and
// keeping quoted strings whole (RFC 5322 section 3.2: a quoted string or
// a comment may hold any of them); ok is false when a quoted string or a
// comment does not end.
func tokenize(v string) (parts [][]token, ok bool) {
	var part []token
	var cur strings.Builder
	eq, word := -1, false
	quoted, depth := false, 0
	end := func() {
		if word {
			part = append(part, token{cur.String(), eq})
		}
		cur.Reset()
		eq, word = -1, false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case depth > 0: // in a comment, which may nest
			switch c {
			case '\\':
				i++
			case '(':
				depth++
			case ')':
				depth--
			}
		case quoted:
			switch c {
			case '\\':
				if i+1 < len(v) {
					i++
					cur.WriteByte(v[i])
				}
			case '"':
				quoted = false
			default:
				cur.WriteByte(c)
			}
		case c == '"':
			quoted, word = true, true
		case c == '(':
			end()
			depth = 1
		case c == ';':
			end()
			parts = append(parts, part)
			part = nil
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			end()
		default:
			if c == '=' && eq < 0 {
				eq = cur.Len()
			}
			cur.WriteByte(c)
			word = true
		}
	}
	if quoted || depth > 0 {
		return nil, false
	}
	end()
	return append(parts, part), true
}
