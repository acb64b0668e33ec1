// Command paperboy is a self-hosted research-paper discovery service.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/paperboy-dev/paperboy/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Options{Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
