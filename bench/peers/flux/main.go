// Flux's server-side apply manager (github.com/fluxcd/pkg/ssa) applying objects the way
// kustomize-controller calls it: ApplyAllStaged with the default apply options. Three rounds in
// one process, as bench/engine-sync-child.ts does for Gitferry's engine: cold (-objects), no-op
// (-objects again) and changed (-changed); prints their times, the actions and the process's
// peak memory (VmHWM) as one JSON line, with each round's CPU time, its own and the apiserver's and
// etcd's (BENCH_CLUSTER_PIDS).
// Built by bench/peers/build.sh into a cache under $HOME; run by bench/peers.ts.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the target cluster")
	objectsFile := flag.String("objects", "", "a JSON array of objects to apply")
	changedFile := flag.String("changed", "", "the same objects with a few changed")
	concurrency := flag.Int("concurrency", 32, "applies in flight (ResourceManager.SetConcurrency)")
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	fail(err)
	// No client-side throttling: the apiserver is the limit, as for the other engines measured.
	cfg.QPS = -1
	c, err := client.New(cfg, client.Options{})
	fail(err)
	poller := polling.NewStatusPoller(c, c.RESTMapper(), polling.Options{})
	rm := ssa.NewResourceManager(c, poller, ssa.Owner{Field: "flux-bench", Group: "bench.gitferry.dev"})
	rm.SetConcurrency(*concurrency)

	round := func(file string) (float64, float64, float64, map[string]int) {
		objects := readObjects(file)
		start, cpu, clusterCpu := time.Now(), cpuMs(), clusterCpuMs()
		cs, err := rm.ApplyAllStaged(context.Background(), objects, ssa.DefaultApplyOptions())
		fail(err)
		ms := float64(time.Since(start).Microseconds()) / 1000
		counts := map[string]int{}
		for _, e := range cs.Entries {
			counts[string(e.Action)]++
		}
		return ms, cpuMs() - cpu, clusterCpuMs() - clusterCpu, counts
	}
	coldMs, coldCpu, coldCluster, cold := round(*objectsFile)
	noopMs, noopCpu, noopCluster, noop := round(*objectsFile)
	changeMs, changeCpu, changeCluster, change := round(*changedFile)
	out, _ := json.Marshal(map[string]any{
		"coldMs": coldMs, "noopMs": noopMs, "changeMs": changeMs, "peakRssMb": hwm(),
		"cpuMs":        map[string]float64{"cold": coldCpu, "noop": noopCpu, "change": changeCpu},
		"clusterCpuMs": map[string]float64{"cold": coldCluster, "noop": noopCluster, "change": changeCluster},
		"counts":       map[string]any{"cold": cold, "noop": noop, "change": change},
	})
	fmt.Println(string(out))
}

func readObjects(file string) []*unstructured.Unstructured {
	raw, err := os.ReadFile(file)
	fail(err)
	var docs []map[string]any
	fail(json.Unmarshal(raw, &docs))
	objects := make([]*unstructured.Unstructured, 0, len(docs))
	for _, d := range docs {
		objects = append(objects, &unstructured.Unstructured{Object: d})
	}
	return objects
}

// cpuMs is the CPU time (user + system) this process has used so far, in ms.
func cpuMs() float64 {
	var ru syscall.Rusage
	fail(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

// clusterCpuMs is the CPU time (user + system) the cluster's processes named in BENCH_CLUSTER_PIDS
// (pids, comma separated: the apiserver's and etcd's) have used so far, in ms; 0 when none is named.
// What an engine costs the control plane it shares with everything else on the cluster.
func clusterCpuMs() float64 {
	total := 0.0
	for _, pid := range strings.Split(os.Getenv("BENCH_CLUSTER_PIDS"), ",") {
		if pid == "" {
			continue
		}
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		fail(err)
		// After "pid (comm) ": state is field 3, utime 14 and stime 15, in clock ticks (100 a second).
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
		utime, _ := strconv.ParseFloat(fields[11], 64)
		stime, _ := strconv.ParseFloat(fields[12], 64)
		total += (utime + stime) * 10
	}
	return total
}

// hwm is this process's peak resident memory (VmHWM), in MB.
func hwm() float64 {
	status, err := os.ReadFile("/proc/self/status")
	fail(err)
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(status)
	if m == nil {
		return 0
	}
	kb, _ := strconv.Atoi(string(m[1]))
	return float64(kb) / 1024
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
