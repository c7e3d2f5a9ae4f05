// Package testbed runs a real etcd, kube-apiserver and
// kube-controller-manager on loopback ports for netviz's live-cluster tests,
// with no container runtime and no kubelet.
//
// The binaries are built from the separate Go module in hack/kubebin (see
// EnsureBinaries) and cached outside the repository. The controller manager
// runs only the controllers whose output netviz reads: ServiceAccounts,
// EndpointSlices (and their mirroring), namespace deletion, garbage
// collection and the kube-root-ca.crt ConfigMap. Pods never run: RunPod binds
// a pod to a Node object and reports it Running and Ready the way a kubelet
// would, so the EndpointSlice controller lists it.
//
// A test package uses one control plane for all its tests:
//
//	func TestMain(m *testing.M) { testbed.Main(m) }
//
//	func TestLive(t *testing.T) {
//		cp := testbed.Require(t) // skips, or fails when CI=true, without a control plane
//		ns := cp.Namespace(t, nil)
//		...
//	}
package testbed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Users provisioned in every control plane's token file. All but UserAdmin
// start with no permissions beyond what the API server grants every
// authenticated user; tests bind Roles and ClusterRoles to them through the
// admin client.
const (
	// UserAdmin is in system:masters and may do anything.
	UserAdmin = "admin"
	// UserViewer is meant for cluster-wide read access.
	UserViewer = "viewer"
	// UserNamespaceViewer is meant for read access to some namespaces only.
	UserNamespaceViewer = "ns-viewer"
	// UserNoNetpol is meant for read access to everything but NetworkPolicies.
	UserNoNetpol = "no-netpol"
)

// controllers are the kube-controller-manager controllers the control plane
// runs: those whose output netviz reads, and those that keep namespaces
// usable (ServiceAccounts, deletion, garbage collection).
var controllers = []string{
	"serviceaccount-controller",
	"namespace-controller",
	"endpointslice-controller",
	"endpointslice-mirroring-controller",
	"garbage-collector-controller",
	"root-ca-certificate-publisher-controller",
}

// dirPrefix names control plane directories in the temporary directory;
// ownerFile in each holds the pid of the process that started it.
const (
	dirPrefix = "netviz-testbed-"
	ownerFile = "owner.pid"
)

// controllerManagerUser is the token user kube-controller-manager runs as.
const controllerManagerUser = "system:kube-controller-manager"

// startTimeout bounds how long one component may take to become ready.
const startTimeout = 60 * time.Second

// Option changes how Start sets up a control plane.
type Option func(*options)

type options struct {
	users []tokenUser
}

type tokenUser struct {
	name   string
	groups []string
}

// WithUser provisions one more token user, in the given groups. The API
// server reads its token file only at start, so every user a test needs must
// be named here (or be a ServiceAccount: see ServiceAccountUser).
func WithUser(name string, groups ...string) Option {
	return func(o *options) { o.users = append(o.users, tokenUser{name: name, groups: groups}) }
}

// ControlPlane is a running etcd, kube-apiserver and kube-controller-manager
// in a temporary directory. Its methods are safe for concurrent use.
type ControlPlane struct {
	dir    string
	bin    string
	server string
	port   int

	apiArgs []string
	admin   *rest.Config
	client  kubernetes.Interface
	users   map[string]string // name → token

	nextIP     atomic.Uint32
	nextNodeIP atomic.Uint32

	mu        sync.Mutex
	etcd      *process
	apiserver *process
	kcm       *process
	stopped   bool
}

// Start builds the control plane binaries if needed (see EnsureBinaries) and
// starts etcd, kube-apiserver and kube-controller-manager on free loopback
// ports. It returns once the API server is ready and the controller manager
// has created the default ServiceAccount of the default namespace. Call Stop
// when done. Set NETVIZ_TESTBED_KEEP=1 to keep the directory with the logs
// after Stop.
func Start(ctx context.Context, opts ...Option) (*ControlPlane, error) {
	o := options{users: []tokenUser{{name: UserViewer}, {name: UserNamespaceViewer}, {name: UserNoNetpol}}}
	for _, opt := range opts {
		opt(&o)
	}
	bin, err := EnsureBinaries(ctx)
	if err != nil {
		return nil, err
	}
	// Ports are picked free and then released, so another process can take
	// one first; a few attempts make that harmless.
	for attempt := 1; ; attempt++ {
		cp, err := start(ctx, bin, o)
		if err == nil {
			return cp, nil
		}
		if !errors.Is(err, errPortInUse) || attempt == 3 {
			return nil, err
		}
	}
}

func start(ctx context.Context, bin string, o options) (cp *ControlPlane, err error) {
	sweepStaleDirs()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("create control plane dir: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("write %s: %w", ownerFile, err)
	}
	cp = &ControlPlane{dir: dir, bin: bin, users: map[string]string{}}
	defer func() {
		if err != nil {
			cp.Stop()
		}
	}()
	for _, sub := range []string{"logs", "pki"} {
		if err := os.MkdirAll(cp.path(sub), 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", sub, err)
		}
	}
	if out, err := runCommand(ctx, filepath.Join(bin, "kubehelper"), "pki", "-dir", cp.path("pki")); err != nil {
		return nil, fmt.Errorf("write certificates: %w: %s", err, out)
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdPort, peerPort := ports[0], ports[1]
	cp.port = ports[2]
	cp.server = "https://127.0.0.1:" + strconv.Itoa(cp.port)

	if err := cp.writeUsers(o.users); err != nil {
		return nil, err
	}

	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	cp.etcd, err = cp.startProcess("etcd",
		"--name=netviz", "--data-dir="+cp.path("etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=netviz="+peerURL,
		// The data is thrown away after the test: skipping fsync makes
		// etcd, and so every write, several times faster.
		"--unsafe-no-fsync", "--log-level=warn")
	if err != nil {
		return nil, err
	}
	if err := waitForTCP(ctx, cp.etcd, "127.0.0.1:"+strconv.Itoa(etcdPort)); err != nil {
		return nil, err
	}

	cp.apiArgs = []string{
		"--etcd-servers=" + etcdURL,
		"--secure-port=" + strconv.Itoa(cp.port), "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		// No kubelet serves the kubernetes Service, so do not publish one.
		"--endpoint-reconciler-type=none",
		"--cert-dir=" + cp.path("pki"),
		"--tls-cert-file=" + cp.path("pki", "apiserver.crt"), "--tls-private-key-file=" + cp.path("pki", "apiserver.key"),
		"--client-ca-file=" + cp.path("pki", "ca.crt"),
		"--token-auth-file=" + cp.path("tokens.csv"), "--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + cp.path("pki", "sa.pub"),
		"--service-account-signing-key-file=" + cp.path("pki", "sa.key"),
		"--service-cluster-ip-range=10.96.0.0/16",
		// Without it, open watches hold a stopping API server for its
		// full 60-second shutdown timeout.
		"--shutdown-watch-termination-grace-period=2s",
	}
	if err := cp.StartAPIServer(ctx); err != nil {
		return nil, err
	}

	cp.kcm, err = cp.startProcess("kube-controller-manager",
		"--kubeconfig="+cp.kubeconfigPath(controllerManagerUser),
		"--controllers="+strings.Join(controllers, ","),
		"--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port=0",
		// The default 20 requests per second make 200 Services take
		// 10 seconds to get their EndpointSlices.
		"--kube-api-qps=500", "--kube-api-burst=1000", "--concurrent-service-endpoint-syncs=10",
		"--service-account-private-key-file="+cp.path("pki", "sa.key"),
		"--root-ca-file="+cp.path("pki", "ca.crt"))
	if err != nil {
		return nil, err
	}
	if err := cp.waitForControllers(ctx); err != nil {
		return nil, err
	}
	return cp, nil
}

// writeUsers writes the token file and a kubeconfig for every user.
func (cp *ControlPlane) writeUsers(users []tokenUser) error {
	all := append([]tokenUser{
		{name: UserAdmin, groups: []string{"system:masters"}},
		// The controller manager acts as one identity rather than one
		// ServiceAccount per controller, so it needs to be a master.
		{name: controllerManagerUser, groups: []string{"system:masters"}},
	}, users...)
	var csv strings.Builder
	for _, u := range all {
		if u.name == "" || strings.ContainsAny(u.name, ",\"\n") {
			return fmt.Errorf("invalid user name %q", u.name)
		}
		if _, dup := cp.users[u.name]; dup {
			return fmt.Errorf("user %q provisioned twice", u.name)
		}
		token, err := randomToken()
		if err != nil {
			return err
		}
		cp.users[u.name] = token
		fmt.Fprintf(&csv, "%s,%s,%s", token, u.name, u.name)
		if len(u.groups) > 0 {
			fmt.Fprintf(&csv, ",%q", strings.Join(u.groups, ","))
		}
		csv.WriteString("\n")
		if err := clientcmd.WriteToFile(cp.kubeconfig(u.name), cp.kubeconfigPath(u.name)); err != nil {
			return fmt.Errorf("write kubeconfig for %s: %w", u.name, err)
		}
	}
	if err := os.WriteFile(cp.path("tokens.csv"), []byte(csv.String()), 0o600); err != nil {
		return fmt.Errorf("write token file: %w", err)
	}
	admin, err := cp.ConfigFor(UserAdmin)
	if err != nil {
		return err
	}
	cp.admin = admin
	cp.client, err = kubernetes.NewForConfig(admin)
	if err != nil {
		return fmt.Errorf("create admin client: %w", err)
	}
	return nil
}

func (cp *ControlPlane) kubeconfig(user string) clientcmdapi.Config {
	const name = "netviz-testbed"
	return clientcmdapi.Config{
		Clusters: map[string]*clientcmdapi.Cluster{name: {
			Server:               cp.server,
			CertificateAuthority: cp.path("pki", "ca.crt"),
		}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{user: {Token: cp.users[user]}},
		Contexts:       map[string]*clientcmdapi.Context{name: {Cluster: name, AuthInfo: user}},
		CurrentContext: name,
	}
}

func (cp *ControlPlane) kubeconfigPath(user string) string {
	switch user {
	case UserAdmin:
		return cp.path("kubeconfig")
	case controllerManagerUser:
		return cp.path("kube-controller-manager.kubeconfig")
	}
	return cp.path("kubeconfig-" + user)
}

// waitForControllers waits until the controller manager has created the
// default ServiceAccount in the default namespace, which proves it is
// connected and working.
func (cp *ControlPlane) waitForControllers(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		if cp.kcm.exited() {
			return cp.kcm.exitError()
		}
		_, err := cp.client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("kube-controller-manager created no default ServiceAccount: %w\n%s", err, cp.kcm.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Config returns a copy of the admin's client configuration. It has no
// client-side rate limit, so tests can create thousands of objects quickly.
func (cp *ControlPlane) Config() *rest.Config { return rest.CopyConfig(cp.admin) }

// Client returns a clientset for the admin.
func (cp *ControlPlane) Client() kubernetes.Interface { return cp.client }

// Kubeconfig returns the path of the admin's kubeconfig file.
func (cp *ControlPlane) Kubeconfig() string { return cp.kubeconfigPath(UserAdmin) }

// KubeconfigFor returns the path of a kubeconfig file for a token user
// provisioned at start.
func (cp *ControlPlane) KubeconfigFor(user string) (string, error) {
	if _, ok := cp.users[user]; !ok {
		return "", fmt.Errorf("no user %q: provision it with WithUser", user)
	}
	return cp.kubeconfigPath(user), nil
}

// ConfigFor returns a client configuration for a token user provisioned at
// start, with no client-side rate limit.
func (cp *ControlPlane) ConfigFor(user string) (*rest.Config, error) {
	token, ok := cp.users[user]
	if !ok {
		return nil, fmt.Errorf("no user %q: provision it with WithUser", user)
	}
	return &rest.Config{
		Host:            cp.server,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAFile: cp.path("pki", "ca.crt")},
		QPS:             -1, // no client-side rate limiting
		UserAgent:       "netviz-testbed",
	}, nil
}

// Users returns the names of the token users provisioned at start, sorted.
func (cp *ControlPlane) Users() []string {
	var names []string
	for name := range cp.users {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Server returns the API server's URL, https://127.0.0.1:PORT. The port
// stays the same across StopAPIServer and StartAPIServer.
func (cp *ControlPlane) Server() string { return cp.server }

// Dir returns the control plane's directory: kubeconfigs, certificates,
// the etcd data and the components' logs under logs/.
func (cp *ControlPlane) Dir() string { return cp.dir }

// ServiceAccountUser creates the ServiceAccount ns/name unless it exists and
// returns a client configuration and a kubeconfig file that authenticate as
// it with a one-hour token. Unlike token users, these can be made at any time.
func (cp *ControlPlane) ServiceAccountUser(ctx context.Context, ns, name string) (*rest.Config, string, error) {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	_, err := cp.client.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, "", fmt.Errorf("create service account %s/%s: %w", ns, name, err)
	}
	seconds := int64(3600)
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds}}
	tr, err := cp.client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, req, metav1.CreateOptions{})
	if err != nil {
		return nil, "", fmt.Errorf("request a token for %s/%s: %w", ns, name, err)
	}
	user := "system:serviceaccount:" + ns + ":" + name
	kc := cp.kubeconfig(UserAdmin)
	kc.AuthInfos = map[string]*clientcmdapi.AuthInfo{user: {Token: tr.Status.Token}}
	kc.Contexts["netviz-testbed"].AuthInfo = user
	path := cp.path("kubeconfig-sa-" + ns + "-" + name)
	if err := clientcmd.WriteToFile(kc, path); err != nil {
		return nil, "", fmt.Errorf("write kubeconfig for %s: %w", user, err)
	}
	cfg := cp.Config()
	cfg.BearerToken = tr.Status.Token
	return cfg, path, nil
}

// StopAPIServer stops kube-apiserver, leaving etcd and the controller
// manager running, so a test can check that netviz survives the API server
// going away. StartAPIServer brings it back on the same port.
func (cp *ControlPlane) StopAPIServer() error {
	cp.mu.Lock()
	p := cp.apiserver
	cp.apiserver = nil
	cp.mu.Unlock()
	if p == nil {
		return nil
	}
	return p.stop()
}

// StartAPIServer starts kube-apiserver, on the same port and etcd as
// before, and waits until it is ready. It does nothing when the API server
// is running.
func (cp *ControlPlane) StartAPIServer(ctx context.Context) error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.stopped {
		return errors.New("control plane is stopped")
	}
	if cp.apiserver != nil && !cp.apiserver.exited() {
		return nil
	}
	p, err := cp.startProcess("kube-apiserver", cp.apiArgs...)
	if err != nil {
		return err
	}
	cp.apiserver = p
	if err := cp.waitForReadyz(ctx, p); err != nil {
		return err
	}
	return nil
}

// RestartAPIServer stops kube-apiserver and starts it again on the same
// port and etcd.
func (cp *ControlPlane) RestartAPIServer(ctx context.Context) error {
	if err := cp.StopAPIServer(); err != nil {
		return err
	}
	return cp.StartAPIServer(ctx)
}

// waitForReadyz polls /readyz until it answers ok.
func (cp *ControlPlane) waitForReadyz(ctx context.Context, p *process) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	rc := cp.client.Discovery().RESTClient()
	var last error
	for {
		if p.exited() {
			return p.exitError()
		}
		body, err := rc.Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && strings.TrimSpace(string(body)) == "ok" {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("kube-apiserver not ready after %s: %v\n%s", startTimeout, last, p.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop kills the controller manager, the API server and etcd, and removes
// the control plane's directory unless NETVIZ_TESTBED_KEEP is set. It may
// be called more than once.
func (cp *ControlPlane) Stop() error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.stopped {
		return nil
	}
	cp.stopped = true
	// Everything is thrown away, so there is nothing to shut down
	// gracefully: the API server alone would take seconds.
	var errs []error
	for _, p := range []*process{cp.kcm, cp.apiserver, cp.etcd} {
		if p != nil {
			errs = append(errs, p.kill())
		}
	}
	if keep, _ := strconv.ParseBool(os.Getenv("NETVIZ_TESTBED_KEEP")); keep {
		fmt.Fprintf(os.Stderr, "testbed: kept %s\n", cp.dir)
	} else if err := os.RemoveAll(cp.dir); err != nil {
		errs = append(errs, fmt.Errorf("remove %s: %w", cp.dir, err))
	}
	return errors.Join(errs...)
}

// NextPodIP returns a pod IP from 10.244.0.0/16 that this control plane has
// not handed out before.
func (cp *ControlPlane) NextPodIP() string {
	n := cp.nextIP.Add(1) - 1
	return fmt.Sprintf("10.244.%d.%d", (n/254)%256, n%254+1)
}

func (cp *ControlPlane) path(elem ...string) string {
	return filepath.Join(append([]string{cp.dir}, elem...)...)
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func waitForTCP(ctx context.Context, p *process, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		if p.exited() {
			return p.exitError()
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not listening on %s after %s\n%s", p.name, addr, startTimeout, p.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
