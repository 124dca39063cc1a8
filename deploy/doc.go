// Package deploy holds what an office's IT deploys tessera with: the Helm
// chart in helm/tessera. It is a Go module of its own so that the tessera
// binary does not carry Helm's and Kubernetes's modules; its tests render
// the chart with Helm's Go module and decode every document strictly into
// the Kubernetes API's types.
package deploy
