package client_test

import (
	"context"
	"testing"
	"time"

	"switchboard/backend/client"
	"switchboard/backend/testdeps"
)

func TestQuarantineThroughTheClient(t *testing.T) {
	k := startCore(t, nil)
	ctx := context.Background()
	if _, err := k.c.CreateServer(ctx, "newbie", testServer(t)); err != nil {
		t.Fatal(err)
	}
	testdeps.Eventually(t, 10*time.Second, "newbie listed with its tools as pending", func() bool {
		q, err := k.c.Quarantine(ctx)
		return err == nil && len(q.Servers) == 1 && q.Servers[0].Name == "newbie" && len(q.Servers[0].Tools) > 0
	})
	if _, err := k.c.ApproveTool(ctx, "newbie", "echo", "", false); err == nil {
		t.Fatal("a tool of a quarantined server was approved on its own")
	}
	d, err := k.c.ApproveServer(ctx, "newbie", "checked", false)
	if err != nil || d.PinnedTools == 0 {
		t.Fatalf("approve: %+v %v", d, err)
	}
	s, err := k.c.QuarantinedServer(ctx, "newbie")
	if err != nil || s.Status != "approved" || s.Decision == nil || s.Decision.By != d.By {
		t.Fatalf("server after approval: %+v %v", s, err)
	}
	if _, err := k.c.RejectTool(ctx, "newbie", "sleep", "not needed"); err != nil {
		t.Fatal(err)
	}
	r, err := k.c.ReviewTool(ctx, "newbie", "sleep")
	if err != nil || r.Status != "rejected" || r.Pinned == nil {
		t.Fatalf("review: %+v %v", r, err)
	}
	page, err := k.c.ListAudit(ctx, client.AuditFilter{Type: "quarantine.", Server: "newbie"}, 1, "")
	if err != nil || len(page.Items) != 1 || page.Items[0].Type != "quarantine.tool.rejected" || page.NextCursor == "" {
		t.Fatalf("audit page: %+v %v", page, err)
	}
	next, err := k.c.ListAudit(ctx, client.AuditFilter{Server: "newbie"}, 10, page.NextCursor)
	if err != nil || len(next.Items) != 1 || next.Items[0].Type != "quarantine.server.approved" {
		t.Fatalf("second audit page: %+v %v", next, err)
	}
	if _, err := k.c.RejectServer(ctx, "newbie", "changed my mind"); err != nil {
		t.Fatal(err)
	}
	if q, _ := k.c.Quarantine(ctx); len(q.Servers) != 1 || q.Servers[0].Status != "rejected" {
		t.Fatalf("after reject: %+v", q)
	}
}
