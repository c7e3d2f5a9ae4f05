package kube

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	networkingv1 "k8s.io/api/networking/v1"
)

// summary lists every object in c as "Kind namespace/name", in Cluster
// order, so tests can compare what was loaded at a glance.
func summary(c *Cluster) []string {
	var out []string
	for _, o := range c.Namespaces {
		out = append(out, "Namespace "+o.Name)
	}
	for _, o := range c.Nodes {
		out = append(out, "Node "+o.Name)
	}
	for _, o := range c.Pods {
		out = append(out, "Pod "+o.Namespace+"/"+o.Name)
	}
	for _, o := range c.Workloads {
		out = append(out, o.Kind+" "+o.Namespace+"/"+o.Name)
	}
	for _, o := range c.Services {
		out = append(out, "Service "+o.Namespace+"/"+o.Name)
	}
	for _, o := range c.EndpointSlices {
		out = append(out, "EndpointSlice "+o.Namespace+"/"+o.Name)
	}
	for _, o := range c.Ingresses {
		out = append(out, "Ingress "+o.Namespace+"/"+o.Name)
	}
	for _, o := range c.IngressClasses {
		out = append(out, "IngressClass "+o.Name)
	}
	for _, o := range c.NetworkPolicies {
		out = append(out, "NetworkPolicy "+o.Namespace+"/"+o.Name)
	}
	return out
}

func errStrings(errs []error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func diffLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestLoad(t *testing.T) {
	stdinYAML, err := os.ReadFile("testdata/multidoc.yaml")
	if err != nil {
		t.Fatal(err)
	}
	emptyDir := t.TempDir()

	tests := []struct {
		name     string
		paths    []string
		stdin    string
		want     []string
		errs     []string
		warnings []string
	}{
		{
			name:  "multi-document YAML with empty and comment-only documents",
			paths: []string{"testdata/multidoc.yaml"},
			want: []string{
				"Namespace shop",
				"Pod shop/web-0",
				"Service shop/web",
				"NetworkPolicy shop/allow-web",
			},
		},
		{
			name:  "JSON stream",
			paths: []string{"testdata/stream.json"},
			want:  []string{"Namespace shop", "Pod shop/api-0", "NetworkPolicy shop/deny-all"},
		},
		{
			name:     "v1 List as kubectl get -o yaml prints it",
			paths:    []string{"testdata/list.yaml"},
			want:     []string{"Namespace data", "Pod data/db-0", "Service data/db"},
			warnings: []string{"skipped 1 object of a kind netviz does not read: ConfigMap (1)"},
		},
		{
			name:  "typed list whose items leave out kind",
			paths: []string{"testdata/typedlist.json"},
			want:  []string{"Namespace data", "NetworkPolicy data/deny-egress", "NetworkPolicy data/deny-ingress"},
		},
		{
			name:  "directory read recursively, only .yaml .yml .json",
			paths: []string{"testdata/dir"},
			want:  []string{"Namespace dir-a", "Namespace dir-b", "Namespace dir-c"},
		},
		{
			name:  "stdin",
			paths: []string{"-"},
			stdin: string(stdinYAML),
			want: []string{
				"Namespace shop",
				"Pod shop/web-0",
				"Service shop/web",
				"NetworkPolicy shop/allow-web",
			},
		},
		{
			name:  "stdin and a file together",
			paths: []string{"-", "testdata/stream.json"},
			stdin: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: piped\n",
			want:  []string{"Namespace piped", "Namespace shop", "Pod shop/api-0", "NetworkPolicy shop/deny-all"},
		},
		{
			name:  "errors on stdin are named <stdin>",
			paths: []string{"-"},
			stdin: "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: Bad\n",
			errs: []string{
				`<stdin>: document 1: Namespace Bad: metadata.name: Invalid value: "Bad": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
			},
		},
		{
			name:  "unknown kinds are skipped with one warning, Secrets included",
			paths: []string{"testdata/unknown-kinds.yaml"},
			want:  []string{"Namespace default", "Pod default/lone"},
			warnings: []string{
				"skipped 4 objects of kinds netviz does not read: ConfigMap (2), NetworkPolicy.crd.projectcalico.org (1), Secret (1)",
			},
		},
		{
			name:  "one skipped-kinds warning across files",
			paths: []string{"testdata/unknown-kinds.yaml", "testdata/list.yaml"},
			want:  []string{"Namespace data", "Namespace default", "Pod data/db-0", "Pod default/lone", "Service data/db"},
			warnings: []string{
				"skipped 5 objects of kinds netviz does not read: ConfigMap (3), NetworkPolicy.crd.projectcalico.org (1), Secret (1)",
			},
		},
		{
			name:  "one bad object and one bad document do not lose the others",
			paths: []string{"testdata/mixed.yaml"},
			want:  []string{"Namespace shop", "NetworkPolicy shop/good-one", "NetworkPolicy shop/good-two"},
			errs: []string{
				`testdata/mixed.yaml: document 2: NetworkPolicy shop/bad: spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0/8": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`,
				`testdata/mixed.yaml: document 3: invalid YAML: did not find expected key`,
			},
		},
		{
			name:  "a broken JSON stream keeps the objects before the break",
			paths: []string{"testdata/invalid/bad-json.json"},
			want:  []string{"Namespace first", "Namespace second"},
			errs: []string{
				`testdata/invalid/bad-json.json: document 3: invalid JSON: offset 211: invalid character '}' looking for beginning of value`,
			},
		},
		{
			name:  "a bad document separator",
			paths: []string{"testdata/invalid/bad-separator.yaml"},
			want:  []string{"Namespace after"},
			errs:  []string{`testdata/invalid/bad-separator.yaml: document 1: invalid YAML: invalid Yaml document separator: extra`},
		},
		{
			name:  "implicit namespaces and the default namespace",
			paths: []string{"testdata/implicit-ns.yaml"},
			want: []string{
				"Namespace declared",
				"Namespace default",
				"Namespace only-policy",
				"Namespace only-service",
				"Node node-1",
				"Pod default/nowhere",
				"Deployment declared/app",
				"Service only-service/svc",
				"NetworkPolicy only-policy/deny",
			},
		},
		{
			name:  "duplicates: the later one wins",
			paths: []string{"testdata/dup-a.yaml", "testdata/dup-b.yaml"},
			want:  []string{"Namespace shop", "Pod shop/web", "Service shop/allow-web", "NetworkPolicy shop/allow-web"},
			warnings: []string{
				"duplicate NetworkPolicy shop/allow-web: testdata/dup-b.yaml document 1 replaces testdata/dup-a.yaml document 1",
			},
		},
		{
			name:  "the same file twice",
			paths: []string{"testdata/dir/a.yaml", "testdata/dir/a.yaml"},
			want:  []string{"Namespace dir-a"},
			warnings: []string{
				"duplicate Namespace dir-a: testdata/dir/a.yaml document 1 replaces testdata/dir/a.yaml document 1",
			},
		},
		{
			name:  "missing file",
			paths: []string{"testdata/no-such-file.yaml", "testdata/dir/a.yaml"},
			want:  []string{"Namespace dir-a"},
			errs:  []string{"testdata/no-such-file.yaml: no such file or directory"},
		},
		{
			name:  "directory without manifests",
			paths: []string{emptyDir},
			errs:  []string{emptyDir + ": directory holds no .yaml, .yml or .json files"},
		},
		{
			name:  "a file is read whatever its extension",
			paths: []string{"testdata/dir/sub/notes.txt"},
			want:  []string{"Namespace not-read"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, errs := Load(tt.paths, strings.NewReader(tt.stdin))
			diffLines(t, "objects", summary(c), tt.want)
			diffLines(t, "errors", errStrings(errs), tt.errs)
			diffLines(t, "warnings", c.Warnings, tt.warnings)
			for _, e := range errs {
				var le *LoadError
				if !errors.As(e, &le) {
					t.Errorf("error %q is %T, want *LoadError", e, e)
				}
			}
		})
	}
}

func TestLoadNilStdin(t *testing.T) {
	_, errs := Load([]string{"-"}, nil)
	diffLines(t, "errors", errStrings(errs), []string{"<stdin>: no standard input to read"})
}

// TestLoadInvalid checks every validation error netviz reports, one file
// each under testdata/invalid, with its exact message. The object with the
// error must not be loaded.
func TestLoadInvalid(t *testing.T) {
	const np = "document 1: NetworkPolicy shop/"
	tests := map[string][]string{
		"cidr-ipv4.yaml": {np + `cidr-ipv4: spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0/8": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`},
		"cidr-ipv6.yaml": {np + `cidr-ipv6: spec.egress[0].to[0].ipBlock.cidr: Invalid value: "2001:db8::/129": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`},

		"except-outside-ipv4.yaml": {np + "except-outside-ipv4: spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: \"192.168.0.0/16\": must be a strict subset of `cidr`"},
		"except-equal.yaml":        {np + "except-equal: spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"10.0.0.0/8\": must be a strict subset of `cidr`"},
		"except-outside-ipv6.yaml": {np + "except-outside-ipv6: spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"2001:db9::/48\": must be a strict subset of `cidr`"},
		"except-other-family.yaml": {np + "except-other-family: spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"2001:db8::/64\": must be a strict subset of `cidr`"},
		"except-invalid.yaml":      {np + `except-invalid: spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "fe80::/200": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`},

		"port-too-big.yaml":    {np + "port-too-big: spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive"},
		"port-zero.yaml":       {np + "port-zero: spec.egress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"},
		"endport-named.yaml":   {np + "endport-named: spec.egress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric"},
		"endport-no-port.yaml": {np + "endport-no-port: spec.egress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is not specified"},
		"endport-below.yaml":   {np + "endport-below: spec.ingress[0].ports[0].endPort: Invalid value: 8080: must be greater than or equal to `port`"},
		"endport-too-big.yaml": {np + "endport-too-big: spec.ingress[0].ports[0].endPort: Invalid value: 65536: must be between 1 and 65535, inclusive"},

		"port-name-invalid.yaml": {np + `port-name-invalid: spec.ingress[0].ports[0].port: Invalid value: "a-very-long-port-name": must be no more than 15 characters`},
		"port-name-digits.yaml":  {np + `port-name-digits: spec.ingress[0].ports[0].port: Invalid value: "8080": must contain at least one letter (a-z)`},
		"protocol-unknown.yaml":  {np + `protocol-unknown: spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"`},

		"selector-bad-key.yaml":             {np + `selector-bad-key: spec.ingress[0].from[0].podSelector.matchLabels: Invalid value: "app/x/y": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`},
		"selector-bad-value.yaml":           {np + `selector-bad-value: spec.ingress[0].from[0].namespaceSelector.matchLabels: Invalid value: "web team": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`},
		"selector-bad-operator.yaml":        {np + `selector-bad-operator: spec.ingress[0].from[0].podSelector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator`},
		"selector-in-empty.yaml":            {np + "selector-in-empty: spec.egress[0].to[0].namespaceSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"},
		"selector-notin-empty.yaml":         {np + "selector-notin-empty: spec.egress[0].to[0].podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"},
		"selector-exists-values.yaml":       {np + "selector-exists-values: spec.ingress[0].from[0].podSelector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"},
		"selector-doesnotexist-values.yaml": {np + "selector-doesnotexist-values: spec.ingress[0].from[0].podSelector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"},
		"pod-selector-bad.yaml":             {np + `pod-selector-bad: spec.podSelector.matchLabels: Invalid value: "-app": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`},
		"ipblock-podselector.yaml":          {np + "ipblock-podselector: spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer"},
		"ipblock-namespaceselector.yaml":    {np + "ipblock-namespaceselector: spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer"},
		"peer-empty.yaml":                   {np + "peer-empty: spec.ingress[0].from[0]: Required value: must specify a peer"},
		"policytypes-invalid.yaml":          {np + `policytypes-invalid: spec.policyTypes[0]: Unsupported value: "Ingres": supported values: "Ingress", "Egress"`},
		"policytypes-too-many.yaml":         {np + `policytypes-too-many: spec.policyTypes: Invalid value: ["Ingress","Egress","Ingress"]: may not specify more than two policyTypes`},

		"name-invalid.yaml":           {`document 1: NetworkPolicy shop/Allow_Web: metadata.name: Invalid value: "Allow_Web": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
		"namespace-invalid.yaml":      {`document 1: NetworkPolicy Shop/allow-web: metadata.namespace: Invalid value: "Shop": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		"namespace-name-invalid.yaml": {`document 1: Namespace shop.example: metadata.name: Invalid value: "shop.example": must not contain dots`},
		"service-name-invalid.yaml":   {`document 1: Service shop/1web: metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`},
		"generate-name.yaml":          {`document 1: Job: metadata.name: Required value: generateName alone is not enough: the API server makes the name when it creates the object, so a manifest read by netviz needs a name`},

		"service-targetport-name.yaml": {`document 1: Service shop/web: spec.ports[0].targetPort: Invalid value: "http_alt": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`},
		"service-port-range.yaml": {
			// 0x10000 is YAML 1.1 hex for 65536. A zero port also
			// defaults its targetPort to zero, as on the API server.
			`document 1: Service shop/web: spec.ports[0].targetPort: Invalid value: 65536: must be between 1 and 65535, inclusive`,
			`document 1: Service shop/web: spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive`,
			`document 1: Service shop/web: spec.ports[1].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive`,
		},
		"service-protocol.yaml":     {`document 1: Service shop/web: spec.ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"`},
		"container-port-name.yaml":  {`document 1: Pod shop/web: spec.containers[0].ports[0].name: Invalid value: "http_alt": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`},
		"container-port-range.yaml": {`document 1: Deployment shop/web: spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 80000: must be between 1 and 65535, inclusive`},
		"container-protocol.yaml":   {`document 1: Pod shop/web: spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"`},
		"ingress-pathtype.yaml":     {`document 1: Ingress shop/web: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified`},

		"api-version-old.yaml":         {`document 1: Ingress shop/web: apiVersion: Unsupported value: "extensions/v1beta1": supported values: "networking.k8s.io/v1"`},
		"api-version-wrong-group.yaml": {`document 1: Deployment shop/web: apiVersion: Unsupported value: "v1": supported values: "apps/v1"`},
		"api-version-unknown.yaml":     {`document 1: NetworkPolicy shop/web: apiVersion: Unsupported value: "networking.k8s.io/v2": supported values: "networking.k8s.io/v1"`},
		"unknown-field.yaml": {
			`document 1: NetworkPolicy shop/typo: spec.ingress[0].form: unknown field`,
			`document 1: NetworkPolicy shop/typo: spec.podselector: unknown field`,
		},
		// The YAML library counts lines within the document and points at
		// the repeated key's value.
		"duplicate-key.yaml": {`document 1: NetworkPolicy shop/twice: invalid YAML: unmarshal errors: line 11: key "ingress" already set in map`},
		"duplicate-key.json": {`document 1: NetworkPolicy shop/twice: spec.ingress: duplicate field`},
		"wrong-type.yaml":    {`document 1: Service shop/web: spec.ports.port: Invalid value: got a string, want an integer (int32)`},
		"not-an-object.yaml": {`document 1: not a Kubernetes object: a manifest is a mapping with apiVersion, kind and metadata`},
		"missing-kind.yaml":  {`document 1: kind: Required value`},
	}
	// Files exercised by TestLoad instead.
	elsewhere := map[string]bool{"bad-json.json": true, "bad-separator.yaml": true}

	files, err := filepath.Glob("testdata/invalid/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		base := filepath.Base(f)
		if _, ok := tests[base]; !ok && !elsewhere[base] {
			t.Errorf("%s has no test case", f)
		}
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			path := "testdata/invalid/" + file
			c, errs := Load([]string{path}, nil)
			var full []string
			for _, w := range want {
				full = append(full, path+": "+w)
			}
			diffLines(t, "errors", errStrings(errs), full)
			// Nothing but an implicit namespace is left.
			for _, s := range summary(c) {
				if !strings.HasPrefix(s, "Namespace ") {
					t.Errorf("invalid object was loaded: %s", s)
				}
			}
		})
	}
}

func TestYAMLBooleanNamespaces(t *testing.T) {
	t.Run("unquoted", func(t *testing.T) {
		c, errs := Load([]string{"testdata/yn-unquoted.yaml"}, nil)
		diffLines(t, "errors", errStrings(errs), []string{
			`testdata/yn-unquoted.yaml: document 1: Pod yes-pod: metadata.namespace: YAML read the unquoted value as the boolean true (YAML 1.1 reads y, yes, on and true that way): quote it, e.g. namespace: "y"`,
			`testdata/yn-unquoted.yaml: document 2: Pod no-pod: metadata.namespace: YAML read the unquoted value as the boolean false (YAML 1.1 reads n, no, off and false that way): quote it, e.g. namespace: "n"`,
			`testdata/yn-unquoted.yaml: document 3: Pod default/label-pod: metadata.labels: Invalid value: got a boolean, want a string: YAML 1.1 reads unquoted y, yes, on, true, n, no, off and false as booleans, so quote the value`,
		})
		diffLines(t, "objects", summary(c), nil)
	})
	t.Run("quoted", func(t *testing.T) {
		c, errs := Load([]string{"testdata/yn-quoted.yaml"}, nil)
		diffLines(t, "errors", errStrings(errs), nil)
		diffLines(t, "objects", summary(c), []string{"Namespace n", "Namespace y", "Pod n/no-pod", "Pod y/yes-pod"})
	})
}

func TestImplicitNamespaceLabels(t *testing.T) {
	c, errs := Load([]string{"testdata/implicit-ns.yaml", "testdata/defaults.yaml"}, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, ns := range c.Namespaces {
		if got := ns.Labels["kubernetes.io/metadata.name"]; got != ns.Name {
			t.Errorf("namespace %s: kubernetes.io/metadata.name = %q", ns.Name, got)
		}
	}
	// A declared namespace keeps its other labels; the name label is the
	// API server's, whatever the manifest said.
	c, _ = Load([]string{"testdata/multidoc.yaml"}, nil)
	if got := c.Namespaces[0].Labels; got["team"] != "web" || got["kubernetes.io/metadata.name"] != "shop" {
		t.Errorf("shop labels = %v", got)
	}
}

func TestFoldWorkloads(t *testing.T) {
	c, errs := Load([]string{"testdata/getall.yaml"}, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	diffLines(t, "objects", summary(c), []string{
		"Namespace shop",
		// Real pods stay.
		"Pod shop/api-6b7c8d9f0-zzzzz",
		"Pod shop/db-0",
		"Pod shop/report-x7k2p",
		"Pod shop/web-5d8f7c9b6-abcde",
		"Pod shop/web-5d8f7c9b6-fghij",
		// No pods loaded: the workloads stand for them.
		"DaemonSet shop/agent",
		// Its Job is folded into it.
		"CronJob shop/backup",
		// Name matches cache-<hash> but labels do not: not folded.
		"Deployment shop/cache",
		"ReplicaSet shop/cache-abc12",
	})
	// Folding is idempotent.
	before := summary(c)
	c.Finish()
	diffLines(t, "objects after a second Finish", summary(c), before)
}

func TestWorkloadKinds(t *testing.T) {
	c, errs := Load([]string{"testdata/workloads/all-kinds.yaml"}, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	type row struct {
		kind, name, app, service string
		replicas                 int32
		ports                    string
	}
	var got []row
	for _, w := range c.Workloads {
		var ports []string
		for _, ctr := range w.Template.Spec.Containers {
			for _, p := range ctr.Ports {
				ports = append(ports, fmt.Sprintf("%s%d/%s", p.Name+":", p.ContainerPort, p.Protocol))
			}
		}
		got = append(got, row{w.Kind, w.Name, w.Template.Labels["app"], w.ServiceName, w.Replicas, strings.Join(ports, ",")})
	}
	want := []row{
		{kind: "DaemonSet", name: "agent", app: "agent", replicas: 1, ports: ":8125/UDP"},
		{kind: "CronJob", name: "backup", app: "backup", replicas: 1, ports: ":9000/TCP"},
		{kind: "StatefulSet", name: "db", app: "db", service: "db-headless", replicas: 2, ports: ":5432/TCP"},
		{kind: "ReplicationController", name: "legacy", app: "legacy", replicas: 4},
		{kind: "Job", name: "migrate", app: "migrate", replicas: 2},
		{kind: "ReplicaSet", name: "standalone-rs", app: "rs", replicas: 1},
		{kind: "Deployment", name: "web", app: "web", replicas: 3, ports: "http:8080/TCP"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("workloads:\ngot  %+v\nwant %+v", got, want)
	}
	// Every kind netviz reads as a workload is covered.
	seen := map[string]bool{}
	for _, w := range c.Workloads {
		seen[w.Kind] = true
	}
	for _, k := range WorkloadKinds {
		if !seen[k] {
			t.Errorf("no %s in testdata/workloads/all-kinds.yaml", k)
		}
	}
	// The workload keeps its own labels.
	for _, w := range c.Workloads {
		if w.Name == "web" && w.Labels["tier"] != "front" {
			t.Errorf("Deployment web labels = %v", w.Labels)
		}
	}
}

func TestDecodeMergesSkippedWarning(t *testing.T) {
	c := &Cluster{}
	docs := map[string]string{
		"a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n",
		"b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n",
	}
	for _, name := range []string{"a.yaml", "b.yaml"} {
		if errs := Decode(c, name, strings.NewReader(docs[name])); len(errs) > 0 {
			t.Fatal(errs)
		}
	}
	c.Finish()
	diffLines(t, "warnings", c.Warnings, []string{"skipped 3 objects of kinds netviz does not read: ConfigMap (2), Secret (1)"})
}

func TestDecodeDuplicateAcrossCalls(t *testing.T) {
	c := &Cluster{}
	ns := "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n"
	Decode(c, "a.yaml", strings.NewReader(ns))
	Decode(c, "b.yaml", strings.NewReader(ns))
	c.Finish()
	diffLines(t, "objects", summary(c), []string{"Namespace x"})
	diffLines(t, "warnings", c.Warnings, []string{"duplicate Namespace x: b.yaml document 1 replaces an earlier input"})
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"demo/a.yaml":       {Data: []byte("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")},
		"demo/deep/b.json":  {Data: []byte(`{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}}`)},
		"demo/README.md":    {Data: []byte("not read")},
		"demo/bad.yml":      {Data: []byte("apiVersion: v1\nkind: Namespace\nmetadata: {name: B}\n")},
		"demo/skipped.yaml": {Data: []byte("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n")},
	}
	c, errs := LoadFS(fsys)
	diffLines(t, "objects", summary(c), []string{"Namespace a", "Namespace b"})
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), `demo/bad.yml: document 1: Namespace B: metadata.name: Invalid value: "B"`) {
		t.Errorf("errors = %v", errs)
	}
	diffLines(t, "warnings", c.Warnings, []string{"skipped 1 object of a kind netviz does not read: Secret (1)"})
}

func TestSloppyCIDRWarning(t *testing.T) {
	doc := `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: sloppy, namespace: shop}
spec:
  podSelector: {}
  ingress:
  - from:
    - ipBlock:
        cidr: 10.0.0.1/8
        except: ["2001:DB8::/32"]
`
	c := &Cluster{}
	errs := Decode(c, "p.yaml", strings.NewReader(doc))
	// The API server accepts both values (they fail only its alpha
	// StrictIPCIDRValidation gate) and warns.
	diffLines(t, "errors", errStrings(errs), []string{
		"p.yaml: document 1: NetworkPolicy shop/sloppy: spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"2001:DB8::/32\": must be a strict subset of `cidr`",
	})
	doc = strings.Replace(doc, `except: ["2001:DB8::/32"]`, `except: ["10.1.0.0/16"]`, 1)
	errs = Decode(c, "p.yaml", strings.NewReader(doc))
	diffLines(t, "errors", errStrings(errs), nil)
	diffLines(t, "warnings", c.Warnings, []string{
		`p.yaml: document 1: NetworkPolicy shop/sloppy: spec.ingress[0].from[0].ipBlock.cidr: CIDR value "10.0.0.1/8" is ambiguous in this context (should be "10.0.0.0/8" or "10.0.0.1/32"?)`,
	})
	if len(c.NetworkPolicies) != 1 || c.NetworkPolicies[0].Spec.Ingress[0].From[0].IPBlock.CIDR != "10.0.0.1/8" {
		t.Errorf("the CIDR must be kept as written, as the API server stores it")
	}
}

func TestLoadErrorFormat(t *testing.T) {
	tests := []struct {
		err  LoadError
		want string
	}{
		{LoadError{File: "policies.yaml", Doc: 3, Kind: "NetworkPolicy", Namespace: "shop", Name: "allow-web", Field: "spec.ingress[0].from[0].ipBlock.cidr", Msg: "invalid CIDR address: 10.0.0/8"},
			"policies.yaml: document 3: NetworkPolicy shop/allow-web: spec.ingress[0].from[0].ipBlock.cidr: invalid CIDR address: 10.0.0/8"},
		{LoadError{File: "all.yaml", Doc: 1, Item: 4, Kind: "Node", Name: "node-1", Field: "metadata.name", Msg: "bad"},
			"all.yaml: document 1, item 4: Node node-1: metadata.name: bad"},
		{LoadError{File: "x.yaml", Msg: "no such file or directory"}, "x.yaml: no such file or directory"},
		{LoadError{Kind: "Pod", Namespace: "ns", Name: "p", Field: "spec", Msg: "two\nlines"}, "Pod ns/p: spec: two lines"},
		{LoadError{File: "x.yaml", Doc: 2, Kind: "Pod", Namespace: "ns", Msg: "no name"}, "x.yaml: document 2: Pod: no name"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

func TestListItemErrors(t *testing.T) {
	doc := `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: ok}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: bad, namespace: ok}
  spec:
    podSelector: {}
    policyTypes: [Sideways]
- apiVersion: v1
  kind: List
  items: []
`
	c := &Cluster{}
	errs := Decode(c, "list.yaml", strings.NewReader(doc))
	c.Finish()
	diffLines(t, "errors", errStrings(errs), []string{
		`list.yaml: document 1, item 2: NetworkPolicy ok/bad: spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"`,
		`list.yaml: document 1, item 3: List: a List inside a List is not supported`,
	})
	diffLines(t, "objects", summary(c), []string{"Namespace ok"})
}

// TestLoadedPolicyShape checks, through Load, what the graph relies on:
// defaults are applied and empty lists are nil.
func TestLoadedPolicyShape(t *testing.T) {
	c, errs := Load([]string{"testdata/defaults.yaml"}, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	byName := map[string]*networkingv1.NetworkPolicy{}
	for _, np := range c.NetworkPolicies {
		byName[np.Name] = np
	}
	if a, e := byName["absent-ingress"].Spec, byName["empty-ingress"].Spec; a.Ingress != nil || e.Ingress != nil {
		t.Errorf("ingress: [] and no ingress must both be nil, got %#v and %#v", e.Ingress, a.Ingress)
	}
}
