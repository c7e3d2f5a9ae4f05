package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// DefaultProbeTimeout bounds how long Probe waits for the API server.
const DefaultProbeTimeout = 5 * time.Second

// Probe asks the API server for its version, within timeout (or
// DefaultProbeTimeout when zero), so that an unreachable server or rejected
// credentials give one clear error within seconds instead of informers
// retrying forever. It returns the server's version, e.g. "v1.34.4".
func Probe(ctx context.Context, cfg *rest.Config, timeout time.Duration) (string, error) {
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = timeout
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "", fmt.Errorf("configure a client for %s: %w", cfg.Host, err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := cs.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
	if apierrors.IsForbidden(err) {
		// /version is readable by every user in a default cluster, so this
		// is rare; the access reviews will say what exactly is forbidden.
		return "", nil
	}
	if err != nil {
		return "", probeError(cfg.Host, timeout, err)
	}
	var v struct {
		GitVersion string `json:"gitVersion"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return "", fmt.Errorf("the server at %s does not answer like a Kubernetes API server: %w", cfg.Host, err)
	}
	return v.GitVersion, nil
}

// probeError turns a failed probe into a message that says what to check.
func probeError(host string, timeout time.Duration, err error) error {
	var dnsErr *net.DNSError
	var urlErr *url.Error
	switch {
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("the API server at %s rejected the credentials (401 Unauthorized): log in again or check the kubeconfig user", host)
	case strings.Contains(err.Error(), "getting credentials"):
		// An exec plugin (cloud login helper, OIDC) failed.
		return fmt.Errorf("cannot get credentials for the API server at %s: %s", host, credentialsError(err))
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Errorf("the API server at %s did not answer within %s", host, timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot reach the API server at %s: connection refused", host)
	case errors.As(err, &dnsErr):
		return fmt.Errorf("cannot reach the API server at %s: cannot resolve %s", host, dnsErr.Name)
	case strings.Contains(err.Error(), "x509:") || strings.Contains(err.Error(), "tls:"):
		return fmt.Errorf("cannot verify the API server at %s: %s", host, innermost(err))
	case errors.As(err, &urlErr):
		return fmt.Errorf("cannot reach the API server at %s: %s", host, innermost(err))
	}
	return fmt.Errorf("cannot reach the API server at %s: %w", host, err)
}

// credentialsError is the exec plugin's part of err.
func credentialsError(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "getting credentials: "); i >= 0 {
		return msg[i+len("getting credentials: "):]
	}
	return msg
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// innermost returns the message of the deepest wrapped error, which for
// url and net errors is the part that says what went wrong.
func innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// access is what the user may read of one kind: everything, or only some
// namespaces. why says why not everything.
type access struct {
	all        bool
	namespaces []string
	why        string
}

// accessReviewer answers whether the user may do verb on a resource in a
// namespace ("" for every namespace, or a cluster-scoped kind). It is
// narrow so that the planning logic can be tested without a server.
type accessReviewer interface {
	allowed(ctx context.Context, group, resource, verb, namespace string) (bool, string, error)
}

// ssarReviewer asks the API server through SelfSubjectAccessReviews.
type ssarReviewer struct{ cs kubernetes.Interface }

func (r ssarReviewer) allowed(ctx context.Context, group, resource, verb, namespace string) (bool, string, error) {
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Group: group, Resource: resource, Verb: verb, Namespace: namespace},
	}}
	res, err := r.cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
	if err != nil {
		return false, "", fmt.Errorf("review access to %s: %w", resource, err)
	}
	return res.Status.Allowed && !res.Status.Denied, res.Status.Reason, nil
}

// listReviewer answers by trying: a list of at most one object, which is
// Forbidden when the user may not list. It cannot try watch without
// opening one, so it assumes that whoever may list may watch; the
// informers find out otherwise.
type listReviewer struct{ cs clients }

func (r listReviewer) allowed(ctx context.Context, _, resource, verb, namespace string) (bool, string, error) {
	k, ok := kindByName(resource)
	if !ok || verb != "list" {
		return true, "", nil
	}
	_, err := k.list(r.cs, namespace)(ctx, metav1.ListOptions{Limit: 1})
	switch {
	case err == nil:
		return true, "", nil
	case apierrors.IsForbidden(err):
		return false, "", nil
	case apierrors.IsNotFound(err):
		return false, "the API server does not serve them", nil
	}
	return false, "", fmt.Errorf("list %s: %w", resource, err)
}

// firstAnswer asks each reviewer in turn until one answers: access reviews
// first, and where the user may not create them, a Forbidden answer.
type firstAnswer []accessReviewer

func (rs firstAnswer) allowed(ctx context.Context, group, resource, verb, namespace string) (bool, string, error) {
	var errs []error
	for _, r := range rs {
		ok, reason, err := r.allowed(ctx, group, resource, verb, namespace)
		if err == nil {
			return ok, reason, nil
		}
		errs = append(errs, err)
	}
	return false, "", errors.Join(errs...)
}

// reviewParallelism bounds the access reviews in flight at once.
const reviewParallelism = 8

// planAccess decides, for each of kinds, what the user may list and watch.
// Namespaced kinds that cannot be read in every namespace are tried in each
// of the fallback namespaces. When the reviews themselves fail (a cluster
// that does not offer them to this user), netviz assumes access and lets
// the informers find out: a Forbidden answer turns into a gap then.
//
// fallback is called after the cluster-wide reviews, with the kinds the user
// may read everywhere, and returns the namespaces to try.
func planAccess(ctx context.Context, kinds []resourceKind, r accessReviewer, fallback func(all map[string]bool) []string) map[string]access {
	type question struct {
		kind, group string
		ns          string
	}
	type answer struct {
		ok  bool
		why string
	}
	var mu sync.Mutex
	answers := map[question]answer{}
	ask := func(qs []question) {
		sem := make(chan struct{}, reviewParallelism)
		var wg sync.WaitGroup
		for _, q := range qs {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				a := answer{ok: true}
				for _, verb := range []string{"list", "watch"} {
					ok, reason, err := r.allowed(ctx, q.group, q.kind, verb, q.ns)
					if err != nil {
						// Cannot tell: try, and let a Forbidden answer decide.
						break
					}
					if !ok {
						a = answer{why: forbiddenReason(verb, q.kind, reason)}
						break
					}
				}
				mu.Lock()
				answers[q] = a
				mu.Unlock()
			}()
		}
		wg.Wait()
	}

	var qs []question
	for _, k := range kinds {
		qs = append(qs, question{kind: k.name, group: k.group})
	}
	ask(qs)

	all := map[string]bool{}
	needFallback := false
	for _, k := range kinds {
		all[k.name] = answers[question{kind: k.name, group: k.group}].ok
		needFallback = needFallback || (k.namespaced && !all[k.name])
	}
	var namespaces []string
	if needFallback {
		namespaces = fallback(all)
	}
	qs = qs[:0]
	for _, k := range kinds {
		if k.namespaced && !answers[question{kind: k.name, group: k.group}].ok {
			for _, ns := range namespaces {
				qs = append(qs, question{kind: k.name, group: k.group, ns: ns})
			}
		}
	}
	ask(qs)

	plan := map[string]access{}
	for _, k := range kinds {
		top := answers[question{kind: k.name, group: k.group}]
		if top.ok {
			plan[k.name] = access{all: true}
			continue
		}
		a := access{why: top.why}
		if k.namespaced {
			for _, ns := range namespaces {
				if answers[question{kind: k.name, group: k.group, ns: ns}].ok {
					a.namespaces = append(a.namespaces, ns)
				}
			}
			slices.Sort(a.namespaces)
		}
		plan[k.name] = a
	}
	return plan
}

// forbiddenReason says what the user may not do. It becomes the reason of
// a Gap, which already says which resource and where.
func forbiddenReason(verb, resource, reason string) string {
	s := fmt.Sprintf("the user may not %s %s", verb, resource)
	if reason != "" {
		s += " (" + reason + ")"
	}
	return s
}

// servedKinds returns the kinds the API server serves. Kubernetes' own
// kinds are always served; a CRD kind only once its CRD is installed, and
// a kind that is not served has no objects, which is no gap.
func servedKinds(cs kubernetes.Interface) []resourceKind {
	var kinds []resourceKind
	served := map[string]map[string]bool{} // group/version → resources
	for _, k := range liveKinds {
		if k.group != anpGroup {
			kinds = append(kinds, k)
			continue
		}
		gv := k.group + "/" + k.version
		if _, seen := served[gv]; !seen {
			served[gv] = map[string]bool{}
			list, err := cs.Discovery().ServerResourcesForGroupVersion(gv)
			switch {
			case err == nil:
				for _, r := range list.APIResources {
					served[gv][r.Name] = true
				}
			case apierrors.IsNotFound(err):
			default:
				// Cannot tell: read it, and let the answers decide.
				served[gv][k.name] = true
			}
		}
		if served[gv][k.name] {
			kinds = append(kinds, k)
		}
	}
	return kinds
}
