package web

// Subscriptions is what the subscription pages use.
type Subscriptions interface{}

func (s *Server) subscribeRoutes() {}
