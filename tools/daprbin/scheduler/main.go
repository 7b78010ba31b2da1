// Dapr's scheduler service (embedded etcd), unchanged: it fires the run-activity reminders.
package main

import "github.com/dapr/dapr/cmd/scheduler/app"

func main() { app.Run() }
