package ui

import (
	"testing"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
)

func TestParseTrace(t *testing.T) {
	tests := map[string]struct {
		args    []string
		want    graph.TraceRequest
		wantErr bool
	}{
		"every port": {[]string{"a/b", "svc/c/d"}, graph.TraceRequest{From: "a/b", To: "svc/c/d", Protocol: policy.TCP}, false},
		"port":       {[]string{"a/b", "c/d", "80"}, graph.TraceRequest{From: "a/b", To: "c/d", Port: "80", Protocol: policy.TCP}, false},
		"udp":        {[]string{"a/b", "c/d", "53/udp"}, graph.TraceRequest{From: "a/b", To: "c/d", Port: "53", Protocol: policy.UDP}, false},
		"named sctp": {[]string{"a/b", "c/d", "sig/SCTP"}, graph.TraceRequest{From: "a/b", To: "c/d", Port: "sig", Protocol: policy.SCTP}, false},
		"too few":    {[]string{"a/b"}, graph.TraceRequest{}, true},
		"too many":   {[]string{"a/b", "c/d", "80", "x"}, graph.TraceRequest{}, true},
		"bad proto":  {[]string{"a/b", "c/d", "80/ICMP"}, graph.TraceRequest{}, true},
		"no port":    {[]string{"a/b", "c/d", "/TCP"}, graph.TraceRequest{}, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseTrace(tc.args)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func FuzzParsePort(f *testing.F) {
	for _, s := range []string{"80", "53/UDP", "dns/udp", "/", "80/", "x/y/z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		port, _, err := parsePort(s)
		if err == nil && port == "" {
			t.Errorf("parsePort(%q) accepted an empty port", s)
		}
	})
}

func TestSanitize(t *testing.T) {
	tests := map[string]string{"shop": "shop", "svc/shop/cart": "svc-shop-cart", "": "all", "a b:c": "a-b-c"}
	for in, want := range tests {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}
