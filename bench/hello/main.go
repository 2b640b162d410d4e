// Command hello is the bare baseline for bench/portal.sh: a plain net/http
// handler that writes a short body, so the benchmark can report the portal's
// throughput as a ratio of what Go's HTTP server does on the same machine.
package main

import (
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("hello\n"))
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
