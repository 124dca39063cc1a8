package api

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openapiDoc describes every route; TestOpenAPIMatchesRoutes keeps it true.
//
//go:embed openapi.json
var openapiDoc []byte

// openapi is GET /openapi.json.
func (s *Server) openapi(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openapiDoc)
}
