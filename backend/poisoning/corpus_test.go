package poisoning

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// corpusTool is a line of testdata/*.jsonl; Attack names the published
// pattern a poisoned definition follows.
type corpusTool struct {
	Tool
	Attack string `json:"attack"`
}

func loadCorpus(t testing.TB, path string) []corpusTool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusTool
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var c corpusTool
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func tools(cs []corpusTool) []Tool {
	out := make([]Tool, len(cs))
	for i, c := range cs {
		out[i] = c.Tool
	}
	return out
}

// TestCorpus measures detection on published attack patterns and false
// positives on definitions modelled on real public MCP servers. Each tool is
// checked against the clean tools of the other servers, as a gateway would
// check a new server against those already approved.
func TestCorpus(t *testing.T) {
	clean := loadCorpus(t, "testdata/clean.jsonl")
	poisoned := loadCorpus(t, "testdata/poisoned.jsonl")
	if len(clean) < 150 || len(poisoned) < 60 {
		t.Fatalf("corpus too small: %d clean, %d poisoned", len(clean), len(poisoned))
	}
	approved := tools(clean)

	detected := 0
	for _, p := range poisoned {
		fs := Scan(p.Tool, approved)
		if s := Max(fs); s == High || s == Medium {
			detected++
			continue
		}
		t.Errorf("missed %s/%s (%s): %v", p.Server, p.Name, p.Attack, fs)
	}
	highFP, mediumFP := 0, 0
	for _, c := range clean {
		fs := Scan(c.Tool, approved)
		switch Max(fs) {
		case High:
			highFP++
			t.Errorf("high finding on clean %s/%s: %+v", c.Server, c.Name, fs)
		case Medium:
			mediumFP++
			t.Logf("medium finding on clean %s/%s: %+v", c.Server, c.Name, fs)
		}
	}
	detection := float64(detected) / float64(len(poisoned))
	mediumRate := float64(mediumFP) / float64(len(clean))
	// Printed on every run, not only with -v: these are the figures to watch.
	fmt.Printf("poisoning corpus: poisoned %d, clean %d: detection %.3f, high false positives %d (%.3f), medium false positives %d (%.3f)\n",
		len(poisoned), len(clean), detection, highFP, float64(highFP)/float64(len(clean)), mediumFP, mediumRate)
	fmt.Printf("poisoning corpus: attack patterns: %s\n", strings.Join(attacks(poisoned), ", "))
	if detection < 0.95 {
		t.Errorf("detection rate %.3f < 0.95", detection)
	}
	if highFP != 0 {
		t.Errorf("%d clean definitions with a high finding", highFP)
	}
	if mediumRate > 0.05 {
		t.Errorf("medium false-positive rate %.3f > 0.05", mediumRate)
	}
}

// attacks lists the attack patterns of the corpus with their counts.
func attacks(cs []corpusTool) []string {
	n := map[string]int{}
	for _, c := range cs {
		n[c.Attack]++
	}
	var out []string
	for a, k := range n {
		out = append(out, fmt.Sprintf("%s %d", a, k))
	}
	sort.Strings(out)
	return out
}
