// Argo CD's sync engine (github.com/argoproj/gitops-engine, v0.7.3: the newest tag the module proxy
// serves; later work moved into argo-cd/gitops-engine/v3, which does not build here) applying
// objects as its own agent does: a cluster cache of the namespace, then engine.Sync, which plans,
// diffs, applies (client-side kubectl apply, Argo CD's default: v0.7.3's server-side apply sends
// no fieldManager, which current apiservers refuse) and waits for health. Three rounds in
// one process: cold (-objects), no-op (-objects again), changed (-changed); prints their times,
// the cache's start-up time and the process's peak memory (VmHWM) as one JSON line, with each round's CPU time,
// its own and the apiserver's and etcd's (BENCH_CLUSTER_PIDS).
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

	"github.com/argoproj/gitops-engine/pkg/cache"
	"github.com/argoproj/gitops-engine/pkg/engine"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the target cluster")
	namespace := flag.String("namespace", "", "the namespace the objects go to")
	objectsFile := flag.String("objects", "", "a JSON array of objects to apply")
	changedFile := flag.String("changed", "", "the same objects with a few changed")
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	fail(err)
	// No client-side throttling: the apiserver is the limit, as for the other engines measured.
	cfg.QPS = -1
	started := time.Now()
	clusterCache := cache.NewClusterCache(cfg, cache.SetNamespaces([]string{*namespace}))
	e := engine.NewEngine(cfg, clusterCache)
	stop, err := e.Run()
	fail(err)
	defer stop()
	cacheMs := float64(time.Since(started).Microseconds()) / 1000

	round := func(file string) (float64, float64, float64, map[string]int) {
		objects := readObjects(file)
		ours := map[string]bool{}
		for _, o := range objects {
			ours[o.GetKind()+"/"+o.GetName()] = true
		}
		start, cpu, clusterCpu := time.Now(), cpuMs(), clusterCpuMs()
		results, err := e.Sync(context.Background(), objects, func(r *cache.Resource) bool {
			return ours[r.Ref.Kind+"/"+r.Ref.Name]
		}, "bench", *namespace)
		fail(err)
		ms := float64(time.Since(start).Microseconds()) / 1000
		counts := map[string]int{}
		for _, r := range results {
			counts[string(r.Status)]++
		}
		return ms, cpuMs() - cpu, clusterCpuMs() - clusterCpu, counts
	}
	coldMs, coldCpu, coldCluster, cold := round(*objectsFile)
	noopMs, noopCpu, noopCluster, noop := round(*objectsFile)
	changeMs, changeCpu, changeCluster, change := round(*changedFile)
	out, _ := json.Marshal(map[string]any{
		"coldMs": coldMs, "noopMs": noopMs, "changeMs": changeMs, "cacheMs": cacheMs, "peakRssMb": hwm(),
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
