package kube

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
)

// FuzzDecode feeds arbitrary bytes to Decode. Whatever the input, Decode
// must not panic or hang, every error must be a one-line *LoadError, and
// every object that loads must pass validation and be fully defaulted.
// The seeds are every file under testdata.
func FuzzDecode(f *testing.F) {
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f.Add(data)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("{}{}[]"))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems: [{kind: PodList, items: [{}]}]\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		c := &Cluster{}
		errs := Decode(c, "fuzz.yaml", bytes.NewReader(data))
		c.Finish()
		for _, e := range errs {
			var le *LoadError
			if !errors.As(e, &le) {
				t.Fatalf("error %q is %T, want *LoadError", e, e)
			}
			if strings.Contains(e.Error(), "\n") {
				t.Fatalf("error spans lines: %q", e)
			}
		}
		var objs []runtime.Object
		for _, o := range c.Namespaces {
			objs = append(objs, o)
		}
		for _, o := range c.Pods {
			objs = append(objs, o)
		}
		for _, o := range c.Services {
			objs = append(objs, o)
		}
		for _, o := range c.NetworkPolicies {
			objs = append(objs, o)
		}
		for _, o := range c.EndpointSlices {
			objs = append(objs, o)
		}
		for _, o := range c.Ingresses {
			objs = append(objs, o)
		}
		for _, o := range objs {
			if verrs := Validate(o); len(verrs) > 0 {
				t.Fatalf("loaded object fails validation: %v", verrs[0])
			}
			again := o.DeepCopyObject()
			Default(again)
			if !reflect.DeepEqual(o, again) {
				t.Fatalf("loaded %T is not fully defaulted", o)
			}
		}
	})
}
