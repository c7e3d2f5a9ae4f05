package ui

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBinaryInTmux runs the real netviz binary on the demo in tmux and
// drives it like a user: open, filter, follow an edge, trace a denied pair
// and read the reason, export DOT, quit. Without tmux it is skipped,
// except in CI (CI=true), where it fails.
func TestBinaryInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed; CI must install it (apt-get install -y tmux)")
		}
		t.Skip("tmux is not installed")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "netviz")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build netviz: %v\n%s", err, out)
	}
	help, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(help), "--theme") {
		t.Skipf("this netviz has no terminal UI yet (--help: %v)", err)
	}

	session := "netviz-e2e-" + strconv.Itoa(os.Getpid())
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(tmux, append([]string{"-L", session}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("new-session", "-d", "-s", session, "-x", "120", "-y", "36", "-c", dir,
		"env", "TERM=xterm-256color", "NETVIZ_THEME=", bin, "--demo")
	defer exec.Command(tmux, "-L", session, "kill-server").Run()

	screen := func() string { return run("capture-pane", "-p", "-t", session) }
	wait := func(what string, texts ...string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		var s string
		for time.Now().Before(deadline) {
			s = screen()
			ok := true
			for _, x := range texts {
				ok = ok && strings.Contains(s, x)
			}
			if ok {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s: the screen never showed %q:\n%s", what, texts, s)
	}
	keys := func(k ...string) { run(append([]string{"send-keys", "-t", session}, k...)...) }
	text := func(s string) { run("send-keys", "-t", session, "-l", s) }

	wait("open", "Namespaces", "reviews/bookinfo", "demo")

	text("/shop")
	keys("Enter")
	wait("filter", "Namespaces 1/1 /shop", "13 pol")

	// Objects pane, down to Service cart, open it, follow its first
	// backend.
	keys("l", "j", "Enter")
	wait("open the Service", "svc/shop/cart", "BACKENDS (3")
	keys("l", "Enter")
	wait("follow an edge", "pod/shop/cart-5f7b9c6d8-4tq2m", "WHO MAY REACH IT")

	text(":trace default/netshoot shop/db-0 5432")
	keys("Enter")
	wait("trace a denied pair", "DENIED", "no ingress rule allows port 5432/TCP from default/netshoot")

	keys("x")
	wait("export", "wrote DOT to")
	dot, err := os.ReadFile(filepath.Join(dir, "netviz-trace-default-netshoot-to-shop-db-0.dot"))
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if !strings.Contains(string(dot), "digraph netviz") || !strings.Contains(string(dot), "blocked by") {
		t.Errorf("the exported DOT is not the denied trace:\n%s", dot)
	}

	keys("q")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if exec.Command(tmux, "-L", session, "has-session", "-t", session).Run() != nil {
			return // netviz exited and the session ended
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("q did not quit:\n%s", screen())
}
