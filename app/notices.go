package app

import "fmt"

// Notice is a desktop notification.
type Notice struct {
	// Key identifies what the notice is about, so a newer notice about the
	// same thing replaces the older one.
	Key   string
	Title string
	Body  string
	// Path is the panel route the notice's "Open" shows.
	Path string
}

// CrashThreshold is how many restarts in a row make a server "keep
// crashing": one crash is routine for a supervisor, three is a pattern.
const CrashThreshold = 3

// Notices is what changed from prev to next that a person should hear
// about without looking: something new awaits approval, a server keeps
// crashing, an update came out. A state compared with itself gives none,
// so re-reading the state after every event never repeats a notice.
func Notices(prev, next State) []Notice {
	if !next.Reachable {
		return nil
	}
	var out []Notice
	seen := map[QuarantineItem]bool{}
	for _, q := range prev.Quarantine {
		seen[q] = true
	}
	for _, q := range next.Quarantine {
		if seen[q] {
			continue
		}
		n := Notice{Key: "quarantine/" + q.Server + "/" + q.Tool, Title: "Awaiting your approval", Path: QuarantinePath(q),
			Body: fmt.Sprintf("The server %s was added and waits in quarantine until you approve it.", q.Server)}
		if q.Tool != "" {
			n.Body = fmt.Sprintf("The tool %s of %s is new or changed and waits for your approval.", q.Tool, q.Server)
		}
		out = append(out, n)
	}
	before := map[string]Server{}
	for _, s := range prev.Servers {
		before[s.Name] = s
	}
	for _, s := range next.Servers {
		if !s.Enabled {
			continue
		}
		old, known := before[s.Name]
		crashing := s.Restarts >= CrashThreshold && (!known || old.Restarts < CrashThreshold)
		died := s.State == "dead" && known && old.State != "dead"
		if !crashing && !died {
			continue
		}
		body := fmt.Sprintf("%s has stopped working", s.Name)
		if s.Restarts > 0 {
			body = fmt.Sprintf("%s keeps crashing (%d restarts)", s.Name, s.Restarts)
		}
		if s.LastError != "" {
			body += ": " + s.LastError
		}
		out = append(out, Notice{Key: "server/" + s.Name, Title: "A server keeps crashing", Body: body,
			Path: serverPath(s.Name)})
	}
	if next.Update != nil && (prev.Update == nil || prev.Update.Version != next.Update.Version) {
		out = append(out, Notice{Key: "update", Title: "Switchboard " + next.Update.Version + " is available",
			Body: "A new version of Switchboard is out.", Path: "/settings"})
	}
	return out
}
