package livetest

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/kube/testbed"
)

// benchPods is the size of the large-cluster benchmark.
const benchPods = 10000

// BenchmarkSync10000Pods measures the first sync of a cluster with 10 000
// running pods (StartLive to the first snapshot), and the heap the live
// source keeps per pod once synced. The pods look like real ones: images,
// environment, volumes, probes, resources and container statuses, which
// the informer transform strips.
//
//	go test ./kube/livetest -run '^$' -bench Sync10000Pods -benchtime 5x -timeout 30m
func BenchmarkSync10000Pods(b *testing.B) {
	cp := testbed.Require(b)
	ns := cp.Namespace(b, nil)
	node := cp.Node(b, ns).Name
	start := time.Now()
	if err := createPods(b.Context(), cp, ns, node, benchPods); err != nil {
		b.Fatal(err)
	}
	b.Logf("created %d running pods in %s", benchPods, time.Since(start).Round(time.Second))

	b.Run("netviz", func(b *testing.B) {
		var heapPerPod float64
		for b.Loop() {
			before := heapInUse()
			l, err := kube.StartLive(b.Context(), cp.Config(), kube.LiveOptions{})
			if err != nil {
				b.Fatal(err)
			}
			c, err := l.WaitForSync(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			if got := countPods(c, ns); got != benchPods {
				b.Fatalf("synced %d pods of %s, want %d", got, ns, benchPods)
			}
			b.StopTimer()
			heapPerPod = float64(heapInUse()-before) / benchPods
			runtime.KeepAlive(c)
			l.Stop()
			b.StartTimer()
		}
		b.ReportMetric(heapPerPod, "heap-B/pod")
	})

	// The baseline: a plain client-go pod informer, with the same wire
	// format but no transform, keeps every pod whole.
	b.Run("plain informer", func(b *testing.B) {
		cfg := cp.Config()
		cfg.ContentType = "application/vnd.kubernetes.protobuf"
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			b.Fatal(err)
		}
		var heapPerPod float64
		for b.Loop() {
			before := heapInUse()
			ctx, cancel := context.WithCancel(b.Context())
			f := informers.NewSharedInformerFactory(cs, 0)
			inf := f.Core().V1().Pods().Informer()
			f.Start(ctx.Done())
			if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
				b.Fatal("pod informer did not sync")
			}
			b.StopTimer()
			heapPerPod = float64(heapInUse()-before) / benchPods
			runtime.KeepAlive(inf)
			cancel()
			f.Shutdown()
			b.StartTimer()
		}
		b.ReportMetric(heapPerPod, "heap-B/pod")
	})
}

func countPods(c *kube.Cluster, ns string) int {
	n := 0
	for _, p := range c.Pods {
		if p.Namespace == ns {
			n++
		}
	}
	return n
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// createPods creates n running pods in ns on node, 32 at a time.
func createPods(ctx context.Context, cp *testbed.ControlPlane, ns, node string, n int) error {
	cs := cp.Client()
	work := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := range work {
				if err := createBulkyPod(ctx, cs, ns, node, i, cp.NextPodIP()); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	for i := range n {
		select {
		case work <- i:
		case err := <-errs:
			close(work)
			wg.Wait()
			return err
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

func createBulkyPod(ctx context.Context, cs kubernetes.Interface, ns, node string, i int, ip string) error {
	app := fmt.Sprintf("app-%d", i%200)
	var env []corev1.EnvVar
	for j := range 20 {
		env = append(env, corev1.EnvVar{Name: fmt.Sprintf("SETTING_%d", j), Value: "some configuration value that takes room"})
	}
	grace := int64(0)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: fmt.Sprintf("%s-%05d", app, i),
			Labels:      map[string]string{"app": app, "tier": "web", "version": "v1"},
			Annotations: map[string]string{"example.com/owner": "team-" + app},
		},
		Spec: corev1.PodSpec{
			NodeName:                      node,
			TerminationGracePeriodSeconds: &grace,
			Volumes: []corev1.Volume{
				{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: app}}}},
				{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			},
			Containers: []corev1.Container{{
				Name:  "app",
				Image: "registry.example.com/team/" + app + ":v1.2.3",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "metrics", ContainerPort: 9090}},
				Env:   env,
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
				},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("http")}}},
				LivenessProbe:  &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/live", Port: intstr.FromString("http")}}},
				VolumeMounts:   []corev1.VolumeMount{{Name: "config", MountPath: "/etc/app"}, {Name: "cache", MountPath: "/cache"}},
			}},
		},
	}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create pod %s: %w", pod.Name, err)
	}
	if _, err := testbed.SetPodStatus(ctx, cs, ns, pod.Name, ip, true); err != nil {
		return err
	}
	return nil
}
