package web

import "net/http"

// Accounts is what the account pages read and write.
type Accounts interface{}

func (s *Server) accountRoutes() {}

// authenticate attaches the signed-in user (session cookie or bearer
// token) to the request's context.
func (s *Server) authenticate(r *http.Request) (*http.Request, error) { return r, nil }
