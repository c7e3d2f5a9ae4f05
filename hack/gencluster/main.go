// Command gencluster writes a generated cluster of any size as YAML, the
// same clusters netviz's benchmarks use, so figures can be reproduced with
// the real binary: go run ./hack/gencluster -pods 5000 > cluster.yaml
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/netviz/netviz/kube/synth"
)

func main() {
	pods := flag.Int("pods", 1000, "how many pods")
	seed := flag.Int64("seed", 1, "random seed; the same seed gives the same cluster")
	flag.Parse()
	w := bufio.NewWriter(os.Stdout)
	if err := synth.WriteYAML(w, synth.Generate(synth.Options{Pods: *pods, Seed: *seed})); err != nil {
		fmt.Fprintln(os.Stderr, "gencluster:", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gencluster:", err)
		os.Exit(1)
	}
}
