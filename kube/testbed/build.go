package testbed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// binaries are the programs hack/kubebin builds; kube/testbed and
// hack/testcluster.sh share them through the cache directory.
var binaries = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kubehelper"}

// BinDir returns the directory the control plane binaries are cached in:
// $NETVIZ_KUBEBIN, or ~/.cache/netviz/kubebin.
func BinDir() (string, error) {
	if d := os.Getenv("NETVIZ_KUBEBIN"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("locate the binary cache: %w", err)
	}
	return filepath.Join(home, ".cache", "netviz", "kubebin"), nil
}

// SourceDir returns hack/kubebin, the Go module the control plane binaries
// are built from. It looks upwards from the working directory (go test runs
// in the package directory) and then from this source file.
func SourceDir() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		starts = append(starts, filepath.Dir(file))
	}
	for _, dir := range starts {
		for {
			src := filepath.Join(dir, "hack", "kubebin")
			if _, err := os.Stat(filepath.Join(src, "go.mod")); err == nil {
				return src, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", errors.New("hack/kubebin/go.mod not found above the working directory")
}

// EnsureBinaries builds etcd, kube-apiserver, kube-controller-manager and
// kubehelper from hack/kubebin into BinDir unless they are there already,
// built from the same sources with the same Go version, and returns BinDir.
// Concurrent callers, in this or other processes (go test runs packages in
// parallel, and hack/testcluster.sh), build once: the others wait for them.
// A cold build takes about four minutes on two cores.
func EnsureBinaries(ctx context.Context) (string, error) {
	bin, err := BinDir()
	if err != nil {
		return "", err
	}
	src, err := SourceDir()
	if err != nil {
		return "", err
	}
	want, err := sourceStamp(ctx, src)
	if err != nil {
		return "", err
	}
	if upToDate(bin, want) {
		return bin, nil
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", fmt.Errorf("create binary cache: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(bin, ".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if upToDate(bin, want) {
		return bin, nil
	}

	fmt.Fprintf(os.Stderr, "testbed: building the control plane into %s (a cold build takes about 4 minutes)\n", bin)
	start := time.Now()
	ldflags, err := ldflags(src)
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(bin, ".build.")
	if err != nil {
		return "", fmt.Errorf("create build dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, "go", "build", "-ldflags", ldflags, "-o", tmp+string(filepath.Separator), "./cmd/...")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod -buildvcs=false")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", src, err, out.String())
	}
	for _, b := range binaries {
		if err := os.Rename(filepath.Join(tmp, b), filepath.Join(bin, b)); err != nil {
			return "", fmt.Errorf("install %s: %w", b, err)
		}
	}
	if err := os.WriteFile(filepath.Join(bin, "stamp"), []byte(want+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("write build stamp: %w", err)
	}
	fmt.Fprintf(os.Stderr, "testbed: built the control plane in %s\n", time.Since(start).Round(time.Second))
	return bin, nil
}

func upToDate(bin, want string) bool {
	for _, b := range binaries {
		if fi, err := os.Stat(filepath.Join(bin, b)); err != nil || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	got, err := os.ReadFile(filepath.Join(bin, "stamp"))
	return err == nil && strings.TrimSpace(string(got)) == want
}

// sourceStamp identifies the sources and the Go toolchain the binaries are
// built from. It must equal hack/testcluster.sh's stamp: the SHA-256 of
// `sha256sum` lines for every *.go, go.mod and go.sum below src, sorted by
// "./"-relative path, followed by `go env GOVERSION`.
func sourceStamp(ctx context.Context, src string) (string, error) {
	var paths []string
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.Type().IsRegular() && (strings.HasSuffix(name, ".go") || name == "go.mod" || name == "go.sum") {
			rel, err := filepath.Rel(src, path)
			if err != nil {
				return err
			}
			paths = append(paths, "./"+filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("list %s: %w", src, err)
	}
	sort.Strings(paths)
	var list bytes.Buffer
	for _, p := range paths {
		data, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(p)))
		if err != nil {
			return "", fmt.Errorf("hash sources: %w", err)
		}
		fmt.Fprintf(&list, "%x  %s\n", sha256.Sum256(data), p)
	}
	goVersion, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOVERSION (is go on PATH?): %w", err)
	}
	list.Write(goVersion)
	return fmt.Sprintf("%x", sha256.Sum256(list.Bytes())), nil
}

// ldflags stamps the Kubernetes release named in hack/kubebin/go.mod into
// the binaries, so /version reports it rather than v0.0.0-master. It matches
// hack/testcluster.sh, so both share Go's build cache.
func ldflags(src string) (string, error) {
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("read go.mod: %w", err)
	}
	var version string
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "k8s.io/kubernetes" {
			version = f[1]
			break
		}
	}
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	if len(parts) < 2 {
		return "", fmt.Errorf("no k8s.io/kubernetes version in %s/go.mod", src)
	}
	flags := "-s -w"
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		flags += fmt.Sprintf(" -X %[1]s.gitVersion=%[2]s -X %[1]s.gitMajor=%[3]s -X %[1]s.gitMinor=%[4]s -X %[1]s.gitTreeState=clean",
			pkg, version, parts[0], parts[1])
	}
	return flags, nil
}
