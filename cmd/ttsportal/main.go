// Command ttsportal is the TTS portal server that runs in the stack's web
// container.
//
//	ttsportal              serve (configuration from the environment)
//	ttsportal healthcheck  exit 0 when the local server answers /healthz
//	ttsportal version      print the build version
//
// Signals: SIGHUP reloads the docroot, SIGTERM and SIGINT drain and exit.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	_ "time/tzdata" // the scratch image has no zoneinfo

	"github.com/tts-portal/ttsui/internal/portal"
	"github.com/tts-portal/ttsui/internal/webapp"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 {
		switch args[0] {
		case "healthcheck":
			os.Exit(healthcheck())
		case "version", "--version":
			fmt.Println(portal.CurrentVersion())
			return
		case "-h", "--help", "help":
			fmt.Println("usage: ttsportal [healthcheck|version]\nConfiguration comes from the environment; see the README.")
			return
		default:
			fmt.Fprintf(os.Stderr, "ttsportal: unknown command %q (want healthcheck or version)\n", args[0])
			os.Exit(2)
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := serve(log); err != nil {
		log.Error("ttsportal stopped", "err", err)
		os.Exit(1)
	}
}

func serve(log *slog.Logger) error {
	cfg, err := webapp.LoadConfig(os.LookupEnv, webapp.UsableCores())
	if err != nil {
		return fmt.Errorf("invalid configuration (fix the environment and start again):\n%w", err)
	}
	srv, err := webapp.New(cfg, log, nil)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				srv.Reload()
			}
		}
	}()
	return srv.Run(ctx, ln)
}

// healthcheck is the image's HEALTHCHECK: the scratch image has no shell or
// curl, so the binary checks itself.
func healthcheck() int {
	port := os.Getenv("PORT")
	if port == "" {
		port = "80"
	}
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://127.0.0.1:" + port + "/healthz")
	if err != nil {
		fmt.Fprintln(os.Stderr, "unhealthy:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "unhealthy: /healthz answered", resp.Status)
		return 1
	}
	return 0
}
