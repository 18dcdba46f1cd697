package panellink

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
	if err := WriteForwardPage(path, target); err != nil {
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
	if !strings.Contains(page, `location.replace("http://127.0.0.1:7410/ui/#key=sb_x\"\u003c/script\u003e\u003cb\u003e")`) {
		t.Fatalf("no forward to the target:\n%s", page)
	}
}

// The key goes in the fragment, escaped, after the route when there is one.
func TestAddress(t *testing.T) {
	for _, tc := range []struct{ route, want string }{
		{"", "http://127.0.0.1:7410/ui/#key=k%2B1%26x"},
		{"#/quarantine?server=a", "http://127.0.0.1:7410/ui/#/quarantine?server=a&key=k%2B1%26x"},
	} {
		if got := Address("http://127.0.0.1:7410/ui/", "k+1&x", tc.route); got != tc.want {
			t.Errorf("Address(route %q) = %s, want %s", tc.route, got, tc.want)
		}
	}
}
