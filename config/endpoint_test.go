package config

import "testing"

func TestCheckEndpointAccepts(t *testing.T) {
	for _, in := range []string{
		"http://127.0.0.1:9947",
		"https://ehpc.cn-hangzhou.aliyuncs.com",
		"https://ehpc.cn-hangzhou.aliyuncs.com/",
		"http://[::1]:8080",
		"HTTP://localhost",
	} {
		if msg := checkEndpoint(in); msg != "" {
			t.Errorf("checkEndpoint(%q) = %q, want it accepted", in, msg)
		}
	}
}

func TestCheckEndpointRejects(t *testing.T) {
	for in, want := range map[string]string{
		"htps://h":        `"htps://h" has scheme "htps"; only http and https are accepted (did you mean https://?)`,
		"https//h":        `"https//h" is missing "://" after https (want e.g. https://127.0.0.1:9947)`,
		"localhost:8080":  `"localhost:8080" must be an absolute URL starting with http:// or https:// (e.g. http://127.0.0.1:9947)`,
		"http://h:":       `"http://h:" has an empty port`,
		"http://:80":      `"http://:80" has no host name`,
		"http://h#frag":   `"http://h#frag" must be scheme and host[:port] only, without path, query or fragment`,
		"http://h\t":      `"http://h\t" contains white space`,
		"http://a@b":      `the endpoint must not contain user information (user:password@); credentials come from the credential chain`,
		"http://h:80/x@y": `the endpoint must be scheme and host[:port] only, without path, query or fragment`,
		"http://%zz":      `"http://%zz" is not a valid URL (want http://host[:port] or https://host[:port])`,
	} {
		if got := checkEndpoint(in); got != want {
			t.Errorf("checkEndpoint(%q)\n got %s\nwant %s", in, got, want)
		}
	}
}

func TestEndpointDefault(t *testing.T) {
	c := &Cluster{RegionID: "ap-southeast-1"}
	if got := c.Endpoint(); got != "https://ehpc.ap-southeast-1.aliyuncs.com" {
		t.Errorf("Endpoint() = %q", got)
	}
}

func TestEndpointType(t *testing.T) {
	cfg, err := Parse([]byte(`clusters:
  - {cluster_id: a, region_id: cn-shanghai, endpoint_type: vpc, job_ids: ["1"]}
  - {cluster_id: b, region_id: cn-shanghai, endpoint_type: public, job_ids: ["1"]}
  - {cluster_id: c, region_id: cn-shanghai, job_ids: ["1"]}
  - {cluster_id: d, region_id: cn-shanghai, endpoint: "http://127.0.0.1:9947/", job_ids: ["1"]}
`), "config.yml")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{
		"https://ehpc-vpc.cn-shanghai.aliyuncs.com",
		"https://ehpc.cn-shanghai.aliyuncs.com",
		"https://ehpc.cn-shanghai.aliyuncs.com",
		"http://127.0.0.1:9947",
	} {
		if got := cfg.Clusters[i].Endpoint(); got != want {
			t.Errorf("clusters[%d].Endpoint() = %q, want %q", i, got, want)
		}
	}
}
