package ui

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/ui/common"
)

var shotsDir = flag.String("shots", "", "write the screenshot renders (true-colour ANSI) of each main view to this folder")

// shots are the main views, as the README shows them.
var shots = []struct {
	name string
	msgs []tea.Msg
}{
	{"browser", keys(":", "ns shop", "enter", "l", "j")},
	{"graph-service", []tea.Msg{common.OpenMsg{Key: "svc/shop/frontend"}, keys("l")[0]}},
	{"graph-pod", []tea.Msg{common.OpenMsg{Key: "pod/" + cartPod}}},
	{"trace-denied", []tea.Msg{common.TraceMsg{Req: graph.TraceRequest{From: "default/netshoot", To: "shop/db-0", Port: "5432", Protocol: policy.TCP}}}},
	{"trace-ingress", []tea.Msg{common.TraceMsg{Req: graph.TraceRequest{From: "internet", To: "ingress/shop/shop"}}, keys("G")[0]}},
	{"matrix", keys("4", "j", "l")},
	{"matrix-pods", keys("4", "G", "$", "enter", "j", "j", "l", "l", "l", "l", "l", "l", "l", "l", "l", "l")},
	{"policy", []tea.Msg{common.OpenMsg{Key: "policy/shop/db"}}},
	{"help", keys("?")},
	{"insights", keys("6", "j", "j", "j")},
}

// TestScreenshots renders each main view of the demo at 120×36 with the
// default theme, for scripts/screenshots.sh to turn into PNGs. Without
// -shots it only checks that every view renders.
func TestScreenshots(t *testing.T) {
	for _, s := range shots {
		m := newTestModel(t, demoCluster(t), 120, 36)
		m = send(t, m, s.msgs...)
		out := m.View().Content
		checkFits(t, screen(m), 120, 36)
		if *shotsDir == "" {
			continue
		}
		if err := os.MkdirAll(*shotsDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*shotsDir, s.name+".ansi"), []byte(out+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
