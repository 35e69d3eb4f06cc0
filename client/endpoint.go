package client

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Endpoint types (Options.EndpointType, the config's clusters[].endpoint_type):
// which of the service's regional host names a client calls when it is given
// no endpoint.
const (
	// EndpointPublic is ehpc.<region>.aliyuncs.com, reachable from anywhere.
	EndpointPublic = "public"
	// EndpointVPC is ehpc-vpc.<region>.aliyuncs.com, reachable only from
	// inside an Alibaba Cloud VPC of that region, without internet access.
	EndpointVPC = "vpc"
)

// EndpointTypes are the endpoint types ResolveEndpoint knows, the default
// first.
var EndpointTypes = []string{EndpointPublic, EndpointVPC}

// ResolveEndpoint is the base URL a client of these settings calls: endpoint
// when given, else the regional host of endpointType ("" means public). An
// endpoint names the host itself, so it cannot be combined with a type: the
// answer would be that one of them is ignored. The endpoint is returned as
// given; New validates it.
func ResolveEndpoint(endpoint, endpointType, regionID string) (string, error) {
	if endpoint != "" {
		if endpointType != "" {
			return "", fmt.Errorf("client: both an endpoint and endpoint type %q are given; the endpoint names the host itself", endpointType)
		}
		return endpoint, nil
	}
	var prefix string
	switch endpointType {
	case "", EndpointPublic:
		prefix = "https://ehpc."
	case EndpointVPC:
		prefix = "https://ehpc-vpc."
	default:
		return "", fmt.Errorf("client: unknown endpoint type %q (want one of %s)", endpointType, strings.Join(EndpointTypes, ", "))
	}
	if regionID == "" {
		return "", errors.New("client: neither an endpoint nor a region id is given")
	}
	return prefix + regionID + ".aliyuncs.com", nil
}

// endpointURL validates an endpoint override, or builds the regional one.
func endpointURL(endpoint, endpointType, region string) (*url.URL, error) {
	endpoint, err := ResolveEndpoint(endpoint, endpointType, region)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("client: endpoint %q is not a valid URL", endpoint)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("client: endpoint %q must start with http:// or https://", endpoint)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("client: endpoint %q has no host", endpoint)
	case u.User != nil:
		return nil, fmt.Errorf("client: endpoint %q must not carry user info", u.Redacted())
	case u.Path != "" && u.Path != "/":
		return nil, fmt.Errorf("client: endpoint %q must not have a path (the API is served at /)", endpoint)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("client: endpoint %q must not have a query or fragment", endpoint)
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("client: endpoint %q has an invalid port", endpoint)
		}
	}
	u.Path = "/"
	return u, nil
}
