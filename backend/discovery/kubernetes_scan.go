package discovery

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"switchboard/backend/clientconfig"
	"switchboard/backend/config"
)

// The annotations a service or pod carries to be found by a kubernetes
// source. Annotations, not labels: they hold paths and URLs, which label
// values cannot.
const (
	// AnnotationPrefix starts every annotation the source reads.
	AnnotationPrefix = "mcp.switchboard.io/"
	// AnnotationEnabled must be "true" for the object to be considered.
	AnnotationEnabled = AnnotationPrefix + "enabled"
	// AnnotationName is the server's name (default: the object's name).
	AnnotationName = AnnotationPrefix + "name"
	// AnnotationTransport is "http" (streamable HTTP, the default) or "sse".
	AnnotationTransport = AnnotationPrefix + "transport"
	// AnnotationPort is a port number or name: of the service's ports, or
	// of the pod's containers' ports (default: the only one there is).
	AnnotationPort = AnnotationPrefix + "port"
	// AnnotationPath is the endpoint's path (default /mcp, or /sse for sse).
	AnnotationPath = AnnotationPrefix + "path"
	// AnnotationScheme is "http" (default) or "https".
	AnnotationScheme = AnnotationPrefix + "scheme"
	// AnnotationURL is the whole URL, for a server reached another way (an
	// ingress, a port-forward); port, path and scheme are then not read.
	AnnotationURL = AnnotationPrefix + "url"
	// AnnotationTags is a comma-separated list of the server's tags.
	AnnotationTags = AnnotationPrefix + "tags"
	// AnnotationDescription is the server's description.
	AnnotationDescription = AnnotationPrefix + "description"
)

// kubePageSize keeps one answer of a big cluster to a reasonable size.
const kubePageSize = 500

// The two resources the source lists, in the core group.
var (
	servicesResource = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	podsResource     = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
)

// scanKubernetes lists the annotated services and pods in namespace (every
// namespace when empty) that match selector. Annotations cannot be
// filtered by the API server, so every matching object is listed and the
// annotation is checked here; label_selector narrows the listing.
func scanKubernetes(ctx context.Context, dc dynamic.Interface, namespace, selector string) ([]Found, []Problem, error) {
	var problems []Problem
	problem := func(p Problem) { problems = append(problems, p) }
	found, err := listAnnotated(ctx, dc, servicesResource, "service", namespace, selector, serviceServer, problem)
	if err != nil {
		return nil, nil, fmt.Errorf("list services: %w", err)
	}
	pods, err := listAnnotated(ctx, dc, podsResource, "pod", namespace, selector, podServer, problem)
	if err != nil {
		return nil, nil, fmt.Errorf("list pods: %w", err)
	}
	// Of two objects claiming one name, a service wins over a pod and a
	// running pod over one that is not: dedupe keeps the first.
	byWhere := func(a, b Found) int { return strings.Compare(a.Where, b.Where) }
	slices.SortFunc(found, byWhere)
	slices.SortFunc(pods, byWhere)
	slices.SortStableFunc(pods, func(a, b Found) int {
		return boolCmp(a.Unavailable != "", b.Unavailable != "")
	})
	found, problems = dedupe(append(found, pods...), problems)
	return found, problems, nil
}

// listAnnotated lists resource in namespace (every namespace when empty)
// that matches selector, page by page, and reads with read every object
// carrying the enabled annotation, converted into its typed form (T is
// corev1.Service or corev1.Pod). Objects without the annotation, most of
// a big cluster's pods, are not converted at all. An annotated object that
// does not read as a kind (the object named kind), or that read refuses,
// is a problem of its own; the others are still offered.
func listAnnotated[T any](ctx context.Context, dc dynamic.Interface, resource schema.GroupVersionResource, kind, namespace, selector string,
	read func(*T) (Found, error), problem func(Problem)) ([]Found, error) {
	var found []Found
	opts := metav1.ListOptions{LabelSelector: selector, Limit: kubePageSize}
	for {
		list, err := dc.Resource(resource).Namespace(namespace).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		for i := range list.Items {
			item := &list.Items[i]
			if !annotated(item.GetAnnotations()) {
				continue
			}
			where := kubeWhere(kind, item.GetNamespace(), item.GetName())
			obj := new(T)
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(item.Object, obj); err != nil {
				problem(Problem{Where: where, Message: fmt.Sprintf("the API server's %s does not read as one: %v", kind, err)})
				continue
			}
			f, err := read(obj)
			if err != nil {
				problem(Problem{Where: where, Message: err.Error()})
				continue
			}
			found = append(found, f)
		}
		if opts.Continue = list.GetContinue(); opts.Continue == "" {
			return found, nil
		}
	}
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func annotated(a map[string]string) bool {
	return strings.EqualFold(strings.TrimSpace(a[AnnotationEnabled]), "true")
}

func objectWhere(kind string, m metav1.ObjectMeta) string {
	return kubeWhere(kind, m.Namespace, m.Name)
}

func kubeWhere(kind, namespace, name string) string {
	return fmt.Sprintf("kubernetes:%s/%s/%s", kind, namespace, name)
}

// kubeServer is the server an annotated object offers at host (a DNS name
// or an address) and port.
func kubeServer(a map[string]string, host string, port int) (*config.Server, error) {
	transport, path, err := transportAndPath(AnnotationTransport, a[AnnotationTransport], AnnotationPath, a[AnnotationPath])
	if err != nil {
		return nil, fmt.Errorf("annotation %w", err)
	}
	u := strings.TrimSpace(a[AnnotationURL])
	if u != "" {
		if err := checkServerURL(u); err != nil {
			return nil, fmt.Errorf("annotation %s: %v", AnnotationURL, err)
		}
	} else {
		scheme := strings.ToLower(cmpOr(a[AnnotationScheme], "http"))
		if scheme != "http" && scheme != "https" {
			return nil, fmt.Errorf("annotation %s: %q is not http or https", AnnotationScheme, scheme)
		}
		u = scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port)) + path
	}
	return &config.Server{Type: transport, URL: u, Description: strings.TrimSpace(a[AnnotationDescription]), Tags: splitTags(a[AnnotationTags])}, nil
}

// serviceServer reads an annotated service: reached at its cluster DNS
// name, which resolves only where the cluster's DNS does (inside the
// cluster, or a desktop joined to its network by a VPN or a tool that
// forwards it).
func serviceServer(svc *corev1.Service) (Found, error) {
	a := svc.Annotations
	f := Found{Name: clientconfig.SanitizeName(cmpOr(a[AnnotationName], svc.Name)), Where: objectWhere("service", svc.ObjectMeta), Format: KindKubernetes}
	port := 0
	if strings.TrimSpace(a[AnnotationURL]) == "" {
		var err error
		if port, err = servicePort(svc); err != nil {
			return Found{}, err
		}
	}
	host := fmt.Sprintf("%s.%s.svc.cluster.local", svc.Name, svc.Namespace)
	sc, err := kubeServer(a, host, port)
	if err != nil {
		return Found{}, err
	}
	f.Server = sc
	return f, nil
}

func servicePort(svc *corev1.Service) (int, error) {
	want := strings.TrimSpace(svc.Annotations[AnnotationPort])
	ports := svc.Spec.Ports
	if want == "" {
		if len(ports) != 1 {
			return 0, fmt.Errorf("annotation %s is not set and the service has %d ports; set it to the server's port number or name", AnnotationPort, len(ports))
		}
		return int(ports[0].Port), nil
	}
	for _, p := range ports {
		if p.Name == want || strconv.Itoa(int(p.Port)) == want {
			return int(p.Port), nil
		}
	}
	names := make([]string, 0, len(ports))
	for _, p := range ports {
		names = append(names, cmpOr(p.Name, strconv.Itoa(int(p.Port))))
	}
	return 0, fmt.Errorf("annotation %s: the service has no port %q (it has %s)", AnnotationPort, want, strings.Join(names, ", "))
}

// podServer reads an annotated pod: reached at its IP. A pod that is not
// running (or is going away) is found but unavailable, so an authoritative
// source does not propose removing its server while it restarts.
func podServer(pod *corev1.Pod) (Found, error) {
	a := pod.Annotations
	f := Found{Name: clientconfig.SanitizeName(cmpOr(a[AnnotationName], pod.Name)), Where: objectWhere("pod", pod.ObjectMeta), Format: KindKubernetes}
	switch {
	case pod.DeletionTimestamp != nil:
		f.Unavailable = fmt.Sprintf("pod %s/%s is terminating", pod.Namespace, pod.Name)
		return f, nil
	case pod.Status.Phase != corev1.PodRunning || pod.Status.PodIP == "":
		f.Unavailable = fmt.Sprintf("pod %s/%s is %s; offered once it runs", pod.Namespace, pod.Name, cmpOr(string(pod.Status.Phase), "not running"))
		return f, nil
	}
	port := 0
	if strings.TrimSpace(a[AnnotationURL]) == "" {
		var err error
		if port, err = podPort(pod); err != nil {
			return Found{}, err
		}
	}
	sc, err := kubeServer(a, pod.Status.PodIP, port)
	if err != nil {
		return Found{}, err
	}
	f.Server = sc
	return f, nil
}

func podPort(pod *corev1.Pod) (int, error) {
	want := strings.TrimSpace(pod.Annotations[AnnotationPort])
	var ports []corev1.ContainerPort
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Protocol == "" || p.Protocol == corev1.ProtocolTCP {
				ports = append(ports, p)
			}
		}
	}
	if want == "" {
		if len(ports) != 1 {
			return 0, fmt.Errorf("annotation %s is not set and the pod's containers declare %d TCP ports; set it to the server's port number or name", AnnotationPort, len(ports))
		}
		return int(ports[0].ContainerPort), nil
	}
	// A container need not declare the ports it listens on, so any
	// number is taken; a name must be one the pod declares.
	if n, err := strconv.Atoi(want); err == nil {
		if n < 1 || n > 65535 {
			return 0, fmt.Errorf("annotation %s: %d is not a port number", AnnotationPort, n)
		}
		return n, nil
	}
	for _, p := range ports {
		if p.Name == want {
			return int(p.ContainerPort), nil
		}
	}
	return 0, fmt.Errorf("annotation %s: no container of the pod declares a port named %q", AnnotationPort, want)
}
