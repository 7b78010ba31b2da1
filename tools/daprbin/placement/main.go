// Dapr's placement service, unchanged: a main of our own so one `go build ./...` builds all three.
package main

import "github.com/dapr/dapr/cmd/placement/app"

func main() { app.Run() }
