package kube

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	goruntime "runtime"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sort"
	"strconv"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// LoadError is one problem with the input: a file that cannot be read, a
// document that is not a Kubernetes object, or one bad field of one object.
// It names the file, the document, the object and the field, as far as
// they are known.
type LoadError struct {
	File string
	// Doc is the 1-based index of the document within File, counted as the
	// Kubernetes YAML reader splits a stream (a `---` with nothing before
	// it starts no document); 0 when the error concerns the whole file.
	Doc int
	// Item is the 1-based position of the object within a List document,
	// or 0.
	Item int

	Kind      string
	Namespace string // empty for cluster-scoped kinds
	Name      string
	// Field is the API field path, as the API server prints it
	// (spec.ingress[0].from[1].ipBlock.cidr); empty when the error is not
	// about one field.
	Field string
	Msg   string
}

// Error renders the error on one line:
//
//	file: document N[, item M]: Kind namespace/name: field: message
//
// leaving out the parts that are not known.
func (e *LoadError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Doc > 0 {
			fmt.Fprintf(&b, ": document %d", e.Doc)
			if e.Item > 0 {
				fmt.Fprintf(&b, ", item %d", e.Item)
			}
		}
		b.WriteString(": ")
	}
	if e.Kind != "" {
		b.WriteString(e.Kind)
		if n := objectName(e.Namespace, e.Name); n != "" {
			b.WriteString(" " + n)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return oneLine(b.String())
}

// oneLine joins the lines of s (as in the YAML library's multi-line
// errors) with single spaces.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, " ")
}

func objectName(ns, name string) string {
	if ns == "" || name == "" {
		return name
	}
	return ns + "/" + name
}

// StdinName is the file name that errors give to standard input.
const StdinName = "<stdin>"

// Load reads every path — a file, a directory (recursively, only its
// .yaml, .yml and .json files), or "-" for stdin — and returns the
// defaulted, validated Cluster (see Finish) with every error found.
// An object with errors is left out; every other object still loads, so
// the Cluster is usable even when errors are returned. The errors are
// *LoadError values.
func Load(paths []string, stdin io.Reader) (*Cluster, []error) {
	d := newDecoder(&Cluster{})
	var errs []error
	for _, p := range paths {
		errs = append(errs, d.loadPath(p, stdin)...)
	}
	d.flush()
	d.c.Finish()
	return d.c, errs
}

// LoadFS is Load for every .yaml, .yml and .json file in fsys (recursively,
// in lexical order), such as an embedded directory of manifests. Errors
// name files by their path in fsys.
func LoadFS(fsys fs.FS) (*Cluster, []error) {
	d := newDecoder(&Cluster{})
	var errs []error
	err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, &LoadError{File: p, Msg: pathErrMsg(err)})
			return nil
		}
		if e.IsDir() || !isManifestName(p) {
			return nil
		}
		f, err := fsys.Open(p)
		if err != nil {
			errs = append(errs, &LoadError{File: p, Msg: pathErrMsg(err)})
			return nil
		}
		defer f.Close()
		errs = append(errs, d.decode(p, f)...)
		return nil
	})
	if err != nil {
		errs = append(errs, &LoadError{Msg: err.Error()})
	}
	d.flush()
	d.c.Finish()
	return d.c, errs
}

// Decode reads one stream of YAML or JSON documents into c. name stands
// for the stream in errors and warnings. Objects are defaulted and
// validated one by one; an object with errors is left out. A duplicate
// replaces the earlier object with a warning, and skipped kinds are added
// to c's one skipped-kinds warning. Call c.Finish once all input is read.
func Decode(c *Cluster, name string, r io.Reader) []error {
	d := newDecoder(c)
	errs := d.decode(name, r)
	d.flush()
	return errs
}

func isManifestName(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// pathErrMsg drops the operation and path from a *fs.PathError: the
// LoadError already names the file.
func pathErrMsg(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func (d *decoder) loadPath(p string, stdin io.Reader) []error {
	if p == "-" {
		if stdin == nil {
			return []error{&LoadError{File: StdinName, Msg: "no standard input to read"}}
		}
		return d.decode(StdinName, stdin)
	}
	info, err := os.Stat(p)
	if err != nil {
		return []error{&LoadError{File: p, Msg: pathErrMsg(err)}}
	}
	if !info.IsDir() {
		return d.loadFile(p)
	}
	var errs []error
	found := false
	err = filepath.WalkDir(p, func(fp string, e fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, &LoadError{File: fp, Msg: pathErrMsg(err)})
			return nil
		}
		if e.IsDir() || !isManifestName(fp) {
			return nil
		}
		found = true
		errs = append(errs, d.loadFile(fp)...)
		return nil
	})
	if err != nil {
		errs = append(errs, &LoadError{File: p, Msg: pathErrMsg(err)})
	}
	if !found && len(errs) == 0 {
		errs = append(errs, &LoadError{File: p, Msg: "directory holds no .yaml, .yml or .json files"})
	}
	return errs
}

func (d *decoder) loadFile(p string) []error {
	f, err := os.Open(p)
	if err != nil {
		return []error{&LoadError{File: p, Msg: pathErrMsg(err)}}
	}
	defer f.Close()
	return d.decode(p, f)
}

// deserializer decodes the kinds netviz reads with client-go's scheme. It
// is strict: unknown and duplicate fields are errors, as with
// `kubectl apply` (whose --validate defaults to strict), so that a
// misspelt or mis-indented field cannot silently change a policy.
var deserializer = serializer.NewCodecFactory(readScheme, serializer.EnableStrict).UniversalDeserializer()

// readScheme is client-go's scheme plus the cluster-scoped policy tiers of
// sigs.k8s.io/network-policy-api (AdminNetworkPolicy and
// BaselineAdminNetworkPolicy, v1alpha1).
var readScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := scheme.AddToScheme(s); err != nil {
		panic(err) // a broken build, not bad input
	}
	if err := anpv1alpha1.Install(s); err != nil {
		panic(err)
	}
	return s
}()

// kindInfo describes a kind netviz reads.
type kindInfo struct {
	version    string
	namespaced bool
}

// readKinds lists the kinds netviz reads, by group, with the one version
// it reads them in.
var readKinds = map[schema.GroupKind]kindInfo{
	{Group: "", Kind: "Namespace"}:                                     {"v1", false},
	{Group: "", Kind: "Node"}:                                          {"v1", false},
	{Group: "", Kind: "Pod"}:                                           {"v1", true},
	{Group: "", Kind: "Service"}:                                       {"v1", true},
	{Group: "", Kind: "ReplicationController"}:                         {"v1", true},
	{Group: "apps", Kind: "Deployment"}:                                {"v1", true},
	{Group: "apps", Kind: "ReplicaSet"}:                                {"v1", true},
	{Group: "apps", Kind: "StatefulSet"}:                               {"v1", true},
	{Group: "apps", Kind: "DaemonSet"}:                                 {"v1", true},
	{Group: "batch", Kind: "Job"}:                                      {"v1", true},
	{Group: "batch", Kind: "CronJob"}:                                  {"v1", true},
	{Group: "discovery.k8s.io", Kind: "EndpointSlice"}:                 {"v1", true},
	{Group: "networking.k8s.io", Kind: "Ingress"}:                      {"v1", true},
	{Group: "networking.k8s.io", Kind: "IngressClass"}:                 {"v1", false},
	{Group: "networking.k8s.io", Kind: "NetworkPolicy"}:                {"v1", true},
	{Group: anpv1alpha1.GroupName, Kind: "AdminNetworkPolicy"}:         {"v1alpha1", false},
	{Group: anpv1alpha1.GroupName, Kind: "BaselineAdminNetworkPolicy"}: {"v1alpha1", false},
}

// apiVersionOf maps each kind name netviz reads to the apiVersion it reads.
var apiVersionOf = func() map[string]string {
	m := map[string]string{}
	for gk, info := range readKinds {
		m[gk.Kind] = schema.GroupVersion{Group: gk.Group, Version: info.version}.String()
	}
	return m
}()

// source is where one object came from.
type source struct {
	file      string
	doc, item int
}

func (s source) String() string {
	switch {
	case s.file == "":
		return "an earlier input"
	case s.item > 0:
		return fmt.Sprintf("%s document %d item %d", s.file, s.doc, s.item)
	}
	return fmt.Sprintf("%s document %d", s.file, s.doc)
}

func (s source) err(kind, ns, name, fieldPath, msg string) *LoadError {
	return &LoadError{File: s.file, Doc: s.doc, Item: s.item, Kind: kind, Namespace: ns, Name: name, Field: fieldPath, Msg: msg}
}

type objectKey struct{ kind, namespace, name string }

type seenEntry struct {
	from  source
	index int // position in the Cluster list of its kind
}

// decoder adds objects to one Cluster, remembering where each came from so
// that a duplicate can name both sources, and counting skipped kinds.
type decoder struct {
	c       *Cluster
	seen    map[objectKey]seenEntry
	skipped map[string]int
}

func newDecoder(c *Cluster) *decoder {
	d := &decoder{c: c, seen: map[objectKey]seenEntry{}, skipped: map[string]int{}}
	index := func(kind, ns, name string, i int) { d.seen[objectKey{kind, ns, name}] = seenEntry{index: i} }
	for i, o := range c.Namespaces {
		index("Namespace", "", o.Name, i)
	}
	for i, o := range c.Nodes {
		index("Node", "", o.Name, i)
	}
	for i, o := range c.Pods {
		index("Pod", o.Namespace, o.Name, i)
	}
	for i, o := range c.Workloads {
		index(o.Kind, o.Namespace, o.Name, i)
	}
	for i, o := range c.Services {
		index("Service", o.Namespace, o.Name, i)
	}
	for i, o := range c.EndpointSlices {
		index("EndpointSlice", o.Namespace, o.Name, i)
	}
	for i, o := range c.Ingresses {
		index("Ingress", o.Namespace, o.Name, i)
	}
	for i, o := range c.IngressClasses {
		index("IngressClass", "", o.Name, i)
	}
	for i, o := range c.NetworkPolicies {
		index("NetworkPolicy", o.Namespace, o.Name, i)
	}
	return d
}

// decode reads every document of one stream.
//
// Documents are split by the apimachinery YAML reader, exactly as kubectl
// splits them. A JSON stream ({…}{…}) goes through apimachinery's
// YAML-or-JSON decoder; each YAML document is converted to JSON strictly,
// so that a key given twice (two `ingress:` keys, say) is an error rather
// than the first one silently vanishing. The JSON is then decoded strictly
// too (see deserializer), which catches duplicate keys in JSON input.
func (d *decoder) decode(name string, r io.Reader) []error {
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(4096) // a short or failed peek leaves what there is
	if utilyaml.IsJSONBuffer(head) {
		return d.decodeJSON(name, br)
	}
	// Split the stream first, then convert the documents to JSON on every
	// core (the YAML parser is most of a load's cost), then read them in
	// order so that duplicates and errors come out as they would one by
	// one.
	type yamlDoc struct {
		src     source
		raw, js []byte
		err     error // the reader's error for this document
		convErr error
	}
	reader := utilyaml.NewYAMLReader(br)
	var docs []*yamlDoc
	for doc := 1; ; doc++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		docs = append(docs, &yamlDoc{src: source{file: name, doc: doc}, raw: raw, err: err})
		var yerr utilyaml.YAMLSyntaxError
		if err != nil && !errors.As(err, &yerr) {
			break // the stream cannot be read further
		}
	}
	work := make(chan *yamlDoc)
	var wg sync.WaitGroup
	for w := 0; w < goruntime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				d.js, d.convErr = yaml.YAMLToJSONStrict(d.raw)
			}
		}()
	}
	for _, doc := range docs {
		if doc.err == nil {
			work <- doc
		}
	}
	close(work)
	wg.Wait()
	var errs []error
	for _, doc := range docs {
		src := doc.src
		var yerr utilyaml.YAMLSyntaxError
		switch {
		case errors.As(doc.err, &yerr):
			// A bad `---` line: the reader has moved past it.
			errs = append(errs, src.err("", "", "", "", syntaxMsg(doc.err)))
			continue
		case doc.err != nil:
			return append(errs, src.err("", "", "", "", "cannot read: "+doc.err.Error()))
		case doc.convErr != nil:
			le := src.err("", "", "", "", yamlErrMsg(doc.convErr.Error()))
			if loose, err := yaml.YAMLToJSON(doc.raw); err == nil {
				le.Kind, le.Namespace, le.Name = identify(loose)
			}
			errs = append(errs, le)
			continue
		}
		errs = append(errs, d.document(src, doc.js)...)
	}
	return errs
}

// decodeJSON reads a stream of JSON objects.
func (d *decoder) decodeJSON(name string, r io.Reader) []error {
	docs := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	var errs []error
	for doc := 1; ; doc++ {
		var raw json.RawMessage
		err := docs.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return errs
		}
		src := source{file: name, doc: doc}
		if err != nil {
			errs = append(errs, src.err("", "", "", "", syntaxMsg(err)))
			var yerr utilyaml.YAMLSyntaxError
			if errors.As(err, &yerr) {
				continue // the decoder fell back to YAML, which moved past the bad document
			}
			return errs // a JSON stream cannot be resumed after a syntax error
		}
		errs = append(errs, d.document(src, raw)...)
	}
}

func syntaxMsg(err error) string {
	msg := err.Error()
	var yerr utilyaml.YAMLSyntaxError
	if errors.As(err, &yerr) {
		return yamlErrMsg(msg)
	}
	var jerr utilyaml.JSONSyntaxError
	if errors.As(err, &jerr) {
		return "invalid JSON: " + strings.TrimPrefix(msg, "json: ")
	}
	var serr *json.SyntaxError
	if errors.As(err, &serr) {
		return fmt.Sprintf("invalid JSON: offset %d: %s", serr.Offset, msg)
	}
	return "cannot read: " + msg
}

func yamlErrMsg(msg string) string {
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	return "invalid YAML: " + msg
}

// identify reads what it can of an object's kind, namespace and name, for
// error messages.
func identify(raw []byte) (kind, ns, name string) {
	var top struct {
		Kind     any `json:"kind"`
		Metadata struct {
			Name      any `json:"name"`
			Namespace any `json:"namespace"`
		} `json:"metadata"`
	}
	if json.Unmarshal(raw, &top) != nil {
		return "", "", ""
	}
	kind, _ = top.Kind.(string)
	ns, _ = top.Metadata.Namespace.(string)
	name, _ = top.Metadata.Name.(string)
	return kind, ns, name
}

// document reads one document, which may be a List.
func (d *decoder) document(src source, raw []byte) []error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil // an empty document
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return []error{src.err("", "", "", "", "not a Kubernetes object: a manifest is a mapping with apiVersion, kind and metadata")}
	}
	apiVersion, err1 := jsonString(top["apiVersion"])
	kind, err2 := jsonString(top["kind"])
	if err2 != nil {
		return []error{src.err("", "", "", "kind", "Invalid value: must be a string")}
	}
	if err1 != nil {
		return []error{src.err(kind, "", "", "apiVersion", "Invalid value: must be a string")}
	}

	if items, ok := top["items"]; ok && strings.HasSuffix(kind, "List") {
		return d.list(src, apiVersion, kind, items)
	}

	// Names for error messages, before the object is decoded.
	var md map[string]json.RawMessage
	_ = json.Unmarshal(top["metadata"], &md)
	name, _ := jsonString(md["name"])
	ns, _ := jsonString(md["namespace"])

	if kind == "" {
		return []error{src.err("", ns, name, "kind", "Required value")}
	}
	if apiVersion == "" {
		return []error{src.err(kind, ns, name, "apiVersion", "Required value")}
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return []error{src.err(kind, ns, name, "apiVersion", fmt.Sprintf("Invalid value: %q: must be <group>/<version> or <version>", apiVersion))}
	}
	info, ok := readKinds[schema.GroupKind{Group: gv.Group, Kind: kind}]
	if !ok {
		want, ours := apiVersionOf[kind]
		if ours && scheme.Scheme.IsGroupRegistered(gv.Group) {
			// A built-in group, so the same kind in an old or wrong
			// version (extensions/v1beta1 Ingress, v1 Deployment):
			// skipping it would silently drop a policy or a workload.
			return []error{src.err(kind, ns, name, "apiVersion", field.NotSupported(field.NewPath("apiVersion"), apiVersion, []string{want}).ErrorBody())}
		}
		label := kind
		if ours {
			label = kind + "." + gv.Group // e.g. a Calico NetworkPolicy
		}
		d.skipped[label]++
		return nil
	}
	if gv.Version != info.version {
		return []error{src.err(kind, ns, name, "apiVersion", field.NotSupported(field.NewPath("apiVersion"), apiVersion, []string{apiVersionOf[kind]}).ErrorBody())}
	}
	// YAML 1.1 reads an unquoted y, n, yes, no, on, off, true or false as
	// a boolean, so `namespace: n` arrives as false. Say so plainly.
	for _, f := range []string{"name", "namespace"} {
		if b, ok := jsonBool(md[f]); ok {
			return []error{src.err(kind, "", name, "metadata."+f, yamlBoolMsg(b, f))}
		}
	}
	if !info.namespaced {
		ns = ""
	} else if ns == "" {
		ns = metav1.NamespaceDefault
	}

	obj, _, err := deserializer.Decode(raw, nil, nil)
	var errs []error
	if err != nil {
		strict, isStrict := runtime.AsStrictDecodingError(err)
		if !isStrict || obj == nil {
			return []error{decodeError(src, kind, ns, name, err)}
		}
		for _, e := range strict.Errors() {
			errs = append(errs, strictError(src, kind, ns, name, e))
		}
	}

	accessor, err := meta.Accessor(obj)
	if err != nil {
		return append(errs, src.err(kind, ns, name, "", "cannot read metadata: "+err.Error()))
	}
	accessor.SetNamespace(ns) // kubectl ignores a namespace on cluster-scoped kinds

	Default(obj)
	for _, e := range Validate(obj) {
		e.File, e.Doc, e.Item = src.file, src.doc, src.item
		errs = append(errs, e)
	}
	if len(errs) > 0 {
		return errs
	}
	if np, ok := obj.(*networkingv1.NetworkPolicy); ok {
		for _, w := range cidrWarnings(np) {
			d.c.Warnings = append(d.c.Warnings, src.err(kind, ns, name, "", w).Error())
		}
	}
	d.add(src, obj)
	return nil
}

// list reads the items of a List document (`kind: List`, as
// `kubectl get -o yaml` prints, or a typed list such as NetworkPolicyList).
func (d *decoder) list(src source, apiVersion, kind string, items json.RawMessage) []error {
	if src.item > 0 {
		return []error{src.err(kind, "", "", "", "a List inside a List is not supported")}
	}
	var list []json.RawMessage
	if err := json.Unmarshal(items, &list); err != nil {
		return []error{src.err(kind, "", "", "items", "Invalid value: must be a list")}
	}
	// Items of a typed list read from the API may leave out their kind.
	itemKind := strings.TrimSuffix(kind, "List")
	var errs []error
	for i, item := range list {
		if itemKind != "" {
			item = withTypeMeta(item, apiVersion, itemKind)
		}
		errs = append(errs, d.document(source{file: src.file, doc: src.doc, item: i + 1}, item)...)
	}
	return errs
}

// withTypeMeta fills in a missing apiVersion and kind.
func withTypeMeta(raw json.RawMessage, apiVersion, kind string) json.RawMessage {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return raw
	}
	changed := false
	for k, v := range map[string]string{"apiVersion": apiVersion, "kind": kind} {
		if _, ok := m[k]; !ok && v != "" {
			m[k], _ = json.Marshal(v)
			changed = true
		}
	}
	if !changed {
		return raw
	}
	out, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return out
}

// jsonString reads an optional JSON string; absent or null is "".
func jsonString(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

func jsonBool(raw json.RawMessage) (value, ok bool) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func yamlBoolMsg(b bool, f string) string {
	if b {
		return fmt.Sprintf(`YAML read the unquoted value as the boolean true (YAML 1.1 reads y, yes, on and true that way): quote it, e.g. %s: "y"`, f)
	}
	return fmt.Sprintf(`YAML read the unquoted value as the boolean false (YAML 1.1 reads n, no, off and false that way): quote it, e.g. %s: "n"`, f)
}

// decodeError explains why an object could not be decoded at all.
func decodeError(src source, kind, ns, name string, err error) *LoadError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		msg := fmt.Sprintf("Invalid value: got %s, want %s", jsonValueName(te.Value), goTypeName(te.Type))
		if te.Value == "bool" && te.Type != nil && te.Type.Kind() == reflect.String {
			msg += `: YAML 1.1 reads unquoted y, yes, on, true, n, no, off and false as booleans, so quote the value`
		}
		return src.err(kind, ns, name, te.Field, msg)
	}
	return src.err(kind, ns, name, "", err.Error())
}

func jsonValueName(v string) string {
	switch {
	case v == "bool":
		return "a boolean"
	case v == "string":
		return "a string"
	case v == "array":
		return "a list"
	case v == "object":
		return "a mapping"
	case strings.HasPrefix(v, "number"):
		return "the " + v
	}
	return v
}

func goTypeName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer (" + t.Kind().String() + ")"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}

var strictFieldRE = regexp.MustCompile(`^(unknown|duplicate) field "(.*)"$`)

func strictError(src source, kind, ns, name string, err error) *LoadError {
	if m := strictFieldRE.FindStringSubmatch(err.Error()); m != nil {
		return src.err(kind, ns, name, m[2], m[1]+" field")
	}
	return src.err(kind, ns, name, "", err.Error())
}

// add puts a valid object into the Cluster; a later object with the same
// kind, namespace and name replaces an earlier one, with a warning.
func (d *decoder) add(src source, obj runtime.Object) {
	switch o := obj.(type) {
	case *corev1.Namespace:
		keepObject(d, &d.c.Namespaces, o, src, "Namespace", "", o.Name)
	case *corev1.Node:
		keepObject(d, &d.c.Nodes, o, src, "Node", "", o.Name)
	case *corev1.Pod:
		keepObject(d, &d.c.Pods, o, src, "Pod", o.Namespace, o.Name)
	case *corev1.Service:
		keepObject(d, &d.c.Services, o, src, "Service", o.Namespace, o.Name)
	case *discoveryv1.EndpointSlice:
		keepObject(d, &d.c.EndpointSlices, o, src, "EndpointSlice", o.Namespace, o.Name)
	case *networkingv1.Ingress:
		keepObject(d, &d.c.Ingresses, o, src, "Ingress", o.Namespace, o.Name)
	case *networkingv1.IngressClass:
		keepObject(d, &d.c.IngressClasses, o, src, "IngressClass", "", o.Name)
	case *networkingv1.NetworkPolicy:
		keepObject(d, &d.c.NetworkPolicies, o, src, "NetworkPolicy", o.Namespace, o.Name)
	case *anpv1alpha1.AdminNetworkPolicy:
		keepObject(d, &d.c.AdminNetworkPolicies, o, src, "AdminNetworkPolicy", "", o.Name)
	case *anpv1alpha1.BaselineAdminNetworkPolicy:
		keepObject(d, &d.c.BaselineAdminNetworkPolicies, o, src, "BaselineAdminNetworkPolicy", "", o.Name)
	case *appsv1.Deployment, *appsv1.ReplicaSet, *appsv1.StatefulSet, *appsv1.DaemonSet,
		*batchv1.Job, *batchv1.CronJob, *corev1.ReplicationController:
		if w := workloadFrom(o); w != nil {
			keepObject(d, &d.c.Workloads, w, src, w.Kind, w.Namespace, w.Name)
		}
	}
}

func keepObject[T any](d *decoder, list *[]T, obj T, src source, kind, ns, name string) {
	k := objectKey{kind, ns, name}
	if prev, ok := d.seen[k]; ok && prev.index < len(*list) {
		(*list)[prev.index] = obj
		d.seen[k] = seenEntry{from: src, index: prev.index}
		d.c.Warnings = append(d.c.Warnings, fmt.Sprintf("duplicate %s %s: %s replaces %s", kind, objectName(ns, name), src, prev.from))
		return
	}
	*list = append(*list, obj)
	d.seen[k] = seenEntry{from: src, index: len(*list) - 1}
}

// flush merges the kinds this decoder skipped into the Cluster's one
// skipped-kinds warning.
func (d *decoder) flush() {
	if len(d.skipped) == 0 {
		return
	}
	counts := d.skipped
	d.skipped = map[string]int{}
	for i, w := range d.c.Warnings {
		if prev, ok := parseSkipped(w); ok {
			for k, n := range prev {
				counts[k] += n
			}
			d.c.Warnings[i] = skippedWarning(counts)
			return
		}
	}
	d.c.Warnings = append(d.c.Warnings, skippedWarning(counts))
}

// skippedWarning renders the one warning about skipped kinds, e.g.
// "skipped 3 objects of kinds netviz does not read: ConfigMap (2), Secret (1)".
func skippedWarning(counts map[string]int) string {
	kinds := make([]string, 0, len(counts))
	total := 0
	for k, n := range counts {
		kinds = append(kinds, k)
		total += n
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s (%d)", k, counts[k])
	}
	what := "objects of kinds"
	if total == 1 {
		what = "object of a kind"
	}
	return fmt.Sprintf("skipped %d %s netviz does not read: %s", total, what, strings.Join(parts, ", "))
}

var (
	skippedRE     = regexp.MustCompile(`^skipped \d+ (?:objects of kinds|object of a kind) netviz does not read: (.+)$`)
	skippedItemRE = regexp.MustCompile(`^(.+) \((\d+)\)$`)
)

// parseSkipped reads back a warning made by skippedWarning, so that several
// Decode calls on one Cluster still end with a single warning.
func parseSkipped(w string) (map[string]int, bool) {
	m := skippedRE.FindStringSubmatch(w)
	if m == nil {
		return nil, false
	}
	counts := map[string]int{}
	for _, part := range strings.Split(m[1], ", ") {
		p := skippedItemRE.FindStringSubmatch(part)
		if p == nil {
			return nil, false
		}
		n, err := strconv.Atoi(p[2])
		if err != nil {
			return nil, false
		}
		counts[p[1]] += n
	}
	return counts, true
}

// Finish applies the rules that need all input at once. Call it after the
// last Decode; Load and LoadFS call it themselves. It is idempotent.
//
//   - Every namespace an object lives in exists: one that was not declared
//     gets a Namespace object, as it must exist in any real cluster.
//   - Every namespace carries the kubernetes.io/metadata.name label, as the
//     API server sets it (namespaceSelectors match on it).
//   - Workloads whose real pods were loaded are folded away (see
//     foldWorkloads).
//   - Every list is sorted by namespace and name.
func (c *Cluster) Finish() {
	c.addImplicitNamespaces()
	c.foldWorkloads()
	c.Sort()
}

func (c *Cluster) addImplicitNamespaces() {
	declared := map[string]bool{}
	for _, ns := range c.Namespaces {
		defaultNamespace(ns)
		declared[ns.Name] = true
	}
	var used []string
	use := func(ns string) {
		if ns != "" && !declared[ns] {
			declared[ns] = true
			used = append(used, ns)
		}
	}
	for _, o := range c.Pods {
		use(o.Namespace)
	}
	for _, o := range c.Workloads {
		use(o.Namespace)
	}
	for _, o := range c.Services {
		use(o.Namespace)
	}
	for _, o := range c.EndpointSlices {
		use(o.Namespace)
	}
	for _, o := range c.Ingresses {
		use(o.Namespace)
	}
	for _, o := range c.NetworkPolicies {
		use(o.Namespace)
	}
	for _, name := range used {
		ns := &corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: name},
		}
		Default(ns)
		c.Namespaces = append(c.Namespaces, ns)
	}
}

type workloadKey struct{ kind, namespace, name string }

// foldWorkloads makes each running pod count once.
//
// `kubectl get all -o yaml` prints a Deployment, its ReplicaSets and their
// Pods. Each of those would otherwise be a peer of its own, with the same
// labels, so a pod would appear up to three times. The real pods are the
// truth: a controller whose pods are loaded is dropped, and a ReplicaSet or
// Job made by a loaded Deployment or CronJob is folded into that owner.
// Owners are matched by kind and name within the namespace, never by uid,
// which manifests often leave out.
//
// Pods name their controller in ownerReferences. A Workload keeps no owner
// references, so a ReplicaSet or Job is tied to its owner by the name its
// controller gives it: a Deployment names its ReplicaSets
// <deployment>-<pod-template-hash>, and a CronJob names its Jobs
// <cronjob>-<minutes since the epoch>; the owner's pod template labels must
// also be among the child's.
func (c *Cluster) foldWorkloads() {
	loaded := map[workloadKey]*Workload{}
	for _, w := range c.Workloads {
		loaded[workloadKey{w.Kind, w.Namespace, w.Name}] = w
	}
	drop := map[workloadKey]bool{}
	// owner returns the loaded Deployment or CronJob that made the named
	// ReplicaSet or Job, judging by its name and labels.
	owner := func(k workloadKey, lbls map[string]string) (workloadKey, bool) {
		var o workloadKey
		switch k.kind {
		case "ReplicaSet":
			hash := lbls[appsv1.DefaultDeploymentUniqueLabelKey]
			if hash == "" || !strings.HasSuffix(k.name, "-"+hash) {
				return o, false
			}
			o = workloadKey{"Deployment", k.namespace, strings.TrimSuffix(k.name, "-"+hash)}
		case "Job":
			i := strings.LastIndexByte(k.name, '-')
			if i <= 0 || !allDigits(k.name[i+1:]) {
				return o, false
			}
			o = workloadKey{"CronJob", k.namespace, k.name[:i]}
		default:
			return o, false
		}
		w, ok := loaded[o]
		if !ok || !labelsContain(lbls, w.Template.Labels) {
			return o, false
		}
		return o, true
	}
	for _, w := range c.Workloads {
		k := workloadKey{w.Kind, w.Namespace, w.Name}
		if _, ok := owner(k, w.Template.Labels); ok {
			drop[k] = true
		}
	}
	for _, p := range c.Pods {
		ref := ControllerRef(p.OwnerReferences)
		if ref == nil {
			continue
		}
		k := workloadKey{ref.Kind, p.Namespace, ref.Name}
		drop[k] = true
		// The pod's own controller may not be loaded, but its owner can
		// still be recognised from the pod's labels.
		lbls := p.Labels
		if w, ok := loaded[k]; ok {
			lbls = w.Template.Labels
		}
		if o, ok := owner(k, lbls); ok {
			drop[o] = true
		}
	}
	if len(drop) == 0 {
		return
	}
	kept := c.Workloads[:0]
	for _, w := range c.Workloads {
		if !drop[workloadKey{w.Kind, w.Namespace, w.Name}] {
			kept = append(kept, w)
		}
	}
	clear(c.Workloads[len(kept):])
	c.Workloads = kept
}

// ControllerRef returns the owner reference marked as controller or, as
// manifests written by hand often leave the mark out, the first one that
// names a workload kind.
func ControllerRef(refs []metav1.OwnerReference) *metav1.OwnerReference {
	for i := range refs {
		if refs[i].Controller != nil && *refs[i].Controller {
			return &refs[i]
		}
	}
	for i := range refs {
		for _, k := range WorkloadKinds {
			if refs[i].Kind == k {
				return &refs[i]
			}
		}
	}
	return nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// labelsContain reports whether every label in sub is in set.
func labelsContain(set, sub map[string]string) bool {
	for k, v := range sub {
		if got, ok := set[k]; !ok || got != v {
			return false
		}
	}
	return true
}
