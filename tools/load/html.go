package load

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
)

// The charts are SVG drawn here, inline in the page: no script, no style sheet, no font or
// image is fetched, so the page opens offline and from a file.

const chartW, chartH, padL, padB, padT, padR = 720.0, 220.0, 56.0, 34.0, 12.0, 12.0

type series struct {
	Name, Color string
	Values      []float64
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// niceMax rounds v up to 1, 2 or 5 × a power of ten (1 for nothing).
func niceMax(v float64) float64 {
	if v <= 0 || math.IsNaN(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func frame(b *strings.Builder, yMax float64, yLabel, xLabel string) {
	fmt.Fprintf(b, `<svg viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img">`, chartW, chartH, chartW, chartH)
	for i := 0; i <= 4; i++ {
		y := padT + (chartH-padT-padB)*float64(4-i)/4
		fmt.Fprintf(b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, padL, chartW-padR, y, y)
		fmt.Fprintf(b, `<text x="%.0f" y="%.1f" font-size="10" text-anchor="end">%s</text>`, padL-4, y+3, trim(yMax*float64(i)/4))
	}
	fmt.Fprintf(b, `<text x="4" y="%.0f" font-size="10">%s</text>`, padT-2, esc(yLabel))
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" font-size="10" text-anchor="middle">%s</text>`, (chartW+padL)/2, chartH-4, esc(xLabel))
}

func trim(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// lineChart draws series over x = 0…n-1 (seconds).
func lineChart(yLabel string, ss []series) template.HTML {
	n, yMax := 0, 0.0
	for _, s := range ss {
		n = max(n, len(s.Values))
		for _, v := range s.Values {
			yMax = max(yMax, v)
		}
	}
	yMax = niceMax(yMax)
	var b strings.Builder
	frame(&b, yMax, yLabel, "seconds since the start")
	x := func(i int) float64 { return padL + (chartW-padL-padR)*float64(i)/float64(max(n-1, 1)) }
	y := func(v float64) float64 { return padT + (chartH-padT-padB)*(1-v/yMax) }
	for i := 0; i < n; i += max(1, n/10) {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="10" text-anchor="middle">%d</text>`, x(i), chartH-padB+12, i)
	}
	for k, s := range ss {
		var pts []string
		for i, v := range s.Values {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`, s.Color, strings.Join(pts, " "))
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11" fill="%s">%s</text>`, chartW-padR-150+float64(k)*70, padT+10, s.Color, esc(s.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// barChart draws one bar per label.
func barChart(yLabel, xLabel, color string, labels []string, values []float64) template.HTML {
	yMax := 0.0
	for _, v := range values {
		yMax = max(yMax, v)
	}
	yMax = niceMax(yMax)
	var b strings.Builder
	frame(&b, yMax, yLabel, xLabel)
	n := max(len(values), 1)
	w := (chartW - padL - padR) / float64(n)
	step := max(1, n/16)
	for i, v := range values {
		h := (chartH - padT - padB) * v / yMax
		x := padL + w*float64(i)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`,
			x+1, chartH-padB-h, math.Max(w-2, 1), h, color, esc(labels[i]), trim(v))
		if i%step == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="10" text-anchor="middle">%s</text>`, x+w/2, chartH-padB+12, esc(labels[i]))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func histogram(yLabel string, bs []Bucket, color string) template.HTML {
	var labels []string
	var values []float64
	for _, b := range bs {
		l := "≥" + trim(b.From)
		if b.To > 0 {
			l = trim(b.From) + "–" + trim(b.To)
		}
		labels = append(labels, l)
		values = append(values, float64(b.Count))
	}
	return barChart(yLabel, "milliseconds", color, labels, values)
}

type routeChart struct {
	Summary RouteSummary
	Chart   template.HTML
}

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Microshop load report: {{.R.Mode}} {{.R.Started.Format "2006-01-02 15:04:05Z07:00"}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:70em}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}h2{margin-top:1.6em}.bad{color:#b00;font-weight:bold}.good{color:#070;font-weight:bold}
figure{margin:0 0 1em 0}figcaption{font-size:13px;color:#555}
</style></head><body>
<h1>Microshop load report</h1>
<p><code>{{.R.Command}}</code><br>
{{.R.Mode}} run, started {{.R.Started.Format "2006-01-02 15:04:05 MST"}}, {{printf "%.1f" .R.ElapsedS}} s recorded{{if .R.WarmupS}} after a {{.R.WarmupS}} s warm-up{{end}},
{{.R.Concurrency}} {{if eq .R.Mode "flash"}}buyers{{else}}virtual customers{{end}}{{if .R.Rate}}, limited to {{.R.Rate}} req/s{{end}}{{if .R.Mix}}, mix {{.R.Mix}}{{end}}, seed {{.R.Seed}}, load average {{.R.LoadAverage}}.{{with .R.MachineCPU}} {{.}}.{{end}}</p>
<p>{{.R.Total.Requests}} requests, {{printf "%.1f" .R.Total.Rate}} req/s, {{.R.Total.Errors}} errors; p50 {{printf "%.1f" .R.Total.P50}} ms, p95 {{printf "%.1f" .R.Total.P95}} ms, p99 {{printf "%.1f" .R.Total.P99}} ms.
{{.R.Accepted}} orders accepted.</p>
{{with .R.Flash}}<p>Flash sale: {{.Buyers}} buyers, {{.Units}} units, {{.Accepted}} orders accepted;
<span class="{{if .Oversold}}bad{{else}}good{{end}}">oversold {{.Oversold}}</span>.</p>{{end}}
<h2>Invariants</h2>
{{if .R.Violations}}<ul class="bad">{{range .R.Violations}}<li>{{.}}</li>{{end}}</ul>{{else}}<p class="good">All hold: every accepted order is there and final; stock conserved; charges − refunds = the CONFIRMED totals; dead-letter queues empty.</p>{{end}}
<h2>Routes</h2>
<table><tr><th>route</th><th>requests</th><th>errors</th><th>req/s</th><th>mean ms</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>
{{range .R.Routes}}<tr><td>{{.Route}}</td><td>{{.Requests}}</td><td>{{.Errors}}</td><td>{{printf "%.1f" .Rate}}</td><td>{{printf "%.1f" .Mean}}</td><td>{{printf "%.1f" .P50}}</td><td>{{printf "%.1f" .P95}}</td><td>{{printf "%.1f" .P99}}</td><td>{{printf "%.1f" .Max}}</td></tr>
{{end}}{{with .R.Total}}<tr><th>all</th><th>{{.Requests}}</th><th>{{.Errors}}</th><th>{{printf "%.1f" .Rate}}</th><th>{{printf "%.1f" .Mean}}</th><th>{{printf "%.1f" .P50}}</th><th>{{printf "%.1f" .P95}}</th><th>{{printf "%.1f" .P99}}</th><th>{{printf "%.1f" .Max}}</th></tr>{{end}}
</table>
<h2>Latency over time</h2><figure>{{.Latency}}<figcaption>p50 and p99 of each second's requests, milliseconds.</figcaption></figure>
<h2>Requests and errors over time</h2><figure>{{.Requests}}<figcaption>Requests per second.</figcaption></figure>
<figure>{{.ErrorsChart}}<figcaption>Errors per second (no response, a 5xx, or a status the journey did not expect).</figcaption></figure>
<h2>Saga durations</h2><figure>{{.Sagas}}<figcaption>From an order's 201 to the first poll that saw it CONFIRMED, FAILED or CANCELLED ({{.R.Sagas.Requests}} orders; p50 {{printf "%.1f" .R.Sagas.P50}} ms, p99 {{printf "%.1f" .R.Sagas.P99}} ms). Polls back off from 5 to 100 ms, which bounds the resolution.</figcaption></figure>
<h2>Latency distribution per route</h2>
{{range .Routes}}<figure>{{.Chart}}<figcaption>{{.Summary.Route}}: requests per latency bucket.</figcaption></figure>
{{end}}
{{if .R.Errors}}<h2>First errors</h2><ul>{{range .R.Errors}}<li><code>{{.}}</code></li>{{end}}</ul>{{end}}
</body></html>
`))

// HTML writes the report as one self-contained page.
func (rep *Report) HTML(w io.Writer) error {
	var p50, p99, reqs, errs []float64
	var secs []string
	for _, s := range rep.Seconds {
		p50, p99 = append(p50, s.P50), append(p99, s.P99)
		reqs, errs = append(reqs, float64(s.Requests)), append(errs, float64(s.Errors))
		secs = append(secs, fmt.Sprint(s.T))
	}
	data := struct {
		R                                     *Report
		Latency, Requests, ErrorsChart, Sagas template.HTML
		Routes                                []routeChart
	}{
		R:           rep,
		Latency:     lineChart("ms", []series{{"p50", "#1f77b4", p50}, {"p99", "#d62728", p99}}),
		Requests:    barChart("req/s", "seconds since the start", "#2ca02c", secs, reqs),
		ErrorsChart: barChart("errors/s", "seconds since the start", "#d62728", secs, errs),
		Sagas:       histogram("orders", rep.Sagas.Histogram, "#9467bd"),
	}
	for _, r := range rep.Routes {
		data.Routes = append(data.Routes, routeChart{Summary: r, Chart: histogram("requests", r.Histogram, "#1f77b4")})
	}
	if err := page.Execute(w, data); err != nil {
		return fmt.Errorf("load: report page: %w", err)
	}
	return nil
}
