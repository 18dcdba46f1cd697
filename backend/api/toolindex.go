package api

import (
	"bytes"
	"encoding/json"
	"sync"

	"switchboard/backend/gateway"
	"switchboard/backend/toolsearch"
)

// toolIndex is the search index behind GET /tools?q=. It is brought up to
// date with the live tool list on every query: servers whose tools are as
// they were cost a comparison, so only a changed server is analysed again.
type toolIndex struct {
	mu    sync.Mutex
	index *toolsearch.Index
	docs  map[string]indexedTool // id -> the tool's document and the schema it was read from
}

type indexedTool struct {
	schema json.RawMessage
	doc    toolsearch.Doc
}

var toolIndexes sync.Map // *Server -> *toolIndex

func (s *Server) toolIndex() *toolIndex {
	if x, ok := toolIndexes.Load(s); ok {
		return x.(*toolIndex)
	}
	x, _ := toolIndexes.LoadOrStore(s, &toolIndex{index: toolsearch.NewIndex(), docs: map[string]indexedTool{}})
	return x.(*toolIndex)
}

func toolID(server, tool string) string { return server + "\x00" + tool }

// rankTools ranks tools for q, best first, with their scores: every
// server's tools, or one server's when server is set. The index holds
// every server's tools either way, so a query limited to one server does
// not evict the others.
func (s *Server) rankTools(tools []gateway.ToolInfo, q, server string) ([]gateway.ToolInfo, []float64) {
	x := s.toolIndex()
	all := tools
	if server != "" {
		all = s.opts.Gateway.Tools()
	}
	x.mu.Lock()
	byServer := map[string][]toolsearch.Doc{}
	docs := make(map[string]indexedTool, len(all))
	for _, t := range all {
		id := toolID(t.Server, t.Tool.Name)
		schema := gateway.ToolInputSchema(t.Tool)
		it, ok := x.docs[id]
		if !ok || !bytes.Equal(it.schema, schema) || it.doc.Description != t.Tool.Description {
			d := toolsearch.DocFromSchema(schema)
			d.ID, d.Name, d.Description, d.Server = id, t.Tool.Name, t.Tool.Description, t.Server
			it = indexedTool{schema, d}
		}
		docs[id] = it
		d := it.doc
		d.Tags = t.Tags
		byServer[t.Server] = append(byServer[t.Server], d)
	}
	x.docs = docs
	var flat []toolsearch.Doc
	for _, d := range byServer {
		flat = append(flat, d...)
	}
	x.index.Replace(flat)
	x.mu.Unlock()

	want := make(map[string]int, len(tools))
	for i, t := range tools {
		want[toolID(t.Server, t.Tool.Name)] = i
	}
	var out []gateway.ToolInfo
	var scores []float64
	for _, h := range x.index.Search(q, 0) {
		if i, ok := want[h.ID]; ok {
			out = append(out, tools[i])
			scores = append(scores, h.Score)
		}
	}
	return out, scores
}
