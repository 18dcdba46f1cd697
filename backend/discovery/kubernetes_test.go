package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
)

func mcpAnnotations(extra map[string]string) map[string]string {
	a := map[string]string{AnnotationEnabled: "true", "kubectl.kubernetes.io/last-applied-configuration": "{}"}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

func service(ns, name string, labels, annotations map[string]string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels, Annotations: annotations},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.96.0.10", Ports: ports},
	}
}

func pod(ns, name string, phase corev1.PodPhase, ip string, annotations map[string]string, ports ...corev1.ContainerPort) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": name}, Annotations: annotations},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "server", Image: "ghcr.io/example/" + name, Ports: ports}}},
		Status:     corev1.PodStatus{Phase: phase, PodIP: ip},
	}
}

// unstructuredOf is obj (a *corev1.Service or *corev1.Pod) as the dynamic
// client holds it.
func unstructuredOf(obj runtime.Object) *unstructured.Unstructured {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		panic(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetAPIVersion("v1")
	switch obj.(type) {
	case *corev1.Service:
		u.SetKind("Service")
	case *corev1.Pod:
		u.SetKind("Pod")
	default:
		panic(fmt.Sprintf("unstructuredOf(%T)", obj))
	}
	return u
}

// fakeCluster is a fake dynamic client holding objs, services and pods,
// which it lists as the API server does.
func fakeCluster(objs ...runtime.Object) *fake.FakeDynamicClient {
	us := make([]runtime.Object, len(objs))
	for i, o := range objs {
		us[i] = unstructuredOf(o)
	}
	return fake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		servicesResource: "ServiceList",
		podsResource:     "PodList",
	}, us...)
}

// cluster is a fake cluster with what the tests below share: annotated
// services and pods in two namespaces, and objects that must not be offered.
func cluster() *fake.FakeDynamicClient {
	return fakeCluster(
		service("tools", "github", map[string]string{"team": "ai"}, mcpAnnotations(map[string]string{AnnotationPort: "http", AnnotationTags: "git,code", AnnotationDescription: "GitHub tools"}),
			corev1.ServicePort{Name: "metrics", Port: 9090}, corev1.ServicePort{Name: "http", Port: 8080}),
		service("tools", "search", map[string]string{"team": "ai"}, mcpAnnotations(map[string]string{AnnotationTransport: "sse", AnnotationName: "web-search", AnnotationScheme: "https"}),
			corev1.ServicePort{Port: 443}),
		service("data", "warehouse", map[string]string{"team": "data"}, mcpAnnotations(map[string]string{AnnotationURL: "https://mcp.example.com/warehouse"})),
		// Annotated, but with two ports and no port annotation.
		service("data", "ambiguous", nil, mcpAnnotations(nil), corev1.ServicePort{Port: 1}, corev1.ServicePort{Port: 2}),
		// Not annotated, or turned off.
		service("tools", "postgres", map[string]string{"team": "ai"}, nil, corev1.ServicePort{Port: 5432}),
		service("tools", "off", map[string]string{"team": "ai"}, map[string]string{AnnotationEnabled: "false"}, corev1.ServicePort{Port: 80}),
		pod("tools", "scratch", corev1.PodRunning, "10.244.1.7", mcpAnnotations(map[string]string{AnnotationPath: "/rpc"}), corev1.ContainerPort{Name: "mcp", ContainerPort: 3000}),
		pod("tools", "starting", corev1.PodPending, "", mcpAnnotations(map[string]string{AnnotationPort: "3000"})),
		pod("tools", "plain", corev1.PodRunning, "10.244.1.8", nil, corev1.ContainerPort{ContainerPort: 80}),
	)
}

func byName(found []Found) map[string]Found {
	m := map[string]Found{}
	for _, f := range found {
		m[f.Name] = f
	}
	return m
}

func TestKubernetesScanReadsAnnotatedServicesAndPods(t *testing.T) {
	found, problems, err := scanKubernetes(context.Background(), cluster(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	got := byName(found)
	if len(found) != 5 {
		t.Fatalf("found %+v, want github, web-search, warehouse, scratch and starting", found)
	}
	gh := got["github"]
	if gh.Server == nil || gh.Server.URL != "http://github.tools.svc.cluster.local:8080/mcp" || gh.Server.Type != "http" ||
		gh.Server.Description != "GitHub tools" || strings.Join(gh.Server.Tags, ",") != "git,code" || gh.Where != "kubernetes:service/tools/github" {
		t.Fatalf("github = %+v %+v", gh, gh.Server)
	}
	if s := got["web-search"]; s.Server == nil || s.Server.URL != "https://search.tools.svc.cluster.local:443/sse" || s.Server.Type != "sse" {
		t.Fatalf("web-search = %+v", s)
	}
	if w := got["warehouse"]; w.Server == nil || w.Server.URL != "https://mcp.example.com/warehouse" {
		t.Fatalf("warehouse = %+v", w)
	}
	if p := got["scratch"]; p.Server == nil || p.Server.URL != "http://10.244.1.7:3000/rpc" || p.Where != "kubernetes:pod/tools/scratch" {
		t.Fatalf("scratch = %+v", p)
	}
	if p := got["starting"]; p.Server != nil || !strings.Contains(p.Unavailable, "Pending") {
		t.Fatalf("starting = %+v, want found but unavailable while Pending", p)
	}
	if len(problems) != 1 || problems[0].Where != "kubernetes:service/data/ambiguous" || !strings.Contains(problems[0].Message, AnnotationPort) {
		t.Fatalf("problems = %+v", problems)
	}

	// The namespace and the label selector narrow the listing.
	found, _, err = scanKubernetes(context.Background(), cluster(), "tools", "team=ai")
	if err != nil {
		t.Fatal(err)
	}
	if got := byName(found); len(found) != 2 || got["github"].Server == nil || got["web-search"].Server == nil {
		t.Fatalf("tools with team=ai: %+v", found)
	}
}

func TestKubernetesPortsAndNames(t *testing.T) {
	ctx := context.Background()
	cs := fakeCluster(
		// A service and a pod both claim "shared": the service is offered.
		service("a", "svc", nil, mcpAnnotations(map[string]string{AnnotationName: "shared"}), corev1.ServicePort{Port: 80}),
		pod("a", "pod", corev1.PodRunning, "10.0.0.1", mcpAnnotations(map[string]string{AnnotationName: "shared", AnnotationPort: "8080"})),
		// Terminating pods are held, not offered.
		func() *corev1.Pod {
			p := pod("a", "leaving", corev1.PodRunning, "10.0.0.2", mcpAnnotations(map[string]string{AnnotationPort: "1"}))
			now := metav1.Now()
			p.DeletionTimestamp = &now
			return p
		}(),
		pod("b", "named", corev1.PodRunning, "10.0.0.3", mcpAnnotations(map[string]string{AnnotationPort: "nope"}), corev1.ContainerPort{Name: "web", ContainerPort: 80}),
		service("b", "missing-port", nil, mcpAnnotations(map[string]string{AnnotationPort: "9999"}), corev1.ServicePort{Name: "web", Port: 80}),
		pod("b", "bad-transport", corev1.PodRunning, "10.0.0.4", mcpAnnotations(map[string]string{AnnotationPort: "80", AnnotationTransport: "stdio"})),
	)
	found, problems, err := scanKubernetes(ctx, cs, "", "")
	if err != nil {
		t.Fatal(err)
	}
	got := byName(found)
	if s := got["shared"]; s.Where != "kubernetes:service/a/svc" || s.Server.URL != "http://svc.a.svc.cluster.local:80/mcp" {
		t.Fatalf("shared = %+v, want the service", s)
	}
	if l := got["leaving"]; !strings.Contains(l.Unavailable, "terminating") {
		t.Fatalf("leaving = %+v", l)
	}
	msgs := fmt.Sprint(problems)
	for _, want := range []string{`port named "nope"`, `no port "9999" (it has web)`, "mcp.switchboard.io/transport", "shared"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("problems %s do not say %q", msgs, want)
		}
	}
}

func TestKubernetesErrorsSayWhatToDo(t *testing.T) {
	cs := fakeCluster()
	cs.PrependReactor("list", "services", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "services"}, "", errors.New(`User "dev" cannot list resource "services" at the cluster scope`))
	})
	s := &KubernetesSource{cfg: SourceConfig{ID: "k", Kind: KindKubernetes}, Client: cs}
	_, _, err := s.Scan(context.Background())
	if err == nil || !strings.Contains(err.Error(), "list services") || !strings.Contains(err.Error(), "set the source's namespace") {
		t.Fatalf("forbidden = %v", err)
	}

	// The real client: a kubeconfig that is not there, or a context it
	// does not hold, is named.
	missing := filepath.Join(t.TempDir(), "config")
	s = &KubernetesSource{cfg: SourceConfig{ID: "k", Kind: KindKubernetes, Kubeconfig: missing}}
	if _, _, err := s.Scan(context.Background()); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("missing kubeconfig = %v", err)
	}
	kc := filepath.Join(t.TempDir(), "config")
	os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters:
- name: dev
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: dev
  user: {token: "t"}
contexts:
- name: dev
  context: {cluster: dev, user: dev}
current-context: dev
`), 0o600)
	s = &KubernetesSource{cfg: SourceConfig{ID: "k", Kind: KindKubernetes, Kubeconfig: kc, Context: "prod"}}
	if _, _, err := s.Scan(context.Background()); err == nil || !strings.Contains(err.Error(), `context "prod"`) {
		t.Fatalf("unknown context = %v", err)
	}
	// No kubeconfig anywhere and not in a cluster.
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	s = &KubernetesSource{cfg: SourceConfig{ID: "k", Kind: KindKubernetes}}
	if _, _, err := s.Scan(context.Background()); err == nil || !strings.Contains(err.Error(), "no kubeconfig found") {
		t.Fatalf("no kubeconfig = %v", err)
	}
}

func TestKubernetesSettingsAreValidated(t *testing.T) {
	checkFieldErrors(t, "k", []fieldCase{
		{SourceConfig{ID: "k", Kind: KindKubernetes, Kubeconfig: "kube/config"}, "kubeconfig"},
		{SourceConfig{ID: "k", Kind: KindKubernetes, Namespace: "Not_A_Namespace"}, "namespace"},
		{SourceConfig{ID: "k", Kind: KindKubernetes, LabelSelector: "app in (a"}, "label_selector"},
		{SourceConfig{ID: "k", Kind: KindKubernetes, Socket: "/var/run/docker.sock"}, "socket"},
		{SourceConfig{ID: "k", Kind: KindClients, Context: "dev"}, "context"},
	})
	ok := SourceConfig{ID: "k", Kind: KindKubernetes, Kubeconfig: "/home/me/.kube/config", Context: "kind-dev", Namespace: "tools", LabelSelector: "team=ai,tier!=test"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
}

// kubeRig is a rig whose kubernetes sources read cs.
func kubeRig(t *testing.T, cs *fake.FakeDynamicClient) *rig {
	t.Helper()
	r := newRig(t)
	m, err := New(Options{Store: r.store, Config: r.config, Build: func(c SourceConfig) (Source, error) {
		if c.Kind == KindKubernetes {
			return &KubernetesSource{cfg: c, Client: cs}, nil
		}
		return build(c)
	}})
	if err != nil {
		t.Fatal(err)
	}
	r.m = m
	return r
}

func TestKubernetesSourceEndToEnd(t *testing.T) {
	cs := fakeCluster(
		service("tools", "github", nil, mcpAnnotations(nil), corev1.ServicePort{Port: 8080}),
		pod("tools", "worker", corev1.PodRunning, "10.244.0.9", mcpAnnotations(map[string]string{AnnotationPort: "3000"})),
	)
	r := kubeRig(t, cs)
	c := SourceConfig{ID: "k8s", Kind: KindKubernetes, Namespace: "tools", Mode: ModeAuthoritative, Enabled: true}
	if _, err := r.m.AddSource(c); err != nil {
		t.Fatal(err)
	}
	// The default interval (minutes): what comes later is found through
	// the source's watch of services and pods, within about a second.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	p := waitPending(t, r.m, "github and worker", func(p []Pending) bool { return len(p) == 2 })
	gh := byID(p, "k8s/github")
	if gh == nil || gh.Server.URL != "http://github.tools.svc.cluster.local:8080/mcp" || gh.Where != "kubernetes:service/tools/github" || gh.Format != KindKubernetes {
		t.Fatalf("pending = %+v", p)
	}
	if _, err := r.m.Approve("k8s/github"); err != nil {
		t.Fatal(err)
	}
	got := r.onDisk(t).Servers["github"]
	if got == nil || got.URL != gh.Server.URL {
		t.Fatalf("config.json github = %+v", got)
	}
	r.heldByTrust(t, "github", got)
	if _, err := r.m.Approve("k8s/worker"); err != nil {
		t.Fatal(err)
	}

	// A service created later is found by a scheduled scan.
	services, pods := cs.Resource(servicesResource).Namespace("tools"), cs.Resource(podsResource).Namespace("tools")
	if _, err := services.Create(ctx, unstructuredOf(service("tools", "later", nil, mcpAnnotations(nil), corev1.ServicePort{Port: 80})), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPending(t, r.m, "later", func(p []Pending) bool { return byID(p, "k8s/later") != nil })

	// The worker pod restarting (Pending) is not a removal; the service
	// deleted is.
	u, err := pods.Get(ctx, "worker", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var w corev1.Pod
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &w); err != nil {
		t.Fatal(err)
	}
	w.Status = corev1.PodStatus{Phase: corev1.PodPending}
	if _, err := pods.UpdateStatus(ctx, unstructuredOf(&w), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := services.Delete(ctx, "github", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	p = waitPending(t, r.m, "github's removal", func(p []Pending) bool { return byID(p, "k8s/github") != nil })
	if rm := byID(p, "k8s/github"); rm.Action != ActionRemove || byID(p, "k8s/worker") != nil {
		t.Fatalf("pending = %+v, want github's removal and nothing about worker", p)
	}
	if _, err := r.m.Approve("k8s/github"); err != nil {
		t.Fatal(err)
	}
	if cfg := r.onDisk(t); cfg.Servers["github"] != nil || cfg.Servers["worker"] == nil {
		t.Fatalf("after the approved removal: github %v, worker %v", cfg.Servers["github"], cfg.Servers["worker"])
	}
}

func TestKubernetesAdditiveKeepsServersOfDeletedServices(t *testing.T) {
	cs := fakeCluster(service("tools", "github", nil, mcpAnnotations(nil), corev1.ServicePort{Port: 8080}))
	r := kubeRig(t, cs)
	if _, err := r.m.AddSource(SourceConfig{ID: "k8s", Kind: KindKubernetes, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r.m.Scan(ctx, "k8s")
	if _, err := r.m.Approve("k8s/github"); err != nil {
		t.Fatal(err)
	}
	cs.Resource(servicesResource).Namespace("tools").Delete(ctx, "github", metav1.DeleteOptions{})
	if s, err := r.m.Scan(ctx, "k8s"); err != nil || s.Found != 0 || s.LastError != "" {
		t.Fatalf("scan = %+v, %v", s, err)
	}
	if p := r.m.PendingList(); len(p) != 0 || r.onDisk(t).Servers["github"] == nil {
		t.Fatalf("additive source proposed %+v", p)
	}
}

// A cluster that refuses the listing is the source's error: nothing
// offered, nothing proposed for removal.
func TestKubernetesRefusedListIsAScanError(t *testing.T) {
	cs := fakeCluster(service("tools", "github", nil, mcpAnnotations(nil), corev1.ServicePort{Port: 8080}))
	r := kubeRig(t, cs)
	r.m.AddSource(SourceConfig{ID: "k8s", Kind: KindKubernetes, Namespace: "tools", Mode: ModeAuthoritative, Enabled: true})
	ctx := context.Background()
	r.m.Scan(ctx, "k8s")
	r.m.Approve("k8s/github")
	cs.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New(`User "dev" cannot list resource "pods" in namespace "tools"`))
	})
	s, err := r.m.Scan(ctx, "k8s")
	if err != nil || !strings.Contains(s.LastError, "list pods") || !strings.Contains(s.LastError, "list and watch rights") {
		t.Fatalf("scan = %+v, %v", s, err)
	}
	if p := r.m.PendingList(); len(p) != 0 {
		t.Fatalf("a refused listing proposed %+v", p)
	}
}

// The real client, not the fake: a kubeconfig naming an API server (here
// a stand-in answering the two list calls as the API server does) is read,
// its context and token used, and the namespace and selector sent.
func TestKubernetesSourceThroughAKubeconfig(t *testing.T) {
	type call struct{ path, selector, auth string }
	calls := make(chan call, 4)
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls <- call{r.URL.Path, r.URL.Query().Get("labelSelector"), r.Header.Get("Authorization")}
		var list runtime.Object
		switch r.URL.Path {
		case "/api/v1/namespaces/tools/services":
			list = &corev1.ServiceList{TypeMeta: metav1.TypeMeta{Kind: "ServiceList", APIVersion: "v1"},
				Items: []corev1.Service{*service("tools", "github", nil, mcpAnnotations(nil), corev1.ServicePort{Port: 8080})}}
		case "/api/v1/namespaces/tools/pods":
			list = &corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}}
		default:
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(list)
	}))
	defer api.Close()
	kc := filepath.Join(t.TempDir(), "config")
	os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: {server: "https://127.0.0.1:1"}
- name: dev
  cluster: {server: "`+api.URL+`", insecure-skip-tls-verify: true}
users:
- name: dev
  user: {token: "dev-token"}
contexts:
- name: other
  context: {cluster: other, user: dev}
- name: dev
  context: {cluster: dev, user: dev}
current-context: other
`), 0o600)
	s := &KubernetesSource{cfg: SourceConfig{ID: "k", Kind: KindKubernetes, Kubeconfig: kc, Context: "dev", Namespace: "tools", LabelSelector: "team=ai"}}
	found, problems, err := s.Scan(context.Background())
	if err != nil || len(problems) != 0 {
		t.Fatalf("scan: %v %v", err, problems)
	}
	if len(found) != 1 || found[0].Name != "github" || found[0].Server.URL != "http://github.tools.svc.cluster.local:8080/mcp" {
		t.Fatalf("found %+v", found)
	}
	for _, want := range []string{"/api/v1/namespaces/tools/services", "/api/v1/namespaces/tools/pods"} {
		c := <-calls
		if c.path != want || c.selector != "team=ai" || c.auth != "Bearer dev-token" {
			t.Fatalf("call %+v, want %s with the selector and the context's token", c, want)
		}
	}
}

// The real client's refusals, as an API server sends them (a Status, or a
// proxy's bare answer), are recognised and say what to do.
func TestKubernetesRefusalsThroughAKubeconfig(t *testing.T) {
	cases := []struct {
		name, namespace string
		code            int
		body            string
		want            []string
	}{
		{"forbidden everywhere", "", http.StatusForbidden,
			`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"services is forbidden: User \"dev\" cannot list resource \"services\" in API group \"\" at the cluster scope","reason":"Forbidden","details":{"kind":"services"},"code":403}`,
			[]string{"list services", `User "dev" cannot list resource "services"`, "cluster-wide, or set the source's namespace"}},
		{"forbidden in a namespace", "tools", http.StatusForbidden,
			`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"services is forbidden: User \"dev\" cannot list resource \"services\" in API group \"\" in the namespace \"tools\"","reason":"Forbidden","details":{"kind":"services"},"code":403}`,
			[]string{"list services", `in the namespace "tools"`, "list and watch rights on them there"}},
		{"unauthorized", "tools", http.StatusUnauthorized,
			`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`,
			[]string{"list services", "Unauthorized", "log in to the cluster again"}},
		{"forbidden by a proxy", "", http.StatusForbidden, "access denied\n",
			[]string{"list services", "cluster-wide, or set the source's namespace"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(tc.body, "{") {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tc.code)
				fmt.Fprint(w, tc.body)
			}))
			defer api.Close()
			kc := devKubeconfig(t, api.URL)
			s := &KubernetesSource{cfg: SourceConfig{ID: "k", Kind: KindKubernetes, Kubeconfig: kc, Namespace: tc.namespace}}
			_, _, err := s.Scan(context.Background())
			if err == nil {
				t.Fatal("scan succeeded")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

// A big listing comes in pages of kubePageSize: the continue token of one
// page asks for the next, and every page's objects are read.
func TestKubernetesListsPageByPage(t *testing.T) {
	calls := make(chan string, 8)
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		calls <- r.URL.Path + "?limit=" + q.Get("limit") + "&continue=" + q.Get("continue")
		var list runtime.Object
		switch r.URL.Path + " " + q.Get("continue") {
		case "/api/v1/services ":
			list = &corev1.ServiceList{TypeMeta: metav1.TypeMeta{Kind: "ServiceList", APIVersion: "v1"}, ListMeta: metav1.ListMeta{Continue: "page-2"},
				Items: []corev1.Service{*service("tools", "github", nil, mcpAnnotations(nil), corev1.ServicePort{Port: 8080})}}
		case "/api/v1/services page-2":
			list = &corev1.ServiceList{TypeMeta: metav1.TypeMeta{Kind: "ServiceList", APIVersion: "v1"},
				Items: []corev1.Service{*service("data", "warehouse", nil, mcpAnnotations(nil), corev1.ServicePort{Port: 9000})}}
		case "/api/v1/pods ":
			list = &corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"},
				Items: []corev1.Pod{*pod("tools", "scratch", corev1.PodRunning, "10.244.1.7", mcpAnnotations(map[string]string{AnnotationPort: "3000"}))}}
		default:
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(list)
	}))
	defer api.Close()
	kc := devKubeconfig(t, api.URL)
	s := &KubernetesSource{cfg: SourceConfig{ID: "k", Kind: KindKubernetes, Kubeconfig: kc}}
	found, problems, err := s.Scan(context.Background())
	if err != nil || len(problems) != 0 {
		t.Fatalf("scan: %v %v", err, problems)
	}
	got := byName(found)
	if len(found) != 3 || got["github"].Server == nil || got["warehouse"].Server == nil || got["scratch"].Server == nil ||
		got["warehouse"].Server.URL != "http://warehouse.data.svc.cluster.local:9000/mcp" || got["scratch"].Server.URL != "http://10.244.1.7:3000/mcp" {
		t.Fatalf("found %+v, want github, warehouse and scratch", found)
	}
	close(calls)
	var asked []string
	for c := range calls {
		asked = append(asked, c)
	}
	want := []string{"/api/v1/services?limit=500&continue=", "/api/v1/services?limit=500&continue=page-2", "/api/v1/pods?limit=500&continue="}
	if strings.Join(asked, " ") != strings.Join(want, " ") {
		t.Fatalf("asked %v, want %v", asked, want)
	}
}

// devKubeconfig writes a kubeconfig whose one context, dev, reaches the API
// server at url with a token, and returns its path.
func devKubeconfig(t *testing.T, url string) string {
	t.Helper()
	kc := filepath.Join(t.TempDir(), "config")
	err := os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters:
- name: dev
  cluster: {server: "`+url+`", insecure-skip-tls-verify: true}
users:
- name: dev
  user: {token: "dev-token"}
contexts:
- name: dev
  context: {cluster: dev, user: dev}
current-context: dev
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	return kc
}

// An annotated object that does not read as a service (here a port given
// as text) is a problem named after it, and the other objects of the same
// listing are still offered.
func TestKubernetesObjectThatDoesNotReadIsAProblemOfItsOwn(t *testing.T) {
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/services":
			fmt.Fprint(w, `{"kind": "ServiceList", "apiVersion": "v1", "metadata": {}, "items": [
				{"metadata": {"name": "broken", "namespace": "tools", "annotations": {"mcp.switchboard.io/enabled": "true"}},
				 "spec": {"ports": [{"port": "eighty"}]}},
				{"metadata": {"name": "github", "namespace": "tools", "annotations": {"mcp.switchboard.io/enabled": "true"}},
				 "spec": {"ports": [{"port": 8080}]}}]}`)
		case "/api/v1/pods":
			fmt.Fprint(w, `{"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": []}`)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer api.Close()
	s := &KubernetesSource{cfg: SourceConfig{ID: "k", Kind: KindKubernetes, Kubeconfig: devKubeconfig(t, api.URL)}}
	found, problems, err := s.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].Name != "github" {
		t.Fatalf("found %+v, want github only", found)
	}
	if len(problems) != 1 || problems[0].Where != "kubernetes:service/tools/broken" || !strings.Contains(problems[0].Message, "does not read as one") {
		t.Fatalf("problems %+v, want one naming the broken service", problems)
	}
}
