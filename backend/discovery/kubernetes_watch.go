package discovery

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
)

// kubeWatchSeconds is how long the API server keeps one watch open; the
// source then opens the next, as informers do.
const kubeWatchSeconds = 5 * 60

// kubeRewatchPause spaces the watches opened again after one ends, so an
// API server that ends them at once is not asked in a tight loop.
const kubeRewatchPause = time.Second

// Watch follows the services and pods the source lists: an annotated
// object added, changed (a pod getting its address, an annotation edited)
// or deleted calls changed, after a quiet moment, so a burst of events
// brings one scan. Objects that never carried the annotation do not count:
// in a big cluster most pod events are theirs. A watch the API server ends
// is opened again; an error opening one ends Watch, and the source's
// schedule still scans (Run opens the watch again after that scan).
func (s *KubernetesSource) Watch(ctx context.Context, changed func()) error {
	dc, err := s.client(0)
	if err != nil {
		return err
	}
	kick, stop := debouncer(changed)
	defer stop()
	// The resource version of each object seen with the annotation, so one
	// that loses it or goes away still counts.
	seen := map[string]string{}
	for ctx.Err() == nil {
		if err := s.watchOnce(ctx, dc, seen, kick); err != nil {
			return kubeError(err, s.cfg.Namespace)
		}
		select {
		case <-ctx.Done():
		case <-time.After(kubeRewatchPause):
		}
	}
	return nil
}

// watchOnce watches services and pods until either watch ends.
func (s *KubernetesSource) watchOnce(ctx context.Context, dc dynamic.Interface, seen map[string]string, kick func()) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	timeout := int64(kubeWatchSeconds)
	opts := metav1.ListOptions{LabelSelector: s.cfg.LabelSelector, TimeoutSeconds: &timeout}
	var streams [2]watch.Interface
	for i, res := range []schema.GroupVersionResource{servicesResource, podsResource} {
		w, err := dc.Resource(res).Namespace(s.cfg.Namespace).Watch(ctx, opts)
		if err != nil {
			return fmt.Errorf("watch %s: %w", res.Resource, err)
		}
		defer w.Stop()
		streams[i] = w
	}
	for {
		var ev watch.Event
		var ok bool
		kind := "service"
		select {
		case <-ctx.Done():
			return nil
		case ev, ok = <-streams[0].ResultChan():
		case ev, ok = <-streams[1].ResultChan():
			kind = "pod"
		}
		if !ok || ev.Type == watch.Error {
			// Ended by the API server (its timeout, or a resource version
			// too old to resume from): the caller opens a new one.
			return nil
		}
		obj, err := meta.Accessor(ev.Object)
		if err != nil {
			continue
		}
		key := kubeWhere(kind, obj.GetNamespace(), obj.GetName())
		if annotated(obj.GetAnnotations()) && ev.Type != watch.Deleted {
			// A new watch starts by listing every object as added: those
			// seen already, unchanged (the same resource version), are
			// not news.
			rv := obj.GetResourceVersion()
			if last, was := seen[key]; !was || rv == "" || last != rv {
				seen[key] = rv
				kick()
			}
		} else if _, was := seen[key]; was {
			delete(seen, key)
			kick()
		}
	}
}
