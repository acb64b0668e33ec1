// Package problem is paperboy's error vocabulary: errors that say what
// kind of failure they are and carry a message a client may read, apart
// from the cause, which only the log sees. Services return them; the web
// layer turns a kind into a status in one place (web/errors.go).
package problem

import (
	"errors"
	"time"
)

// Kind is the class of a failure, as a client would see it.
type Kind int

// The kinds. Internal, the zero value, is every unexpected failure: its
// message is never shown.
const (
	Internal        Kind = iota
	Invalid              // the request is wrong: fix it and ask again
	Unauthorized         // sign in first
	Forbidden            // signed in, but not allowed
	NotFound             // no such thing
	NotAllowed           // the address does not take this method
	Conflict             // it exists already
	TooLarge             // the request body is over its limit
	UnsupportedType      // the request body is not in a format taken here
	Unprocessable        // well-formed, but the rules refuse it
	TooManyRequests      // a rate limit or a quota; see RetryAfter
	Upstream             // a service paperboy depends on did not answer
	Unavailable          // paperboy cannot answer now; see RetryAfter
)

// Error is a failure with a kind and a client-safe message.
type Error struct {
	Kind Kind
	// Message is what a client may read: it must not come from another
	// error's text.
	Message string
	// RetryAfter, when positive, is how long a client should wait before
	// asking again.
	RetryAfter time.Duration
	// Err is the cause, for the log and errors.Is; never shown.
	Err error
}

// New returns an error of the kind with a client-safe message.
func New(kind Kind, message string) *Error {
	return &Error{Kind: kind, Message: message}
}

// Wrap returns an error of the kind with a client-safe message that keeps
// err as its cause.
func Wrap(err error, kind Kind, message string) *Error {
	return &Error{Kind: kind, Message: message, Err: err}
}

// Retry returns a copy of e that tells clients to wait d.
func (e *Error) Retry(d time.Duration) *Error {
	c := *e
	c.RetryAfter = d
	return &c
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// As returns the first *Error in err's chain, or nil.
func As(err error) *Error {
	var p *Error
	if errors.As(err, &p) {
		return p
	}
	return nil
}

// KindOf is the kind of the first *Error in err's chain; Internal when
// there is none.
func KindOf(err error) Kind {
	if p := As(err); p != nil {
		return p.Kind
	}
	return Internal
}
