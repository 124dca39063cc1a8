package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/validate"
)

// apiError is an answer that is not a report: an HTTP status, a stable code
// for programs and a message for people, said from the catalogue (id
// "api." + code) in the request's language.
type apiError struct {
	status int
	code   string
	args   []any // the message's arguments
}

func (e *apiError) Error() string { return e.code + ": " + e.message("en") }

// message is the text in lang, with args when given, else the error's own.
func (e *apiError) message(lang string, args ...any) string {
	if len(args) == 0 {
		args = e.args
	}
	return catalog.Say(lang, "api."+e.code, args...)
}

// errorBody is the JSON of an error answer.
type errorBody struct {
	Error   string           `json:"error"`
	Message string           `json:"message"`
	Report  *validate.Report `json:"report,omitempty"` // the report, when the photo could be partly read
}

// The answers for bad input and a busy server.
var (
	errTooLarge      = &apiError{fiber.StatusRequestEntityTooLarge, "body_too_large", nil}
	errNotImage      = &apiError{fiber.StatusUnsupportedMediaType, "not_an_image", nil}
	errUnsupported   = &apiError{fiber.StatusUnsupportedMediaType, "unsupported_format", nil}
	errMediaType     = &apiError{fiber.StatusUnsupportedMediaType, "unsupported_media_type", nil}
	errEncoding      = &apiError{fiber.StatusUnsupportedMediaType, "unsupported_encoding", nil}
	errUnreadable    = &apiError{fiber.StatusUnprocessableEntity, "unreadable_image", nil}
	errOverBudget    = &apiError{fiber.StatusUnprocessableEntity, "too_heavy", nil}
	errTooManyPixels = &apiError{fiber.StatusUnprocessableEntity, "too_many_pixels", nil}
	errNoPhoto       = &apiError{fiber.StatusBadRequest, "missing_photo", nil}
	errMultipart     = &apiError{fiber.StatusBadRequest, "malformed_form", nil}
	errProfile       = &apiError{fiber.StatusBadRequest, "unknown_profile", nil}
	errEmail         = &apiError{fiber.StatusBadRequest, "malformed_email", nil}
	errNoImages      = &apiError{fiber.StatusUnprocessableEntity, "no_images", nil}
	errQueueFull     = &apiError{fiber.StatusTooManyRequests, "too_many_requests", nil}
	errBusy          = &apiError{fiber.StatusServiceUnavailable, "busy", nil}
	errClientBusy    = &apiError{fiber.StatusTooManyRequests, "client_busy", nil}
	errClientRate    = &apiError{fiber.StatusTooManyRequests, "client_rate", nil} // args: seconds to wait
	errTooSlow       = &apiError{fiber.StatusRequestTimeout, "too_slow", []any{minBodyRate >> 10}}
	errConnections   = &apiError{fiber.StatusServiceUnavailable, "too_many_connections", nil}
	errTimeout       = &apiError{fiber.StatusServiceUnavailable, "timeout", nil}
	// errClientGone answers a request whose client has closed the
	// connection: nobody reads it. 499 is the status nginx logs for it.
	errClientGone     = &apiError{499, "client_gone", nil}
	errStuck          = &apiError{fiber.StatusServiceUnavailable, "stuck", nil}
	errNotReady       = &apiError{fiber.StatusServiceUnavailable, "not_ready", nil}
	errNotFound       = &apiError{fiber.StatusNotFound, "not_found", nil}
	errMethod         = &apiError{fiber.StatusMethodNotAllowed, "method_not_allowed", nil}
	errBadRequest     = &apiError{fiber.StatusBadRequest, "bad_request", nil}
	errHeaderTooLarge = &apiError{fiber.StatusRequestHeaderFieldsTooLarge, "header_too_large", nil}
	errInternal       = &apiError{fiber.StatusInternalServerError, "internal", nil}
)

// reportError maps the error of a report that could not be read to its
// answer.
func reportError(err error) *apiError {
	switch {
	case errors.Is(err, validate.ErrNotImage):
		return errNotImage
	case errors.Is(err, validate.ErrUnsupported):
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
