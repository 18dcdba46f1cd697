package loadtest

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// WritePlot draws p50 (solid) and p99 (dashed) latency against the number
// of sessions, one colour per mode, both axes logarithmic, into a PNG file.
func (r *Report) WritePlot(path string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s, tool %s: p50 (solid) and p99 (dashed) latency", r.Upstream, r.Tool)
	p.X.Label.Text = "concurrent sessions"
	if !r.Date.IsZero() {
		p.X.Label.Text += fmt.Sprintf(" (%d CPUs, %s)", r.Machine.CPUs, r.Date.Format("2006-01-02"))
	}
	p.Y.Label.Text = "latency (ms)"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.Add(plotter.NewGrid())
	// The legend goes beside the plot, where it hides no line.
	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.Padding = vg.Points(3)

	var modes []string
	var levels []int
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, res := range r.Results {
		if !slices.Contains(modes, res.Mode) {
			modes = append(modes, res.Mode)
		}
		if !slices.Contains(levels, res.Sessions) {
			levels = append(levels, res.Sessions)
		}
	}
	slices.Sort(levels)

	for i, mode := range modes {
		for _, q := range []struct {
			name   string
			of     func(Result) float64
			dashed bool
		}{
			{"p50", func(r Result) float64 { return r.P50Ms }, false},
			{"p99", func(r Result) float64 { return r.P99Ms }, true},
		} {
			var xys plotter.XYs
			for _, res := range r.Results {
				// A level with no successful call has no latency; a log
				// scale cannot show zero.
				if res.Mode == mode && q.of(res) > 0 {
					v := q.of(res)
					xys = append(xys, plotter.XY{X: float64(res.Sessions), Y: v})
					lo, hi = min(lo, v), max(hi, v)
				}
			}
			if len(xys) == 0 {
				continue
			}
			slices.SortFunc(xys, func(a, b plotter.XY) int { return int(a.X - b.X) })
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return err
			}
			line.Color, points.Color = plotutil.Color(i), plotutil.Color(i)
			line.Width = vg.Points(1.5)
			points.Shape = draw.CircleGlyph{}
			if q.dashed {
				line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
				points.Shape = draw.TriangleGlyph{}
			}
			p.Add(line, points)
			legend.Add(mode+" "+q.name, line, points)
		}
	}
	if len(levels) == 0 {
		return fmt.Errorf("no results to plot")
	}
	var xt plot.ConstantTicks
	for _, n := range levels {
		xt = append(xt, plot.Tick{Value: float64(n), Label: strconv.Itoa(n)})
	}
	p.X.Tick.Marker = xt
	p.Y.Tick.Marker = latencyTicks{}
	// Room around the points, so none sits on the frame.
	p.X.Min, p.X.Max = float64(levels[0])/1.3, float64(levels[len(levels)-1])*1.3
	if !math.IsInf(lo, 0) {
		p.Y.Min, p.Y.Max = lo/1.5, hi*1.5
	}

	img := vgimg.New(9*vg.Inch, 5*vg.Inch)
	dc := draw.New(img)
	legendWidth := 1.9 * vg.Inch
	p.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
	legend.Draw(draw.Crop(dc, dc.Max.X-legendWidth+vg.Points(6), 0, 0, -vg.Points(24)))

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// latencyTicks marks a log axis at 1, 2 and 5 of every power of ten, with
// unlabelled minor ticks between.
type latencyTicks struct{}

func (latencyTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow(10, e)
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
