package acssign

import (
	"net/url"
	"testing"
)

// The worked example of Alibaba Cloud's V3 signature guide.
func TestSignatureV3PublishedExample(t *testing.T) {
	headers := map[string]string{
		"host":                  "ecs.cn-shanghai.aliyuncs.com",
		"x-acs-action":          "RunInstances",
		"x-acs-version":         "2014-05-26",
		"x-acs-date":            "2023-10-26T10:22:32Z",
		"x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
		"x-acs-content-sha256":  EmptyBodyHash,
	}
	query := url.Values{
		"ImageId":  {"win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"},
		"RegionId": {"cn-shanghai"},
	}
	signed := SignedHeaderNames(headers)
	if got, want := joinSemi(signed), "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"; got != want {
		t.Fatalf("signed headers = %q, want %q", got, want)
	}
	if got := HashHex(nil); got != EmptyBodyHash {
		t.Fatalf("empty body hash = %s", got)
	}
	cr := CanonicalRequestV3("POST", "/", query, headers, signed, EmptyBodyHash)
	got := SignatureV3("YourAccessKeySecret", StringToSignV3(cr))
	const want = "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
	if got != want {
		t.Fatalf("signature = %s, want %s\ncanonical request:\n%s", got, want, cr)
	}
	auth := AuthorizationV3("YourAccessKeyId", signed, got)
	id, s, sig, ok := ParseAuthorizationV3(auth)
	if !ok || id != "YourAccessKeyId" || joinSemi(s) != joinSemi(signed) || sig != want {
		t.Fatalf("ParseAuthorizationV3(%q) = %q %q %q %v", auth, id, s, sig, ok)
	}
}

func joinSemi(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ";"
		}
		out += v
	}
	return out
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"a b":    "a%20b",
		"*":      "%2A",
		"~-_.":   "~-_.",
		"10_3":   "10_3",
		"a+b=c&": "a%2Bb%3Dc%26",
		"é":      "%C3%A9",
		"/":      "%2F",
	} {
		if got := PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCanonicalQuerySortsFlattenedLists(t *testing.T) {
	q := url.Values{"JobIds.2": {"10_3"}, "JobIds.1": {"5"}, "ClusterId": {"ehpc-hz-FYUr32****"}}
	const want = "ClusterId=ehpc-hz-FYUr32%2A%2A%2A%2A&JobIds.1=5&JobIds.2=10_3"
	if got := CanonicalQuery(q); got != want {
		t.Fatalf("CanonicalQuery = %q, want %q", got, want)
	}
}

// The worked example of the legacy RPC (V2) signature guide: ECS
// DescribeRegions signed with secret "testsecret".
func TestSignatureV2PublishedExample(t *testing.T) {
	q := url.Values{
		"Action":           {"DescribeRegions"},
		"Format":           {"XML"},
		"Version":          {"2014-05-26"},
		"AccessKeyId":      {"testid"},
		"SignatureMethod":  {"HMAC-SHA1"},
		"SignatureVersion": {"1.0"},
		"SignatureNonce":   {"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
		"Timestamp":        {"2016-02-23T12:46:24Z"},
		"Signature":        {"excluded from the string to sign"},
	}
	sts := StringToSignV2("GET", q)
	const wantSTS = "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
	if sts != wantSTS {
		t.Fatalf("string to sign:\n got %s\nwant %s", sts, wantSTS)
	}
	if got, want := SignatureV2("testsecret", sts), "OLeaidS1JvxuMvnyHOwuJ+uX5qY="; got != want {
		t.Fatalf("signature = %s, want %s", got, want)
	}
}
