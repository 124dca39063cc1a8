package api

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/tessera-cie/tessera/validate"
)

// apiError is an answer that is not a report: an HTTP status, a stable code
// for programs and a message for people, in Italian and English.
type apiError struct {
	status int
	code   string
	it, en string
}

func (e *apiError) Error() string { return e.code + ": " + e.en }

// message is the text in lang ("it" or "en"), formatted with args when
// the text has verbs.
func (e *apiError) message(lang string, args ...any) string {
	f := e.it
	if lang == "en" {
		f = e.en
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}

// errorBody is the JSON of an error answer.
type errorBody struct {
	Error   string           `json:"error"`
	Message string           `json:"message"`
	Report  *validate.Report `json:"report,omitempty"` // the report, when the photo could be partly read
}

// The answers for bad input and a busy server.
var (
	errTooLarge = &apiError{fiber.StatusRequestEntityTooLarge, "body_too_large",
		"Il file è troppo grande: il limite è %d MB. Una foto per la carta d'identità pesa meno di 500 KB.",
		"The file is too large: the limit is %d MB. A photo for the identity card is under 500 KB."}
	errNotImage = &apiError{fiber.StatusUnsupportedMediaType, "not_an_image",
		"Il file non è un'immagine. Invia una foto JPG o PNG.",
		"The file is not an image. Send a JPG or PNG photo."}
	errUnsupported = &apiError{fiber.StatusUnsupportedMediaType, "unsupported_format",
		"Formato non accettato: la foto deve essere JPG o PNG.",
		"Format not accepted: the photo must be JPG or PNG."}
	errMediaType = &apiError{fiber.StatusUnsupportedMediaType, "unsupported_media_type",
		"Invia la foto come campo \"photo\" di un modulo multipart o come corpo della richiesta con un tipo image/jpeg o image/png.",
		"Send the photo as the \"photo\" field of a multipart form or as the request body with an image/jpeg or image/png type."}
	errEncoding = &apiError{fiber.StatusUnsupportedMediaType, "unsupported_encoding",
		"Invia il corpo della richiesta senza compressione (Content-Encoding).",
		"Send the request body without compression (Content-Encoding)."}
	errUnreadable = &apiError{fiber.StatusUnprocessableEntity, "unreadable_image",
		"Non riesco a leggere l'immagine: il file è vuoto, incompleto o danneggiato. Riesporta la foto come JPG e riprova.",
		"The image cannot be read: the file is empty, incomplete or damaged. Export the photo again as JPG and retry."}
	errOverBudget = &apiError{fiber.StatusUnprocessableEntity, "too_heavy",
		"L'immagine richiede troppa memoria per essere controllata (troppi pixel o troppi dati per pixel). Inviala più piccola, in JPG (ne bastano circa 600 x 800 pixel).",
		"The image needs too much memory to be checked (too many pixels or too much data per pixel). Send it smaller, as JPG (about 600 x 800 pixels is enough)."}
	errTooManyPixels = &apiError{fiber.StatusUnprocessableEntity, "too_many_pixels",
		"L'immagine ha troppi pixel per essere controllata. Riducila (ne bastano circa 600 x 800) e riprova.",
		"The image has too many pixels to be checked. Scale it down (about 600 x 800 is enough) and retry."}
	errNoPhoto = &apiError{fiber.StatusBadRequest, "missing_photo",
		"Nessuna foto ricevuta: scegli un file e riprova.",
		"No photo received: choose a file and retry."}
	errMultipart = &apiError{fiber.StatusBadRequest, "malformed_form",
		"Il modulo inviato non è leggibile. Ricarica la pagina e riprova.",
		"The form sent cannot be read. Reload the page and retry."}
	errProfile = &apiError{fiber.StatusBadRequest, "unknown_profile",
		"Profilo sconosciuto: usa \"cie\" (carta d'identità) oppure \"icao\".",
		"Unknown profile: use \"cie\" (identity card) or \"icao\"."}
	errEmail = &apiError{fiber.StatusBadRequest, "malformed_email",
		"Il messaggio email non è leggibile: invia il messaggio completo (formato .eml, RFC 822).",
		"The email message cannot be read: send the whole message (.eml, RFC 822)."}
	errNoImages = &apiError{fiber.StatusUnprocessableEntity, "no_images",
		"Il messaggio non contiene foto: allega la foto (JPG o PNG) e invialo di nuovo.",
		"The message contains no photo: attach the photo (JPG or PNG) and send it again."}
	errQueueFull = &apiError{fiber.StatusTooManyRequests, "too_many_requests",
		"Troppe richieste in questo momento. Riprova tra qualche secondo.",
		"Too many requests right now. Retry in a few seconds."}
	errBusy = &apiError{fiber.StatusServiceUnavailable, "busy",
		"Il servizio è molto occupato. Riprova tra qualche secondo.",
		"The service is very busy. Retry in a few seconds."}
	errTimeout = &apiError{fiber.StatusServiceUnavailable, "timeout",
		"Il controllo ha richiesto troppo tempo. Riprova con una foto più piccola.",
		"The check took too long. Retry with a smaller photo."}
	// errClientGone answers a request whose client has closed the
	// connection: nobody reads it. 499 is the status nginx logs for it.
	errClientGone = &apiError{499, "client_gone",
		"La richiesta è stata abbandonata.", "The request was abandoned."}
	errStuck = &apiError{fiber.StatusServiceUnavailable, "stuck",
		"Tutti i controlli in corso sono bloccati. Riprova più tardi.",
		"Every check in progress is stuck. Retry later."}
	errNotReady = &apiError{fiber.StatusServiceUnavailable, "not_ready",
		"Il servizio si sta avviando. Riprova tra qualche secondo.",
		"The service is starting. Retry in a few seconds."}
	errNotFound = &apiError{fiber.StatusNotFound, "not_found",
		"Pagina non trovata.", "Page not found."}
	errMethod = &apiError{fiber.StatusMethodNotAllowed, "method_not_allowed",
		"Metodo non consentito per questo indirizzo.", "Method not allowed for this address."}
	errBadRequest = &apiError{fiber.StatusBadRequest, "bad_request",
		"Richiesta non valida.", "Bad request."}
	errHeaderTooLarge = &apiError{fiber.StatusRequestHeaderFieldsTooLarge, "header_too_large",
		"L'indirizzo o le intestazioni della richiesta sono troppo lunghi.", "The request's address or headers are too long."}
	errInternal = &apiError{fiber.StatusInternalServerError, "internal",
		"Errore interno. Riprova più tardi.", "Internal error. Retry later."}
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
