package api

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/validate"
)

// apiError is an answer that is not a report: an HTTP status, a stable code
// for programs and a message for people, said from the catalogue in the
// request's language.
type apiError struct {
	status int
	id     string // the message's catalogue id: "api." and the code
	args   []any  // the message's arguments
}

// code is the error's stable code for programs ("body_too_large").
func (e *apiError) code() string { return strings.TrimPrefix(e.id, "api.") }

func (e *apiError) Error() string { return e.code() + ": " + e.message("en") }

// message is the text in lang, with args when given, else the error's own.
func (e *apiError) message(lang string, args ...any) string {
	if len(args) == 0 {
		args = e.args
	}
	return catalog.Say(lang, e.id, args...)
}

// errorBody is the JSON of an error answer.
type errorBody struct {
	Error   string           `json:"error"`
	Message string           `json:"message"`
	Report  *validate.Report `json:"report,omitempty"` // the report, when the photo could be partly read
}

// The answers for bad input and a busy server.
var (
	errTooLarge      = &apiError{fiber.StatusRequestEntityTooLarge, "api.body_too_large", nil}
	errNotImage      = &apiError{fiber.StatusUnsupportedMediaType, "api.not_an_image", nil}
	errUnsupported   = &apiError{fiber.StatusUnsupportedMediaType, "api.unsupported_format", nil}
	errMediaType     = &apiError{fiber.StatusUnsupportedMediaType, "api.unsupported_media_type", nil}
	errEncoding      = &apiError{fiber.StatusUnsupportedMediaType, "api.unsupported_encoding", nil}
	errUnreadable    = &apiError{fiber.StatusUnprocessableEntity, "api.unreadable_image", nil}
	errOverBudget    = &apiError{fiber.StatusUnprocessableEntity, "api.too_heavy", nil}
	errTooManyPixels = &apiError{fiber.StatusUnprocessableEntity, "api.too_many_pixels", nil}
	errNoPhoto       = &apiError{fiber.StatusBadRequest, "api.missing_photo", nil}
	errMultipart     = &apiError{fiber.StatusBadRequest, "api.malformed_form", nil}
	errProfile       = &apiError{fiber.StatusBadRequest, "api.unknown_profile", nil}
	errEmail         = &apiError{fiber.StatusBadRequest, "api.malformed_email", nil}
	errNoImages      = &apiError{fiber.StatusUnprocessableEntity, "api.no_images", nil}
	errQueueFull     = &apiError{fiber.StatusTooManyRequests, "api.too_many_requests", nil}
	errBusy          = &apiError{fiber.StatusServiceUnavailable, "api.busy", nil}
	errClientBusy    = &apiError{fiber.StatusTooManyRequests, "api.client_busy", nil}
	errClientRate    = &apiError{fiber.StatusTooManyRequests, "api.client_rate", nil} // args: seconds to wait
	errTooSlow       = &apiError{fiber.StatusRequestTimeout, "api.too_slow", []any{minBodyRate >> 10}}
	errConnections   = &apiError{fiber.StatusServiceUnavailable, "api.too_many_connections", nil}
	errTimeout       = &apiError{fiber.StatusServiceUnavailable, "api.timeout", nil}
	// errClientGone answers a request whose client has closed the
	// connection: nobody reads it. 499 is the status nginx logs for it.
	errClientGone     = &apiError{499, "api.client_gone", nil}
	errStuck          = &apiError{fiber.StatusServiceUnavailable, "api.stuck", nil}
	errNotReady       = &apiError{fiber.StatusServiceUnavailable, "api.not_ready", nil}
	errDraining       = &apiError{fiber.StatusServiceUnavailable, "api.draining", nil}
	errNotFound       = &apiError{fiber.StatusNotFound, "api.not_found", nil}
	errMethod         = &apiError{fiber.StatusMethodNotAllowed, "api.method_not_allowed", nil}
	errBadRequest     = &apiError{fiber.StatusBadRequest, "api.bad_request", nil}
	errHeaderTooLarge = &apiError{fiber.StatusRequestHeaderFieldsTooLarge, "api.header_too_large", nil}
	errInternal       = &apiError{fiber.StatusInternalServerError, "api.internal", nil}
)

// reportError maps the error of a report that could not be read to its
// answer.
func reportError(err error) *apiError {
	switch {
	case errors.Is(err, validate.ErrNotImage):
		return errNotImage
	case errors.Is(err, validate.ErrUnsupported):
		if feature, ok := validate.JPEGFeature(err); ok {
			return &apiError{fiber.StatusUnsupportedMediaType, "api.unsupported_jpeg", []any{feature}}
		}
		return errUnsupported
	case errors.Is(err, validate.ErrTooManyPixels):
		return errTooManyPixels
	case errors.Is(err, validate.ErrOverBudget):
		return errOverBudget
	case errors.Is(err, validate.ErrInternal):
		return errInternal
	default:
		return errUnreadable
	}
}
