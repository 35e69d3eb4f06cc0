// Package collector is the Prometheus side of the exporter: it keeps the newest
// immutable JobSnapshot of every tracked job and serves them as the text
// exposition on /metrics, together with the exporter's own registry.
//
// Its metric families are a declarative table (families*.go): one row per
// family with a function from a snapshot to samples. Store.Set renders a
// snapshot's samples once, when it is stored, so a scrape only concatenates
// bytes and never calls the API or derives anything from its data.
//
// What a scrape costs Prometheus is bounded here too: a finished job that is
// no longer described is rendered compact, StoreOptions.AggregateOnly
// replaces the series of jobs by counts, StoreOptions.MaxSeries caps them,
// and a scrape's collect[] / exclude[] picks families.
//
// The entry point is NewStore; Handler serves the store. The poller is the
// store's only writer, through Set and Delete.
package collector
