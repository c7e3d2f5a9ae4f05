package testbed

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// bootTimeout bounds building (when the cache is cold) and starting the
// shared control plane.
const bootTimeout = 15 * time.Minute

// shared is the one control plane of a test package that uses Main.
var shared struct {
	mu      sync.Mutex
	enabled bool // Main is in charge
	opts    []Option
	started bool
	cp      *ControlPlane
	err     error
}

// Main is a test package's TestMain: it runs the package's tests and then
// stops the control plane that Require started, if any, and exits.
//
// The control plane starts on the first call to Require, so a test run that
// selects no live test pays nothing. When it cannot be built or started,
// Require skips the test, unless the environment variable CI is true: then
// the test fails. With -short, Require always skips.
func Main(m *testing.M, opts ...Option) {
	shared.mu.Lock()
	shared.enabled = true
	shared.opts = opts
	shared.mu.Unlock()

	code := m.Run()

	shared.mu.Lock()
	cp := shared.cp
	shared.mu.Unlock()
	if cp != nil {
		if err := cp.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "testbed: stop control plane: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// Require returns the test package's shared control plane, starting it on
// first use. Without one it skips t, or fails t when CI is true. Tests that
// share it must not collide: give each its own namespace (see Namespace).
func Require(t testing.TB) *ControlPlane {
	t.Helper()
	cp, err := sharedControlPlane()
	if err == nil {
		return cp
	}
	if errors.Is(err, errShort) {
		t.Skip(err)
	}
	if errors.Is(err, errNoMain) {
		t.Fatal(err)
	}
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatalf("no live control plane (CI=true, so this fails rather than skips): %v", err)
	}
	t.Skipf("no live control plane: %v", err)
	return nil
}

var (
	errShort  = errors.New("live control plane not started with -short")
	errNoMain = errors.New("testbed.Require needs the package's TestMain to call testbed.Main")
)

func sharedControlPlane() (*ControlPlane, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.enabled {
		return nil, errNoMain
	}
	if testing.Short() {
		return nil, errShort
	}
	if !shared.started {
		shared.started = true
		ctx, cancel := context.WithTimeout(context.Background(), bootTimeout)
		defer cancel()
		start := time.Now()
		shared.cp, shared.err = Start(ctx, shared.opts...)
		if shared.err == nil {
			fmt.Fprintf(os.Stderr, "testbed: control plane ready in %s at %s\n", time.Since(start).Round(time.Millisecond), shared.cp.Server())
		}
	}
	return shared.cp, shared.err
}

// Namespace creates a namespace named after the test, with a random suffix,
// waits until pods may be created in it, and deletes it and its pods when
// the test ends. It fails t on error.
func (cp *ControlPlane) Namespace(t testing.TB, labels map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := namespaceName(t.Name())
	if _, err := CreateNamespace(ctx, cp.client, name, labels); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// Pods made without NewPod have a grace period, which no kubelet
		// would ever end: delete them first, at once.
		grace := int64(0)
		err := cp.client.CoreV1().Pods(name).DeleteCollection(ctx,
			metav1.DeleteOptions{GracePeriodSeconds: &grace}, metav1.ListOptions{})
		if err != nil {
			t.Errorf("delete pods in %s: %v", name, err)
		}
		if err := cp.client.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Errorf("delete namespace %s: %v", name, err)
		}
	})
	return name
}

// Node creates a Node with a fresh InternalIP from 10.0.0.0/16 and fails t
// on error. Nodes are cluster-wide: tests sharing a control plane should use
// distinct names.
func (cp *ControlPlane) Node(t testing.TB, name string) *corev1.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n := cp.nextNodeIP.Add(1)
	node, err := CreateNode(ctx, cp.client, name, fmt.Sprintf("10.0.%d.%d", n/254%256, n%254+1))
	if err != nil {
		t.Fatal(err)
	}
	return node
}

// namespaceName turns a test name into a valid, unique namespace name.
func namespaceName(testName string) string {
	b := make([]byte, 0, len(testName))
	for _, r := range []byte(testName) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b = append(b, r)
		case r >= 'A' && r <= 'Z':
			b = append(b, r+'a'-'A')
		default:
			if len(b) > 0 && b[len(b)-1] != '-' {
				b = append(b, '-')
			}
		}
	}
	if len(b) > 40 {
		b = b[:40]
	}
	prefix := strings.Trim(string(b), "-")
	if prefix == "" {
		prefix = "test"
	}
	suffix, err := randomToken()
	if err != nil {
		suffix = strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	return prefix + "-" + suffix[:6]
}
