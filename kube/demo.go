package kube

import (
	"embed"
	"io/fs"
	"path"
	"sort"
)

// demoFiles is the embedded demo cluster: a small shop that shows every
// Service type, an Ingress, default-deny policies and a few broken paths.
//
//go:embed demo/*.yaml
var demoFiles embed.FS

// LoadDemo reads the embedded demo cluster through the same reader as -f.
func LoadDemo() (*Cluster, []error) {
	c := &Cluster{}
	var errs []error
	names, err := fs.Glob(demoFiles, "demo/*.yaml")
	if err != nil {
		return c, []error{err}
	}
	sort.Strings(names)
	for _, name := range names {
		f, err := demoFiles.Open(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, Decode(c, "demo/"+path.Base(name), f)...)
		f.Close()
	}
	c.Finish()
	return c, errs
}
