package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
)

// cpuTimes are the CPU seconds (user + system) used so far by the server
// process, by the PostgreSQL cluster (the postmaster, its live children and
// the children it has reaped) and by this process (the load generator).
// On a shared machine rates swing with everyone else's load; the CPU a
// ticket costs each side does much less.
type cpuTimes struct{ server, postgres, loadgen float64 }

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// procCPU reads utime+stime (and, with children, cutime+cstime) of pid.
func procCPU(pid int, children bool) (self float64, ppid int, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 15 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	sum := 0.0
	last := 12 // utime, stime: fields 14, 15
	if children {
		last = 14 // cutime, cstime: fields 16, 17
	}
	for _, k := range f[11 : last+1] {
		v, _ := strconv.ParseFloat(k, 64)
		sum += v
	}
	return sum / clockTicks, ppid, true
}

func (p *perfServer) cpu() cpuTimes {
	var c cpuTimes
	if p.cmd != nil && p.cmd.Process != nil {
		c.server, _, _ = procCPU(p.cmd.Process.Pid, false)
	}
	c.loadgen, _, _ = procCPU(os.Getpid(), false)
	b, err := os.ReadFile(filepath.Join(p.dir, "pg", "postmaster.pid"))
	if err != nil {
		return c
	}
	pm, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		return c
	}
	c.postgres, _, _ = procCPU(pm, true)
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if t, ppid, ok := procCPU(pid, false); ok && ppid == pm {
			c.postgres += t
		}
	}
	return c
}

// perTicket describes the CPU used between two readings per 1,000 tickets.
func (a cpuTimes) perTicket(b cpuTimes, tickets int64) string {
	if tickets <= 0 {
		return "no tickets"
	}
	k := 1000 / float64(tickets) * 1000 // ms per 1,000 tickets
	return fmt.Sprintf("server %.0f, PostgreSQL %.0f, load generator %.0f (CPU ms a 1,000 tickets)",
		(a.server-b.server)*k, (a.postgres-b.postgres)*k, (a.loadgen-b.loadgen)*k)
}

// perRow describes the CPU used between two readings per 1,000 rows of a
// COPY (no server runs in it).
func (a cpuTimes) perRow(b cpuTimes, rows int64) string {
	if rows <= 0 {
		return "no rows"
	}
	k := 1000 / float64(rows) * 1000 // ms per 1,000 rows
	return fmt.Sprintf("PostgreSQL %.1f, load generator %.1f (CPU ms a 1,000 rows)", (a.postgres-b.postgres)*k, (a.loadgen-b.loadgen)*k)
}

// total is the CPU seconds of all three sides.
func (a cpuTimes) total() float64 { return a.server + a.postgres + a.loadgen }

// profileSelf profiles this process (the load generator) until the
// returned func is called.
func profileSelf(env *cmdEnv, file string) func() {
	f, err := os.Create(file)
	if err != nil {
		fmt.Fprintln(env.stderr, "perf: profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		fmt.Fprintln(env.stderr, "perf: profile:", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// pgCounters are cluster-wide counters of PostgreSQL: WAL written and who
// wrote dirty shared buffers out. A backend that must evict a dirty buffer
// writes it itself, inside its statement: for the ledger writer's
// connection that is time on the serial path of every group.
type pgCounters struct {
	ok                                    bool
	wal                                   int64 // bytes (pg_current_wal_lsn)
	checkpoints, byCheckpoint, byBGWriter int64
	byBackend, allocated                  int64
}

const sqlPGCounters = `SELECT pg_current_wal_lsn() - '0/0', checkpoints_timed + checkpoints_req, buffers_checkpoint,
  buffers_clean, buffers_backend, buffers_alloc FROM pg_stat_bgwriter`

func (p *perfServer) pgStats(ctx context.Context) pgCounters {
	var c pgCounters
	var wal float64
	err := p.owner.QueryRow(ctx, sqlPGCounters).Scan(&wal, &c.checkpoints, &c.byCheckpoint, &c.byBGWriter, &c.byBackend, &c.allocated)
	c.ok, c.wal = err == nil, int64(wal)
	return c
}

// since describes the counters' movement between two readings.
func (a pgCounters) since(b pgCounters, tickets int64) string {
	if !a.ok || !b.ok || tickets <= 0 {
		return "counters unavailable"
	}
	return fmt.Sprintf("WAL %.0f MB (%.0f bytes a ticket), %d checkpoints; shared buffers written by backends %d, by the background writer %d, by the checkpointer %d; %d allocated",
		float64(a.wal-b.wal)/1e6, float64(a.wal-b.wal)/float64(tickets), a.checkpoints-b.checkpoints,
		a.byBackend-b.byBackend, a.byBGWriter-b.byBGWriter, a.byCheckpoint-b.byCheckpoint, a.allocated-b.allocated)
}
