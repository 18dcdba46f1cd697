package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/config"
)

// Error is the envelope of every error the API returns:
// {"error": "ServerNotFound", "message": "...", "status_code": 404}, plus
// the problems of an invalid field or config.
type Error struct {
	Code       string           `json:"error"`
	Message    string           `json:"message"`
	StatusCode int              `json:"status_code"`
	Problems   []config.Problem `json:"problems,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func apiErr(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), StatusCode: status}
}

func errBadRequest(code, format string, args ...any) *Error {
	return apiErr(http.StatusBadRequest, code, format, args...)
}
func errNotFound(code, format string, args ...any) *Error {
	return apiErr(http.StatusNotFound, code, format, args...)
}
func errConflict(code, format string, args ...any) *Error {
	return apiErr(http.StatusConflict, code, format, args...)
}
func errForbidden(code, format string, args ...any) *Error {
	return apiErr(http.StatusForbidden, code, format, args...)
}

// errInvalid is a 422 naming the field that is wrong.
func errInvalid(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: "InvalidField", Message: field + ": " + msg, StatusCode: http.StatusUnprocessableEntity,
		Problems: []config.Problem{{Path: field, Message: msg}}}
}

// errConfig turns a config change that was refused into the right status:
// 422 with every problem for an invalid config, 409 when the file on disk is
// broken, 500 for a failed save.
func errConfig(err error) *Error {
	var ve *config.ValidationError
	switch {
	case errors.As(err, &ve):
		return &Error{Code: "InvalidConfig", Message: ve.Error(), StatusCode: http.StatusUnprocessableEntity, Problems: ve.Problems}
	case errors.Is(err, config.ErrFileBroken):
		return errConflict("ConfigFileBroken", "%v", err)
	}
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return apiErr(http.StatusInternalServerError, "ConfigSaveFailed", "%v", err)
}

// handleError is fiber's error handler: every error leaves as the envelope.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	var ae *Error
	var fe *fiber.Error
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &fe):
		code := strings.ReplaceAll(http.StatusText(fe.Code), " ", "")
		if fe.Code == http.StatusRequestEntityTooLarge {
			fe.Message = fmt.Sprintf("request body is larger than %d bytes", MaxBodyBytes)
		}
		ae = apiErr(fe.Code, code, "%s", fe.Message)
	default:
		s.log.Error("request failed", "request_id", requestOf(c).id, "method", c.Method(), "path", c.Path(), "err", err)
		ae = apiErr(http.StatusInternalServerError, "InternalError", "%v", err)
	}
	return c.Status(ae.StatusCode).JSON(ae)
}

func writeEnvelope(w http.ResponseWriter, e *Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.StatusCode)
	_ = json.NewEncoder(w).Encode(e)
}

// bind decodes a JSON body into v. Bad JSON is a 400 that says where; a
// field of the wrong type is a 422 that names it.
func bind(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return errBadRequest("EmptyBody", "the request needs a JSON body")
	}
	return decodeJSON(body, v)
}

// bindStrict is bind for bodies whose every field is a setting we keep:
// a field it does not know (a typo, a setting of another kind) is a 422
// that names it, rather than being dropped without a word.
func bindStrict(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return errBadRequest("EmptyBody", "the request needs a JSON body")
	}
	return decodeJSONWith(body, v, true)
}

func decodeJSON(body []byte, v any) error { return decodeJSONWith(body, v, false) }

func decodeJSONWith(body []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return errInvalid(strings.Trim(field, `"`), "is not a field this request takes")
		}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return errBadRequest("BadJSON", "the body is not valid JSON: %v (at byte %d)", se, se.Offset)
		case errors.As(err, &te):
			field := te.Field
			if field == "" {
				field = "(body)"
			}
			return errInvalid(field, "must be %s, got %s", describeKind(te.Type.Kind().String()), te.Value)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return errBadRequest("BadJSON", "the body is not valid JSON: it ends too early")
		}
		var ae *Error
		if errors.As(err, &ae) {
			return ae
		}
		return errBadRequest("BadJSON", "the body is not valid JSON: %v", err)
	}
	if dec.More() {
		return errBadRequest("BadJSON", "the body has more than one JSON value")
	}
	return nil
}

func describeKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "map", "struct":
		return "an object"
	case "int", "int64", "int32", "uint", "float64":
		return "a number"
	}
	return k
}

func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
