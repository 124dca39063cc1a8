package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tessera-cie/tessera/validate"
)

// metrics are the Prometheus series of one Server, on a registry of its
// own: two servers in one process (tests) never share counters.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec   // route, method, code
	latency  *prometheus.HistogramVec // route
	photos   *prometheus.CounterVec   // result: pass, fail, error
	checks   *prometheus.CounterVec   // check, status
	inFlight prometheus.Gauge
	waiting  prometheus.Gauge
	rejected *prometheus.CounterVec // reason: queue_full, busy, timeout
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tessera_http_requests_total", Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tessera_http_request_duration_seconds", Help: "HTTP request latency by route.",
			// A 560x720 photo takes tens of milliseconds, a 12 MP one about a second.
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		photos: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tessera_photos_total", Help: "Photos checked, by result: pass, fail, or error (unreadable).",
		}, []string{"result"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tessera_check_outcomes_total", Help: "Outcomes of each check id: pass, fail, warn, skip.",
		}, []string{"check", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tessera_photos_in_flight", Help: "Photos being analysed now.",
		}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tessera_requests_waiting", Help: "Requests waiting for an analysis slot.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tessera_requests_rejected_total", Help: "Requests turned away when saturated, by reason.",
		}, []string{"reason"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.photos, m.checks, m.inFlight, m.waiting, m.rejected,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// request records one finished HTTP request.
func (m *metrics) request(route, method string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// report records the outcome of one photo.
func (m *metrics) report(r *validate.Report) {
	switch {
	case r.Err != nil:
		m.photos.WithLabelValues("error").Inc()
	case r.Pass:
		m.photos.WithLabelValues("pass").Inc()
	default:
		m.photos.WithLabelValues("fail").Inc()
	}
	for _, c := range r.Checks {
		m.checks.WithLabelValues(string(c.ID), string(c.Status)).Inc()
	}
}

// MetricsHandler serves the server's Prometheus metrics. It is not one of
// the server's routes: the metrics tell who is being served and how
// busy the server is, for the office's monitoring, not for anyone who
// can reach the page; serve it on a listener of its own (tessera serve
// --metrics-addr, loopback by default).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}
