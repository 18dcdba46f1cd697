// Command icons draws Switchboard's tray icons (assets/tray/*.png, one per
// state) and application icon (build/appicon.png), so the art can be
// changed in code and redrawn: go run ./scripts/icons
//
// The mark is a patch panel: three jacks joined by a cord on a rounded
// square. The tray icons add a badge in the state's colour, with a shape
// as well as a colour (a tick, "!", "×", "‖") so the state reads without
// colour vision.
package main

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

// shape is a signed-distance-like test: inside(x, y) in unit coordinates
// (0..1 across the icon).
type shape func(x, y float64) bool

type layer struct {
	c color.NRGBA
	s shape
}

func circle(cx, cy, r float64) shape {
	return func(x, y float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r }
}

func roundRect(x0, y0, x1, y1, r float64) shape {
	return func(x, y float64) bool {
		if x < x0 || x > x1 || y < y0 || y > y1 {
			return false
		}
		cx := math.Max(x0+r, math.Min(x, x1-r))
		cy := math.Max(y0+r, math.Min(y, y1-r))
		return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
	}
}

// segment is a thick line from (ax, ay) to (bx, by).
func segment(ax, ay, bx, by, w float64) shape {
	return func(x, y float64) bool {
		dx, dy := bx-ax, by-ay
		t := ((x-ax)*dx + (y-ay)*dy) / (dx*dx + dy*dy)
		t = math.Max(0, math.Min(1, t))
		px, py := ax+t*dx-x, ay+t*dy-y
		return px*px+py*py <= w*w/4
	}
}

func union(ss ...shape) shape {
	return func(x, y float64) bool {
		for _, s := range ss {
			if s(x, y) {
				return true
			}
		}
		return false
	}
}

// render draws the layers at size×size with 4×4 supersampling.
func render(size int, layers []layer) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const ss = 4
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/ss) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/ss) / float64(size)
					var cr, cg, cb, ca float64
					for _, l := range layers {
						if !l.s(x, y) {
							continue
						}
						la := float64(l.c.A) / 255
						cr = float64(l.c.R)*la + cr*(1-la)
						cg = float64(l.c.G)*la + cg*(1-la)
						cb = float64(l.c.B)*la + cb*(1-la)
						ca = la + ca*(1-la)
					}
					r, g, b, a = r+cr, g+cg, b+cb, a+ca
				}
			}
			n := float64(ss * ss)
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{R: uint8(r / a), G: uint8(g / a), B: uint8(b / a), A: uint8(255 * a / n)})
		}
	}
	return img
}

var (
	panel = color.NRGBA{0x26, 0x32, 0x45, 0xff}
	cord  = color.NRGBA{0xe8, 0xee, 0xf6, 0xff}
	white = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

// mark is the patch panel, in unit coordinates, scaled into a box.
func mark(scale, off float64) []layer {
	p := func(v float64) float64 { return off + v*scale }
	jacks := union(circle(p(0.28), p(0.3), 0.09*scale), circle(p(0.72), p(0.3), 0.09*scale), circle(p(0.5), p(0.72), 0.09*scale))
	cords := union(segment(p(0.28), p(0.3), p(0.5), p(0.72), 0.07*scale), segment(p(0.72), p(0.3), p(0.5), p(0.72), 0.07*scale))
	return []layer{
		{panel, roundRect(p(0.04), p(0.04), p(0.96), p(0.96), 0.2*scale)},
		{cord, cords},
		{cord, jacks},
	}
}

// badges are the state marks: colour and glyph.
var badges = map[string]struct {
	c     color.NRGBA
	glyph shape
}{
	"ok":        {color.NRGBA{0x2e, 0xa0, 0x43, 0xff}, union(segment(0.69, 0.79, 0.75, 0.85, 0.045), segment(0.75, 0.85, 0.86, 0.71, 0.045))},
	"attention": {color.NRGBA{0xe0, 0x9b, 0x14, 0xff}, union(segment(0.77, 0.67, 0.77, 0.8, 0.055), circle(0.77, 0.88, 0.03))},
	"error":     {color.NRGBA{0xd7, 0x3a, 0x2f, 0xff}, union(segment(0.71, 0.71, 0.83, 0.83, 0.05), segment(0.83, 0.71, 0.71, 0.83, 0.05))},
	"paused":    {color.NRGBA{0x7a, 0x86, 0x96, 0xff}, union(segment(0.735, 0.7, 0.735, 0.84, 0.045), segment(0.805, 0.7, 0.805, 0.84, 0.045))},
}

func write(path string, img image.Image) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		log.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
}

// writeICO writes a Windows icon holding PNG images of the given sizes
// (the ICO format allows PNG payloads since Windows Vista).
func writeICO(path string, sizes ...int) {
	var pngs [][]byte
	for _, n := range sizes {
		var b bytes.Buffer
		if err := png.Encode(&b, render(n, mark(1, 0))); err != nil {
			log.Fatal(err)
		}
		pngs = append(pngs, b.Bytes())
	}
	var out bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&out, le, [3]uint16{0, 1, uint16(len(sizes))}) // reserved, type icon, count
	offset := 6 + 16*len(sizes)
	for i, n := range sizes {
		dim := uint8(n) // 0 means 256
		_ = binary.Write(&out, le, struct {
			W, H, Colors, Reserved uint8
			Planes, Bits           uint16
			Size, Offset           uint32
		}{dim, dim, 0, 0, 1, 32, uint32(len(pngs[i])), uint32(offset)})
		offset += len(pngs[i])
	}
	for _, p := range pngs {
		out.Write(p)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

func main() {
	for state, b := range badges {
		layers := mark(0.86, 0)
		layers = append(layers,
			layer{white, circle(0.77, 0.77, 0.22)}, // a ring that separates the badge from the mark
			layer{b.c, circle(0.77, 0.77, 0.19)},
			layer{white, b.glyph})
		write(filepath.Join("assets", "tray", state+".png"), render(64, layers))
	}
	write(filepath.Join("build", "appicon.png"), render(1024, mark(1, 0)))
	write(filepath.Join("assets", "appicon.png"), render(256, mark(1, 0))) // the window's icon
	writeICO(filepath.Join("build", "windows", "icon.ico"), 16, 32, 48, 256)
	log.Print("wrote assets/tray/{ok,attention,error,paused}.png, assets/appicon.png, build/appicon.png and build/windows/icon.ico")
}
