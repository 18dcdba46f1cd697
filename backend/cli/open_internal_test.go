package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The page that forwards the browser to the panel holds the key: only its
// owner may read it, and the address cannot break out of the script.
func TestForwardPage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "open.html")
	target := `http://127.0.0.1:7410/ui/#key=sb_x"</script><b>`
	if err := writeForwardPage(path, target); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	page := string(data)
	if strings.Count(page, "</script>") != 1 || strings.Contains(page, "<b>") {
		t.Fatalf("the address escaped its quoting:\n%s", page)
	}
	if !strings.Contains(page, `location.replace("http://127.0.0.1:7410/ui/#key=sb_x\"\u003c/script>\u003cb>")`) {
		t.Fatalf("no forward to the target:\n%s", page)
	}
}
