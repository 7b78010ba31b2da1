// daprd with only the components this kit uses.
//
// Upstream daprd registers its ~130 components in package cmd/daprd/components, each file behind the
// allcomponents/stablecomponents build tags; compiling all of them takes longer on a 2-core CI machine
// than the whole test run may. Without a tag that package holds one file, zz_notag.go, which panics on
// purpose. build-dapr.sh builds against a private copy of the module in which that one file is
// replaced by components.go.in (beside this file): the Redis state store and mDNS, nothing else. The
// runtime itself (cmd/daprd/app) is upstream's, unchanged.
package main

import "github.com/dapr/dapr/cmd/daprd/app"

func main() {
	app.Run()
}
