package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is an esambat serve child process.
type server struct {
	cmd    *exec.Cmd
	exited chan error
	base   string
	log    *os.File
	// ready is how long it took from starting the process to the first
	// 200 from /readyz.
	ready time.Duration
	// pgDSN, when set, is the PostgreSQL server it stores in, whose WAL
	// counters the intake reads.
	pgDSN string
	// wal, when set, is the SQLite write-ahead log it writes, whose size
	// the intake watches.
	wal string
}

// freePort returns a loopback port nobody listens on right now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startServer starts "esambat serve" with args (which name the data) on a
// free loopback port, logs to logPath, and waits for /readyz (at most
// timeout), polling every millisecond so that the ready time is exact to
// about a millisecond.
func startServer(bin, logPath string, timeout time.Duration, args ...string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	args = append([]string{"serve", "--addr", "127.0.0.1:" + strconv.Itoa(port), "--base-url", base,
		// The load driver is one client address with a few accounts:
		// the per-caller limits would measure the limiter.
		"--rate-limit", "100000000,100000000,100000000", "--log-level", "warn"}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	// The server dies with the driver, whatever happens to the driver.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	client := &http.Client{Timeout: time.Second}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s := &server{cmd: cmd, exited: exited, base: base, log: lf}
	deadline := start.Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			lf.Close()
			return nil, fmt.Errorf("esambat serve exited before it was ready (%v); see %s", err, logPath)
		default:
		}
		resp, err := client.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.ready = time.Since(start)
				return s, nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Kill()
	<-exited
	lf.Close()
	return nil, fmt.Errorf("esambat serve not ready after %s; see %s", timeout, logPath)
}

// stop sends SIGTERM (a graceful shutdown) and waits for the process to
// go, killing it after 30 s.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.log.Close()
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// memory returns VmRSS and VmHWM (peak RSS) of a process in bytes.
func memory(pid int) (rss, hwm int64, err error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %q", k, v)
		}
		if k == "VmRSS" {
			rss = n << 10
		} else {
			hwm = n << 10
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS in /proc status")
	}
	return rss, hwm, sc.Err()
}

// maxSampler records the highest value a reading gives while it runs.
type maxSampler struct {
	mu   sync.Mutex
	max  int64
	stop context.CancelFunc
	done chan struct{}
}

// sampleMax calls read every interval until end; failed readings are
// skipped.
func sampleMax(every time.Duration, read func() (int64, error)) *maxSampler {
	ctx, cancel := context.WithCancel(context.Background())
	r := &maxSampler{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if v, err := read(); err == nil {
				r.mu.Lock()
				r.max = max(r.max, v)
				r.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return r
}

// sampleRSS records the highest VmRSS of process pid.
func sampleRSS(pid int, every time.Duration) *maxSampler {
	return sampleMax(every, func() (int64, error) {
		rss, _, err := memory(pid)
		return rss, err
	})
}

// sampleFileSize records the largest size of the file at path.
func sampleFileSize(path string, every time.Duration) *maxSampler {
	return sampleMax(every, func() (int64, error) {
		fi, err := os.Stat(path)
		if err != nil {
			return 0, err
		}
		return fi.Size(), nil
	})
}

// end stops sampling and returns the highest value seen.
func (r *maxSampler) end() int64 {
	r.stop()
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.max
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// settle waits until the RSS of pid has stayed within 1% for 5 s, after at
// least least and at most most, and returns it with the time waited.
func settle(pid int, least, most time.Duration) (int64, time.Duration) {
	start := time.Now()
	var last int64
	stable := 0
	for {
		rss, _, err := memory(pid)
		if err != nil {
			return 0, time.Since(start)
		}
		if last > 0 && rss <= last+last/100 && rss >= last-last/100 {
			stable++
		} else {
			stable = 0
		}
		last = rss
		if (stable >= 5 && time.Since(start) >= least) || time.Since(start) >= most {
			return rss, time.Since(start)
		}
		time.Sleep(time.Second)
	}
}

// clockTick is the unit of utime and stime in /proc/PID/stat (USER_HZ,
// 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpuTime returns the CPU time (user + system) a process has used.
func cpuTime(pid int) (time.Duration, error) {
	own, _, err := procCPU(pid)
	return own, err
}

// procCPU returns the CPU time (user + system) a process has used, and
// that of its children it has waited for (which have exited).
func procCPU(pid int) (own, children time.Duration, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// The command name is in parentheses and may hold spaces: fields are
	// counted after its closing one. utime, stime, cutime and cstime are
	// fields 14 to 17.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 15 {
		return 0, 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	var v [4]int64
	for i := range v {
		if v[i], err = strconv.ParseInt(f[11+i], 10, 64); err != nil {
			return 0, 0, fmt.Errorf("bad /proc/%d/stat", pid)
		}
	}
	return time.Duration(v[0]+v[1]) * clockTick, time.Duration(v[2]+v[3]) * clockTick, nil
}

// commandCPU sums the CPU time of every process whose command name is
// comm (the PostgreSQL server's backends are all "postgres"), with that
// of their children that have exited: PostgreSQL starts a backend per
// connection, and the time of one that ends between two readings moves
// to the postmaster, its parent, which waits for it.
func commandCPU(comm string) time.Duration {
	entries, _ := os.ReadDir("/proc")
	var sum time.Duration
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		c, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil || strings.TrimSpace(string(c)) != comm {
			continue
		}
		if own, children, err := procCPU(pid); err == nil {
			sum += own + children
		}
	}
	return sum
}
