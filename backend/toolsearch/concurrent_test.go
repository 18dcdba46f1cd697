package toolsearch_test

import (
	"fmt"
	"sync"
	"testing"

	"switchboard/backend/toolsearch"
)

// Searches while servers' tool lists change: every search must see some
// whole state of the index (run with -race to check the locking).
func TestSearchWhileSetting(t *testing.T) {
	x := toolsearch.NewIndex()
	x.Set("filesystem", fsDocs[:2])
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				docs := []toolsearch.Doc{{ID: fmt.Sprintf("s%d/t%d", w, i), Name: fmt.Sprintf("tool_%d", i), Server: fmt.Sprintf("s%d", w),
					Description: "changes all the time"}}
				x.Set(fmt.Sprintf("s%d", w), docs)
			}
		}()
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if hits := x.Search("list directory", 1); len(hits) != 1 || hits[0].ID != "fs/list_directory" {
					t.Errorf("search during updates: %v", hits)
					return
				}
				x.Search("changes tool", 5)
			}
		}()
	}
	wg.Wait()
}
