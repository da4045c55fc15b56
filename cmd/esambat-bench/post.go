package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// cmdPost posts reports to a running server (seeded by esambat seed-demo,
// whose residents it signs in as) for a while and prints what it got: the
// write load of scripts/stats-wal.sh, which watches what the server does
// meanwhile.
func cmdPost(args []string) error {
	fs := flag.NewFlagSet("post", flag.ContinueOnError)
	base := fs.String("base", "", "the server's URL, e.g. http://127.0.0.1:18300")
	clients := fs.Int("clients", 8, "concurrent clients, each signed in as a demo resident of its own")
	dur := fs.Duration("duration", 30*time.Second, "how long to post")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *base == "" || *clients < 1 || *dur <= 0 {
		return errors.New("post: give --base, and --clients and --duration above zero")
	}
	b := strings.TrimRight(*base, "/")
	tokens, err := login(newClient(1), b, *clients)
	if err != nil {
		return fmt.Errorf("post: %w (a database seeded by esambat seed-demo has the accounts)", err)
	}
	bodies, err := reportBodies(1000)
	if err != nil {
		return err
	}
	l := intake(b, tokens, bodies, http.StatusCreated, *clients, 0, *dur)
	fmt.Printf("posted for %v with %d clients: %d created (%.0f/s), %d failed, p50 %s, p99 %s\n",
		*dur, *clients, l.n, l.rate(), l.errors, ms(l.p50), ms(l.p99))
	if l.errors > 0 {
		fmt.Printf("first failure: %s\n", l.firstErr)
	}
	return nil
}
