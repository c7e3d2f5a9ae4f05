//go:build !unix

package testbed

import "context"

// lockFile does nothing where flock(2) does not exist: concurrent builds
// then merely duplicate work.
func lockFile(context.Context, string) (func(), error) { return func() {}, nil }
