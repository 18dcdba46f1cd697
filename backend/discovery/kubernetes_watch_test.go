package discovery

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"
)

// The watch asks for a scan only for objects that carry the annotation, or
// carried it: a busy cluster's other pods bring none, and neither does an
// annotated object listed again unchanged (as each new watch lists every
// object), while one losing the annotation or deleted does.
func TestKubernetesWatchCountsAnnotatedObjectsOnly(t *testing.T) {
	cs := fakeCluster()
	services, pods := watch.NewFake(), watch.NewFake()
	cs.PrependWatchReactor("services", func(k8stesting.Action) (bool, watch.Interface, error) { return true, services, nil })
	cs.PrependWatchReactor("pods", func(k8stesting.Action) (bool, watch.Interface, error) { return true, pods, nil })
	s := &KubernetesSource{cfg: SourceConfig{ID: "k8s", Kind: KindKubernetes}, Client: cs}
	var kicks atomic.Int32
	done := make(chan error, 1)
	go func() { done <- s.watchOnce(context.Background(), cs, map[string]string{}, func() { kicks.Add(1) }) }()

	at := func(obj runtime.Object, rv string) *unstructured.Unstructured {
		u := unstructuredOf(obj)
		u.SetResourceVersion(rv)
		return u
	}
	plain := pod("tools", "plain", corev1.PodRunning, "10.244.1.8", nil)
	noise := pod("tools", "noise", corev1.PodRunning, "10.244.1.9", nil)
	github := service("tools", "github", nil, mcpAnnotations(nil), corev1.ServicePort{Port: 8080})
	unmarked := service("tools", "github", nil, nil, corev1.ServicePort{Port: 8080})
	steps := []struct {
		what  string
		send  func()
		kicks int32
	}{
		{"an unannotated pod added", func() { pods.Add(at(plain, "1")) }, 0},
		{"an annotated service added", func() { services.Add(at(github, "1")) }, 1},
		{"the service listed again unchanged", func() { services.Modify(at(github, "1")) }, 1},
		{"the service changed", func() { services.Modify(at(github, "2")) }, 2},
		{"its annotation removed", func() { services.Modify(at(unmarked, "3")) }, 3},
		{"the unannotated service changed", func() { services.Modify(at(unmarked, "4")) }, 3},
		{"the unannotated pod deleted", func() { pods.Delete(at(plain, "2")) }, 3},
	}
	for i, st := range steps {
		st.send()
		// A send returns once the loop has taken the event; the loop takes
		// this one, of a pod that never counts, only after handling the
		// step's.
		pods.Modify(at(noise, fmt.Sprint(i)))
		if got := kicks.Load(); got != st.kicks {
			t.Fatalf("after %s: %d scans asked for, want %d", st.what, got, st.kicks)
		}
	}
	services.Stop()
	if err := <-done; err != nil {
		t.Fatalf("a watch the API server ended: %v, want nil (it is opened again)", err)
	}
}
