package testbed

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// sweepStaleDirs removes the directories of control planes whose test
// process died without calling Stop (killed, or timed out): the components
// died with it, but each directory keeps some 100 MB of etcd data. A
// directory is left alone unless its owner file names a process that no
// longer exists and it is older than a minute, so that planes still
// starting in other processes are never touched.
func sweepStaleDirs() {
	dirs, err := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	if err != nil {
		return
	}
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < time.Minute {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 0 || processExists(pid) {
			continue
		}
		os.RemoveAll(dir)
	}
}
