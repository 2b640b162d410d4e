// Command watchidle measures the file watcher on a large tree: it builds a
// tree of -files files, watches it, stays idle for -seconds and prints the
// CPU time the process used while idle and how long setting up took.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/tts-portal/ttsui/internal/watch"
)

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	files := flag.Int("files", 20000, "files in the tree")
	perDir := flag.Int("per-dir", 20, "files per directory")
	seconds := flag.Int("seconds", 30, "idle time to measure")
	flag.Parse()
	root, err := os.MkdirTemp("", "watchidle-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(root)
	for i := 0; i < *files; i++ {
		dir := filepath.Join(root, fmt.Sprintf("d%03d", i / *perDir / 50), fmt.Sprintf("e%03d", i / *perDir))
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.go", i)), []byte("package x\n"), 0o644)
	}
	start := time.Now()
	w, err := watch.New(watch.Options{Root: root})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer w.Close()
	setup := time.Since(start)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*seconds)*time.Second)
	defer cancel()
	out := make(chan watch.ChangeSet, 1)
	before := cpu()
	go w.Run(ctx, out)
	<-ctx.Done()
	used := cpu() - before
	fmt.Printf("tree: %d files in %d directories; watch setup %s\n", *files, w.Watched(), setup.Round(time.Millisecond))
	fmt.Printf("idle CPU over %ds: %s (%.3f%% of a core)\n", *seconds, used.Round(time.Microsecond), float64(used)/float64(time.Duration(*seconds)*time.Second)*100)
}
