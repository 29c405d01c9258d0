package web

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsroom/dossier/internal/dkim"
)

// authView is the authenticity panel of an email page.
type authView struct {
	// Checked is false when the message has no report yet.
	Checked    bool
	Verdict    string
	Label      string
	Explain    string
	Class      string // CSS modifier: good, weak, bad, neutral
	AsOf       *time.Time
	FromDomain string
	Sigs       []sigView
	ARC        *arcView
	// Unsigned, when set, shows the body with the part no signature
	// covers marked.
	Unsigned *unsignedBody
}

type sigView struct {
	Domain, Selector, Algorithm, Canon, Identity string
	Key                                          string // "rsa 2048 bits"
	Result, ResultClass                          string
	Reason, Detail                               string
	Weak                                         []weakView
	SignedHeaders                                string
	UnsignedHeaders, RepeatedHeaders             string
	BodyLength                                   *int64
	UnsignedBodyBytes                            int64
	Timestamp, Expires                           *time.Time
	Expired, Aligned                             bool
	KeySource, KeyFingerprint                    string
}

type weakView struct{ Code, Text string }

type arcView struct {
	Result, Reason string
	Instances      int
	Sets           []dkim.ARCSet
}

// unsignedBody is a message body split where signature coverage ends.
type unsignedBody struct {
	Covered string // text covered by a signature (possibly elided in the middle)
	Elided  int    // bytes of the covered part not shown
	Tail    string // not covered by any signature
	Bytes   int64  // unsigned bytes as the verifier counted them
}

// verdictText is each verdict's label and what it does and does not prove.
var verdictText = map[dkim.Verdict][3]string{
	dkim.Verified: {"Verified", "good",
		"A DKIM signature from the sender's own domain checks out with no known weakness: the signed headers and body are exactly what that domain's mail server sent. It does not prove who typed the message, nor that what it says is true."},
	dkim.VerifiedWeak: {"Verified, with weaknesses", "weak",
		"A DKIM signature checks out, but with a weakness listed below (a short or old key, SHA-1, part of the body left unsigned, unsigned headers, or a signing domain other than the sender's). It is weaker evidence: read the details."},
	dkim.Failed: {"Failed", "bad",
		"Signatures are present but none checks out: the message was changed after it was signed, or the signature is not genuine. Mail systems often alter messages harmlessly (footers, re-encoding), so this alone does not prove forgery."},
	dkim.Unverifiable: {"Unverifiable", "neutral",
		"Signatures are present but none could be checked (no archived key for the signer, an unsupported algorithm, or a malformed signature). Nothing is proven either way."},
	dkim.Unsigned: {"Unsigned", "neutral",
		"The message carries no DKIM signature, as is common for older mail and for mail that never left one organisation. Nothing is proven either way."},
}

// weakText explains each weakness code.
var weakText = map[string]string{
	dkim.WeakSHA1:            "signed with SHA-1, which is broken for collisions",
	dkim.WeakKeyUnder1024:    "the key is shorter than 1024 bits: it can be factored today, so a pass proves little",
	dkim.WeakKeyUnder2048:    "the key is shorter than 2048 bits",
	dkim.WeakBodyLength:      "the signature covers only the first part of the body (l= tag); text after it could have been added by anyone",
	dkim.WeakTestingKey:      "the key is marked as a testing key (t=y)",
	dkim.WeakUnsignedHeader:  "a visible header is not covered by the signature",
	dkim.WeakRepeatedHeader:  "a visible header appears more than once; a reader may see the unsigned copy",
	dkim.WeakExpired:         "the signature had expired (x=) at the time of checking; it still verifies",
	dkim.WeakNotAligned:      "the signing domain is not the From address's domain",
	dkim.WeakKeySourceTested: "the key comes from a source whose authenticity is not established",
	"timestamp-in-future":    "the signing time (t=) is after the time of checking: the signer's clock, or the date the message claims, deserves doubt",
}

func resultClass(r dkim.Result) string {
	switch r {
	case dkim.Pass:
		return "good"
	case dkim.Fail:
		return "bad"
	}
	return "neutral"
}

// newAuthView builds the panel from a report (nil: not verified yet). raw
// is the message's original bytes, used to show an unsigned body tail; it
// may be nil.
func newAuthView(rep *dkim.Report, raw []byte) *authView {
	if rep == nil {
		return &authView{Label: "Not verified yet", Class: "neutral",
			Explain: "This message's signatures have not been checked yet. The original can be downloaded and checked independently."}
	}
	v := &authView{Checked: true, Verdict: string(rep.Verdict), FromDomain: neutral(rep.FromDomain)}
	if !rep.AsOf.IsZero() {
		t := rep.AsOf
		v.AsOf = &t
	}
	if t, ok := verdictText[rep.Verdict]; ok {
		v.Label, v.Class, v.Explain = t[0], t[1], t[2]
	} else {
		v.Label, v.Class, v.Explain = neutral(string(rep.Verdict)), "neutral", "An unknown verdict; see the signatures below."
	}
	for _, sg := range rep.Signatures {
		sv := sigView{Domain: neutral(sg.Domain), Selector: neutral(sg.Selector), Algorithm: neutral(sg.Algorithm),
			Canon: neutral(sg.Canon), Identity: neutral(sg.Identity), Result: string(sg.Result), ResultClass: resultClass(sg.Result),
			Reason: neutral(string(sg.Reason)), Detail: neutral(sg.Detail),
			SignedHeaders:   neutral(strings.Join(sg.SignedHeaders, ", ")),
			UnsignedHeaders: neutral(strings.Join(sg.UnsignedHeaders, ", ")), RepeatedHeaders: neutral(strings.Join(sg.RepeatedHeaders, ", ")),
			BodyLength: sg.BodyLength, UnsignedBodyBytes: sg.UnsignedBodyBytes, Timestamp: sg.Timestamp, Expires: sg.Expires,
			Expired: sg.Expired, Aligned: sg.Aligned, KeySource: neutral(sg.KeySource), KeyFingerprint: neutral(sg.KeyFingerprint)}
		if sg.KeyType != "" || sg.KeyBits > 0 {
			sv.Key = strings.TrimSpace(neutral(sg.KeyType) + " " + bitsStr(sg.KeyBits))
		}
		for _, w := range sg.Weak {
			t := weakText[w]
			if t == "" {
				t = "see the verifier's documentation"
			}
			sv.Weak = append(sv.Weak, weakView{Code: neutral(w), Text: t})
		}
		v.Sigs = append(v.Sigs, sv)
	}
	if a := rep.ARC; a != nil && a.Result != "" && a.Result != "none" {
		av := &arcView{Result: neutral(a.Result), Reason: neutral(a.Reason), Instances: a.Instances}
		for _, s := range a.Sets {
			s.Domain, s.Selector, s.CV, s.Reason = neutral(s.Domain), neutral(s.Selector), neutral(s.CV), dkim.Reason(neutral(string(s.Reason)))
			av.Sets = append(av.Sets, s)
		}
		v.ARC = av
	}
	if n := unsignedBytes(rep); n > 0 && raw != nil {
		v.Unsigned = splitUnsigned(messageBody(raw), n)
	}
	return v
}

func bitsStr(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n) + " bits"
}

// unsignedBytes is how many bytes at the end of the canonicalised body no
// signature covers: the least any passing signature leaves unsigned (any
// signature, when none passes). A signature without l= covers the whole
// body.
func unsignedBytes(rep *dkim.Report) int64 {
	var considered []dkim.Signature
	for _, s := range rep.Signatures {
		if s.Result == dkim.Pass {
			considered = append(considered, s)
		}
	}
	if len(considered) == 0 {
		considered = rep.Signatures
	}
	least := int64(-1)
	for _, s := range considered {
		n := int64(0)
		if s.BodyLength != nil {
			n = s.UnsignedBodyBytes
		}
		if least < 0 || n < least {
			least = n
		}
	}
	return max(least, 0)
}

// messageBody returns the body of a raw message: what follows the first
// empty line.
func messageBody(raw []byte) []byte {
	crlf := bytes.Index(raw, []byte("\r\n\r\n"))
	lf := bytes.Index(raw, []byte("\n\n"))
	switch {
	case crlf >= 0 && (lf < 0 || crlf < lf):
		return raw[crlf+4:]
	case lf >= 0:
		return raw[lf+2:]
	}
	return nil
}

// Display bounds of the unsigned-body view.
const (
	maxCoveredShown = 64 << 10
	maxTailShown    = 256 << 10
)

// splitUnsigned splits body where the last n canonical bytes begin.
//
// This is an approximation: the verifier counts bytes of the body after
// canonicalisation (CRLF line ends; with "relaxed", runs of white space
// collapsed and trailing white space dropped; trailing empty lines
// removed), and the body is shown here as stored. The split walks back
// from the end of the stored body, ignoring trailing empty lines and
// counting a bare LF as the two bytes of CRLF, which is exact for "simple"
// canonicalisation and close for "relaxed".
func splitUnsigned(body []byte, n int64) *unsignedBody {
	end := len(body)
	for end > 0 && (body[end-1] == '\n' || body[end-1] == '\r') {
		end--
	}
	if end < len(body) {
		// keep the last line's end: canonical bodies end with CRLF
		if end+1 < len(body) && body[end] == '\r' && body[end+1] == '\n' {
			end += 2
		} else {
			end++
		}
	}
	i := end
	var counted int64
	for i > 0 && counted < n {
		i--
		counted++
		if body[i] == '\n' && (i == 0 || body[i-1] != '\r') {
			counted++ // a bare LF canonicalises to CRLF
		}
	}
	// do not split a UTF-8 sequence
	for i > 0 && i < len(body) && !utf8.RuneStart(body[i]) {
		i--
	}
	covered, tail := body[:i], body[i:]
	u := &unsignedBody{Bytes: n}
	if len(tail) > maxTailShown {
		tail = tail[:maxTailShown]
	}
	u.Tail = neutralText(string(tail))
	if len(covered) > maxCoveredShown {
		head, last := covered[:maxCoveredShown/2], covered[len(covered)-maxCoveredShown/2:]
		u.Elided = len(covered) - len(head) - len(last)
		u.Covered = neutralText(string(head)) + "\n…\n" + neutralText(string(last))
	} else {
		u.Covered = neutralText(string(covered))
	}
	return u
}
