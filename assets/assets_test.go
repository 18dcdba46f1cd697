package assets

import (
	"bytes"
	"image/png"
	"testing"
)

func TestEveryTrayStateHasAnIcon(t *testing.T) {
	for _, s := range []string{"ok", "attention", "error", "paused"} {
		data, err := TrayIcon(s)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 64 {
			t.Fatalf("%s: not a 64×64 PNG (%v)", s, err)
		}
	}
	if _, err := TrayIcon("nope"); err == nil {
		t.Fatal("an icon for an unknown state")
	}
}
