package testbed

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

// pollInterval is how often the Wait helpers look again.
const pollInterval = 100 * time.Millisecond

// CreateNamespace creates a namespace and waits for its default
// ServiceAccount: until the controller manager has made it, the API server
// rejects every pod in the namespace.
func CreateNamespace(ctx context.Context, cs kubernetes.Interface, name string, labels map[string]string) (*corev1.Namespace, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	created, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create namespace %s: %w", name, err)
	}
	if err := WaitForServiceAccount(ctx, cs, created.Name, "default"); err != nil {
		return nil, err
	}
	return created, nil
}

// WaitForServiceAccount waits until the ServiceAccount ns/name exists.
func WaitForServiceAccount(ctx context.Context, cs kubernetes.Interface, ns, name string) error {
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		return fmt.Errorf("wait for service account %s/%s: %w", ns, name, err)
	}
	return nil
}

// CreateNode creates a Node reported Ready with the given InternalIP, for
// pods to be bound to. No kubelet runs behind it, and no controller marks it
// unhealthy.
func CreateNode(ctx context.Context, cs kubernetes.Interface, name, internalIP string) (*corev1.Node, error) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:   name,
		Labels: map[string]string{corev1.LabelHostname: name, corev1.LabelOSStable: "linux"},
	}}
	created, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create node %s: %w", name, err)
	}
	now := metav1.Now()
	created.Status = corev1.NodeStatus{
		Phase:     corev1.NodeRunning,
		Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: internalIP}, {Type: corev1.NodeHostName, Address: name}},
		Conditions: []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			LastHeartbeatTime: now, LastTransitionTime: now,
		}},
	}
	updated, err := cs.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("set status of node %s: %w", name, err)
	}
	return updated, nil
}

// NewPod returns a pod with one container "app" listening on the given
// ports. Its termination grace period is zero, so deleting it, or its
// namespace, removes it at once although no kubelet confirms the kill.
func NewPod(ns, name string, labels map[string]string, ports ...corev1.ContainerPort) *corev1.Pod {
	grace := int64(0)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{
				Name:  "app",
				Image: "registry.invalid/netviz/app:never-pulled",
				Ports: ports,
			}},
		},
	}
}

// RunPod creates pod bound to node and then reports it Running and Ready
// with the given IP, as the node's kubelet would. The node must exist, or
// the EndpointSlice controller leaves the pod out.
func RunPod(ctx context.Context, cs kubernetes.Interface, pod *corev1.Pod, node, ip string) (*corev1.Pod, error) {
	pod = pod.DeepCopy()
	pod.Spec.NodeName = node
	created, err := cs.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return SetPodStatus(ctx, cs, created.Namespace, created.Name, ip, true)
}

// SetPodStatus reports pod ns/name Running with the given IP and Ready or
// not, through the status subresource, as a kubelet would.
func SetPodStatus(ctx context.Context, cs kubernetes.Interface, ns, name, ip string, ready bool) (*corev1.Pod, error) {
	var updated *corev1.Pod
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pod, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		pod.Status = runningStatus(pod, ip, ready)
		updated, err = cs.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set status of pod %s/%s: %w", ns, name, err)
	}
	return updated, nil
}

func runningStatus(pod *corev1.Pod, ip string, ready bool) corev1.PodStatus {
	now := metav1.Now()
	readiness := corev1.ConditionFalse
	if ready {
		readiness = corev1.ConditionTrue
	}
	start := now
	if pod.Status.StartTime != nil {
		start = *pod.Status.StartTime
	}
	status := corev1.PodStatus{
		Phase:     corev1.PodRunning,
		PodIP:     ip,
		PodIPs:    []corev1.PodIP{{IP: ip}},
		StartTime: &start,
		QOSClass:  pod.Status.QOSClass,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: start},
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: start},
			{Type: corev1.ContainersReady, Status: readiness, LastTransitionTime: now},
			{Type: corev1.PodReady, Status: readiness, LastTransitionTime: now},
		},
	}
	started := true
	for _, c := range pod.Spec.Containers {
		status.ContainerStatuses = append(status.ContainerStatuses, corev1.ContainerStatus{
			Name:    c.Name,
			Image:   c.Image,
			ImageID: c.Image,
			Ready:   ready,
			Started: &started,
			State:   corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: start}},
		})
	}
	return status
}

// DeletePod deletes pod ns/name at once (grace period zero): no kubelet
// would ever confirm a graceful deletion. A missing pod is no error.
func DeletePod(ctx context.Context, cs kubernetes.Interface, ns, name string) error {
	grace := int64(0)
	err := cs.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &grace})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete pod %s/%s: %w", ns, name, err)
	}
	return nil
}

// NewService returns a ClusterIP Service selecting pods by labels, with one
// TCP port per entry of ports, each named "p<port>" and targeting the same
// port number.
func NewService(ns, name string, selector map[string]string, ports ...int32) *corev1.Service {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.ServiceSpec{Selector: selector},
	}
	for _, p := range ports {
		svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{
			Name:       fmt.Sprintf("p%d", p),
			Protocol:   corev1.ProtocolTCP,
			Port:       p,
			TargetPort: intstr.FromInt32(p),
		})
	}
	return svc
}

// ReadyEndpointIPs returns the sorted, distinct addresses of the ready
// endpoints in the EndpointSlices of Service ns/service.
func ReadyEndpointIPs(ctx context.Context, cs kubernetes.Interface, ns, service string) ([]string, error) {
	list, err := cs.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{
		LabelSelector: discoveryv1.LabelServiceName + "=" + service,
	})
	if err != nil {
		return nil, fmt.Errorf("list endpoint slices of %s/%s: %w", ns, service, err)
	}
	return readyAddresses(list.Items), nil
}

func readyAddresses(items []discoveryv1.EndpointSlice) []string {
	var ips []string
	for _, s := range items {
		for _, ep := range s.Endpoints {
			if ep.Conditions.Ready != nil && *ep.Conditions.Ready {
				ips = append(ips, ep.Addresses...)
			}
		}
	}
	slices.Sort(ips)
	return slices.Compact(ips)
}

// WaitForReadyEndpoints waits until the ready endpoint addresses of Service
// ns/service are exactly want, in any order: the EndpointSlice controller
// works asynchronously, so a test must wait before it reads slices.
func WaitForReadyEndpoints(ctx context.Context, cs kubernetes.Interface, ns, service string, want ...string) error {
	want = slices.Clone(want)
	slices.Sort(want)
	want = slices.Compact(want)
	var got []string
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		var err error
		got, err = ReadyEndpointIPs(ctx, cs, ns, service)
		if err != nil {
			return false, err
		}
		return slices.Equal(got, want), nil
	})
	if err != nil {
		return fmt.Errorf("wait for ready endpoints %v of %s/%s (last seen %v): %w", want, ns, service, got, err)
	}
	return nil
}
