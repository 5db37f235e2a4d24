// jsbench: a small, honest stand-in for `nats bench <subject> --js --pub N --msgs M --size S`
// (and its batched form `--pubbatch B`), built on Debian's nats.go (the library natscli's bench
// is built on). It measures JetStream publish throughput: every message counts only once the
// server's publish ack for it has arrived.
//
// Build offline (GOPATH mode, Debian's Go libraries):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off go build -o jsbench .
//
// Two entry points:
//
//	jsbench [flags]                 run one benchmark (see -h)
//	jsbench summarize FILE.jsonl    print a Markdown table of medians from -json output
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/bench"
)

type config struct {
	url       string
	stream    string
	storage   string
	subject   string
	pubs      int
	msgs      int // total, split over publishers like natscli (bench.MsgsPerClient)
	perPub    int // alternative: messages per publisher
	size      int
	mode      string // sync | async | batch
	window    int    // async: max outstanding acks per publisher; batch: batch size
	duration  time.Duration
	jsTimeout time.Duration
	runs      int
	serverPID int
	label     string
	jsonOut   string
	keep      bool
	quiet     bool
}

// pubResult is what one publisher did in one run.
type pubResult struct {
	ok, errs  int
	start     time.Time
	end       time.Time
	latencies []time.Duration // sync mode only: one per acked publish
	err       error
}

// Result is one run, as written (one JSON object a line) by -json.
type Result struct {
	Label       string    `json:"label"`
	Storage     string    `json:"storage"`
	Mode        string    `json:"mode"`
	Window      int       `json:"window"`
	Pubs        int       `json:"pubs"`
	Size        int       `json:"size"`
	Requested   int       `json:"requested"`
	Acked       int       `json:"acked"`
	Errors      int       `json:"errors"`
	TimeCapped  bool      `json:"time_capped"`
	Seconds     float64   `json:"seconds"`
	MsgsPerSec  float64   `json:"msgs_per_sec"`
	MBPerSec    float64   `json:"mb_per_sec"` // 10^6 bytes of payload per second
	PerPubRate  []float64 `json:"per_pub_msgs_per_sec"`
	P50us       float64   `json:"ack_p50_us,omitempty"`
	P99us       float64   `json:"ack_p99_us,omitempty"`
	P999us      float64   `json:"ack_p999_us,omitempty"`
	MaxUs       float64   `json:"ack_max_us,omitempty"`
	ServerCPU   float64   `json:"server_cpu_pct"` // 100 = one core busy, over the timed window; -1 = not measured
	ClientCPU   float64   `json:"client_cpu_pct"` // this process, same window
	StreamMsgs  uint64    `json:"stream_msgs"`
	StreamBytes uint64    `json:"stream_bytes"`
	When        string    `json:"when"`
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "summarize" {
		if err := summarize(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "jsbench summarize:", err)
			os.Exit(1)
		}
		return
	}

	var c config
	fs := flag.NewFlagSet("jsbench", flag.ExitOnError)
	fs.StringVar(&c.url, "url", nats.DefaultURL, "NATS server URL")
	fs.StringVar(&c.stream, "stream", "benchstream", "stream name; created fresh before each run (deleted first if it exists) and deleted after")
	fs.StringVar(&c.storage, "storage", "memory", "stream storage: memory | file")
	fs.StringVar(&c.subject, "subject", "bench.js", "subject to publish to (the stream's only subject)")
	fs.IntVar(&c.pubs, "pubs", 1, "number of publishers, each with its own connection (natscli --pub / --clients)")
	fs.IntVar(&c.msgs, "msgs", 100000, "total messages, split over the publishers like natscli --msgs")
	fs.IntVar(&c.perPub, "msgs-per-pub", 0, "messages per publisher (overrides -msgs when > 0)")
	fs.IntVar(&c.size, "size", 128, "payload size in bytes (natscli --size)")
	fs.StringVar(&c.mode, "mode", "sync", "sync: js.Publish, one at a time (natscli --syncpub / --batch 1); "+
		"async: js.PublishAsync with a sliding window of -window outstanding acks, then PublishAsyncComplete; "+
		"batch: natscli's --pubbatch: PublishAsync -window messages, wait for all their acks, repeat")
	fs.IntVar(&c.window, "window", 256, "async: max outstanding acks per publisher (PublishAsyncMaxPending); batch: batch size")
	fs.DurationVar(&c.duration, "duration", 0, "stop each publisher after this long even if its messages are not all sent (0 = no cap)")
	fs.DurationVar(&c.jsTimeout, "js-timeout", 30*time.Second, "timeout for one sync publish ack, one stall, or the final wait for async acks")
	fs.IntVar(&c.runs, "runs", 1, "repeat the run this many times (fresh stream each time) and print the median")
	fs.IntVar(&c.serverPID, "server-pid", 0, "pid of the nats-server, to report its CPU% over the timed window from /proc/<pid>/stat")
	fs.StringVar(&c.label, "label", "", "label for this case in -json output (default built from the options)")
	fs.StringVar(&c.jsonOut, "json", "", "append one JSON object per run to this file")
	fs.BoolVar(&c.keep, "keep", false, "do not delete the stream after the run")
	fs.BoolVar(&c.quiet, "q", false, "print only the one-line summary per run")
	_ = fs.Parse(os.Args[1:])

	if err := c.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "jsbench:", err)
		os.Exit(2)
	}
	if c.label == "" {
		c.label = c.defaultLabel()
	}

	var results []Result
	for r := 0; r < c.runs; r++ {
		res, err := runOnce(&c)
		if err != nil {
			fmt.Fprintf(os.Stderr, "jsbench: run %d: %v\n", r+1, err)
			os.Exit(1)
		}
		results = append(results, res)
		if c.jsonOut != "" {
			if err := appendJSON(c.jsonOut, res); err != nil {
				fmt.Fprintln(os.Stderr, "jsbench:", err)
				os.Exit(1)
			}
		}
	}
	if c.runs > 1 {
		rates := make([]float64, len(results))
		mbs := make([]float64, len(results))
		p50 := make([]float64, len(results))
		p99 := make([]float64, len(results))
		for i, r := range results {
			rates[i], mbs[i], p50[i], p99[i] = r.MsgsPerSec, r.MBPerSec, r.P50us, r.P99us
		}
		fmt.Printf("median of %d runs [%s]: %s msgs/s, %.2f MB/s", c.runs, c.label, commas(median(rates)), median(mbs))
		if c.mode == "sync" {
			fmt.Printf(", ack p50 %.0f µs, p99 %.0f µs", median(p50), median(p99))
		}
		fmt.Println()
	}
	for _, r := range results {
		if r.Errors > 0 {
			os.Exit(3)
		}
	}
}

func (c *config) validate() error {
	switch c.mode {
	case "sync", "async", "batch":
	default:
		return fmt.Errorf("-mode must be sync, async or batch, not %q", c.mode)
	}
	switch c.storage {
	case "memory", "file":
	default:
		return fmt.Errorf("-storage must be memory or file, not %q", c.storage)
	}
	if c.pubs < 1 || c.size < 0 || c.window < 1 || c.runs < 1 {
		return errors.New("-pubs, -window and -runs must be >= 1, -size >= 0")
	}
	if c.perPub <= 0 && c.msgs < c.pubs {
		return errors.New("-msgs must be at least -pubs")
	}
	return nil
}

func (c *config) defaultLabel() string {
	m := c.mode
	if c.mode != "sync" {
		m = fmt.Sprintf("%s:%d", c.mode, c.window)
	}
	return fmt.Sprintf("%s/%dpub/%s/%dB", c.storage, c.pubs, m, c.size)
}

func (c *config) counts() []int {
	if c.perPub > 0 {
		out := make([]int, c.pubs)
		for i := range out {
			out[i] = c.perPub
		}
		return out
	}
	return bench.MsgsPerClient(c.msgs, c.pubs)
}

func runOnce(c *config) (Result, error) {
	res := Result{Label: c.label, Storage: c.storage, Mode: c.mode, Pubs: c.pubs, Size: c.size,
		When: time.Now().UTC().Format(time.RFC3339)}
	if c.mode != "sync" {
		res.Window = c.window
	}

	admin, err := nats.Connect(c.url, nats.Name("jsbench-admin"))
	if err != nil {
		return res, fmt.Errorf("connect %s: %w", c.url, err)
	}
	defer admin.Close()
	ajs, err := admin.JetStream(nats.MaxWait(c.jsTimeout))
	if err != nil {
		return res, err
	}
	// Fresh stream, natscli's definition (limits retention, discard new, R1, 1 GiB max).
	if err := ajs.DeleteStream(c.stream); err != nil && !errors.Is(err, nats.ErrStreamNotFound) {
		return res, fmt.Errorf("delete old stream %s: %w", c.stream, err)
	}
	st := nats.MemoryStorage
	if c.storage == "file" {
		st = nats.FileStorage
	}
	if _, err := ajs.AddStream(&nats.StreamConfig{Name: c.stream, Subjects: []string{c.subject},
		Retention: nats.LimitsPolicy, Discard: nats.DiscardNew, Storage: st, Replicas: 1,
		MaxBytes: 1 << 30}); err != nil {
		return res, fmt.Errorf("create stream %s: %w", c.stream, err)
	}
	if !c.keep {
		defer func() {
			if err := ajs.DeleteStream(c.stream); err != nil {
				fmt.Fprintf(os.Stderr, "jsbench: delete stream %s: %v\n", c.stream, err)
			}
		}()
	}

	counts := c.counts()
	for _, n := range counts {
		res.Requested += n
	}
	conns := make([]*nats.Conn, c.pubs)
	for i := range conns {
		nc, err := nats.Connect(c.url, nats.Name(fmt.Sprintf("jsbench-pub-%d", i)))
		if err != nil {
			return res, fmt.Errorf("publisher %d connect: %w", i, err)
		}
		defer nc.Close()
		conns[i] = nc
	}

	payload := make([]byte, c.size)
	for i := range payload {
		payload[i] = 'a' + byte(i%26)
	}

	var deadline time.Time
	results := make([]pubResult, c.pubs)
	var ready, done sync.WaitGroup
	trigger := make(chan struct{})
	for i := range conns {
		ready.Add(1)
		done.Add(1)
		go func(i int) {
			defer done.Done()
			ready.Done()
			<-trigger
			results[i] = publish(c, conns[i], payload, counts[i], deadline)
		}(i)
	}
	ready.Wait()
	srv0, _ := cpuTicks(c.serverPID)
	cli0, _ := cpuTicks(os.Getpid())
	t0 := time.Now()
	if c.duration > 0 {
		deadline = t0.Add(c.duration) // written before close(trigger): visible to the publishers
	}
	close(trigger)
	done.Wait()
	wall := time.Since(t0)
	srv1, srvOK := cpuTicks(c.serverPID)
	cli1, _ := cpuTicks(os.Getpid())

	// Aggregate like natscli: the group spans the earliest start to the latest end.
	bm := bench.NewBenchmark("NATS", 0, c.pubs)
	var lat []time.Duration
	for i, r := range results {
		if r.err != nil {
			return res, fmt.Errorf("publisher %d: %w", i, r.err)
		}
		res.Acked += r.ok
		res.Errors += r.errs
		bm.AddPubSample(bench.NewSample(r.ok, c.size, r.start, r.end, conns[i]))
		lat = append(lat, r.latencies...)
	}
	bm.Close()
	res.TimeCapped = res.Acked+res.Errors < res.Requested
	res.Seconds = bm.Pubs.Seconds()
	res.MsgsPerSec = float64(res.Acked) / res.Seconds
	res.MBPerSec = float64(res.Acked) * float64(c.size) / res.Seconds / 1e6
	for _, s := range bm.Pubs.Samples {
		res.PerPubRate = append(res.PerPubRate, float64(s.JobMsgCnt)/s.Seconds())
	}
	if len(lat) > 0 {
		sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
		res.P50us = us(quantile(lat, 0.50))
		res.P99us = us(quantile(lat, 0.99))
		res.P999us = us(quantile(lat, 0.999))
		res.MaxUs = us(lat[len(lat)-1])
	}
	const hz = 100.0 // USER_HZ: /proc/<pid>/stat counts in 1/100 s on Linux
	res.ServerCPU = -1
	if srvOK {
		res.ServerCPU = float64(srv1-srv0) / hz / wall.Seconds() * 100
	}
	res.ClientCPU = float64(cli1-cli0) / hz / wall.Seconds() * 100

	if si, err := ajs.StreamInfo(c.stream); err == nil {
		res.StreamMsgs, res.StreamBytes = si.State.Msgs, si.State.Bytes
	}

	report(c, bm, res)
	return res, nil
}

// publish runs one publisher: n messages (or until the deadline), counting a message only when
// its ack has come back from the server.
func publish(c *config, nc *nats.Conn, payload []byte, n int, deadline time.Time) pubResult {
	var r pubResult
	capped := !deadline.IsZero()
	var errCount int64
	opts := []nats.JSOpt{nats.MaxWait(c.jsTimeout)}
	switch c.mode {
	case "async":
		opts = append(opts, nats.PublishAsyncMaxPending(c.window))
	case "batch":
		// natscli uses the context's default window (4000), larger than any batch it waits on.
	}
	opts = append(opts, nats.PublishAsyncErrHandler(func(_ nats.JetStream, _ *nats.Msg, _ error) {
		atomic.AddInt64(&errCount, 1)
	}))
	js, err := nc.JetStream(opts...)
	if err != nil {
		r.err = err
		return r
	}

	r.start = time.Now()
	switch c.mode {
	case "sync":
		r.latencies = make([]time.Duration, 0, n)
		for i := 0; i < n; i++ {
			t := time.Now()
			if capped && t.After(deadline) {
				break
			}
			if _, err := js.Publish(c.subject, payload); err != nil {
				r.errs++
				if errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrConnectionClosed) {
					r.err = fmt.Errorf("sync publish: %w", err)
					return r
				}
				continue
			}
			r.latencies = append(r.latencies, time.Since(t))
			r.ok++
		}
	case "async":
		sent := 0
		for ; sent < n; sent++ {
			if capped && sent%64 == 0 && time.Now().After(deadline) {
				break
			}
			// StallWait: block (up to the JS timeout) while the window is full, instead of
			// nats.go's default of failing after 200 ms.
			if _, err := js.PublishAsync(c.subject, payload, nats.StallWait(c.jsTimeout)); err != nil {
				r.err = fmt.Errorf("async publish: %w", err)
				return r
			}
		}
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(c.jsTimeout):
			r.err = fmt.Errorf("async: %d acks still pending after %v", js.PublishAsyncPending(), c.jsTimeout)
			return r
		}
		r.errs = int(atomic.LoadInt64(&errCount))
		r.ok = sent - r.errs
	case "batch": // natscli's jsPublisher loop with --pubbatch B
		sent := 0
		futures := make([]nats.PubAckFuture, 0, c.window)
		for sent < n {
			if capped && time.Now().After(deadline) {
				break
			}
			futures = futures[:0]
			for j := 0; j < c.window && sent < n; j++ {
				f, err := js.PublishAsync(c.subject, payload, nats.StallWait(c.jsTimeout))
				if err != nil {
					r.err = fmt.Errorf("batch publish: %w", err)
					return r
				}
				futures = append(futures, f)
				sent++
			}
			select {
			case <-js.PublishAsyncComplete():
			case <-time.After(c.jsTimeout):
				r.err = fmt.Errorf("batch: %d acks still pending after %v", js.PublishAsyncPending(), c.jsTimeout)
				return r
			}
			for _, f := range futures {
				select {
				case <-f.Ok():
					r.ok++
				case <-f.Err():
					r.errs++
				}
			}
		}
	}
	if err := nc.Flush(); err != nil { // as natscli does before taking the end time
		r.err = err
		return r
	}
	r.end = time.Now()
	return r
}

func report(c *config, bm *bench.Benchmark, r Result) {
	line := fmt.Sprintf("[%s] %s msgs/s, %.2f MB/s (%d acked in %.2fs", r.Label, commas(r.MsgsPerSec), r.MBPerSec, r.Acked, r.Seconds)
	if r.TimeCapped {
		line += fmt.Sprintf(", stopped by -duration %v before %d", c.duration, r.Requested)
	}
	line += ")"
	if r.Errors > 0 {
		line += fmt.Sprintf(", %d PUBLISH ERRORS", r.Errors)
	}
	if r.P50us > 0 {
		line += fmt.Sprintf(", ack p50 %.0f µs p99 %.0f µs p99.9 %.0f µs max %.0f µs", r.P50us, r.P99us, r.P999us, r.MaxUs)
	}
	if r.ServerCPU >= 0 {
		line += fmt.Sprintf(", cpu server %.0f%%", r.ServerCPU)
	}
	line += fmt.Sprintf(", cpu client %.0f%%", r.ClientCPU)
	if r.StreamMsgs != uint64(r.Acked) {
		line += fmt.Sprintf(", STREAM HOLDS %d MSGS", r.StreamMsgs)
	}
	if !c.quiet {
		// natscli's own report format (same nats.go/bench code), per publisher included.
		// Note: its "MB/sec" is 1024-based; the summary line above uses 10^6 bytes.
		fmt.Print(bm.Report())
	}
	fmt.Println(line)
}

// cpuTicks returns utime+stime of pid from /proc/<pid>/stat (fields 14 and 15).
func cpuTicks(pid int) (uint64, bool) {
	if pid <= 0 {
		return 0, false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // comm may contain spaces
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	k, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return u + k, true
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	if i < 0 {
		i = 0
	}
	return sorted[i]
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func commas(f float64) string {
	s := strconv.FormatInt(int64(math.Round(f)), 10)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}

func appendJSON(path string, r Result) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	b, _ := json.Marshal(r)
	_, err = f.Write(append(b, '\n'))
	return err
}

// summarize reads -json output and prints one Markdown row per label (in first-seen order)
// with the median over that label's runs.
func summarize(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: jsbench summarize FILE.jsonl")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	byLabel := map[string][]Result{}
	var order []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return err
		}
		if _, ok := byLabel[r.Label]; !ok {
			order = append(order, r.Label)
		}
		byLabel[r.Label] = append(byLabel[r.Label], r)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Println("| storage | pubs | mode | runs | msgs/s (median) | min–max msgs/s | MB/s | per-pub msgs/s | ack p50 µs | ack p99 µs | server CPU % | client CPU % | acked/run | notes |")
	fmt.Println("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, l := range order {
		rs := byLabel[l]
		get := func(fn func(Result) float64) float64 {
			v := make([]float64, len(rs))
			for i, r := range rs {
				v[i] = fn(r)
			}
			return median(v)
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		var notes []string
		capped, errs, short := 0, 0, 0
		for _, r := range rs {
			if r.StreamMsgs != uint64(r.Acked) {
				short++
			}
			lo, hi = math.Min(lo, r.MsgsPerSec), math.Max(hi, r.MsgsPerSec)
			if r.TimeCapped {
				capped++
			}
			errs += r.Errors
		}
		if capped > 0 {
			notes = append(notes, fmt.Sprintf("%d/%d runs hit the time cap", capped, len(rs)))
		}
		if short > 0 {
			notes = append(notes, fmt.Sprintf("%d runs: stream count != acks", short))
		}
		if errs > 0 {
			notes = append(notes, fmt.Sprintf("%d publish errors", errs))
		}
		r0 := rs[0]
		mode := r0.Mode
		if r0.Mode != "sync" {
			mode = fmt.Sprintf("%s %d", r0.Mode, r0.Window)
		}
		perPub := get(func(r Result) float64 { return median(r.PerPubRate) })
		lat50, lat99 := "–", "–"
		if r0.Mode == "sync" {
			lat50 = fmt.Sprintf("%.0f", get(func(r Result) float64 { return r.P50us }))
			lat99 = fmt.Sprintf("%.0f", get(func(r Result) float64 { return r.P99us }))
		}
		srvCPU := "n/a"
		if v := get(func(r Result) float64 { return r.ServerCPU }); v >= 0 {
			srvCPU = fmt.Sprintf("%.0f", v)
		}
		fmt.Printf("| %s | %d | %s | %d | %s | %s–%s | %.2f | %s | %s | %s | %s | %.0f | %s | %s |\n",
			r0.Storage, r0.Pubs, mode, len(rs),
			commas(get(func(r Result) float64 { return r.MsgsPerSec })), commas(lo), commas(hi),
			get(func(r Result) float64 { return r.MBPerSec }), commas(perPub), lat50, lat99,
			srvCPU, get(func(r Result) float64 { return r.ClientCPU }),
			commas(get(func(r Result) float64 { return float64(r.Acked) })), strings.Join(notes, "; "))
	}
	return nil
}
