package discovery

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

// KubernetesSource finds servers in services and pods annotated
// mcp.switchboard.io/enabled: "true", through client-go's dynamic client
// (the typed clientset would bring every API group into the binary and
// register them all at start-up, for the two lists read here).
type KubernetesSource struct {
	cfg SourceConfig
	// Client is the cluster to read; nil means the one the source's
	// kubeconfig, context (or the cluster this process runs in) names.
	// Tests give a fake dynamic client.
	Client dynamic.Interface
}

// kubeTimeout bounds each request to the API server: an unreachable cluster
// is a scan error, not a scan that never ends.
const kubeTimeout = 20 * time.Second

func validateKubernetes(c *SourceConfig) error {
	if c.Kubeconfig != "" && !filepath.IsAbs(c.Kubeconfig) {
		return fieldErr("kubeconfig", "%q must be an absolute path", c.Kubeconfig)
	}
	if c.Namespace != "" {
		if errs := validation.IsDNS1123Label(c.Namespace); len(errs) > 0 {
			return fieldErr("namespace", "%q is not a namespace name: %s (leave it empty for every namespace)", c.Namespace, strings.Join(errs, "; "))
		}
	}
	if c.LabelSelector != "" {
		if _, err := labels.Parse(c.LabelSelector); err != nil {
			return fieldErr("label_selector", "%q is not a label selector (write it like app=mcp,tier!=test): %v", c.LabelSelector, err)
		}
	}
	return nil
}

// client connects as kubectl would: the source's kubeconfig, else
// $KUBECONFIG, else ~/.kube/config; the source's context, else the file's
// current one; and with no file at all, the cluster this process runs in.
// Lists answer within kubeTimeout; a watch (timeout 0) is a stream that
// lasts until the API server ends it.
func (s *KubernetesSource) client(timeout time.Duration) (dynamic.Interface, error) {
	if s.Client != nil {
		return s.Client, nil
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if s.cfg.Kubeconfig != "" {
		rules.ExplicitPath = s.cfg.Kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: s.cfg.Context}
	rc, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	switch {
	case clientcmd.IsEmptyConfig(err):
		return nil, errors.New("no kubeconfig found ($KUBECONFIG, ~/.kube/config) and not running inside a cluster; set the source's kubeconfig")
	case err != nil && s.cfg.Context != "":
		return nil, fmt.Errorf("kubeconfig, context %q: %w", s.cfg.Context, err)
	case err != nil:
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	rc.Timeout = timeout
	rc.UserAgent = "switchboard-discovery"
	return dynamic.NewForConfig(rc)
}

func (s *KubernetesSource) Scan(ctx context.Context) ([]Found, []Problem, error) {
	cs, err := s.client(kubeTimeout)
	if err != nil {
		return nil, nil, err
	}
	found, problems, err := scanKubernetes(ctx, cs, s.cfg.Namespace, s.cfg.LabelSelector)
	if err != nil {
		return nil, nil, kubeError(err, s.cfg.Namespace)
	}
	return found, problems, nil
}

// kubeError adds what to do to the errors a user can fix.
func kubeError(err error, namespace string) error {
	where := "in every namespace"
	if namespace != "" {
		where = "in namespace " + namespace
	}
	switch {
	case apierrors.IsForbidden(err) && namespace == "":
		return fmt.Errorf("%w (the source lists and watches services and pods %s: give the user list and watch rights on them cluster-wide, or set the source's namespace)", err, where)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%w (the source lists and watches services and pods %s: give the user list and watch rights on them there)", err, where)
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("%w (the kubeconfig's credentials were refused; log in to the cluster again)", err)
	}
	return err
}
