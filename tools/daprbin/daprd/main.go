// daprd with only the components this kit uses.
//
// Upstream daprd registers its ~130 components behind the allcomponents/stablecomponents build
// tags; compiling all of them takes longer on a 2-core CI machine than the whole test run may.
// The runtime is the real one (cmd/daprd/app); we only choose which components it can load.
package main

import (
	"github.com/dapr/components-contrib/nameresolution/mdns"
	"github.com/dapr/components-contrib/state/redis"
	"github.com/dapr/dapr/cmd/daprd/app"
	nrLoader "github.com/dapr/dapr/pkg/components/nameresolution"
	stateLoader "github.com/dapr/dapr/pkg/components/state"
)

func main() {
	// The actor state store of the bug report: state.redis.
	stateLoader.DefaultRegistry.RegisterComponent(redis.NewRedisStateStore, "redis")
	// Self-hosted daprd resolves app ids with mDNS when no resolver is configured.
	nrLoader.DefaultRegistry.RegisterComponent(mdns.NewResolver, "mdns")
	app.Run()
}
