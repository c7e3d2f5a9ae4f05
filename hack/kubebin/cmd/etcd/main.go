// Command etcd is the upstream etcd server, built from Go modules so that
// netviz's live-cluster tests need no prebuilt binaries.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
