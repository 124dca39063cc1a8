package inbox

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the inbox's Prometheus metrics: messages by outcome, the
// time from reading a message to its answer being accepted, and errors.
type Metrics struct {
	reg      *prometheus.Registry
	messages *prometheus.CounterVec // outcome: the folder's role and reason
	latency  prometheus.Histogram
	errors   *prometheus.CounterVec // kind: imap, smtp
}

// NewMetrics returns the inbox's metrics on a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tessera_inbox_messages_total",
			Help: "Messages filed, by outcome: answered (valid, to_fix, no_photo, other) or the reason they were not.",
		}, []string{"outcome"}),
		// From 50 ms (one photo, nothing to fix) to a minute (the
		// SMTP server slow or the message large).
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tessera_inbox_reply_seconds",
			Help:    "Time from reading a message to the SMTP server accepting its answer.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 11),
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tessera_inbox_errors_total",
			Help: "Errors by kind: imap (a connection lost or a message not fetched), smtp (an answer not sent yet).",
		}, []string{"kind"}),
	}
	m.reg.MustRegister(m.messages, m.latency, m.errors)
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// filed counts a message filed with the given outcome.
func (m *Metrics) filed(outcome string) {
	if m != nil {
		m.messages.WithLabelValues(outcome).Inc()
	}
}

// replied observes the time an answer took since the message was read.
func (m *Metrics) replied(since time.Time) {
	if m != nil {
		m.latency.Observe(time.Since(since).Seconds())
	}
}

// failed counts an error of the given kind.
func (m *Metrics) failed(kind string) {
	if m != nil {
		m.errors.WithLabelValues(kind).Inc()
	}
}
